"""Shared fixtures.

``kafka_broker`` (session scope) is the Kafka broker for integration tests: a local single-node
broker started once per session on free ports with a throw-away state dir, and always stopped at
the end. Set ``BUZZWIRE_TEST_BROKER_URL=kafka://host:9092`` to use a broker you run yourself
instead; then nothing is started. Either way the object has ``.bootstrap`` ("host:port") and
``.url`` ("kafka://host:port"); ``.managed`` says whether the session owns (and may restart) it.

``postgres_server`` (session scope) is the PostgreSQL server for the tests that need a
database: a local cluster (``LocalPostgres``) started once per session on a free port with a
throw-away state dir, always stopped and deleted at the end (as root it runs as the OS user
``postgres``). Set ``BUZZWIRE_TEST_DATABASE_URL=postgresql://user:password@host:port/db`` to
use a server you run yourself instead (``RemotePostgres``); then nothing is started. Either
way ``.url`` is the SQLAlchemy URL (``postgresql+psycopg://...``) as a ``pydantic.SecretStr``
(``.url.get_secret_value()``); ``.managed`` says whether the session owns (and may restart) it.

``store_url`` is a database of a test's own on that server, migrated, dropped after the test;
``empty_database`` one never migrated (``tests/databases.py``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from streams.devstack.localkafka import LocalKafka, RemoteKafka
from streams.devstack.localpostgres import LocalPostgres, RemotePostgres
from streams.devstack.ports import free_port, free_ports
from tests.databases import new_database


@pytest.fixture(scope="session")
def kafka_broker(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[LocalKafka | RemoteKafka]:
    external = os.environ.get("BUZZWIRE_TEST_BROKER_URL", "").strip()
    if external:
        yield RemoteKafka(external)
        return
    port, controller_port = free_ports(2)
    broker = LocalKafka(
        port=port,
        controller_port=controller_port,
        state_dir=tmp_path_factory.mktemp("kafka-broker"),
    )
    try:
        broker.start(timeout=180)
        yield broker
    finally:
        broker.stop()


@pytest.fixture(scope="session")
def postgres_server(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[LocalPostgres | RemotePostgres]:
    external = os.environ.get("BUZZWIRE_TEST_DATABASE_URL", "").strip()
    if external:
        yield RemotePostgres(external)
        return
    server = LocalPostgres(port=free_port(), state_dir=tmp_path_factory.mktemp("postgres-server"))
    try:
        server.start(timeout=120)
        yield server
    finally:
        server.destroy()


@pytest.fixture
def store_url(postgres_server: LocalPostgres | RemotePostgres) -> Iterator[SecretStr]:
    """The URL (a ``SecretStr``) of a database of its own on ``postgres_server``, migrated to
    the newest schema (``buzzwire db upgrade``), dropped after the test."""
    from streams.store.database import upgrade

    with new_database(postgres_server.url) as url:
        upgrade(url)
        yield url


@pytest.fixture
def empty_database(postgres_server: LocalPostgres | RemotePostgres) -> Iterator[SecretStr]:
    """The URL of a database of its own that was never migrated (a schema behind)."""
    with new_database(postgres_server.url, "empty") as url:
        yield url
