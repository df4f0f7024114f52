"""Alembic migrations of the store (``buzzwire db upgrade``; ``streams.store.database``)."""
