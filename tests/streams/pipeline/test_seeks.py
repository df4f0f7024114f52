"""Records fetched before a seek of their partition never reach the streams after it."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from aiokafka.structs import ConsumerRecord
from faust.types import TP

from streams.pipeline.app import app, metrics
from streams.pipeline.continuity import Link


def _record(tp: TP, offset: int, link: Link) -> ConsumerRecord[bytes, bytes]:
    record = ConsumerRecord(
        topic=tp.topic, partition=tp.partition, offset=offset, timestamp=0, timestamp_type=0,
        key=b"k", value=b"v", checksum=None, serialized_key_size=1, serialized_value_size=1,
        headers=(),
    )  # fmt: skip
    record._buzzwire_link = link  # type: ignore[attr-defined]  # as link_records sets it
    return record


class _States:
    """What the worker's aiokafka consumer knows of its partitions' positions: ``state_value``
    of its assignment, each state with the epoch ``link_records`` gives it."""

    def __init__(self, epochs: dict[TP, int]) -> None:
        self.states = {tp: SimpleNamespace(_buzzwire_epoch=e) for tp, e in epochs.items()}
        self.subscription = SimpleNamespace(assignment=self)

    def state_value(self, tp: TP) -> Any:
        return self.states.get(tp)


async def test_faust_hands_over_no_record_of_a_partition_sought_after_its_fetch(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Faust's own reader (``Consumer.getmany``, as the worker patches it) walks a fetched
    batch; a seek of one partition midway drops the rest of that partition's records and
    nothing else."""
    consumer: Any = app.consumer
    moved, kept = TP("buzzwire-test-moved", 0), TP("buzzwire-test-kept", 0)
    states = _States({moved: 1, kept: 2})
    batch = {
        moved: [_record(moved, o, Link(1, 10, None if o == 10 else o - 1)) for o in range(10, 14)],
        kept: [_record(kept, o, Link(2, 0, None if o == 0 else o - 1)) for o in range(4)],
    }

    async def fetch(active_partitions: Any, timeout: float) -> Any:
        return batch

    monkeypatch.setattr(consumer, "_getmany", fetch)
    monkeypatch.setattr(consumer, "highwater", lambda tp: 100)
    monkeypatch.setattr(
        consumer,
        "_thread",
        SimpleNamespace(_consumer=SimpleNamespace(_subscription=states)),
        raising=False,
    )
    consumer._set_active_tps({moved, kept})
    dropped_before = metrics.superseded_records._value.get()
    seen: list[tuple[str, int]] = []
    async for tp, message in consumer.getmany(timeout=0.1):
        seen.append((tp.topic, message.offset))
        if tp == moved:
            states.states[moved]._buzzwire_epoch = 3  # the recovery seeks it mid-batch
    assert [o for t, o in seen if t == moved.topic] == [10]
    assert [o for t, o in seen if t == kept.topic] == [0, 1, 2, 3]
    assert metrics.superseded_records._value.get() == dropped_before + 3


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
