"""The sink's loop: read a batch, store it, dead-letter what cannot be stored, then commit.

Lifecycle of one batch (``Sink._handle``):

1. ``getmany`` returns up to ``BUZZWIRE_SINK_BATCH_SIZE`` records of this sink's partitions;
2. each is decoded into rows; one that cannot be (not JSON, a broken field) becomes a dead
   letter;
3. the rows are written in one transaction (``streams.store.writer.write_batch``: idempotent,
   so a re-delivered record is stored once); rows the database refuses become dead letters;
4. the dead letters are sent to ``store.deadletter`` and acknowledged by the broker;
5. only then are the batch's offsets committed.

A crash anywhere before 5 re-delivers the batch, which 3 stores once more as nothing new. While
the database is unreachable (or refuses the batch for another reason than a row's data), the
sink holds the batch and retries with exponential backoff up to
``BUZZWIRE_SINK_RETRY_MAX_SECONDS``; ``buzzwire_sink_paused`` is 1 and ``/ready`` fails
meanwhile. It neither polls nor commits: if the outage outlasts the poll interval the group
moves its partitions, and whoever reads them next re-reads from the last commit. SIGTERM ends
the loop after the batch in hand is stored (or, during an outage, at once, uncommitted).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import psycopg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.errors import CommitFailedError, IllegalStateError, KafkaError
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from streams.config import Settings
from streams.mentions.logic import deadletter_record
from streams.pipeline.admin import create_topics
from streams.pipeline.client_options import client_options
from streams.sink.decode import TOPIC_KINDS, decode
from streams.sink.metrics import SinkMetrics
from streams.store.database import async_engine, require_current_schema
from streams.store.rows import RowError
from streams.store.writer import TABLES, Item, PartitionCache, prune, sqlstate, write_batch

log = logging.getLogger("buzzwire.sink")

DEADLETTER_TOPIC = "store.deadletter"
#: How long the sink may hold a batch (waiting for the database) before the group moves its
#: partitions to another member; longer outages are safe, only slower to resume.
MAX_POLL_INTERVAL_MS = 600_000
PRUNE_EVERY_SECONDS = 3600.0


def error_kind(exc: BaseException) -> str:
    """``unavailable`` (server down, connection lost), ``schema`` or ``other``."""
    if isinstance(exc, OSError | ConnectionError | asyncio.TimeoutError):
        return "unavailable"
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return "unavailable"
    if isinstance(exc, DBAPIError | psycopg.Error):
        code = sqlstate(exc)
        # 08 connection exception, 57 operator intervention (shutdown), 53 resources; no
        # SQLSTATE at all: the connection failed before the server said anything
        if code[:2] in ("08", "57", "53") or not code:
            return "unavailable"
        if code[:2] == "42":
            return "schema"
    return "other"


class Sink:
    """One sink process: ``await Sink(settings, metrics).run()`` until ``stop()``."""

    def __init__(self, settings: Settings, metrics: SinkMetrics) -> None:
        if settings.database_url is None:
            raise ValueError("BUZZWIRE_DATABASE_URL is not set")
        self.settings = settings
        self.metrics = metrics
        self._stopping = asyncio.Event()
        self._cache = PartitionCache()
        self._topics = {settings.topic(name): kind for name, kind in TOPIC_KINDS.items()}
        self._deadletter_topic = settings.topic(DEADLETTER_TOPIC)
        self._started = False
        self._waiting_for_db = False
        self._engine: AsyncEngine | None = None
        self._consumer: AIOKafkaConsumer | None = None
        self._producer: AIOKafkaProducer | None = None
        self._next_prune = 0.0

    # ------------------------------------------------------------------ lifecycle
    def stop(self) -> None:
        self._stopping.set()

    def problems(self) -> list[str]:
        found = []
        if not self._started:
            found.append("starting")
        if self._waiting_for_db:
            found.append("waiting for the database")
        return found

    async def run(self) -> None:
        """Check the schema, then consume until ``stop()``. Raises ``SchemaBehind`` when the
        database needs ``buzzwire db upgrade``."""
        settings = self.settings
        assert settings.database_url is not None
        self._engine = async_engine(settings.database_url, pool_size=settings.database_pool_size)
        try:
            await require_current_schema(self._engine)
            await create_topics(
                settings.bootstrap_servers, [self._deadletter_topic], settings.topic_partitions
            )
            options = client_options(settings)
            self._consumer = AIOKafkaConsumer(
                *self._topics,
                group_id=settings.sink_group,
                enable_auto_commit=False,
                auto_offset_reset="earliest",
                isolation_level="read_committed",
                max_poll_interval_ms=MAX_POLL_INTERVAL_MS,
                session_timeout_ms=int(settings.consumer_session_timeout_seconds * 1000),
                heartbeat_interval_ms=int(settings.consumer_heartbeat_interval_seconds * 1000),
                **options,
            )
            self._producer = AIOKafkaProducer(acks="all", enable_idempotence=True, **options)
            await self._producer.start()
            await self._consumer.start()
            self._started = True
            log.info("sink started: group %s, topics %s", settings.sink_group, list(self._topics))
            await self._loop()
        finally:
            if self._consumer is not None:
                await self._consumer.stop()
            if self._producer is not None:
                await self._producer.stop()
            await self._engine.dispose()

    async def _loop(self) -> None:
        assert self._consumer is not None
        wait_ms = int(self.settings.sink_batch_seconds * 1000)
        while not self._stopping.is_set():
            batch = await self._consumer.getmany(
                timeout_ms=wait_ms, max_records=self.settings.sink_batch_size
            )
            if batch:
                await self._handle(batch)
            await self._update_lag()
            await self._maybe_prune()

    # ------------------------------------------------------------------ one batch
    async def _handle(self, batch: Mapping[TopicPartition, Sequence[ConsumerRecord]]) -> None:
        items: list[Item] = []
        dead: list[tuple[ConsumerRecord, str, str]] = []
        for tp, records in batch.items():
            kind = self._topics[tp.topic]
            self.metrics.records.labels(tp.topic).inc(len(records))
            for record in records:
                try:
                    items.append(decode(kind, record.value, record))
                except RowError as exc:
                    dead.append((record, exc.reason, exc.detail))
        started = time.perf_counter()
        written = await self._store(items)
        if written is None:
            return  # stopping during an outage: nothing committed, the batch is read again
        self.metrics.batch_seconds.observe(time.perf_counter() - started)
        for table in TABLES:
            if written.rows[table]:
                self.metrics.rows_written.labels(table).inc(written.rows[table])
        for rejected in written.rejected:
            self.metrics.db_errors.labels("rejected_row").inc()
            dead.append((rejected.item.source, rejected.reason, rejected.error))
        if dead and not await self._dead_letter(dead):
            return
        await self._commit(batch)

    async def _store(self, items: list[Item]) -> Any:
        """Write ``items``, holding them through database outages; None if stopped meanwhile."""
        assert self._engine is not None
        delay = 0.5
        while True:
            try:
                written = await write_batch(self._engine, items, self._cache)
            except (TimeoutError, SQLAlchemyError, psycopg.Error, OSError) as exc:
                kind = error_kind(exc)
                self.metrics.db_errors.labels(kind).inc()
                self.metrics.paused.set(1)
                self._waiting_for_db = True
                self._cache.forget()  # a replaced database may lack our partitions
                # the message of a database error names the server, never the password
                log.warning(
                    "database %s (%s): holding %d records, retrying in %.1fs",
                    kind,
                    type(exc).__name__,
                    len(items),
                    delay,
                )
                if await self._sleep(delay):
                    return None
                delay = min(delay * 2, self.settings.sink_retry_max_seconds)
                continue
            if self._waiting_for_db:
                log.warning("database back: storing resumed")
            self.metrics.paused.set(0)
            self._waiting_for_db = False
            return written

    async def _sleep(self, seconds: float) -> bool:
        """Sleep, or return True at once when stopping."""
        try:
            await asyncio.wait_for(self._stopping.wait(), timeout=seconds)
            return True
        except TimeoutError:
            return False

    async def _dead_letter(self, dead: list[tuple[ConsumerRecord, str, str]]) -> bool:
        """Send every dead letter and wait for the broker's acknowledgements; retried while
        the broker is unreachable. False if stopped first."""
        assert self._producer is not None
        now = time.time()
        values = [
            (
                record.key,
                deadletter_record(
                    raw=record.value,
                    key=record.key,
                    reason=reason,
                    detail=detail,
                    topic=record.topic,
                    partition=record.partition,
                    offset=record.offset,
                    now=now,
                ),
                reason,
            )
            for record, reason, detail in dead
        ]
        delay = 0.5
        while True:
            try:
                futures = [
                    await self._producer.send(self._deadletter_topic, value=value, key=key)
                    for key, value, _ in values
                ]
                await asyncio.gather(*futures)
                break
            except KafkaError as exc:
                log.warning("dead letters not acknowledged (%s), retrying", type(exc).__name__)
                if await self._sleep(delay):
                    return False
                delay = min(delay * 2, self.settings.sink_retry_max_seconds)
        for _, _, reason in values:
            self.metrics.deadletters.labels(reason).inc()
        return True

    async def _commit(self, batch: Mapping[TopicPartition, Sequence[ConsumerRecord]]) -> None:
        assert self._consumer is not None
        offsets = {tp: records[-1].offset + 1 for tp, records in batch.items() if records}
        try:
            await self._consumer.commit(offsets)
        except (CommitFailedError, IllegalStateError) as exc:
            # the group moved these partitions meanwhile: their next reader re-reads the batch,
            # and the store keeps each row once
            log.warning("offsets not committed (%s): the batch will be read again", exc)

    # ------------------------------------------------------------------ upkeep
    async def _update_lag(self) -> None:
        assert self._consumer is not None
        lag: dict[str, int] = dict.fromkeys(self._topics, 0)
        for tp in self._consumer.assignment():
            high = self._consumer.highwater(tp)
            if high is None:
                continue
            position = await self._consumer.position(tp)
            lag[tp.topic] += max(0, high - position)
        for topic, value in lag.items():
            self.metrics.lag.labels(topic).set(value)

    async def _maybe_prune(self) -> None:
        months = self.settings.store_retention_months
        if months <= 0 or time.monotonic() < self._next_prune:
            return
        self._next_prune = time.monotonic() + PRUNE_EVERY_SECONDS
        assert self._engine is not None
        try:
            dropped = await prune(self._engine, months, datetime.now(UTC))
        except SQLAlchemyError as exc:
            log.warning("retention: partitions not pruned (%s)", type(exc).__name__)
            return
        if dropped:
            self._cache.forget()
            log.info("retention: dropped %s", ", ".join(dropped))
