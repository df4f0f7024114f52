"""``buzzwire sink`` on the real broker and the real PostgreSQL server: every valid mention (and
its near-duplicate clusters, which may come before it) is stored exactly once through repeated
``kill -9`` of the sink and a restart of the database server, hostile records are
dead-lettered with their reason, and a database outage pauses the sink (metric, ``/ready``)
without crashing it or losing anything."""

from __future__ import annotations

import asyncio
import random
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from aiokafka import AIOKafkaProducer
from pydantic import SecretStr
from sqlalchemy import create_engine, func, select

from streams.config import Settings
from streams.devstack.localpostgres import LocalPostgres
from streams.devstack.ports import free_port
from streams.devstack.workerproc import WorkerProcess, sink_process
from streams.pipeline.admin import (
    create_topics,
    delete_topics_with_prefix,
    end_offsets,
    uncommitted,
)
from streams.sink.decode import TOPIC_KINDS
from streams.sink.service import DEADLETTER_TOPIC
from streams.store.database import upgrade
from streams.store.schema import alert_events, mention_brands, mention_duplicates, mentions
from tests.integration.conftest import read_topics
from tests.streams.store.factories import alert, duplicate, enriched

pytestmark = pytest.mark.integration

PARTITIONS = 4


@pytest.fixture
def own_postgres(tmp_path: Path) -> Iterator[LocalPostgres]:
    """A server of the test's own, so that it may stop and restart it."""
    server = LocalPostgres(port=free_port(), state_dir=tmp_path / "pg")
    server.start()
    try:
        upgrade(server.url)
        yield server
    finally:
        server.destroy()


@pytest.fixture
def sink_settings(
    kafka_broker: Any, own_postgres: LocalPostgres, tmp_path: Path
) -> Iterator[Settings]:
    run = uuid.uuid4().hex[:8]
    settings = Settings(
        broker_url=kafka_broker.url,
        topic_prefix=f"sink-{run}.",
        app_id=f"buzzwire-sink-{run}",
        topic_partitions=PARTITIONS,
        data_dir=tmp_path / "data",
        database_url=own_postgres.url,
        sink_batch_size=300,
        sink_batch_seconds=0.2,
        sink_retry_max_seconds=1.0,
        consumer_session_timeout_seconds=6.0,
        consumer_heartbeat_interval_seconds=1.0,
    )
    names = [settings.topic(t) for t in (*TOPIC_KINDS, DEADLETTER_TOPIC)]
    asyncio.run(create_topics(settings.bootstrap_servers, names, PARTITIONS))
    try:
        yield settings
    finally:
        asyncio.run(
            delete_topics_with_prefix(
                settings.bootstrap_servers, [settings.topic_prefix, settings.app_id]
            )
        )


HOSTILE: list[tuple[bytes, str]] = [
    (b"{not json", "not_json"),
    (b"", "empty_message"),
    (b"[1, 2]", "not_object"),
    (orjson.dumps(enriched("bad-date", created_at="the day after")), "invalid_timestamp"),
    (orjson.dumps({**enriched("bad-count"), "engagement": {"likes": -5}}), "invalid_field"),
]
#: Broken ``mentions.duplicates`` records, and the reason each is dead-lettered with.
HOSTILE_CLUSTERS: list[tuple[bytes, str]] = [
    (orjson.dumps({**duplicate("bad-copy", 3, 2, copy=True), "copy": "yes"}), "invalid_field"),
    (b"[", "not_json"),
    (orjson.dumps(duplicate("bad-time", 3, 1, created_at="soon")), "invalid_timestamp"),
]


def cluster_records(record: dict[str, Any]) -> list[dict[str, Any]]:
    """The ``mentions.duplicates`` records of an enriched mention of :func:`valid_records`:
    acme's posts in clusters of three (the first organic, two copies), globex's in none."""
    n = int(record["id"].split("-")[1])
    out = []
    for brand in sorted({b["id"] for b in record["brands"]}):
        if brand == "acme":
            out.append(
                duplicate(
                    record["id"],
                    n // 3 + 1,
                    n % 3 + 1,
                    copy=n % 3 > 0,
                    created_at=record["created_at"],
                )
            )
        else:
            out.append(
                duplicate(record["id"], None, 0, brand=brand, created_at=record["created_at"])
            )
    return out


def valid_records(count: int) -> list[dict[str, Any]]:
    texts = [
        "Acme internet down again \x00 with a NUL",
        "Čokolada od Acme je odlična 🍫",
        "خدمة البنك سيئة جدا",
        "'; DROP TABLE mentions; --",
        "Šodien Acme piegāde kavējās",
    ]
    return [
        enriched(
            f"m-{i}",
            texts[i % len(texts)] + f" #{i}",
            created_at=1793534403 + i,
            brands=[("acme", i % 3 == 0), ("globex", False)] if i % 4 == 0 else [("acme", False)],
        )
        for i in range(count)
    ]


class Feeder(threading.Thread):
    """Sends the records at a steady rate (keyed by id) until ``finish()`` or the last one, each
    valid one twice for 10% of them (a re-delivery upstream), with a hostile record after
    every 500 valid ones. Each mention's near-duplicate cluster records go to
    ``mentions.duplicates``, before the mention for every other one (each topic is stored in
    batches of its own: the cluster may be stored first), re-sent with it, with a hostile one
    after every 500 valid ones. ``sent``, ``hostile`` and ``hostile_clusters`` say what went
    out."""

    def __init__(self, settings: Settings, records: list[dict[str, Any]], rate: float) -> None:
        super().__init__(daemon=True)
        self.settings, self.records, self.rate = settings, records, rate
        self.error: BaseException | None = None
        self.sent: list[dict[str, Any]] = []
        self.hostile = 0
        self.hostile_clusters = 0
        self._halt = threading.Event()

    def finish(self) -> None:
        self._halt.set()
        self.join()
        assert self.error is None

    def run(self) -> None:
        try:
            asyncio.run(self._send())
        except BaseException as exc:
            self.error = exc

    async def _send(self) -> None:
        producer = AIOKafkaProducer(bootstrap_servers=self.settings.bootstrap_servers, acks="all")
        await producer.start()
        topic = self.settings.topic("mentions.enriched")
        alerts = self.settings.topic("alerts")
        clusters = self.settings.topic("mentions.duplicates")
        try:
            await producer.send(alerts, value=orjson.dumps(alert("acme:t", 1, "opened")), key=b"a")
            started = time.monotonic()
            for n, record in enumerate(self.records):
                if self._halt.is_set():
                    break
                value = orjson.dumps(record)
                key = record["id"].encode()
                seen = [(c["brand"].encode(), orjson.dumps(c)) for c in cluster_records(record)]
                if n % 2 == 0:
                    for brand, cluster in seen:
                        await producer.send(clusters, value=cluster, key=brand)
                await producer.send(topic, value=value, key=key)
                if n % 10 == 0:
                    await producer.send(topic, value=value, key=key)
                if n % 2 == 1 or n % 10 == 0:
                    for brand, cluster in seen:
                        await producer.send(clusters, value=cluster, key=brand)
                self.sent.append(record)
                if n % 500 == 250:
                    raw, _ = HOSTILE[self.hostile % len(HOSTILE)]
                    await producer.send(topic, value=raw, key=b"hostile")
                    self.hostile += 1
                if n % 500 == 300:
                    raw, _ = HOSTILE_CLUSTERS[self.hostile_clusters % len(HOSTILE_CLUSTERS)]
                    await producer.send(clusters, value=raw, key=b"acme")
                    self.hostile_clusters += 1
                ahead = n / self.rate - (time.monotonic() - started)
                if ahead > 0:
                    await asyncio.sleep(ahead)
            await producer.send(alerts, value=orjson.dumps(alert("acme:t", 2)), key=b"a")
            await producer.flush()
        finally:
            await producer.stop()


def stored_clusters(url: SecretStr) -> list[tuple[Any, ...]]:
    engine = create_engine(url.get_secret_value())
    try:
        with engine.connect() as conn:
            found = conn.execute(
                select(
                    mention_duplicates.c.brand,
                    mention_duplicates.c.mention_id,
                    mention_duplicates.c.duplicate_cluster,
                    mention_duplicates.c.duplicate_size,
                    mention_duplicates.c.copy,
                )
            )
            return [tuple(row) for row in found]
    finally:
        engine.dispose()


def stored_ids(url: SecretStr) -> tuple[list[str], int, int]:
    engine = create_engine(url.get_secret_value())
    try:
        with engine.connect() as conn:
            ids = list(conn.execute(select(mentions.c.id)).scalars())
            brand_rows = conn.execute(select(func.count()).select_from(mention_brands)).scalar_one()
            events = conn.execute(select(func.count()).select_from(alert_events)).scalar_one()
    finally:
        engine.dispose()
    return ids, int(brand_rows), int(events)


def wait_all_committed(settings: Settings, sink: WorkerProcess, timeout: float) -> None:
    topics = [settings.topic("mentions.enriched"), settings.topic("mentions.duplicates")]
    targets = {
        topic: asyncio.run(end_offsets(settings.bootstrap_servers, topic, PARTITIONS))
        for topic in topics
    }
    deadline = time.monotonic() + timeout
    left: dict[int, int] = {}
    while time.monotonic() < deadline:
        left = {}
        for topic in topics:
            left.update(
                asyncio.run(
                    uncommitted(
                        settings.bootstrap_servers, settings.sink_group, topic, targets[topic]
                    )
                )
            )
        if not left:
            return
        assert sink.proc is not None and sink.proc.poll() is None, sink.log_tail()
        time.sleep(1.0)
    raise AssertionError(f"sink left {left} uncommitted:\n{sink.log_tail()}")


def test_kill_9_and_a_database_restart_store_every_mention_exactly_once(
    sink_settings: Settings, own_postgres: LocalPostgres, tmp_path: Path
) -> None:
    feeder = Feeder(sink_settings, valid_records(100_000), rate=250.0)
    feeder.start()
    rng = random.Random(16)
    log = tmp_path / "sink.log"
    for kill in range(5):
        sink = sink_process(sink_settings, log, free_port())
        sink.start()
        sink.wait_ready(timeout=60)
        time.sleep(rng.uniform(1.0, 2.5))
        if kill == 2:
            own_postgres.restart()  # while the sink writes
            time.sleep(1.0)
        assert feeder.is_alive(), "the stream ended before the kills"
        sink.kill()
    feeder.finish()
    records = feeder.sent

    final = sink_process(sink_settings, log, free_port())
    final.start()
    try:
        final.wait_ready(timeout=60)
        wait_all_committed(sink_settings, final, timeout=120)
        metrics = final.metrics()
    finally:
        code = final.stop()
    assert code == 0, final.log_tail()

    ids, brand_rows, events = stored_ids(own_postgres.url)
    expected = {r["id"] for r in records}
    assert len(ids) == len(set(ids)), "a mention was stored twice"
    assert set(ids) == expected, f"missing {len(expected - set(ids))}"
    assert brand_rows == sum(len({b["id"] for b in r["brands"]}) for r in records)
    assert events == 2
    assert metrics.get("buzzwire_sink_paused", 0.0) == 0.0
    # each mention's clusters once, as sent, whichever of the two came first
    clusters = stored_clusters(own_postgres.url)
    assert len(clusters) == len(set(clusters)) == brand_rows
    assert set(clusters) == {
        (c["brand"], c["id"], c["duplicate_cluster"], c["duplicate_size"], c["copy"])
        for r in records
        for c in cluster_records(r)
    }

    # every hostile record was dead-lettered with its reason (at least once: a kill after the
    # dead letter's acknowledgement and before the offset commit sends it again; the source
    # topic, partition and offset identify it)
    sent_hostile = {raw: reason for raw, reason in (*HOSTILE, *HOSTILE_CLUSTERS)}
    hostile = feeder.hostile + feeder.hostile_clusters
    assert feeder.hostile_clusters > 0
    dlq = sink_settings.topic(DEADLETTER_TOPIC)
    out = asyncio.run(
        read_topics(
            sink_settings.bootstrap_servers,
            [dlq],
            done=lambda got: len(got[dlq]) >= hostile,
            timeout=30,
            settle=2,
        )
    )
    letters = [orjson.loads(r.value) for r in out[dlq]]
    sources = {
        (d["source"]["topic"], d["source"]["partition"], d["source"]["offset"]): d for d in letters
    }
    assert len(sources) == hostile
    assert {t for t, _, _ in sources} == {
        sink_settings.topic("mentions.enriched"),
        sink_settings.topic("mentions.duplicates"),
    }
    for letter in sources.values():
        original = letter["original_text"].encode() if letter["original_text"] else b""
        assert letter["reason"] == sent_hostile[original]
    # the password never reached the log
    password = own_postgres.url.get_secret_value().split(":")[2].split("@")[0]
    assert password not in log.read_text(errors="replace")


def ready_status(port: int) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/ready", timeout=2) as resp:
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def test_a_database_outage_pauses_the_sink_and_loses_nothing(
    sink_settings: Settings, own_postgres: LocalPostgres, tmp_path: Path
) -> None:
    records = valid_records(3000)
    sink = sink_process(sink_settings, tmp_path / "sink.log", free_port())
    sink.start()
    try:
        sink.wait_ready(timeout=60)
        own_postgres.stop()
        feeder = Feeder(sink_settings, records, rate=1000.0)
        feeder.start()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if sink.metrics().get("buzzwire_sink_paused") == 1.0:
                break
            time.sleep(0.5)
        metrics = sink.metrics()
        assert metrics.get("buzzwire_sink_paused") == 1.0, sink.log_tail()
        assert metrics.get('buzzwire_sink_db_errors_total{kind="unavailable"}', 0) >= 1
        assert ready_status(sink.web_port) == 503
        time.sleep(4.0)  # several retries: it must not crash-loop
        assert sink.proc is not None and sink.proc.poll() is None, sink.log_tail()
        feeder.join()
        assert feeder.error is None
        assert len(feeder.sent) == len(records)
        own_postgres.start()
        wait_all_committed(sink_settings, sink, timeout=90)
        assert sink.metrics().get("buzzwire_sink_paused") == 0.0
        assert ready_status(sink.web_port) == 200
    finally:
        code = sink.stop()
    assert code == 0, sink.log_tail()
    ids, _, _ = stored_ids(own_postgres.url)
    assert sorted(ids) == sorted(r["id"] for r in records)
