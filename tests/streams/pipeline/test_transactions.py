"""A batch in one Kafka transaction: outputs, table writes and offsets together, or nothing.

The producer here is a stand-in for aiokafka's transactional producer that records what each
transaction held and whether it was committed; the real broker runs the same code in
``tests/integration/test_restarts.py`` (``kill -9`` mid-stream) and the other integration tests.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from aiokafka import TopicPartition
from aiokafka.errors import KafkaTimeoutError, MessageSizeTooLargeError

from streams.config import Settings
from streams.pipeline import producer as producer_mod
from streams.pipeline import topics
from streams.pipeline.app import app
from streams.pipeline.producer import BatchProducer
from streams.pipeline.tables import seen_ids
from streams.pipeline.transactions import Transactions, offsets_after, worker_id
from tests.streams.pipeline.test_producer import event


class FakeTransactionalProducer:
    """Keeps each transaction's records and offsets; ``committed`` holds the committed ones.
    A record larger than ``limit`` fails its future (the broker refuses it); ``failing`` makes
    every future fail with that error."""

    def __init__(self, limit: int = 10**9, failing: BaseException | None = None) -> None:
        self.limit, self.failing = limit, failing
        self.current: list[tuple[str, bytes | None, bytes, int | None]] | None = None
        self.offsets: dict[TopicPartition, int] = {}
        self.committed: list[tuple[list[Any], dict[TopicPartition, int]]] = []
        self.aborted = 0
        self.stopped = False

    async def begin_transaction(self) -> None:
        assert self.current is None, "one transaction at a time"
        self.current, self.offsets = [], {}

    async def send(
        self, topic: str, value: bytes, key: bytes | None = None, partition: int | None = None
    ) -> asyncio.Future[None]:
        assert self.current is not None, "send outside a transaction"
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if self.failing is not None:
            fut.set_exception(self.failing)
        elif len(value) > self.limit:
            fut.set_exception(MessageSizeTooLargeError())
        else:
            self.current.append((topic, key, value, partition))
            fut.set_result(None)
        return fut

    async def send_offsets_to_transaction(
        self, offsets: dict[TopicPartition, int], group_id: str
    ) -> None:
        assert group_id == app.conf.id
        self.offsets = dict(offsets)

    async def commit_transaction(self) -> None:
        assert self.current is not None
        self.committed.append((self.current, self.offsets))
        self.current = None

    async def abort_transaction(self) -> None:
        self.aborted += 1
        self.current = None

    async def stop(self) -> None:
        self.stopped = True


class Started(list[FakeTransactionalProducer]):
    """The fake producers the agents started, in order; ``params`` configures the next ones."""

    def __init__(self) -> None:
        super().__init__()
        self.params: dict[str, Any] = {}


@pytest.fixture
def txn(monkeypatch: pytest.MonkeyPatch) -> Iterator[Started]:
    """Every producer the agents start is a fake one."""
    started = Started()
    settings = Settings()
    assert settings.transactions  # the default
    fake = Transactions(settings)

    async def producer(agent: str) -> Any:
        if agent not in fake._producers:
            started.append(FakeTransactionalProducer(**started.params))
            fake._producers[agent] = started[-1]  # type: ignore[assignment]
        return fake._producers[agent]

    monkeypatch.setattr(fake, "producer", producer)
    monkeypatch.setattr(producer_mod, "transactions", fake)
    seen_ids.data.clear()
    yield started
    seen_ids.data.clear()


def _table() -> dict[Any, Any]:
    return dict(seen_ids.data.items())


def _names(records: list[tuple[str, bytes | None, bytes, int | None]]) -> list[str]:
    return [topic for topic, _, _, _ in records]


async def test_outputs_table_writes_and_offsets_commit_together(
    txn: Started,
) -> None:
    events = [event(7, b"a"), event(9, b"b"), event(8, b"c")]
    out = BatchProducer("ingest")
    await out.send(topics.enriched_topic, b"m1", b"{}", source=events[0])
    out.set(seen_ids, b"m1", 123.0)
    assert _table() == {}  # nothing changes before the commit
    await out.flush(events)

    (records, offsets), *more = txn[0].committed
    assert not more
    changelog = seen_ids.changelog_topic.get_topic_name()
    assert _names(records) == [topics.enriched_topic.get_topic_name(), changelog]
    # the changelog record is what Faust itself would write for seen_ids[b"m1"] = 123.0
    assert records[1][1:] == (b"m1", b"123.0", seen_ids.partition_for_key(b"m1"))
    # one past the highest offset of the batch on its partition
    assert offsets == {TopicPartition(topics.raw_topic.get_topic_name(), 2): 10}
    assert _table() == {b"m1": 123.0}


async def test_a_refused_output_aborts_and_its_message_is_dead_lettered_alone(
    txn: Started,
) -> None:
    txn.params["limit"] = 1000
    big, small = event(7, b"x" * 10), event(8, b"y" * 10)
    out = BatchProducer("ingest")
    await out.send(topics.enriched_topic, b"a", b"A" * 5000, source=big)  # refused
    await out.send(topics.untagged_topic, b"a", b"a", source=big)  # would be accepted
    await out.send(topics.enriched_topic, b"b", b"B", source=small)
    out.set(seen_ids, b"b", 1.0)
    await out.flush([big, small])

    first, second = txn  # the producer that saw the refusal was replaced
    assert first.aborted == 1 and first.stopped and not first.committed
    ((records, offsets),) = second.committed
    names = _names(records)
    # nothing of the refused message but its dead letter; its batch-mate and the write intact
    assert names.count(topics.untagged_topic.get_topic_name()) == 0
    assert names.count(topics.enriched_topic.get_topic_name()) == 1
    assert names.count(topics.deadletter_topic.get_topic_name()) == 1
    letter = next(
        orjson.loads(v) for t, _, v, _ in records if t == topics.deadletter_topic.get_topic_name()
    )
    assert (letter["reason"], letter["source"]["offset"]) == ("output_rejected", 7)
    assert offsets == {TopicPartition(topics.raw_topic.get_topic_name(), 2): 9}
    assert _table() == {b"b": 1.0}


async def test_any_other_failure_aborts_raises_and_changes_no_table(
    txn: Started,
) -> None:
    txn.params["failing"] = KafkaTimeoutError()
    out = BatchProducer("brand_windows")
    await out.send(topics.alerts_topic, b"acme", b"{}")
    out.set(seen_ids, b"m1", 1.0)
    with pytest.raises(KafkaTimeoutError):
        await out.flush([event(1, b"a")])
    assert not txn[0].committed and txn[0].stopped
    assert _table() == {}


def test_transactional_ids_are_stable_per_worker_and_agent() -> None:
    settings = Settings(app_id="bw", worker_id="node-3")
    assert Transactions(settings).transactional_id("ingest") == "bw.ingest.node-3"
    by_port = worker_id(Settings(web_port=6100))
    assert by_port.endswith("-6100") and by_port != worker_id(Settings(web_port=6101))


async def test_the_agents_producers_and_fausts_compress_as_configured(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every record batch a worker writes (outputs, dead letters, changelogs) is compressed
    with ``BUZZWIRE_PRODUCER_COMPRESSION``: the agents' transactional producers and Faust's."""
    from aiokafka import AIOKafkaProducer

    async def nothing(self: Any) -> None:
        return None

    monkeypatch.setattr(AIOKafkaProducer, "start", nothing)
    monkeypatch.setattr(AIOKafkaProducer, "stop", nothing)
    for chosen, expected in (("zstd", "zstd"), ("lz4", "lz4"), ("none", None)):
        transactions = Transactions(Settings(producer_compression=chosen))
        producer = await transactions.producer("enrich")
        assert producer._compression_type == expected
        await transactions.stop()
    assert Settings().producer_compression == "zstd"
    assert app.conf.producer_compression_type == "zstd"


def test_offsets_after_a_batch() -> None:
    events = [event(3, b"a"), event(5, b"b"), event(4, b"c")]
    assert offsets_after(events) == {TopicPartition(topics.raw_topic.get_topic_name(), 2): 6}
    assert offsets_after([]) == {}


def test_table_recovery_sees_the_changelogs_as_transactional() -> None:
    """Without this, recovery waits forever for the offset of a changelog's last commit
    marker, which no consumer receives."""
    view = app.tables.recovery.app  # type: ignore[attr-defined]
    assert view.in_transaction is True
    assert view.conf is app.conf
    # the app's consumer, behind the recovery's gate (tests/streams/pipeline/test_app.py)
    assert view.consumer._consumer is app.consumer
    assert app.in_transaction is False  # Faust's own exactly_once stays off


async def test_faust_never_commits_what_the_agents_commit() -> None:
    """Faust commits what it acked, and it acks messages it never handed to an agent when a
    worker stops: those offsets are the agents' alone (their transactions', or their own
    commits at least once)."""
    from faust.transport.consumer import Consumer
    from faust.types import TP

    real = Consumer._buzzwire_original__commit_offsets  # type: ignore[attr-defined]
    calls: list[dict[Any, int]] = []

    async def original(self: Any, offsets: Any, start_new_transaction: bool = True) -> bool:
        calls.append(dict(offsets))
        return True

    raw = topics.raw_topic.get_topic_name()
    alerts = topics.alerts_topic.get_topic_name()
    assert raw in producer_mod.AGENT_INPUTS and alerts not in producer_mod.AGENT_INPUTS
    Consumer._buzzwire_original__commit_offsets = original  # type: ignore[attr-defined]
    try:
        producer_mod.leave_offsets_to_agents(set(producer_mod.AGENT_INPUTS))
        consumer = object()
        assert await Consumer._commit_offsets(consumer, {TP(raw, 0): 5}) is False
        assert await Consumer._commit_offsets(consumer, {TP(raw, 0): 5, TP(alerts, 1): 3})
        assert calls == [{TP(alerts, 1): 3}]
    finally:
        Consumer._buzzwire_original__commit_offsets = real  # type: ignore[attr-defined]
        producer_mod.leave_offsets_to_agents(set(producer_mod.AGENT_INPUTS))


def _in_generation(offset: int, generation: int) -> Any:
    e = event(offset, b"a")
    e.message.generation_id = generation
    return e


async def test_a_batch_of_a_past_generation_aborts_and_is_stale(
    txn: Started, monkeypatch: pytest.MonkeyPatch
) -> None:
    from streams.pipeline.membership import StaleBatch

    monkeypatch.setattr(producer_mod, "group_generation", lambda: 8)  # a rebalance since
    producer_mod.membership.confirmed()
    out = BatchProducer("brand_windows")
    await out.send(topics.alerts_topic, b"acme", b"{}")
    out.set(seen_ids, b"m1", 1.0)
    with pytest.raises(StaleBatch):
        await out.flush([_in_generation(1, 7)])
    assert not txn[0].committed and txn[0].aborted == 1
    assert _table() == {}


async def test_a_batch_of_the_current_generation_of_a_live_member_commits(
    txn: Started, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(producer_mod, "group_generation", lambda: 7)
    producer_mod.membership.confirmed()
    out = BatchProducer("brand_windows")
    await out.send(topics.alerts_topic, b"acme", b"{}")
    out.set(seen_ids, b"m1", 1.0)
    await out.flush([_in_generation(1, 7)])
    assert len(txn[0].committed) == 1
    assert _table() == {b"m1": 1.0}
