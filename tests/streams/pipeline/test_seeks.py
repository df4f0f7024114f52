"""Records fetched before a seek of their partition never reach the streams after it."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.structs import ConsumerRecord, TopicPartition
from faust.types import TP

from streams.pipeline.app import app, metrics
from streams.pipeline.seeks import Fetched, SeekCounts


def test_a_fetch_is_superseded_only_for_the_partitions_sought_after_it() -> None:
    seeks = SeekCounts()
    a, b, c = TP("t", 0), TP("t", 1), TP("t", 2)
    seeks.sought(a)
    before = Fetched({a: [1], b: [2]}, seeks)
    assert not before.superseded(a) and not before.superseded(b)  # a's earlier seek counts not
    seeks.sought(b)
    seeks.sought(c)
    after = Fetched({a: [3], b: [4]}, seeks)
    assert not before.superseded(a)
    assert before.superseded(b)
    assert not before.superseded(c)  # not in the fetch
    assert not after.superseded(a) and not after.superseded(b)
    assert dict(after) == {a: [3], b: [4]}


def _record(tp: TP, offset: int) -> ConsumerRecord[bytes, bytes]:
    return ConsumerRecord(
        topic=tp.topic, partition=tp.partition, offset=offset, timestamp=0, timestamp_type=0,
        key=b"k", value=b"v", checksum=None, serialized_key_size=1, serialized_value_size=1,
        headers=(),
    )  # fmt: skip


async def test_faust_hands_over_no_record_of_a_partition_sought_after_its_fetch(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Faust's own reader (``Consumer.getmany``, as the worker patches it) walks a fetched
    batch; a seek of one partition midway drops the rest of that partition's records and
    nothing else."""
    consumer: Any = app.consumer
    seeks = SeekCounts()
    moved, kept = TP("buzzwire-test-moved", 0), TP("buzzwire-test-kept", 0)
    batch = {
        moved: [_record(moved, o) for o in range(10, 14)],
        kept: [_record(kept, o) for o in range(4)],
    }

    async def fetch(active_partitions: Any, timeout: float) -> Fetched:
        return Fetched(batch, seeks)

    monkeypatch.setattr(consumer, "_getmany", fetch)
    monkeypatch.setattr(consumer, "highwater", lambda tp: 100)
    consumer._set_active_tps({moved, kept})
    dropped_before = metrics.superseded_records._value.get()
    seen: list[tuple[str, int]] = []
    async for tp, message in consumer.getmany(timeout=0.1):
        seen.append((tp.topic, message.offset))
        if tp == moved:
            seeks.sought(moved)  # the recovery seeks it while the reader is mid-batch
    assert [o for t, o in seen if t == moved.topic] == [10]
    assert [o for t, o in seen if t == kept.topic] == [0, 1, 2, 3]
    assert metrics.superseded_records._value.get() == dropped_before + 3


@pytest.mark.integration
async def test_aiokafka_counts_each_seek_against_the_records_fetched_before_it(
    kafka_broker: Any,
) -> None:
    """On a real broker: a fetch is stamped with the seek count of its partition when its
    records are taken, so records taken before a seek are told from those taken after it."""
    topic = f"seeks-{uuid.uuid4().hex[:8]}"
    producer = AIOKafkaProducer(bootstrap_servers=kafka_broker.bootstrap, acks="all")
    await producer.start()
    try:
        for i in range(6):
            await producer.send_and_wait(topic, str(i).encode(), partition=0)
    finally:
        await producer.stop()
    tp = TopicPartition(topic, 0)
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka_broker.bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign([tp])
        consumer.seek(tp, 0)
        first = await consumer._fetcher.fetched_records([tp], timeout=10, max_records=3)
        assert isinstance(first, Fetched)
        assert [r.offset for r in first[tp]] == [0, 1, 2]
        assert not first.superseded(tp)
        consumer.seek(tp, 1)  # what Faust's recovery does: back to the committed offset
        assert first.superseded(tp)
        second = await consumer._fetcher.fetched_records([tp], timeout=10, max_records=3)
        assert [r.offset for r in second[tp]] == [1, 2, 3]  # from the seek, in order
        assert not second.superseded(tp)
    finally:
        await consumer.stop()


def test_a_paused_partition_stays_paused_when_its_full_stream_buffer_drains(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A rebalance pauses every partition and clears the stream buffers; the agent's next read
    of an emptied buffer tells Faust the buffer drained. A partition whose buffer had been
    full was then fetched again at once, during the table recovery (``keep_paused_...``)."""
    consumer: Any = app.consumer
    full, calm = TP("buzzwire-test-buffered", 0), TP("buzzwire-test-buffered", 1)
    monkeypatch.setattr(consumer, "_active_partitions", set())
    monkeypatch.setattr(consumer, "_paused_partitions", set())
    monkeypatch.setattr(consumer, "_buffered_partitions", set())
    consumer._set_active_tps({full, calm})
    consumer.on_buffer_full(full)  # back-pressure: not fetched while its buffer is full
    assert consumer._get_active_partitions() == {calm}
    consumer.pause_partitions({full, calm})  # a rebalance begins
    consumer.on_buffer_drop(full)  # its buffer was cleared, and the agent reads it
    assert consumer._get_active_partitions() == set()
    consumer.resume_partitions({calm})  # sought to its committed offset: streams again
    assert consumer._get_active_partitions() == {calm}
    consumer.resume_partitions({full})
    assert consumer._get_active_partitions() == {full, calm}


def test_a_full_stream_buffer_that_drains_resumes_its_unpaused_partition(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Faust's back-pressure itself is kept: outside a pause, a partition whose buffer drained
    is fetched again."""
    consumer: Any = app.consumer
    tp = TP("buzzwire-test-buffered", 2)
    monkeypatch.setattr(consumer, "_active_partitions", set())
    monkeypatch.setattr(consumer, "_paused_partitions", set())
    monkeypatch.setattr(consumer, "_buffered_partitions", set())
    consumer._set_active_tps({tp})
    consumer.on_buffer_full(tp)
    assert tp not in consumer._get_active_partitions()
    consumer.on_buffer_drop(tp)
    assert tp in consumer._get_active_partitions()
