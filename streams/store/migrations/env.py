"""Alembic's environment for the store: runs migrations on the connection that
``streams.store.database.upgrade`` passes in (``config.attributes["connection"]``), or on an
engine built from the configured URL. Migrations are hand-written SQL (partitioned tables and
PL/pgSQL functions are clearer as SQL); ``tests/streams/store/test_migrations.py`` checks that
they build exactly what ``streams.store.schema`` describes."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from streams.store.schema import metadata

config = context.config


def _run(connection: object) -> None:
    context.configure(connection=connection, target_metadata=metadata)  # type: ignore[arg-type]
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("buzzwire migrations run online only (buzzwire db upgrade)")
run_migrations_online()
