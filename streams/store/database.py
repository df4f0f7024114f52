"""Engines, the schema-version check and upgrades of the store.

The URL is a ``SecretStr`` from the settings; it is unwrapped only to build an engine, and
nothing here logs or raises it (SQLAlchemy hides the password when it renders a URL).
``buzzwire db upgrade`` applies the Alembic migrations; a sink, an import or a worker with a
store refuses to start on a schema that is behind (:class:`SchemaBehind` says which command
fixes it).
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from pydantic import SecretStr
from sqlalchemy import Connection, create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

__all__ = [
    "SchemaBehind",
    "async_engine",
    "check_schema",
    "current_revision",
    "head_revision",
    "public_url",
    "require_current_schema",
    "upgrade",
]

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class SchemaBehind(RuntimeError):
    """The database's schema is not the one this buzzwire needs; the message says what to do."""


def public_url(url: SecretStr) -> str:
    """The URL with its password hidden, for messages."""
    return make_url(url.get_secret_value()).render_as_string(hide_password=True)


def _config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def head_revision() -> str:
    """The newest migration this buzzwire ships."""
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def current_revision(connection: Connection) -> str | None:
    """The migration the database is at (None: never migrated)."""
    return MigrationContext.configure(connection).get_current_revision()


def upgrade(url: SecretStr) -> tuple[str | None, str]:
    """Apply every pending migration; returns (revision before, revision after)."""
    engine = create_engine(url.get_secret_value())
    try:
        with engine.begin() as connection:
            before = current_revision(connection)
            cfg = _config()
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, "head")
            after = current_revision(connection)
    finally:
        engine.dispose()
    assert after is not None
    return before, after


def async_engine(url: SecretStr, *, pool_size: int = 5) -> AsyncEngine:
    """An asyncio engine on psycopg 3; connections are checked before use, so one that a
    server restart broke is replaced instead of failing a batch."""
    return create_async_engine(
        url.get_secret_value(),
        pool_size=pool_size,
        max_overflow=0,
        pool_pre_ping=True,
        pool_recycle=1800,
    )


def _check(connection: Connection) -> None:
    head = head_revision()
    current = current_revision(connection)
    if current == head:
        return
    scripts = ScriptDirectory.from_config(_config())
    known = {rev.revision for rev in scripts.walk_revisions()}
    if current is not None and current not in known:
        raise SchemaBehind(
            f"the database schema is at revision {current}, newer than this buzzwire knows "
            f"({head}): upgrade buzzwire"
        )
    raise SchemaBehind(
        f"the database schema is at revision {current or '(none)'}, this buzzwire needs "
        f"{head}: run `buzzwire db upgrade`"
    )


def check_schema(url: SecretStr) -> None:
    """Raise :class:`SchemaBehind` unless the database at ``url`` is at the head revision
    (synchronous, for processes that only check it at start: the worker)."""
    engine = create_engine(url.get_secret_value())
    try:
        with engine.connect() as connection:
            _check(connection)
    finally:
        engine.dispose()


async def require_current_schema(engine: AsyncEngine) -> None:
    """Raise :class:`SchemaBehind` unless the database is at this buzzwire's head revision."""
    async with engine.connect() as connection:
        await connection.run_sync(_check)
