"""Whether a batch may still commit: the worker is still the member of the group that fetched
its events (pure, no Faust; the hooks that feed it are in ``streams.pipeline.producer``).

Why: aiokafka commits a transaction's input offsets with ``TxnOffsetCommit`` version 0, which
carries no group generation (KIP-447 added it in version 3), and an agent's transactional id
belongs to the worker, not to its partitions. So the broker cannot refuse a batch from a worker
that froze (a paused VM, SIGSTOP, a stalled node) past its session while another worker took
its partitions over: woken mid-batch, it committed outputs that the new owner also wrote (one
of 2,400 mentions twice in each of two runs of such a test). Before its transaction commits, a
batch is therefore checked on the worker's side:

- **the generation**: the consumer group's generation is still the one its events were
  fetched in. After a rebalance (or once the consumer knows it was evicted, when aiokafka
  resets the generation), the batch is *stale*: it is aborted and dropped, and its partitions
  are read again from their committed offsets by whichever worker owns them now (Faust seeks
  every assigned partition to its committed offset after each rebalance);
- **the session**: a heartbeat (or the group join) succeeded within the session timeout less
  one heartbeat interval, so the broker still counts the worker in. After a longer silence
  (the process was frozen or starved), the commit waits until a heartbeat succeeds (the batch
  then commits) or the generation changes (the batch is dropped). It never waits past
  ``max_wait``: then the batch fails and is tried again, as when the broker is unreachable.

A worker frozen between this check and the commit's last request is not covered; the
transaction timeout, shorter than the session timeout plus a takeover's table recovery,
keeps that window small (docs/delivery-guarantees.md).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field


class StaleBatch(Exception):
    """The group moved on while the batch ran: drop it, never commit or retry it."""


@dataclass
class Membership:
    """The worker's standing in its consumer group, as its heartbeats report it."""

    session_timeout: float
    heartbeat_interval: float
    clock: Callable[[], float] = time.monotonic
    #: ``clock()`` of the last successful heartbeat or join; None before the first
    last_ok: float | None = field(default=None)

    def confirmed(self) -> None:
        """A heartbeat (or a join) succeeded now."""
        self.last_ok = self.clock()

    def fresh(self) -> bool:
        """Whether the broker surely still counts this worker in."""
        limit = self.session_timeout - self.heartbeat_interval
        return self.last_ok is not None and self.clock() - self.last_ok <= limit

    async def check(
        self,
        generation: int | None,
        current: Callable[[], int | None],
        *,
        max_wait: float,
        poll: float = 0.05,
    ) -> None:
        """Return when a batch fetched in ``generation`` may commit (``current()`` is the
        group's generation now); raise :class:`StaleBatch` when it must be dropped, and
        ``TimeoutError`` when neither is known within ``max_wait`` seconds."""
        deadline = self.clock() + max_wait
        while True:
            if current() != generation:
                raise StaleBatch(f"the group's generation moved from {generation} to {current()}")
            if self.fresh():
                return
            if self.clock() >= deadline:
                raise TimeoutError("no heartbeat confirmed this worker's membership")
            await asyncio.sleep(poll)
