"""Kafka transactions of the agents: a batch's outputs, its table writes and its input offsets
are committed together, or none of them is.

Why: at least once, a worker killed between sending a batch's outputs and recording that it
did (the seen-ids table, a brand's window state, the group's offsets) sends them again when the
batch is read again, and every consumer downstream counts those mentions twice (a measured
``kill -9`` run enriched 1.4% of the mentions twice and over-counted the 24 h benchmark windows
by 75%). In a transaction, the outputs, the changelog records of the tables and the input
offsets become visible to ``read_committed`` readers (every consumer of buzzwire, Faust's table
recovery included) at once, or never.

Faust's own ``processing_guarantee="exactly_once"`` is not used: it has open upstream bugs
(duplicates after a kill, crashes on rebalance) and it would wrap Faust's own sends, which the
agents bypass (``streams.pipeline.producer``). Instead each agent has one transactional aiokafka
producer of its own (an agent works on one batch at a time), whose transactional id is stable
for a worker: ``<app id>.<agent>.<worker id>``. A producer that fails in any way is dropped and
the next batch starts a new one with the same id, which aborts whatever the failed one left
open; a killed worker's open transaction is aborted by the broker after
``BUZZWIRE_TRANSACTION_TIMEOUT_SECONDS``, or at once when a worker of the same
``BUZZWIRE_WORKER_ID`` starts.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from typing import Any

from aiokafka import AIOKafkaProducer, TopicPartition

from streams.config import Settings
from streams.pipeline.client_options import client_options

log = logging.getLogger(__name__)


def worker_id(settings: Settings) -> str:
    """This worker's stable name: ``BUZZWIRE_WORKER_ID``, else host name and web port (two
    workers on one host never share a web port)."""
    return settings.worker_id or f"{socket.gethostname()}-{settings.web_port}"


class Transactions:
    """One transactional producer per agent, started on first use (see the module docstring)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._producers: dict[str, AIOKafkaProducer] = {}
        self._starting: dict[str, asyncio.Lock] = {}
        self.closed = False

    def transactional_id(self, agent: str) -> str:
        return f"{self.settings.app_id}.{agent}.{worker_id(self.settings)}"

    async def producer(self, agent: str) -> AIOKafkaProducer:
        """The agent's producer, ready for ``begin_transaction``."""
        if self.closed:
            raise RuntimeError("the worker is stopping: no new transactions")
        producer = self._producers.get(agent)
        if producer is not None:
            return producer
        lock = self._starting.setdefault(agent, asyncio.Lock())
        async with lock:
            producer = self._producers.get(agent)
            if producer is None:
                settings = self.settings
                producer = AIOKafkaProducer(
                    transactional_id=self.transactional_id(agent),
                    transaction_timeout_ms=int(settings.transaction_timeout_seconds * 1000),
                    linger_ms=int(settings.producer_linger_seconds * 1000),
                    max_batch_size=settings.producer_max_batch_bytes,
                    max_request_size=4 * 1024 * 1024,
                    compression_type=settings.compression_type,
                    **client_options(settings),
                )
                try:
                    await producer.start()  # InitProducerId: aborts what this id left open
                except BaseException:
                    await _stop(producer)
                    raise
                self._producers[agent] = producer
            return producer

    async def discard(self, agent: str) -> None:
        """Drop the agent's producer after a failure (its transaction state and sequence numbers
        can no longer be trusted); the next batch starts a fresh one with the same id."""
        producer = self._producers.pop(agent, None)
        if producer is not None:
            await _stop(producer)

    async def stop(self) -> None:
        self.closed = True
        for agent in list(self._producers):
            await self.discard(agent)


async def _stop(producer: AIOKafkaProducer) -> None:
    with contextlib.suppress(Exception, asyncio.CancelledError):
        await asyncio.wait_for(producer.stop(), timeout=5.0)


def offsets_after(events: Any) -> dict[TopicPartition, int]:
    """The offsets to commit once ``events`` (Faust events) are processed: per partition, one past
    the highest offset (aiokafka ``TopicPartition`` keys, as ``send_offsets_to_transaction`` takes
    them)."""
    out: dict[TopicPartition, int] = {}
    for event in events:
        msg = event.message
        tp = TopicPartition(msg.topic, msg.partition)
        out[tp] = max(out.get(tp, 0), msg.offset + 1)
    return out
