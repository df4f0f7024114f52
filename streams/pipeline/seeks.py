"""Where the streams read from after Faust seeks their partitions (at a worker's start and
after each rebalance): from the committed offset, each record once, none skipped.

Faust's reader keeps a *read offset* per partition and drops any record below it, so that a
record read before a seek is not handed over twice after it. That guard fails when a record
fetched before the seek reaches the reader after it: the read offset moves past the records
that the seek is about to fetch again, and they are dropped for good. The patches here close
both ways that happened (measured in ``tests/integration/test_restarts.py``).
"""

from __future__ import annotations

from typing import Any


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

    seek = getattr(Consumer, "_buzzwire_original_perform_seek", Consumer.perform_seek)
    resume = getattr(Consumer, "_buzzwire_original_resume", Consumer.resume_partitions)

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
        method = getattr(Recovery, f"_buzzwire_original_{name}", getattr(Recovery, name))

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

        setattr(Recovery, f"_buzzwire_original_{name}", method)
        setattr(Recovery, name, completing)

    Consumer._buzzwire_original_perform_seek = seek  # type: ignore[attr-defined]
    Consumer._buzzwire_original_resume = resume  # type: ignore[attr-defined]
    Consumer.perform_seek = perform_seek  # type: ignore[method-assign]
    Consumer.resume_partitions = resume_partitions  # type: ignore[method-assign]
    # the two ways a recovery ends: with tables (on_recovery_completed), without (_resume_streams)
    holding("on_recovery_completed")
    holding("_resume_streams")
