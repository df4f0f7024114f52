"""Each record an agent takes follows the last one it took of its partition; records that
never reached it are read again before anything past them is committed."""

from __future__ import annotations

import asyncio
import uuid
from types import SimpleNamespace
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.structs import TopicPartition
from faust.types import TP

from streams.pipeline.continuity import Continuity, Gap, Link, live_epoch

A, B = TP("mentions.raw", 0), TP("mentions.raw", 1)


def _event(tp: TP, offset: int, link: Link | None) -> Any:
    return SimpleNamespace(message=SimpleNamespace(tp=tp, offset=offset, link=link))


def _chain(tp: TP, epoch: int, start: int, offsets: list[int], after: int | None) -> list[Any]:
    """Events of one epoch, each linked to the one before (the first to ``after``)."""
    out = []
    for o in offsets:
        out.append(_event(tp, o, Link(epoch, start, after)))
        after = o
    return out


def _offsets(events: list[Any]) -> list[tuple[int, int]]:
    return [(e.message.tp.partition, e.message.offset) for e in events]


def test_a_chain_is_taken_across_batches_and_the_place_moves_only_when_done() -> None:
    continuity = Continuity()
    epochs = {A: 5}.get
    first = continuity.sort(_chain(A, 5, 10, [10, 11, 12], None), epochs)
    assert _offsets(first.kept) == [(0, 10), (0, 11), (0, 12)]
    assert first.gaps == [] and first.superseded == 0
    assert continuity.last == {}  # not done yet
    continuity.done(first)
    assert continuity.last == {A: (5, 12)}
    # transactional topics: the next record may stand past markers, its link says what came
    second = continuity.sort(_chain(A, 5, 10, [15, 16], 12), epochs)
    assert _offsets(second.kept) == [(0, 15), (0, 16)] and second.gaps == []


def test_records_that_never_reached_the_agent_stop_their_partition_and_name_where_to_read() -> None:
    continuity = Continuity(last={A: (5, 12)})
    epochs = {A: 5, B: 6}.get
    events = (
        _chain(A, 5, 10, [13, 14], 12)
        + _chain(B, 6, 0, [0, 1], None)
        + _chain(A, 5, 10, [20, 21], 19)  # 15-19 never came
        + _chain(B, 6, 0, [2], 1)
    )
    batch = continuity.sort(events, epochs)
    assert _offsets(batch.kept) == [(0, 13), (0, 14), (1, 0), (1, 1), (1, 2)]
    assert batch.gaps == [Gap(A, 14, 19, 20, seek_to=15)]
    continuity.done(batch)
    assert continuity.last == {A: (5, 14), B: (6, 2)}


def test_a_gap_before_the_agents_first_record_of_an_epoch_reads_from_the_epochs_start() -> None:
    # the first records after a seek to 40 were dropped on their way: the agent sees 43 first
    batch = Continuity(last={A: (4, 39)}).sort(_chain(A, 5, 40, [43, 44], 42), {A: 5}.get)
    assert batch.kept == []
    assert batch.gaps == [Gap(A, None, 42, 43, seek_to=40)]


def test_records_of_an_epoch_that_is_over_are_dropped_and_the_new_one_is_taken() -> None:
    continuity = Continuity(last={A: (5, 14)})
    # after the seek to 15: what was in flight from epoch 5 goes; epoch 7 starts a chain
    events = _chain(A, 5, 10, [20, 21], 19) + _chain(A, 7, 15, [15, 16], None)
    batch = continuity.sort(events, {A: 7}.get)
    assert _offsets(batch.kept) == [(0, 15), (0, 16)]
    assert batch.superseded == 2 and batch.gaps == []
    # a partition no longer assigned: nothing of it is taken
    assert continuity.sort(_chain(B, 6, 0, [0], None), {A: 7}.get).superseded == 1


def test_a_message_without_a_link_is_taken_as_it_is() -> None:
    batch = Continuity().sort([_event(A, 3, None), _event(A, 9, None)], {}.get)
    assert _offsets(batch.kept) == [(0, 3), (0, 9)]


async def _produce(bootstrap: str, topic: str) -> None:
    """Offsets 0-1 plain, then a committed transaction (2, 3 and a marker), an aborted one
    (5 and a marker) and a committed one (7 and a marker)."""
    plain = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await plain.start()
    try:
        for i in range(2):
            await plain.send_and_wait(topic, b"%d" % i, partition=0)
    finally:
        await plain.stop()
    txn = AIOKafkaProducer(bootstrap_servers=bootstrap, transactional_id=f"t-{topic}")
    await txn.start()
    try:
        for values, commit in (([b"2", b"3"], True), ([b"x"], False), ([b"7"], True)):
            await txn.begin_transaction()
            for v in values:
                await txn.send_and_wait(topic, v, partition=0)
            if commit:
                await txn.commit_transaction()
            else:
                await txn.abort_transaction()
    finally:
        await txn.stop()


async def _take(consumer: AIOKafkaConsumer, tp: TopicPartition, n: int) -> list[Any]:
    """The next ``n`` records of ``tp`` the consumer hands over (fetched two at a time)."""
    records: list[Any] = []
    async with asyncio.timeout(30):
        while len(records) < n:
            got = await consumer._fetcher.fetched_records([tp], timeout=10, max_records=2)
            records += got.get(tp, [])
    return records[:n]


@pytest.mark.integration
async def test_the_records_a_consumer_hands_over_form_one_chain_per_seek(
    kafka_broker: Any,
) -> None:
    """On a real broker, over markers and an aborted transaction: each record links to the
    record handed over before it; a seek starts a new epoch where it went."""
    from streams.pipeline.app import app  # noqa: F401  # the worker's patches (link_records)

    topic = f"links-{uuid.uuid4().hex[:8]}"
    await _produce(kafka_broker.bootstrap, topic)
    tp = TopicPartition(topic, 0)
    consumer = AIOKafkaConsumer(
        bootstrap_servers=kafka_broker.bootstrap,
        enable_auto_commit=False,
        isolation_level="read_committed",
    )
    await consumer.start()
    try:
        consumer.assign([tp])
        consumer.seek(tp, 0)
        records = await _take(consumer, tp, 5)
        links = [r._buzzwire_link for r in records]
        assert [r.offset for r in records] == [0, 1, 2, 3, 7]
        epoch = links[0].epoch
        assert links == [
            Link(epoch, 0, None),
            Link(epoch, 0, 0),
            Link(epoch, 0, 1),
            Link(epoch, 0, 2),
            Link(epoch, 0, 3),  # 4 a marker, 5 aborted, 6 a marker: not in the chain
        ]
        assert live_epoch(consumer, tp) == epoch
        consumer.seek(tp, 1)  # what Faust's recovery does: back to the committed offset
        assert live_epoch(consumer, tp) not in (None, epoch)  # epoch's records are superseded
        again = await _take(consumer, tp, 2)
        assert [(r.offset, r._buzzwire_link) for r in again] == [
            (1, Link(live_epoch(consumer, tp), 1, None)),  # type: ignore[arg-type]
            (2, Link(live_epoch(consumer, tp), 1, 1)),  # type: ignore[arg-type]
        ]
        assert live_epoch(consumer, TopicPartition(topic, 1)) is None  # not assigned
    finally:
        await consumer.stop()
