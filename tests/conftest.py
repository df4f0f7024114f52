"""Shared fixtures.

``kafka_broker`` (session scope) is the Kafka broker for integration tests: a local single-node
broker started once per session on free ports with a throw-away state dir, and always stopped at
the end. Set ``BUZZWIRE_TEST_BROKER_URL=kafka://host:9092`` to use a broker you run yourself
instead; then nothing is started. Either way the object has ``.bootstrap`` ("host:port") and
``.url`` ("kafka://host:port"); ``.managed`` says whether the session owns (and may restart) it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from streams.devstack.localkafka import LocalKafka, RemoteKafka
from streams.devstack.ports import free_ports


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
