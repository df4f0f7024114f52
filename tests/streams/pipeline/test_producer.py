"""BatchProducer: a record refused for good never fails the batch or loses a batch-mate."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

import orjson
import pytest
from aiokafka.errors import (
    CommitFailedError,
    IllegalStateError,
    KafkaTimeoutError,
    MessageSizeTooLargeError,
)
from faust.exceptions import ProducerSendError
from faust.types import TP, Message

from streams.mentions.logic import Reason
from streams.pipeline import topics
from streams.pipeline.app import metrics
from streams.pipeline.continuity import Link
from streams.pipeline.producer import BatchProducer, record_rejected, using_transport


class Broker:
    """Accepts records, refusing those larger than ``limit`` bytes like a broker would (the
    future fails), or at send time like the client does for ``client_limit``."""

    def __init__(self, limit: int, client_limit: int = 10**9) -> None:
        self.limit, self.client_limit = limit, client_limit
        self.accepted: list[tuple[str, bytes | None, bytes]] = []

    async def send(
        self, topic: str, key: bytes | None, value: bytes, partition: int | None
    ) -> asyncio.Future[None]:
        if len(value) > self.client_limit:
            raise ProducerSendError("Error while sending") from MessageSizeTooLargeError()
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if len(value) > self.limit:
            fut.set_exception(MessageSizeTooLargeError())
        else:
            self.accepted.append((topic, key, value))
            fut.set_result(None)
        return fut


@dataclass
class Event:
    """What BatchProducer reads of a Faust event: its message."""

    message: Message


def event(offset: int, value: bytes, key: bytes = b"k") -> Any:
    tp = TP(topics.raw_topic.get_topic_name(), 2)
    msg = Message(
        topic=tp.topic, partition=tp.partition, offset=offset, timestamp=0.0,
        timestamp_type=0, headers=[], key=key, value=value, checksum=None, tp=tp,
    )  # fmt: skip
    return Event(msg)


def count(metric: Any, label: str) -> float:
    return float(metric.labels(label)._value.get())


async def test_a_refused_output_dead_letters_its_input_and_keeps_its_batch_mates() -> None:
    broker = Broker(limit=300_000)
    big, small = event(7, b"x" * 10), event(8, b"y" * 10)
    rejected = count(metrics.outputs_rejected, "mentions.enriched")
    with using_transport(broker.send):
        out = BatchProducer()
        await out.send(topics.enriched_topic, b"a", b"A" * 400_000, source=big)  # refused
        await out.send(topics.enriched_topic, b"b", b"B" * 100, source=small)
        await out.flush()
    names = [t for t, _, _ in broker.accepted]
    assert names == [
        topics.enriched_topic.get_topic_name(),
        topics.deadletter_topic.get_topic_name(),
    ]
    letter = orjson.loads(broker.accepted[1][2])
    assert letter["reason"] == "output_rejected"
    assert letter["source"]["offset"] == 7
    assert count(metrics.outputs_rejected, "mentions.enriched") == rejected + 1


async def test_a_refused_dead_letter_is_skipped_with_its_offset(
    caplog: pytest.LogCaptureFixture,
) -> None:
    broker = Broker(limit=100, client_limit=10_000)
    skipped = count(metrics.messages_skipped, "mentions.deadletter")
    with using_transport(broker.send), caplog.at_level(logging.ERROR):
        out = BatchProducer()
        await out.dead_letter(event(41, b"\x01" * 50_000), Reason.BINARY_TEXT, "binary", now=0.0)
        await out.flush()
    assert broker.accepted == []
    assert count(metrics.messages_skipped, "mentions.deadletter") == skipped + 1
    assert "@41" in caplog.text


async def test_other_failures_are_raised_so_the_batch_is_read_again() -> None:
    async def down(topic: str, key: bytes | None, value: bytes, part: int | None) -> Any:
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        fut.set_exception(KafkaTimeoutError())
        return fut

    with using_transport(down):
        out = BatchProducer()
        await out.send(topics.enriched_topic, b"a", b"A", source=event(1, b"a"))
        with pytest.raises(KafkaTimeoutError):
            await out.flush()


def test_record_rejected_sees_through_fausts_wrapper() -> None:
    try:
        try:
            raise MessageSizeTooLargeError()
        except MessageSizeTooLargeError as exc:
            raise ProducerSendError("Error while sending") from exc
    except ProducerSendError as wrapped:
        assert record_rejected(wrapped)
    assert not record_rejected(KafkaTimeoutError())


class RefCounted:
    def __init__(self, offset: int) -> None:
        self.offset = offset


async def test_a_failing_batch_is_tried_again_never_skipped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from streams.pipeline import producer as producer_mod
    from streams.pipeline.app import health

    monkeypatch.setattr(producer_mod.asyncio, "sleep", _no_sleep)
    first = [Event(RefCounted(1)), Event(RefCounted(2))]  # type: ignore[arg-type]
    second = [Event(RefCounted(3))]  # type: ignore[arg-type]

    async def two_batches(stream: Any) -> Any:
        yield first
        yield second

    monkeypatch.setattr(producer_mod, "batches", two_batches)
    seen: list[list[int]] = []
    problems_while_failing: list[list[str]] = []

    async def process(events: Any) -> int:
        seen.append([e.message.offset for e in events])
        if len(seen) == 2:  # /ready says so while a batch fails
            assert any("agent test_agent" in p for p in health.problems())
        if len(seen) <= 2:
            raise KafkaTimeoutError()
        return len(events)

    retries = float(metrics.batch_retries.labels("test_agent")._value.get())
    out = []
    async for n in producer_mod.each_batch(object(), process, agent="test_agent"):  # type: ignore[arg-type]
        out.append(n)
        problems_while_failing.append(health.problems())
    assert seen == [[1, 2], [1, 2], [1, 2], [3]]
    assert out == [2, 1]
    assert float(metrics.batch_retries.labels("test_agent")._value.get()) == retries + 2
    assert not any("test_agent" in p for p in problems_while_failing[0])


async def _no_sleep(seconds: float) -> None:
    return None


class FetchedMessage:
    """A message of ``mentions.raw`` partition 0 fetched in a group generation."""

    def __init__(self, offset: int, generation: int) -> None:
        self.offset, self.generation_id = offset, generation
        self.topic, self.partition = "mentions.raw", 0


def _fetch(monkeypatch: pytest.MonkeyPatch, *fetched: list[tuple[int, int]]) -> None:
    """The agent's input: batches of (offset, generation) messages."""
    from streams.pipeline import producer as producer_mod

    async def batches(stream: Any) -> Any:
        for batch in fetched:
            yield [Event(FetchedMessage(offset, generation)) for offset, generation in batch]  # type: ignore[arg-type]

    monkeypatch.setattr(producer_mod, "batches", batches)


async def test_a_stale_batch_is_dropped_never_tried_again(monkeypatch: pytest.MonkeyPatch) -> None:
    from streams.pipeline import producer as producer_mod
    from streams.pipeline.membership import StaleBatch

    monkeypatch.setattr(producer_mod, "group_generation", lambda: 7)
    _fetch(monkeypatch, [(1, 7), (2, 7)], [(3, 7)])
    seen: list[list[int]] = []

    async def process(events: Any) -> int:
        seen.append([e.message.offset for e in events])
        if len(seen) == 1:  # the group moved on while the first batch ran
            raise StaleBatch("the group's generation moved from 7 to 8")
        return len(events)

    stale = count(metrics.stale_events, "stale_agent")
    retries = count(metrics.batch_retries, "stale_agent")
    out = [n async for n in producer_mod.each_batch(object(), process, agent="stale_agent")]  # type: ignore[arg-type]
    assert seen == [[1, 2], [3]]  # not tried again: the rebalance reads it again
    assert out == [1]
    assert count(metrics.stale_events, "stale_agent") == stale + 2
    assert count(metrics.batch_retries, "stale_agent") == retries


async def test_events_fetched_before_a_rebalance_are_dropped_before_processing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from streams.pipeline import producer as producer_mod

    monkeypatch.setattr(producer_mod, "group_generation", lambda: 8)
    # a mixed batch, one fetched before the rebalance only, one after
    _fetch(monkeypatch, [(1, 7), (2, 8), (3, 7)], [(4, 7)], [(5, 8)])
    seen: list[list[int]] = []

    async def process(events: Any) -> int:
        seen.append([e.message.offset for e in events])
        return len(events)

    stale = count(metrics.stale_events, "gen_agent")
    out = [n async for n in producer_mod.each_batch(object(), process, agent="gen_agent")]  # type: ignore[arg-type]
    assert seen == [[2], [5]]  # a batch left empty is not processed at all
    assert out == [1, 1]
    assert count(metrics.stale_events, "gen_agent") == stale + 3


async def test_without_a_started_consumer_nothing_is_stale() -> None:
    from streams.pipeline import producer as producer_mod

    # under Faust's test_context() there is no group: every event is processed
    assert producer_mod.group_generation() is None
    events = [Event(FetchedMessage(1, 3)), Event(FetchedMessage(2, 4))]  # type: ignore[arg-type]
    assert producer_mod._current(events, "no_group") == events  # type: ignore[arg-type]


class LinkedMessage:
    """A message of ``mentions.raw`` partition 0 with its record's link."""

    def __init__(self, offset: int, link: Link) -> None:
        self.offset, self.link, self.generation_id = offset, link, None
        self.topic, self.partition = "mentions.raw", 0
        self.tp = TP(self.topic, self.partition)


def _linked(epoch: int, start: int, offsets: list[int], after: int | None) -> list[Any]:
    out = []
    for o in offsets:
        out.append(Event(LinkedMessage(o, Link(epoch, start, after))))  # type: ignore[arg-type]
        after = o
    return out


class Partitions:
    """The epochs of the consumer's partitions, and the seeks the agent asks for (each one
    starts a new epoch, as aiokafka's patched position does)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, epoch: int, log: list[Any]) -> None:
        from streams.pipeline import producer as producer_mod

        self.epoch = epoch
        self.log = log
        monkeypatch.setattr(producer_mod, "_live_epoch", lambda tp: self.epoch)
        monkeypatch.setattr(producer_mod.app.consumer, "seek_wait", self.seek_wait)

    async def seek_wait(self, partitions: dict[TP, int]) -> None:
        self.log.extend(("seek", tp.partition, offset) for tp, offset in partitions.items())
        self.epoch += 1


def _batches(monkeypatch: pytest.MonkeyPatch, *fetched: list[Any]) -> None:
    from streams.pipeline import producer as producer_mod

    async def batches(stream: Any) -> Any:
        for batch in fetched:
            yield batch

    monkeypatch.setattr(producer_mod, "batches", batches)


async def test_records_that_never_reached_the_agent_are_read_again_before_any_past_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Offsets 14-15 are lost on their way to the agent: the batch stops before 16, the
    partition is sought back to 14 once the batch is done, and what was in flight from before
    the seek is dropped."""
    from streams.pipeline import producer as producer_mod

    log: list[Any] = []
    Partitions(monkeypatch, epoch=5, log=log)
    _batches(
        monkeypatch,
        _linked(5, 10, [10, 11, 12], None),
        _linked(5, 10, [13], 12) + _linked(5, 10, [16, 17], 15),
        _linked(5, 10, [18], 17) + _linked(6, 14, [14, 15, 16, 17, 18], None),
    )

    async def process(events: Any) -> int:
        log.append([e.message.offset for e in events])
        return len(events)

    gaps = count(metrics.read_gaps, "gap_agent")
    superseded = metrics.superseded_records._value.get()
    out = [n async for n in producer_mod.each_batch(object(), process, agent="gap_agent")]  # type: ignore[arg-type]
    assert log == [[10, 11, 12], [13], ("seek", 0, 14), [14, 15, 16, 17, 18]]
    assert out == [3, 1, 5]
    assert count(metrics.read_gaps, "gap_agent") == gaps + 1
    assert metrics.superseded_records._value.get() == superseded + 1


async def test_a_gap_is_read_again_from_where_the_agent_was_when_its_batch_is_not_done(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The agent dies in a batch that holds 2-3 and a gap after them: nothing is sought, and
    the agent restarted finds the gap from its place (1), so 2-3 are read again too. (Faust
    never hands an agent's unfinished events to its next incarnation.)"""
    from streams.pipeline import producer as producer_mod

    log: list[Any] = []
    Partitions(monkeypatch, epoch=5, log=log)
    _batches(
        monkeypatch, _linked(5, 0, [0, 1], None), _linked(5, 0, [2, 3], 1) + _linked(5, 0, [6], 5)
    )

    async def dies_in_its_second_batch(events: Any) -> int:
        log.append([e.message.offset for e in events])
        if events[0].message.offset == 2:
            raise asyncio.CancelledError  # the agent is gone, its batch undone
        return len(events)

    with pytest.raises(asyncio.CancelledError):
        async for _ in producer_mod.each_batch(object(), dies_in_its_second_batch, agent="died"):  # type: ignore[arg-type]
            pass
    assert log == [[0, 1], [2, 3]]  # no seek: the batch was not done
    _batches(monkeypatch, _linked(5, 0, [7], 6), _linked(6, 2, [2, 3, 4, 5, 6, 7], None))

    async def process(events: Any) -> int:
        log.append([e.message.offset for e in events])
        return len(events)

    out = [n async for n in producer_mod.each_batch(object(), process, agent="died")]  # type: ignore[arg-type]
    assert log[2:] == [("seek", 0, 2), [2, 3, 4, 5, 6, 7]]
    assert out == [6]


class _AtLeastOnce:
    """A worker with ``BUZZWIRE_TRANSACTIONS=false``, in generation 7 of its group: what a batch
    sends, checks, writes and commits, in order, through the app's producer and a Kafka
    consumer (``refuse``: the commit fails so; ``fail``: a record to this topic is refused)."""

    def __init__(
        self,
        monkeypatch: pytest.MonkeyPatch,
        refuse: BaseException | None = None,
        fail: str | None = None,
    ) -> None:
        from streams.pipeline import producer as producer_mod

        self.log: list[Any] = []
        self.refuse, self.fail = refuse, fail
        self.tp_last_committed_at: dict[Any, float] = {}
        monkeypatch.setattr(
            producer_mod,
            "settings",
            producer_mod.settings.model_copy(update={"transactions": False}),
        )
        monkeypatch.setattr(producer_mod, "kafka_consumer", lambda consumer: self)
        monkeypatch.setattr(producer_mod, "group_generation", lambda: 7)
        monkeypatch.setattr(producer_mod.membership, "check", self.check)
        monkeypatch.setattr(producer_mod.app.producer, "send", self.send)
        monkeypatch.setattr(producer_mod.app.consumer, "_thread", self, raising=False)

    async def check(self, generation: Any, current: Any, max_wait: float) -> None:
        self.log.append(("check", generation, current()))

    async def send(self, topic: str, key: Any, value: bytes, partition: Any, *args: Any) -> Any:
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if topic == self.fail:
            fut.set_exception(KafkaTimeoutError())
        else:
            self.log.append(("send", topic, value))
            fut.set_result(None)
        return fut

    async def call_thread(self, fun: Any, *args: Any) -> Any:
        return await fun(*args)  # the consumer's thread: here, the test's loop

    async def commit(self, offsets: dict[Any, Any]) -> None:
        if self.refuse is not None:
            raise self.refuse
        self.log.append(("commit", {(tp.partition, meta.offset) for tp, meta in offsets.items()}))


class _Changelog:
    def get_topic_name(self) -> str:
        return "seen-ids-changelog"

    def prepare_key(self, key: Any, serializer: Any) -> tuple[bytes, None]:
        return str(key).encode(), None

    def prepare_value(self, value: Any, serializer: Any) -> tuple[bytes, None]:
        return str(value).encode(), None


class _Data(dict[Any, Any]):
    """A table's local data, logging its writes."""

    def __init__(self, log: list[Any]) -> None:
        super().__init__()
        self.log = log

    def __setitem__(self, key: Any, value: Any) -> None:
        self.log.append(("local", key, value))
        super().__setitem__(key, value)


class _Table:
    """What a batch's table writes use of a Faust table."""

    changelog_topic = _Changelog()
    key_serializer = value_serializer = None

    def __init__(self, log: list[Any]) -> None:
        self.data = _Data(log)

    def partition_for_key(self, key: Any) -> int:
        return 2


def _in_generation_7(offset: int) -> Any:
    e = event(offset, b"a")
    e.message.generation_id = 7
    return e


async def test_at_least_once_a_batch_commits_its_input_once_its_outputs_and_state_are_sent(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Without transactions the agent commits its input offsets itself: after the batch's
    outputs and its table writes (each a changelog record) are acknowledged, and after the
    group is seen not to have moved on; never Faust, which commits what it acked (messages
    never processed among them)."""
    worker = _AtLeastOnce(monkeypatch)
    out = BatchProducer("ingest")
    enriched = topics.enriched_topic.get_topic_name()
    await out.send(topics.enriched_topic, b"k", b"enriched")
    out.set(_Table(worker.log), "m1", 1)  # type: ignore[arg-type]
    await out.flush([_in_generation_7(7), _in_generation_7(8)])
    assert worker.log == [
        ("send", enriched, b"enriched"),
        ("check", 7, 7),
        ("send", "seen-ids-changelog", b"1"),
        ("local", "m1", 1),
        ("commit", {(2, 9)}),
    ]
    assert set(worker.tp_last_committed_at) == {TP(topics.raw_topic.get_topic_name(), 2)}
    # the leader's clock ticks and other producers without an agent commit nothing
    worker.log.clear()
    ticks = BatchProducer()
    await ticks.send(topics.enriched_topic, b"k", b"tick")
    await ticks.flush([event(9, b"c")])
    assert worker.log == [("send", enriched, b"tick")]


async def test_at_least_once_a_state_write_that_fails_commits_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A changelog record the broker does not acknowledge fails the batch (tried again):
    neither the local state nor the input offsets move."""
    worker = _AtLeastOnce(monkeypatch, fail="seen-ids-changelog")
    out = BatchProducer("ingest")
    await out.send(topics.enriched_topic, b"k", b"enriched")
    out.set(_Table(worker.log), "m1", 1)  # type: ignore[arg-type]
    with pytest.raises(KafkaTimeoutError):
        await out.flush([_in_generation_7(7)])
    assert [entry[0] for entry in worker.log] == ["send", "check"]


@pytest.mark.parametrize(
    "refusal",
    [CommitFailedError("the group has already rebalanced"), IllegalStateError("not assigned")],
)
async def test_at_least_once_a_commit_the_group_refuses_makes_the_batch_stale(
    monkeypatch: pytest.MonkeyPatch, refusal: Exception
) -> None:
    """The broker refuses the offsets of a worker the group moved on from (a plain commit
    carries the generation), and the consumer those of a partition it no longer has: the
    batch is stale, and the partitions' new owner reads it."""
    from streams.pipeline.membership import StaleBatch

    _AtLeastOnce(monkeypatch, refuse=refusal)
    out = BatchProducer("ingest")
    await out.send(topics.enriched_topic, b"k", b"enriched")
    with pytest.raises(StaleBatch, match="refused the batch's offsets"):
        await out.flush([_in_generation_7(7)])
