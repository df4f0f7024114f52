"""Each record an agent takes follows, on its partition, the last one it took: a batch never
commits its input offsets past a record that its agent did not see.

Faust stands between the Kafka consumer and the agents (its reader, its read offsets, the
stream buffers, pauses and seeks at each rebalance), and records were lost on that way more
than once: dropped in Faust while the next batch committed the offsets past them
(docs/delivery-guarantees.md). ``streams.pipeline.seeks`` closes the paths found; this module
makes any such drop show and undoes it, whatever its path.

- **Links.** When the Kafka consumer hands records over (aiokafka's ``Fetcher``), each gets a
  :class:`Link`: the *epoch* of its partition's position (a new one at each seek, reset or
  assignment) and the offset of the record handed over before it in that epoch. Records are
  handed over in order and without holes (aiokafka checks each fetch against the position),
  so the links of one epoch form a chain: markers and aborted records of transactional topics
  are simply not in it.
- **The check** (:class:`Continuity`, once per batch, before it is processed). An agent takes
  a record that starts its epoch's chain or follows the last record it took of that epoch. A
  record of an epoch that is over is dropped: its partition was sought since, and it comes
  again from there. A record whose link points past the agent's last one is a *gap*: the
  records in between never reached the agent. It and the rest of its partition's batch are
  dropped, and the partition is sought back to the record after the agent's last one (or to
  where the epoch began), so the records are read again, in order, before any offset past
  them is committed.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from faust.types.tuples import ConsumerMessage

from streams.pipeline.patching import original

log = logging.getLogger(__name__)


class Link(NamedTuple):
    """Where a record stands in its partition's chain of handed-over records (a tuple: one is
    made for every record)."""

    epoch: int  # of the partition's position: a new one at each seek, reset or assignment
    start: int  # the offset the epoch's position began at
    after: int | None  # the record handed over before it in the epoch; None: the first


_epochs = itertools.count(1)


def _new_epoch(state: Any, start: int) -> int:
    epoch = next(_epochs)
    state._buzzwire_epoch = epoch
    state._buzzwire_start = start
    state._buzzwire_last = None
    return epoch


def epoch_of(state: Any) -> int | None:
    """The epoch of an aiokafka partition state (``TopicPartitionState``); None before its
    first record was handed over or its position set."""
    return getattr(state, "_buzzwire_epoch", None)


def link_records() -> None:
    """Every record the Kafka consumer hands over carries its :class:`Link`, and so does the
    Faust message made of it (``message.link``; ``None`` for a message made elsewhere).

    aiokafka's partition state starts an epoch whenever its position is set other than by
    handing records over (``seek``, ``reset_to``; a new assignment makes new states), and
    ``Fetcher.fetched_records`` links the records it returns (in the consumer's thread, with
    no await between taking them and linking them).
    """
    from aiokafka.consumer.fetcher import Fetcher
    from aiokafka.consumer.subscription_state import TopicPartitionState
    from faust.transport.drivers import aiokafka as driver

    seek = original(TopicPartitionState, "seek")
    reset_to = original(TopicPartitionState, "reset_to")
    fetched_records = original(Fetcher, "fetched_records")
    to_message = original(driver.Consumer, "_to_message")

    def sought(self: Any, position: int) -> None:
        seek(self, position)
        _new_epoch(self, position)

    def reset(self: Any, position: int) -> None:
        reset_to(self, position)
        _new_epoch(self, position)

    async def linked_fetched_records(self: Any, *args: Any, **kwargs: Any) -> Any:
        drained = await fetched_records(self, *args, **kwargs)
        for tp, records in drained.items():
            state = _state_of(self._subscriptions, tp)
            if state is None or not records:
                continue
            epoch = epoch_of(state)
            if epoch is None:  # a position set before these patches: its chain starts here
                epoch = _new_epoch(state, records[0].offset)
            start: int = state._buzzwire_start
            after: int | None = state._buzzwire_last
            for record in records:
                record._buzzwire_link = Link(epoch, start, after)
                after = record.offset
            state._buzzwire_last = after
        return drained

    def linked_to_message(self: Any, tp: Any, record: Any) -> Any:
        message = to_message(self, tp, record)
        message.link = getattr(record, "_buzzwire_link", None)
        return message

    TopicPartitionState.seek = sought
    TopicPartitionState.reset_to = reset
    Fetcher.fetched_records = linked_fetched_records
    driver.ConsumerMessage = LinkedMessage  # type: ignore[misc]  # what _to_message builds
    driver.Consumer._to_message = linked_to_message  # type: ignore[method-assign]


class LinkedMessage(ConsumerMessage):
    """Faust's consumer message with the :class:`Link` of its record."""

    __slots__ = ("link",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.link: Link | None = None


def kafka_consumer(faust_consumer: Any) -> Any:
    """The aiokafka consumer behind a worker's Faust consumer; None before it started (or
    under Faust's test context)."""
    return getattr(getattr(faust_consumer, "_thread", None), "_consumer", None)


def _state_of(subscriptions: Any, tp: Any) -> Any:
    """``tp``'s position state in aiokafka's ``SubscriptionState``; None if not assigned."""
    subscription = subscriptions.subscription
    assignment = None if subscription is None else subscription.assignment
    return None if assignment is None else assignment.state_value(tp)


def live_epoch(consumer: Any, tp: Any) -> int | None:
    """The epoch of ``tp``'s position in an aiokafka consumer now; None if not assigned."""
    state = _state_of(consumer._subscription, tp)
    return None if state is None else epoch_of(state)


def last_handed_over(consumer: Any, tp: Any) -> int | None:
    """The offset of the last record of ``tp`` an aiokafka consumer handed over in the
    position's epoch now; None if none was (or ``tp`` is not assigned)."""
    state = _state_of(consumer._subscription, tp)
    return None if state is None else getattr(state, "_buzzwire_last", None)


def link_of(message: Any) -> Link | None:
    """The message's link; None for one made without it (a test's, Faust's test context)."""
    return getattr(message, "link", None)


@dataclass(frozen=True)
class Gap:
    """Records of a partition that never reached the agent: those handed over after
    ``last`` (None: from the epoch's start) up to ``found_after``, before ``offset``."""

    tp: Any
    last: int | None
    found_after: int
    offset: int
    #: where to read the partition again from
    seek_to: int


@dataclass
class Sorted:
    """One batch sorted by :meth:`Continuity.sort`."""

    kept: list[Any]
    superseded: int
    gaps: list[Gap]
    #: each partition's last kept record, (epoch, offset): the agent's place once it is done
    advanced: dict[Any, tuple[int, int]]


@dataclass
class Continuity:
    """The last record an agent took of each partition, by epoch (see the module's doc)."""

    last: dict[Any, tuple[int, int]] = field(default_factory=dict)

    def sort(self, events: Sequence[Any], live_epoch: Callable[[Any], int | None]) -> Sorted:
        """Split a batch into the events the agent may take and the rest.

        ``live_epoch(tp)`` is the partition's epoch now (None: no longer assigned). Nothing
        changes here: once the batch is processed and committed, the caller moves the agent
        on with :meth:`done` (a batch dropped as stale leaves it where it was).
        """
        kept: list[Any] = []
        superseded = 0
        gaps: dict[Any, Gap] = {}
        place = dict(self.last)
        advanced: dict[Any, tuple[int, int]] = {}
        for event in events:
            message = event.message
            link = link_of(message)
            if link is None:
                kept.append(event)
                continue
            tp = message.tp
            if tp in gaps:
                continue  # read again after the seek
            if live_epoch(tp) != link.epoch:
                superseded += 1
                continue
            last = place.get(tp)
            last_offset = last[1] if last is not None and last[0] == link.epoch else None
            if link.after is not None and link.after != last_offset:
                gaps[tp] = Gap(
                    tp,
                    last_offset,
                    link.after,
                    message.offset,
                    link.start if last_offset is None else last_offset + 1,
                )
                continue
            place[tp] = advanced[tp] = (link.epoch, message.offset)
            kept.append(event)
        return Sorted(kept, superseded, list(gaps.values()), advanced)

    def done(self, batch: Sorted) -> None:
        """The batch's kept events are processed: the agent's place moves past them."""
        self.last.update(batch.advanced)
