"""``buzzwire sink``: the process that writes what the pipeline produces into the store.

By concern: :mod:`.metrics` (its metrics, on a registry passed in), :mod:`.decode` (a Kafka
record to the rows of ``streams.store``), :mod:`.kafka` (client options), :mod:`.service`
(the consume-write-commit loop, its pauses and dead letters) and :mod:`.web` (``/metrics``
and ``/ready``). See docs/store.md.

The sink is a plain aiokafka consumer, not a Faust agent: it needs one thing Faust does not
give, to commit a partition's offset only after the database has committed the rows (and
after any dead letters are acknowledged), and nothing Faust adds (tables, windows).
"""
