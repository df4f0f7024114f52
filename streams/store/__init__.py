"""The durable mention store on PostgreSQL: schema, migrations, rows, batch writes, queries.

By concern: :mod:`.schema` (the tables, as SQLAlchemy Core metadata), :mod:`.migrations`
(Alembic; ``buzzwire db upgrade``), :mod:`.database` (engines, the schema-version check,
upgrades), :mod:`.rows` (pure: Kafka records to table rows, text made safe for PostgreSQL),
:mod:`.writer` (idempotent batch writes and month partitions) and :mod:`.queries` (the
queries the inbox and reports run). See docs/store.md.

SQLAlchemy 2 Core (async) on psycopg 3: Alembic needs SQLAlchemy anyway, Core builds every
statement from typed table objects (no SQL strings assembled by hand) and its PostgreSQL
dialect has ``INSERT ... ON CONFLICT``; psycopg 3 is the maintained driver with native
asyncio, server-side binding and pipeline mode for batched inserts.
"""
