"""What the agents share: sending a batch's output (and dead letters) straight to the app's
producer, and reading their input in batches."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Sequence
from typing import Any, cast

import faust
from faust.types import EventT, StreamT

from streams.app import app, metrics, settings
from streams.mentions.logic import Reason, deadletter_record
from streams.mentions.topics import deadletter_topic


class Outbox:
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
        fut = await app.producer.send(topic.get_topic_name(), key, value, partition, None, None)
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
