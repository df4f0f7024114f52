"""What the agents share: reading their input in batches, and sending a batch's output (and
dead letters) straight to the app's producer."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, cast

import faust
from aiokafka.errors import (
    CommitFailedError,
    CorruptRecordException,
    IllegalStateError,
    MessageSizeTooLargeError,
    RecordListTooLargeError,
    RecordTooLargeError,
)
from aiokafka.structs import OffsetAndMetadata
from faust.types import TP, EventT, StreamT
from mode.types.signals import BaseSignalT

from streams.mentions.logic import Reason, deadletter_record
from streams.pipeline.app import app, health, metrics, settings
from streams.pipeline.continuity import Continuity, Sorted, kafka_consumer, live_epoch
from streams.pipeline.membership import Membership, StaleBatch
from streams.pipeline.patching import original
from streams.pipeline.ratelimited_log import RateLimitedLog
from streams.pipeline.seeks import ignore_read_offsets
from streams.pipeline.topics import (
    by_brand_topic,
    deadletter_topic,
    raw_topic,
    rekeyed_topic,
    sets_topic,
)
from streams.pipeline.transactions import Transactions, offsets_after

log = logging.getLogger(__name__)
_limited = RateLimitedLog(log)

#: What the broker or the client refuses for one record, for good: retrying cannot help.
_RECORD_REJECTIONS = (
    MessageSizeTooLargeError,
    RecordTooLargeError,
    RecordListTooLargeError,
    CorruptRecordException,
)


def record_rejected(exc: BaseException) -> bool:
    """Whether ``exc`` (or what Faust wrapped in it) refuses one record for good."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, _RECORD_REJECTIONS):
            return True
        seen = seen.__cause__
    return False


#: Sends one record and returns a future of its delivery; the app's producer by default.
Transport = Callable[[str, bytes | None, bytes, int | None], Awaitable[Awaitable[Any]]]

_transport: Transport | None = None

#: The agents' transactional producers (``streams.pipeline.transactions``).
transactions = Transactions(settings)

#: The worker's standing in its consumer group, checked before a batch commits
#: (``streams.pipeline.membership``).
membership = Membership(
    settings.consumer_session_timeout_seconds, settings.consumer_heartbeat_interval_seconds
)


def track_heartbeats(tracked: Membership) -> None:
    """Tell ``tracked`` of every successful heartbeat of the worker's consumer (aiokafka
    keeps the time of the last one to itself)."""
    from aiokafka.consumer.group_coordinator import GroupCoordinator

    heartbeat = original(GroupCoordinator, "_do_heartbeat")

    async def do_heartbeat(self: Any) -> bool:
        ok = bool(await heartbeat(self))
        if ok:
            tracked.confirmed()
        return ok

    GroupCoordinator._do_heartbeat = do_heartbeat


track_heartbeats(membership)


@app.on_partitions_assigned.connect
async def _joined(sender: Any, /, *args: Any, signal: BaseSignalT[Any], **kwargs: Any) -> None:
    """A join of the group succeeded: as good as a heartbeat."""
    membership.confirmed()


def group_generation() -> int | None:
    """The consumer group's generation as the worker's consumer knows it now (aiokafka sets
    -1 once it learns that the worker was evicted); None without a started consumer."""
    coordinator = getattr(kafka_consumer(app.consumer), "_coordinator", None)
    return None if coordinator is None else int(coordinator.generation)


def _live_epoch(tp: Any) -> int | None:
    consumer = kafka_consumer(app.consumer)
    return None if consumer is None else live_epoch(consumer, tp)


def _generation_of(events: Sequence[EventT]) -> int | None:
    return events[0].message.generation_id if events else None


async def _still_in_group(events: Sequence[EventT]) -> None:
    """Return once the group is known not to have moved on since ``events`` were fetched;
    raise ``StaleBatch`` if it has (``streams.pipeline.membership``). Before a batch's state
    and offsets are committed, in either mode; nothing to check without a group."""
    if events and group_generation() is not None:
        await membership.check(
            _generation_of(events),
            group_generation,
            max_wait=settings.consumer_session_timeout_seconds,
        )


def leave_offsets_to_agents(topics: set[str]) -> None:
    """Faust's consumer never commits offsets of ``topics``: their agents commit them, once a
    batch's outputs and table writes are acknowledged (in the batch's transaction, or right
    after it with ``BUZZWIRE_TRANSACTIONS=false``: ``BatchProducer.flush``).

    Faust commits what was *acked*, and it acks more than what was processed: a worker whose
    drain ran out of time at SIGTERM committed the messages still queued for its agents, never
    processed (measured: 71 of 1,000 mentions lost in three stops); the records an agent drops
    as stale or read again (``streams.pipeline.continuity``) are acked too. And it commits only
    up to the first hole of more than one offset in what was acked, which an aborted
    transaction of the input leaves: it would never commit that partition again. Left to the
    agents, an input offset moves only with the outputs and the state of what was before it.
    """
    from faust.transport.consumer import Consumer

    commit = original(Consumer, "_commit_offsets")

    async def commit_offsets(
        self: Any, offsets: Mapping[Any, int], start_new_transaction: bool = True
    ) -> bool:
        kept = {tp: offset for tp, offset in offsets.items() if tp.topic not in topics}
        if not kept:
            return False
        return bool(await commit(self, kept, start_new_transaction))

    Consumer._commit_offsets = commit_offsets  # type: ignore[method-assign]


#: The inputs of the agents that commit their offsets themselves, by batch.
AGENT_INPUTS = frozenset(
    t.get_topic_name() for t in (raw_topic, rekeyed_topic, by_brand_topic, sets_topic)
)
leave_offsets_to_agents(set(AGENT_INPUTS))
ignore_read_offsets(AGENT_INPUTS)


#: Longest wait for an at-least-once batch's offset commit: aiokafka retries a commit while the
#: group's coordinator is away, and the batch is tried again after this (counted, /ready fails).
COMMIT_TIMEOUT_SECONDS = 30.0


async def commit_inputs(events: Sequence[EventT]) -> None:
    """At least once (``BUZZWIRE_TRANSACTIONS=false``): commit the input offsets after
    ``events``, whose outputs and table writes the broker has acknowledged.

    A plain offset commit carries the group's generation, so the broker refuses it from a
    worker the group has moved on from: the batch is then stale (``StaleBatch``), and its
    partitions' new owner reads it again. Nothing to commit under Faust's test context.
    """
    consumer = kafka_consumer(app.consumer)
    offsets = offsets_after(events)
    if consumer is None or not offsets:
        return
    thread = app.consumer._thread  # type: ignore[attr-defined]
    try:
        await asyncio.wait_for(
            thread.call_thread(
                consumer.commit, {tp: OffsetAndMetadata(o, "") for tp, o in offsets.items()}
            ),
            timeout=COMMIT_TIMEOUT_SECONDS,
        )
    except (CommitFailedError, IllegalStateError) as exc:
        raise StaleBatch(f"the group refused the batch's offsets ({exc})") from exc
    _note_committed(offsets)


def _note_committed(offsets: Mapping[Any, int]) -> None:
    """Tell Faust's consumer that these partitions' offsets were committed: its livelock
    monitor logs a partition with no commit for a while as stuck, and it sees only its own."""
    thread = getattr(app.consumer, "_thread", None)
    committed_at = getattr(thread, "tp_last_committed_at", None)
    if committed_at is not None:
        now = time.monotonic()
        committed_at.update({TP(tp.topic, tp.partition): now for tp in offsets})


async def _app_send(
    topic: str, key: bytes | None, value: bytes, partition: int | None
) -> Awaitable[Any]:
    return await app.producer.send(topic, key, value, partition, None, None)


@contextlib.contextmanager
def using_transport(transport: Transport) -> Iterator[None]:
    """Send through ``transport`` instead of the app's producer inside a ``with`` block (tests
    under Faust's ``test_context()``, which has no broker)."""
    global _transport
    previous, _transport = _transport, transport
    try:
        yield
    finally:
        _transport = previous


@dataclass(frozen=True)
class _Output:
    """One record to send, and the input message it came from (if any)."""

    topic: faust.TopicT
    source: EventT | None
    is_dead_letter: bool
    key: bytes | None
    value: bytes
    partition: int | None


class BatchProducer:
    """A batch's output, sent when the batch is done (``flush``) and acknowledged before it
    returns, so that a batch's input is never committed ahead of its output.

    Made with the agent's name (``BatchProducer("ingest")``), a worker sends the batch in one
    Kafka transaction (``streams.pipeline.transactions``): the records, the table writes queued
    with ``set`` and the input offsets of the events given to ``flush`` are committed together,
    or none of them. Without a name (the leader's clock ticks, alert dead letters), under a test
    transport (``using_transport``) or with ``BUZZWIRE_TRANSACTIONS=false``, records go straight
    to the app's producer and the table writes are made after the records are acknowledged (at
    least once: a crash in between re-sends the outputs when the batch is read again). An
    agent's producer then checks that its group has not moved on, sends the table writes as
    changelog records and waits for them, and commits the input offsets after the events given
    to ``flush`` (``_flush_at_least_once``, ``commit_inputs``).

    A record the broker or the client refuses for good (too large, corrupt) never fails the
    batch: the input message it came from is dead-lettered instead (``output_rejected``; in a
    transaction, none of that message's other outputs is sent either), and a dead letter that is
    refused too is skipped, counted and logged with its source offset. Any other failure (the
    broker unreachable past the request timeout) is raised: the agent restarts and the batch is
    read again.
    """

    def __init__(self, agent: str | None = None) -> None:
        self.agent = agent
        self.records: list[_Output] = []
        self.writes: dict[tuple[int, Any], tuple[faust.Table, Any, Any]] = {}

    async def send(
        self,
        topic: faust.TopicT,
        key: bytes | None,
        value: bytes,
        partition: int | None = None,
        *,
        source: EventT | None = None,
    ) -> None:
        """Queue one record; ``source`` is the input message it comes from."""
        self.records.append(_Output(topic, source, False, key, value, partition))

    def set(self, table: faust.Table, key: Any, value: Any) -> None:
        """Queue ``table[key] = value``, made when the batch's output is committed (the last
        write of a key wins)."""
        self.writes[(id(table), key)] = (table, key, value)

    async def flush(self, events: Sequence[EventT] = ()) -> None:
        """Send everything queued and wait for the acknowledgements (in a transaction with the
        offsets after ``events`` when the producer has an agent; see the class docstring)."""
        if self.agent is not None and _transport is None and settings.transactions:
            await self._flush_in_transaction(self.agent, events)
        elif self.agent is not None and _transport is None:
            await self._flush_at_least_once(events)
        else:
            await self._flush_direct()
            for table, key, value in self.writes.values():
                table[key] = value
        self.records.clear()
        self.writes.clear()

    async def _flush_at_least_once(self, events: Sequence[EventT]) -> None:
        """An agent's batch without transactions: its outputs, then (the group has not moved
        on) its table writes as changelog records, each acknowledged, then its input offsets.
        A crash in between sends the outputs again when the batch is read again, never loses
        them or their state."""
        await self._flush_direct()
        await _still_in_group(events)
        # each write acknowledged, not left to Faust's buffer: a failure raises (tried again)
        await _refused([(await _app_send(*record), None) for record in self._changelog_records()])
        for table, key, value in self.writes.values():
            table.data[key] = value  # what the changelog now holds
        await commit_inputs(events)

    async def _flush_direct(self) -> None:
        send = _transport or _app_send
        for attempt in range(2):  # the outputs, then the dead letters of their refused ones
            records, self.records = self.records, []
            pending, rejected = await _send_all(send, records)
            rejected += await _refused(pending)
            if not rejected:
                return
            self._replace_rejected(rejected, final=attempt == 1)

    async def _flush_in_transaction(self, agent: str, events: Sequence[EventT]) -> None:
        offsets = offsets_after(events)
        for attempt in range(4):
            rejected = await self._transaction(agent, offsets, events)
            if not rejected:
                # committed: the tables' local state follows what their changelogs now hold
                for table, key, value in self.writes.values():
                    table.data[key] = value
                return
            # aborted, nothing of it is visible: send it again without what was refused
            refused_sources = {
                id(out.source) for out, _ in rejected if not out.is_dead_letter and out.source
            }
            self.records = [
                out
                for out in self.records
                if id(out.source) not in refused_sources
                and not (out.is_dead_letter and any(out is r for r, _ in rejected))
            ]
            self._replace_rejected(rejected, final=attempt >= 1)
        raise RuntimeError("a batch's transaction kept being refused")

    async def _transaction(
        self, agent: str, offsets: dict[Any, int], events: Sequence[EventT] = ()
    ) -> list[tuple[_Output, BaseException]]:
        """Send the batch in one transaction. Commits it and returns ``[]``, or aborts it and
        returns the records refused for good; raises on any other failure (aborted)."""
        producer = await transactions.producer(agent)
        try:
            await producer.begin_transaction()

            async def send(
                topic: str, key: bytes | None, value: bytes, partition: int | None
            ) -> Awaitable[Any]:
                return await producer.send(topic, value, key=key, partition=partition)

            pending, rejected = await _send_all(send, self.records)
            for record in self._changelog_records():
                pending.append((await send(*record), None))
            if offsets and not rejected:
                await producer.send_offsets_to_transaction(offsets, app.conf.id)
            rejected += await _refused(pending)
            if not rejected:
                await _still_in_group(events)  # else StaleBatch: aborted below, and dropped
            if rejected:
                # a refused record leaves the producer's sequence numbers behind: abort, and
                # the next attempt starts a new producer
                metrics.transactions.labels("aborted").inc()
                with contextlib.suppress(Exception):
                    await producer.abort_transaction()
                await transactions.discard(agent)
                return rejected
            await producer.commit_transaction()
            metrics.transactions.labels("committed").inc()
            _note_committed(offsets)
            return []
        except BaseException:
            metrics.transactions.labels("aborted").inc()
            # abort now, so that read_committed readers need not wait for the broker's timeout
            # (cancelled at a worker's stop, too); the next producer of this id would abort it
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.wait_for(producer.abort_transaction(), timeout=5.0)
            await transactions.discard(agent)
            raise

    def _changelog_records(self) -> Iterator[tuple[str, bytes | None, bytes, int | None]]:
        """The queued table writes as their changelog records: (topic, key, value, partition),
        as Faust's table would send them."""
        for table, key, value in self.writes.values():
            changelog = table.changelog_topic
            key_bytes, _ = changelog.prepare_key(key, table.key_serializer)
            value_bytes, _ = changelog.prepare_value(value, table.value_serializer)
            yield changelog.get_topic_name(), key_bytes, value_bytes, table.partition_for_key(key)

    def _replace_rejected(
        self, rejected: list[tuple[_Output, BaseException]], *, final: bool
    ) -> None:
        """Dead-letter the input of each refused output (once); skip refused dead letters."""
        sources: set[int] = set()
        for out, exc in rejected:
            name = _topic_label(out.topic)
            metrics.outputs_rejected.labels(name).inc()
            if out.is_dead_letter or out.source is None or final:
                _skip(out, name, exc)
            elif id(out.source) not in sources:
                sources.add(id(out.source))
                detail = f"its output to {name} was refused: {type(exc).__name__}: {exc}"
                self._dead_letter(out.source, Reason.OUTPUT_REJECTED, detail, time.time())

    async def dead_letter(self, event: EventT, reason: Reason, detail: str, now: float) -> None:
        """Send an input message to ``mentions.deadletter`` with the reason, and count it."""
        self._dead_letter(event, reason, detail, now)

    def _dead_letter(self, event: EventT, reason: Reason, detail: str, now: float) -> None:
        msg = event.message
        value = deadletter_record(
            raw=msg.value,
            key=msg.key,
            reason=reason,
            detail=detail,
            topic=msg.topic,
            partition=msg.partition,
            offset=msg.offset,
            now=now,
            max_bytes=settings.deadletter_max_bytes,
        )
        metrics.deadletters.labels(reason.value).inc()
        self.records.append(_Output(deadletter_topic, event, True, msg.key, value, None))


async def _send_all(
    send: Transport, records: Sequence[_Output]
) -> tuple[list[tuple[Awaitable[Any], _Output | None]], list[tuple[_Output, BaseException]]]:
    """Hand each record to ``send``: the futures of their deliveries, and the records the
    client refused for good at once. Any other failure is raised."""
    pending: list[tuple[Awaitable[Any], _Output | None]] = []
    rejected: list[tuple[_Output, BaseException]] = []
    for out in records:
        try:
            fut = await send(out.topic.get_topic_name(), out.key, out.value, out.partition)
        except Exception as exc:
            if not record_rejected(exc):
                raise
            rejected.append((out, exc))
            continue
        pending.append((fut, out))
    return pending, rejected


async def _refused(
    pending: Sequence[tuple[Awaitable[Any], _Output | None]],
) -> list[tuple[_Output, BaseException]]:
    """Wait for every delivery: the records the broker refused for good. Any other failure,
    or a refusal of a record that is not an output (a changelog write), is raised."""
    results = await asyncio.gather(*(f for f, _ in pending), return_exceptions=True)
    refused: list[tuple[_Output, BaseException]] = []
    for (_, out), result in zip(pending, results, strict=True):
        if isinstance(result, BaseException):
            if out is None or not record_rejected(result):
                raise result
            refused.append((out, result))
    return refused


@app.on_before_shutdown.connect
async def _stop_transactions(
    sender: Any, /, *args: Any, signal: BaseSignalT[Any], **kwargs: Any
) -> None:
    """The worker stops (after its drain): close the agents' transactional producers."""
    await transactions.stop()


def _topic_label(topic: faust.TopicT) -> str:
    """The topic's name without the configured prefix (a low-cardinality metric label)."""
    return topic.get_topic_name().removeprefix(settings.topic_prefix)


def _skip(out: _Output, name: str, exc: BaseException) -> None:
    """Neither processed nor dead-lettered: counted, and logged with the source offset."""
    source = out.source.message if out.source is not None else None
    where = f"{source.topic}[{source.partition}]@{source.offset}" if source is not None else "-"
    metrics.messages_skipped.labels(name).inc()
    _limited.log(
        f"skip:{name}",
        logging.ERROR,
        "skipped message %s: its record to %s was refused (%s: %s)",
        where,
        name,
        type(exc).__name__,
        str(exc)[:300],
    )


async def batches(stream: StreamT) -> AsyncIterator[Sequence[EventT]]:
    """The agent's input in batches of up to ``BUZZWIRE_BATCH_SIZE`` events, waiting at most
    ``BUZZWIRE_BATCH_WITHIN_SECONDS`` after a batch's first event to fill it.

    Not Faust's ``take_events``: it lost events. Its background reader adds events to the
    buffer while the agent still works on the previous batch, and the end of that batch clears
    the buffer and acks them (measured: about nine events per partition, never processed, whose
    offsets the next batch then committed). Here the stream's background reader puts each event
    in a bounded queue, with the stream's own acks off (as ``take_events`` has them); a batch's
    events are acked only when the agent comes back for the next batch (it processed this one
    and its outputs are committed). An event taken is therefore in exactly one batch, and a
    batch the agent did not finish (cancelled, crashed) is never acked.
    """
    faust_stream = cast(faust.Stream, stream)
    queue: asyncio.Queue[EventT] = asyncio.Queue(maxsize=settings.batch_size)

    async def enqueue(value: Any) -> Any:
        event = faust_stream.current_event
        if event is None:  # pragma: no cover - Faust sets it before running processors
            raise RuntimeError("stream processor without a current event")
        await queue.put(event)  # waits while a whole batch is queued: back-pressure
        return value

    loop = asyncio.get_running_loop()
    acks = faust_stream.enable_acks
    faust_stream.enable_acks = False  # acked below, once processed
    faust_stream.add_processor(enqueue)
    # what take_events does to have the stream read in the background (Faust has no public API)
    faust_stream._enable_passive(aiter(faust_stream.channel))  # type: ignore[arg-type]
    try:
        while True:
            batch = [await queue.get()]
            deadline = loop.time() + settings.batch_within_seconds
            while len(batch) < settings.batch_size:
                try:
                    batch.append(queue.get_nowait())
                    continue
                except asyncio.QueueEmpty:
                    pass
                if loop.time() >= deadline:
                    break
                await asyncio.sleep(min(0.005, max(0.0, deadline - loop.time())))
            yield batch
            for event in batch:
                await faust_stream.ack(event)
    finally:
        faust_stream.enable_acks = acks
        faust_stream._processors.remove(enqueue)


T = TypeVar("T")

#: Longest wait between two tries of a failing batch.
MAX_RETRY_SECONDS = 30.0


async def each_batch(
    stream: StreamT, process: Callable[[Sequence[EventT]], Awaitable[T]], *, agent: str
) -> AsyncIterator[T]:
    """``process`` each batch of ``stream`` (``batches``), trying a batch that fails again, the
    same events, until it succeeds; never going on to the next one.

    A batch fails when the broker cannot be reached, a transaction times out or the producer is
    fenced: nothing of it was committed, so it is safe to process again. Going on instead would
    lose it: Faust does not deliver an agent's unfinished messages again (they stay unacked,
    and a restarted agent goes on with the next ones), and the next batch's transaction would
    commit the input offsets past them. While a batch fails, ``/ready`` says so, each try is
    counted (``buzzwire_batch_retries_total``) and logged (rate-limited), and the tries back off
    from half a second up to ``MAX_RETRY_SECONDS``.

    The one batch dropped instead is a stale one (``streams.pipeline.membership``): the group
    moved on after its events were fetched, so its partitions are read again from their
    committed offsets after the rebalance. Events fetched before a rebalance are dropped the
    same way before they are processed (``buzzwire_stale_events_total``).

    And a batch holds only records that follow, on their partition, the last one the agent
    took (``streams.pipeline.continuity``): should records have been lost on their way to the
    agent, the partition is read again from after its last one before anything past them is
    committed (``buzzwire_read_gaps_total``).
    """
    continuity = _continuity.setdefault(agent, Continuity())
    async for fetched in batches(stream):
        batch = continuity.sort(_current(fetched, agent), _live_epoch)
        _count_dropped(batch, agent)
        events = batch.kept
        if not events:
            await _read_gaps_again(batch, agent)
            continue
        delay = 0.5
        while True:
            try:
                result = await process(events)
            except asyncio.CancelledError:
                raise
            except StaleBatch as exc:
                # nothing of it was committed, and the rebalance that made it stale seeks its
                # partitions back to their committed offsets: dropped, never tried again
                metrics.stale_events.labels(agent).inc(len(events))
                log.info("agent %s: dropped a batch of %d (%s)", agent, len(events), exc)
                break
            except Exception as exc:
                health.agent_crashed(agent, exc)
                metrics.batch_retries.labels(agent).inc()
                _limited.log(
                    f"retry:{agent}",
                    logging.ERROR,
                    "agent %s: a batch of %d failed (%s: %s); trying it again in %.1f s",
                    agent,
                    len(events),
                    type(exc).__name__,
                    str(exc)[:300],
                    delay,
                )
                await asyncio.sleep(delay)
                delay = min(2 * delay, MAX_RETRY_SECONDS)
                continue
            continuity.done(batch)
            # only now: a batch that is not done leaves the agent's place where it was, and
            # the next records show the same gap, from there
            await _read_gaps_again(batch, agent)
            health.agent_started(agent)
            yield result
            break


#: Each agent's place in its partitions; kept across a restart of the agent in the worker, so
#: that the batch a crashed agent never finished shows as a gap and is read again.
_continuity: dict[str, Continuity] = {}


def _count_dropped(batch: Sorted, agent: str) -> None:
    if batch.superseded:
        metrics.superseded_records.inc(batch.superseded)
    for gap in batch.gaps:
        metrics.read_gaps.labels(agent).inc()
        log.warning(
            "agent %s: records of %s[%d] handed over after %s, up to offset %d, never reached "
            "it (the next was %d); reading the partition again from offset %d",
            agent,
            gap.tp.topic,
            gap.tp.partition,
            "its position was set" if gap.last is None else f"offset {gap.last}",
            gap.found_after,
            gap.offset,
            gap.seek_to,
        )


async def _read_gaps_again(batch: Sorted, agent: str) -> None:
    """Seek each partition with records that never reached the agent back to the record after
    its last one, once the batch is done: they are read again before any offset past them is
    committed. In the consumer's thread, as Faust's own seeks (``seek_wait``): aiokafka's
    state is that thread's."""
    if not batch.gaps:
        return
    try:
        await app.consumer.seek_wait({gap.tp: gap.seek_to for gap in batch.gaps})
    except Exception as exc:  # no longer assigned: the rebalance reads them again
        log.warning("agent %s: could not seek %s (%s)", agent, [g.tp for g in batch.gaps], exc)


def _current(events: Sequence[EventT], agent: str) -> Sequence[EventT]:
    """The events fetched in the consumer group's current generation. Those fetched before a
    rebalance are dropped (counted): the rebalance seeks their partitions back to the
    committed offsets, so they come again, to whichever worker owns them now."""
    generation = group_generation()
    if generation is None:
        return events
    kept: list[EventT] = []
    stale: dict[tuple[str, int], list[int]] = {}
    for e in events:
        msg = e.message
        if msg.generation_id == generation:
            kept.append(e)
        else:
            stale.setdefault((msg.topic, msg.partition), []).append(msg.offset)
    if stale:
        metrics.stale_events.labels(agent).inc(len(events) - len(kept))
        log.info(
            "agent %s: dropped %d events fetched before generation %s: %s",
            agent,
            len(events) - len(kept),
            generation,
            ", ".join(f"{t}[{p}]@{min(o)}-{max(o)}" for (t, p), o in sorted(stale.items())),
        )
    return kept
