"""The response inbox's pure logic: how an item ranks, why, and what kind of answer it needs
(``streams.inbox.priority``). The store's inbox queries (``streams.store.inbox``) use it; it
imports nothing of the store."""
