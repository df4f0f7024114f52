"""Records fetched before a seek of their partition never reach the streams after it."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from types import SimpleNamespace
from typing import Any

import pytest
from aiokafka.structs import ConsumerRecord
from faust.types import TP
from mode.utils.locks import Event

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


async def test_faust_drops_no_record_of_an_agents_input_as_read_already(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Faust's own reader (``_drain_messages``) with read offsets ahead of the records (as a
    record handed over when a seek came leaves them): the agents' inputs get every record,
    other topics keep Faust's behaviour."""
    from streams.pipeline.producer import AGENT_INPUTS

    consumer: Any = app.consumer
    agents_input = TP(sorted(AGENT_INPUTS)[0], 0)
    other = TP("buzzwire-test-other", 0)
    fetcher = SimpleNamespace(_stopped=asyncio.Event())
    records = [(tp, o) for o in (50, 51) for tp in (agents_input, other)]

    async def getmany(timeout: float) -> Any:
        for tp, offset in records:
            yield tp, SimpleNamespace(offset=offset, topic=tp.topic, key=b"k", value=b"v")
        fetcher._stopped.set()

    handed: list[tuple[str, int]] = []

    async def callback(message: Any) -> None:
        handed.append((message.topic, message.offset))

    monkeypatch.setattr(consumer, "getmany", getmany)
    monkeypatch.setattr(consumer, "callback", callback)
    monkeypatch.setattr(consumer, "_read_offset", defaultdict(lambda: None))
    monkeypatch.setattr(consumer, "_loop", asyncio.get_running_loop())  # this test's loop
    for name in ("suspend_flow", "_stopped", "_crashed"):
        monkeypatch.setattr(consumer, name, Event())
    consumer._read_offset[agents_input] = 100
    consumer._read_offset[other] = 100
    await asyncio.wait_for(consumer._drain_messages(fetcher), timeout=10)
    assert handed == [(agents_input.topic, 50), (agents_input.topic, 51)]
