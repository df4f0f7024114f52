"""What the agents share: reading their input in batches, and sending a batch's output (and
dead letters) straight to the app's producer."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from typing import Any, cast

import faust
from faust.types import EventT, StreamT

from streams.mentions.logic import Reason, deadletter_record
from streams.pipeline.app import app, metrics, settings
from streams.pipeline.topics import deadletter_topic

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


class BatchProducer:
    """Sends a batch's output straight to the app's producer and waits for all deliveries.

    ``Topic.send`` costs ~100 us a message in Faust's bookkeeping; the batch does its own. Not
    returning before every output is acknowledged means a batch's input offsets are never
    committed ahead of its output (at-least-once; the de-duplication table absorbs replays).
    """

    def __init__(self) -> None:
        self.pending: list[Awaitable[Any]] = []

    async def send(
        self, topic: faust.TopicT, key: bytes | None, value: bytes, partition: int | None = None
    ) -> None:
        send = _transport or _app_send
        fut = await send(topic.get_topic_name(), key, value, partition)
        self.pending.append(fut)

    async def flush(self) -> None:
        if self.pending:
            await asyncio.gather(*self.pending)
            self.pending.clear()

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
        )
        metrics.deadletters.labels(reason.value).inc()
        await self.send(deadletter_topic, msg.key, value)


async def batches(stream: StreamT) -> AsyncIterator[Sequence[EventT]]:
    """The agent's input in batches of up to ``BUZZWIRE_BATCH_SIZE`` events, waiting at most
    ``BUZZWIRE_BATCH_WITHIN_SECONDS`` to fill one."""
    async for events in cast(faust.Stream, stream).take_events(
        settings.batch_size, within=settings.batch_within_seconds
    ):
        yield events
