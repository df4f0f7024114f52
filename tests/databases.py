"""Databases of a test's own on the test PostgreSQL server (``postgres_server``): created
fresh, dropped after, migrated or not. One place for what the store's, the sink's, the web
app's, the import's and the users CLI's tests each need."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg import sql as pgsql
from pydantic import SecretStr
from sqlalchemy.engine import URL, make_url


def admin_connection(url: URL) -> psycopg.Connection[Any]:
    """An autocommit connection (CREATE/DROP DATABASE cannot run in a transaction)."""
    return psycopg.connect(
        host=url.host,
        port=url.port,
        user=url.username,
        password=url.password,
        dbname=url.database,
        autocommit=True,
    )


@contextmanager
def new_database(server_url: SecretStr, prefix: str = "test") -> Iterator[SecretStr]:
    """A new, empty (never migrated) database on the server at ``server_url``; its URL, with
    the server's credentials. Dropped at the end, connections and all."""
    base = make_url(server_url.get_secret_value())
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with admin_connection(base) as admin:
        admin.execute(pgsql.SQL("CREATE DATABASE {}").format(pgsql.Identifier(name)))
    try:
        yield SecretStr(base.set(database=name).render_as_string(hide_password=False))
    finally:
        with admin_connection(base) as admin:
            admin.execute(
                pgsql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(pgsql.Identifier(name))
            )
