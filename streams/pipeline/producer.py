"""What the agents share: reading their input in batches, and sending a batch's output (and
dead letters) straight to the app's producer."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, cast

import faust
from aiokafka.errors import (
    CorruptRecordException,
    MessageSizeTooLargeError,
    RecordListTooLargeError,
    RecordTooLargeError,
)
from faust.types import EventT, StreamT

from streams.mentions.logic import Reason, deadletter_record
from streams.pipeline.app import app, metrics, settings
from streams.pipeline.ratelimited_log import RateLimitedLog
from streams.pipeline.topics import deadletter_topic

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
    """One record sent, and the input message it came from (if any)."""

    topic: faust.TopicT
    source: EventT | None
    is_dead_letter: bool


class BatchProducer:
    """Sends a batch's output straight to the app's producer and waits for all deliveries.

    ``Topic.send`` costs ~100 us a message in Faust's bookkeeping; the batch does its own. Not
    returning before every output is acknowledged means a batch's input offsets are never
    committed ahead of its output (at-least-once; the de-duplication table absorbs replays).

    A record the broker or the client refuses for good (too large, corrupt) never fails the
    batch: the input message it came from is dead-lettered instead (``output_rejected``), and a
    dead letter that is refused too is skipped, counted and logged with its source offset. Any
    other failure (the broker unreachable past the request timeout) is raised: the agent
    restarts and the batch is read again.
    """

    def __init__(self) -> None:
        self.pending: list[tuple[Awaitable[Any], _Output]] = []
        self.rejected: list[tuple[_Output, BaseException]] = []

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
        await self._send(_Output(topic, source, False), key, value, partition)

    async def _send(
        self, out: _Output, key: bytes | None, value: bytes, partition: int | None
    ) -> None:
        send = _transport or _app_send
        try:
            fut = await send(out.topic.get_topic_name(), key, value, partition)
        except Exception as exc:
            if not record_rejected(exc):
                raise
            self.rejected.append((out, exc))
            return
        self.pending.append((fut, out))

    async def flush(self) -> None:
        """Wait until every record is acknowledged (see the class docstring for refusals)."""
        for _ in range(2):  # the outputs, then the dead letters of their refused ones
            if self.pending:
                futures = [fut for fut, _ in self.pending]
                results = await asyncio.gather(*futures, return_exceptions=True)
                for (_, out), result in zip(self.pending, results, strict=True):
                    if isinstance(result, BaseException):
                        if not record_rejected(result):
                            self.pending.clear()
                            raise result
                        self.rejected.append((out, result))
                self.pending.clear()
            if not self.rejected:
                return
            rejected, self.rejected = self.rejected, []
            sources: dict[int, EventT] = {}
            for out, exc in rejected:
                name = _topic_label(out.topic)
                metrics.outputs_rejected.labels(name).inc()
                if out.is_dead_letter or out.source is None:
                    _skip(out, name, exc)
                elif id(out.source) not in sources:
                    sources[id(out.source)] = out.source
                    detail = f"its output to {name} was refused: {type(exc).__name__}: {exc}"
                    await self.dead_letter(out.source, Reason.OUTPUT_REJECTED, detail, time.time())
        for out, exc in self.rejected:  # refused a second time
            _skip(out, _topic_label(out.topic), exc)
        self.rejected.clear()

    async def dead_letter(self, event: EventT, reason: Reason, detail: str, now: float) -> None:
        """Send an input message to ``mentions.deadletter`` with the reason, and count it."""
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
        await self._send(_Output(deadletter_topic, event, True), msg.key, value, None)


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
    ``BUZZWIRE_BATCH_WITHIN_SECONDS`` to fill one.

    Faust's ``take_events`` acks every event of a batch when the batch ends, however it ends:
    an agent cancelled or crashed in the middle of a batch would get the batch committed and
    its unprocessed events lost. So each event carries one reference of ours, released only
    when the agent comes back for the next batch (it processed this one and its outputs are
    acknowledged): a batch the agent did not finish is never acked.
    """
    async for events in cast(faust.Stream, stream).take_events(
        settings.batch_size, within=settings.batch_within_seconds
    ):
        for event in events:
            event.message.incref()
        yield events
        for event in events:
            event.message.decref()
