"""The migrations on the real server: they build what ``streams.store.schema`` describes, run
down and up again, and a schema that is behind is refused with the command that fixes it."""

from __future__ import annotations

import asyncio

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from pydantic import SecretStr
from sqlalchemy import create_engine, text

from streams.store.database import (
    SchemaBehind,
    async_engine,
    head_revision,
    require_current_schema,
    upgrade,
)
from streams.store.schema import metadata


def _diff(url: SecretStr) -> list[object]:
    engine = create_engine(url.get_secret_value())
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn,
                opts={
                    # the month partitions are made at run time, not by the schema
                    "include_name": lambda name, type_, parent: (
                        not (type_ == "table" and name is not None and "_y" in name)
                    ),
                },
            )
            return list(compare_metadata(context, metadata))
    finally:
        engine.dispose()


def test_the_migrations_build_exactly_the_schema(store_url: SecretStr) -> None:
    assert _diff(store_url) == []


def test_upgrade_is_idempotent_and_reports_the_revision(store_url: SecretStr) -> None:
    assert upgrade(store_url) == (head_revision(), head_revision())


def test_a_schema_behind_is_refused_with_the_command_that_fixes_it(store_url: SecretStr) -> None:
    engine = create_engine(store_url.get_secret_value())
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'behind0'"))
    engine.dispose()

    async def check() -> None:
        eng = async_engine(store_url)
        try:
            await require_current_schema(eng)
        finally:
            await eng.dispose()

    with pytest.raises(SchemaBehind, match="newer than this buzzwire knows"):
        asyncio.run(check())
    engine = create_engine(store_url.get_secret_value())
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM alembic_version"))
    engine.dispose()
    with pytest.raises(SchemaBehind, match=r"run `buzzwire db upgrade`"):
        asyncio.run(check())


def test_downgrade_and_upgrade_again(store_url: SecretStr) -> None:
    from alembic import command

    from streams.store.database import _config

    engine = create_engine(store_url.get_secret_value())
    with engine.begin() as conn:
        cfg = _config()
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "base")
        tables = conn.execute(
            text("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
        ).scalar_one()
        assert tables == 1  # alembic_version only
    engine.dispose()
    assert upgrade(store_url) == (None, head_revision())
    assert _diff(store_url) == []
