"""Where the streams read from after Faust seeks their partitions (at a worker's start and
after each rebalance): from the committed offset, each record once, none skipped.

Faust's reader keeps a *read offset* per partition and drops any record below it, so that a
record read before a seek is not handed over twice after it. That guard fails when a record
fetched before the seek reaches the reader after it: the read offset moves past the records
that the seek is about to fetch again, and they are dropped for good. The patches here close
the two ways found for that (``tests/integration/test_restarts.py`` and
``tests/streams/pipeline/test_seeks.py``; docs/delivery-guarantees.md says what is still open).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any

from streams.pipeline.continuity import kafka_consumer, link_of, live_epoch
from streams.pipeline.patching import original

log = logging.getLogger(__name__)


def drop_records_fetched_before_a_seek(on_dropped: Callable[[int], None]) -> None:
    """Records that the consumer handed over before a seek of their partition are never handed
    to the streams after that seek; ``on_dropped(n)`` is told how many were not.

    Why: Faust's reader walks a fetched batch one record at a time, and its table recovery
    seeks the stream partitions to their committed offsets meanwhile (at a worker's start and
    after each rebalance). A record of the batch handed over after the seek sets the
    partition's read offset to its own offset, and the records from the committed offset up
    to it, fetched again after the seek, are then dropped as "read already". That fits a loss
    seen once in twelve runs of the scaling test under CPU starvation (a worker that joined
    lost the 153 mentions of a partition that arrived during its recovery), but it is not
    shown to be its cause. Dropping the record instead loses nothing: the seek reset the
    partition's position, so it comes again, in order, from the committed offset.

    A record's :class:`~streams.pipeline.continuity.Link` carries the epoch of its
    partition's position when it was handed over, and each seek starts a new epoch
    (``link_records``); the reader compares it with the epoch now before it hands the
    record on.
    """
    from faust.transport.consumer import Consumer

    getmany = original(Consumer, "getmany")

    async def checked_getmany(self: Any, timeout: float) -> AsyncIterator[Any]:
        logged: set[Any] = set()
        consumer = kafka_consumer(self)
        async for tp, message in getmany(self, timeout):
            link = link_of(message)
            if link is not None and live_epoch(consumer, tp) != link.epoch:
                on_dropped(1)  # counted as it happens: a reader may be cancelled mid-batch
                if tp not in logged:
                    logged.add(tp)
                    log.info(
                        "%s[%d]: dropped records fetched before the partition was sought, "
                        "from offset %d",
                        tp.topic,
                        tp.partition,
                        message.offset,
                    )
                continue
            yield tp, message

    Consumer.getmany = checked_getmany  # type: ignore[method-assign]


class _ReadOffsets(defaultdict[Any, Any]):
    """Faust's read offsets, but none for the partitions of ``topics``: its reader drops no
    record of theirs as read already."""

    def __init__(self, topics: frozenset[str], offsets: Mapping[Any, Any]) -> None:
        super().__init__(lambda: None, offsets)
        self.topics = topics

    def __getitem__(self, tp: Any) -> Any:
        if tp.topic in self.topics:
            return None
        return super().__getitem__(tp)


def ignore_read_offsets(topics: frozenset[str]) -> None:
    """Faust's reader hands every record of ``topics`` over, none dropped as read already.

    Why: Faust keeps a read offset per partition, set after each record is handed over, and
    drops a record below it, to keep records fetched before a seek from coming twice. The
    records' epochs do that exactly (``drop_records_fetched_before_a_seek``), and the read
    offset does it wrongly after a seek: set for a record the reader was handing over when
    the seek came, it drops the records the seek fetches again (path 1 of
    docs/delivery-guarantees.md), and an agent that reads a gap again (``streams.pipeline
    .continuity``) could go on finding it, seek after seek, while its stream's buffer is full.
    Only the agents' inputs (``topics``), whose offsets only the agents commit (by batch): for
    the other topics Faust's commits rely on what its read offsets note of holes in a
    partition (transaction markers).
    """
    from faust.transport.consumer import Consumer

    drain = original(Consumer, "_drain_messages")

    async def draining(self: Any, fetcher: Any) -> None:
        if not isinstance(self._read_offset, _ReadOffsets):
            self._read_offset = _ReadOffsets(topics, self._read_offset)
        await drain(self, fetcher)

    Consumer._drain_messages = draining  # type: ignore[method-assign]


def keep_paused_partitions_paused() -> None:
    """A partition Faust pauses stays paused until Faust resumes it, whatever its stream
    buffer does meanwhile.

    Why: when a stream's buffer fills, Faust stops fetching that partition and notes it as
    *buffered*; when the buffer drains, it adds the partition back to the fetched ones, paused
    or not. A rebalance pauses every partition and clears the stream buffers, and the agent's
    next read of its emptied buffer counts as the buffer draining: a buffered partition is
    fetched again at once, during the table recovery, from after the records the clear threw
    away. The agents would process those later records (against tables not yet recovered) and
    commit the partition's offsets past the thrown-away ones, and the seek to the committed
    offsets at the end of the recovery would then start after them: they would be lost. Only a
    partition whose buffer was full at the rebalance is exposed (a worker far behind); the
    tests have not seen it happen (their buffers did not fill), but it is a path to loss in
    Faust's code (docs/delivery-guarantees.md).

    So pausing a partition also forgets that it was buffered, and a buffer draining never
    re-activates a paused partition.
    """
    from faust.transport.consumer import Consumer

    pause = original(Consumer, "pause_partitions")
    on_buffer_drop = original(Consumer, "on_buffer_drop")

    def pause_partitions(self: Any, tps: Any) -> None:
        tps = set(tps)
        pause(self, tps)
        self._buffered_partitions.difference_update(tps)

    def buffer_dropped(self: Any, tp: Any) -> None:
        if tp in self._paused_partitions:
            self._buffered_partitions.discard(tp)
            return
        on_buffer_drop(self, tp)

    Consumer.pause_partitions = pause_partitions  # type: ignore[method-assign]
    Consumer.on_buffer_drop = buffer_dropped  # type: ignore[method-assign]


def seek_before_streaming() -> None:
    """Hold the stream partitions until Faust has sought them to their committed offsets.

    When a worker starts, and after each rebalance, Faust's table recovery ends by resuming
    the stream partitions and only then seeking them, one by one, to their committed offsets
    (``Consumer.perform_seek``, a few hundred milliseconds for a dozen partitions). Records
    fetched in between reached the streams from the position before the seek, then again
    from the committed offset, and some were dropped on the way (most likely by Faust's read
    offsets, which are reset only once every partition is sought; the exact line was not
    pinned down, but every skip seen was in this window): in the ``kill -9`` test a
    restarted worker's agent saw
    offsets 120-232 of a partition and then 285 onwards, and its next batch committed the
    offsets past the 52 records it never saw (208 mentions lost in one run of ten; most other
    runs re-read a record or a batch, which the de-duplication hid).

    Here the stream partitions that the recovery resumes are held back until the seek is
    done (changelog partitions are not held: the recovery reads them): the first record a
    stream then sees is the one at its partition's committed offset. If the recovery stops
    before seeking (another rebalance), the held partitions are resumed as Faust would have.
    """
    from faust.tables.recovery import Recovery
    from faust.transport.consumer import Consumer

    seek = original(Consumer, "perform_seek")
    resume = original(Consumer, "resume_partitions")

    def resume_partitions(self: Any, tps: Any) -> None:
        held: set[Any] | None = getattr(self, "_buzzwire_held", None)
        tps = set(tps)
        if held is not None:
            streams = {tp for tp in tps if not self._is_changelog_tp(tp)}
            held.update(streams)
            tps -= streams
        resume(self, tps)

    async def perform_seek(self: Any) -> None:
        await seek(self)
        held: set[Any] | None = getattr(self, "_buzzwire_held", None)
        if held is not None:
            self._buzzwire_held = None
            resume(self, held)

    def holding(name: str) -> None:
        method = original(Recovery, name)

        async def completing(self: Any, *args: Any, **kwargs: Any) -> Any:
            consumer = self.app.consumer
            consumer._buzzwire_held = set()
            try:
                return await method(self, *args, **kwargs)
            finally:
                held = consumer._buzzwire_held
                consumer._buzzwire_held = None
                if held:  # no seek: stopped or rebalancing again
                    resume(consumer, held)

        setattr(Recovery, name, completing)

    Consumer.perform_seek = perform_seek  # type: ignore[method-assign]
    Consumer.resume_partitions = resume_partitions  # type: ignore[method-assign]
    # the two ways a recovery ends: with tables (on_recovery_completed), without (_resume_streams)
    holding("on_recovery_completed")
    holding("_resume_streams")
