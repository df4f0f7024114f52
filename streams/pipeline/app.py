"""The one Faust app of buzzwire, with explicit autodiscovery of the domain packages.

Run a worker with ``buzzwire worker`` (or ``faust -A streams.pipeline.app worker``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import ssl
import time
from typing import Any

import faust
from faust import web
from faust.sensors.prometheus import setup_prometheus_sensors
from prometheus_client import CollectorRegistry

from streams.config import Settings, get_settings
from streams.pipeline.continuity import kafka_consumer, last_handed_over, link_records
from streams.pipeline.health import Health
from streams.pipeline.metrics import Metrics
from streams.pipeline.patching import original
from streams.pipeline.ratelimited_log import RateLimitFilter
from streams.pipeline.seeks import (
    drop_records_fetched_before_a_seek,
    keep_paused_partitions_paused,
    seek_before_streaming,
)

#: Packages scanned for agents and timers (topics and tables are imported by them).
AGENT_PACKAGES = ["streams.pipeline.agents"]


def _credentials(settings: Settings) -> Any:
    if settings.kafka_sasl_mechanism is None:
        return faust.SSLCredentials(ssl.create_default_context()) if settings.kafka_ssl else None
    password = settings.kafka_password.get_secret_value() if settings.kafka_password else ""
    return faust.SASLCredentials(
        username=settings.kafka_username or "",
        password=password,
        mechanism=settings.kafka_sasl_mechanism,
        ssl_context=ssl.create_default_context() if settings.kafka_ssl else None,
    )


class Worker(faust.Worker):
    """Faust's worker without its terminal spinner.

    At log levels above INFO the spinner lowers the root logger to DEBUG so that it can spin on
    every record: every debug line of aiokafka (one per message sent) is then built and
    filtered (measured: ~5% of the worker's CPU). Workers run unattended; no spinner needed.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.spinner = None

    async def _stop_on_signal(self, signal: signal.Signals) -> None:
        """SIGTERM or SIGINT: finish what was taken before stopping (see ``drain``)."""
        self.log.info("Signal received: %s: finishing the batches in flight", signal)
        with contextlib.suppress(Exception):
            await drain(settings.shutdown_drain_seconds)
        # Faust's stop would otherwise wait, with no limit, until the agents have processed
        # every message queued for them; what the drain did not finish is left to the next
        # owner of the partitions (never committed: see streams.pipeline.producer)
        self.app.conf.stream_wait_empty = False
        await super()._stop_on_signal(signal)

    def on_setup_root_logger(self, logger: logging.Logger, level: int) -> None:
        """Every handler of the root logger lets each kind of warning or error through at
        most once every 10 s (with the broker down, Kafka clients log thousands a second)."""
        super().on_setup_root_logger(logger, level)
        for handler in logger.handlers:
            if not any(isinstance(f, RateLimitFilter) for f in handler.filters):
                handler.addFilter(RateLimitFilter())


async def drain(timeout: float) -> bool:
    """Stop taking input, let the agents finish every message they were handed, commit.

    Faust stops its consumer first and then cancels the agents: a batch an agent is in the
    middle of gets acked by ``take_events`` all the same, its offsets committed, its unprocessed
    mentions lost (a rolling deploy lost a few each time). So before Faust's own stop, every
    partition is paused and we wait, up to ``timeout`` seconds, until each message delivered to a
    stream has been acked, i.e. processed, then commit. Returns whether everything drained.
    """
    consumer = app.consumer
    assignment = consumer.assignment()
    if assignment:
        consumer.pause_partitions(assignment)
    deadline = asyncio.get_running_loop().time() + timeout
    drained = False
    while asyncio.get_running_loop().time() < deadline:
        # Faust keeps the messages handed to streams and not yet acked here (no public API)
        unacked: Any = getattr(consumer, "_unacked_messages", ())
        pending = [m for m in unacked if not m.acked]
        if not pending:
            drained = True
            break
        await asyncio.sleep(0.05)
    await consumer.commit()
    if not drained:
        logging.getLogger(__name__).warning(
            "stopping with messages still in flight after %.0f s: the next owner of their "
            "partitions reads them again",
            timeout,
        )
    return drained


def set_fetch_max_wait(seconds: float) -> None:
    """Make the workers' Kafka consumers wait at most ``seconds`` in a fetch request.

    Faust creates its aiokafka consumer with ``fetch_max_wait_ms=1500`` and no setting to change
    it. aiokafka leaves partitions that still have unread records out of the next fetch, so
    that fetch often asks only for idle partitions (re-keyed mentions, changelogs, a quiet
    brand) and the broker holds it for the whole wait: mentions arriving meanwhile wait too.
    The wait dominated event-to-output latency (docs/performance.md has the measurement).

    The consumer also reads ``read_committed``: the agents commit their outputs and table
    writes in Kafka transactions (``streams.pipeline.transactions``), so an agent downstream and
    the recovery of a table must never see what an aborted batch wrote.
    """
    from faust.transport.drivers import aiokafka as driver

    thread = driver.AIOKafkaConsumerThread
    create_consumer = original(thread, "_create_worker_consumer")

    def create(self: Any, transport: Any) -> Any:
        consumer = create_consumer(self, transport)
        consumer._fetch_max_wait_ms = max(1, int(seconds * 1000))
        consumer._isolation_level = "read_committed"  # read by start(), which builds the fetcher
        return consumer

    thread._create_worker_consumer = create  # type: ignore[method-assign]


class _TransactionalView:
    """The app as the table recovery sees it: ``in_transaction`` is true, all else is the app.

    The agents write the tables' changelogs in Kafka transactions, so each changelog partition
    ends with a transaction marker, an offset no consumer ever receives. Faust's recovery waits
    until it has read the offset before the end, so it would wait forever; only in
    ``exactly_once`` mode does it check the consumer's position instead (past the marker: the
    partition is read). Faust's ``exactly_once`` itself stays off (see
    ``streams.pipeline.transactions``), so the recovery alone gets this view of the app.
    """

    in_transaction = True

    def __init__(self, app: faust.App) -> None:
        object.__setattr__(self, "_app", app)

    def __getattr__(self, name: str) -> Any:
        if name == "consumer":
            return _RecoveryConsumer(self._app.consumer, self._app.tables.recovery)
        return getattr(self._app, name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._app, name, value)


#: How long a table recovery waits for changelog records that the consumer handed over to
#: reach it before it takes their partition as read all the same (logged): a record that never
#: arrives must not stall the worker.
RECOVERY_APPLY_TIMEOUT_SECONDS = 60.0


class _RecoveryConsumer:
    """The consumer as the table recovery sees it: all of it, except that ``position`` answers
    -1 (not there yet) while changelog records the consumer handed over have not reached the
    recovery.

    Faust's recovery takes a changelog partition as read when the consumer's position has
    passed its last offset (how a transactional partition ends: with a marker no reader
    receives), once its changelog reader has timed out twice in a row with nothing to read.
    But the reader counts its timeouts from before the recovery began, and its pending 5 s
    wait started then too, so the test could pass a few milliseconds into a recovery: the
    records were fetched (the position moved) and not yet applied to the table. The recovery
    then ended, the changelog partitions were paused with those records still on their way,
    and they were never applied: a worker took a brand over with no state for it (seen once:
    "Aborted tx until highwater" 41 ms after the recovery began, and every near-duplicate
    cluster of a brand of those partitions new from then on). Here the position counts only
    once the last record handed over (``streams.pipeline.continuity``) has reached the
    recovery, or after ``RECOVERY_APPLY_TIMEOUT_SECONDS``.
    """

    def __init__(self, consumer: Any, recovery: Any) -> None:
        object.__setattr__(self, "_consumer", consumer)
        object.__setattr__(self, "_recovery", recovery)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._consumer, name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._consumer, name, value)

    async def position(self, tp: Any) -> int | None:
        kafka = kafka_consumer(self._consumer)
        handed = None if kafka is None else last_handed_over(kafka, tp)
        applied = self._recovery.active_offsets.get(tp)
        if handed is not None and (applied is None or applied < handed):
            started = getattr(self._recovery, "_recovery_started_at", None)
            if started is None or time.monotonic() - started < RECOVERY_APPLY_TIMEOUT_SECONDS:
                return -1
            logging.getLogger(__name__).warning(
                "table recovery: %s[%d] handed over up to offset %d, applied up to %s after "
                "%.0f s; taking it as read",
                tp.topic,
                tp.partition,
                handed,
                applied,
                RECOVERY_APPLY_TIMEOUT_SECONDS,
            )
        position: int | None = await self._consumer.position(tp)
        return position


def create_app(settings: Settings) -> faust.App:
    set_fetch_max_wait(settings.consumer_fetch_max_wait_seconds)
    link_records()
    seek_before_streaming()
    keep_paused_partitions_paused()
    # BROKER_URL and WEB_PORT are read by Settings from the very env vars Faust reads, so the
    # explicit kwargs below and Faust's env override always carry the same values.
    return faust.App(
        settings.app_id,
        broker=settings.broker_url,
        broker_credentials=_credentials(settings),
        web_port=settings.web_port,
        web_bind=settings.web_bind,
        web_enabled=True,
        store=settings.table_store,
        topic_partitions=settings.topic_partitions,
        datadir=str(settings.data_dir),
        autodiscover=AGENT_PACKAGES,
        Worker=Worker,
        # Faust's discovery scans the origin package too: all of `streams` made every worker
        # import the web app, the store and the migrations (tests/streams/pipeline/test_app.py)
        origin="streams.pipeline",
        # Our input topics carry raw bytes that we validate ourselves; never let Faust crash
        # on them.
        value_serializer="raw",
        key_serializer="raw",
        # Replaying history must start from the beginning of the topics.
        consumer_auto_offset_reset="earliest",
        producer_max_request_size=4 * 1024 * 1024,
        # Faust's defaults (no linger, 16 KiB batches) send one produce request per message.
        producer_linger=settings.producer_linger_seconds,
        producer_max_batch_size=settings.producer_max_batch_bytes,
        producer_compression_type=settings.compression_type,
        broker_max_poll_records=2000,
        # a worker that dies (kill -9, a lost node) is replaced within seconds, not a minute
        broker_session_timeout=settings.consumer_session_timeout_seconds,
        broker_heartbeat_interval=settings.consumer_heartbeat_interval_seconds,
        stream_buffer_maxsize=8192,
        # No standby copies of other workers' tables: Faust's standby recovery crashed a worker
        # when a third joined mid-stream (it sought a standby changelog partition to an invalid
        # offset: "Offset must be a positive integer"), and with the in-memory store a standby
        # doubles each worker's tables. A worker taking partitions over recovers them from the
        # changelogs (docs/delivery-guarantees.md).
        table_standby_replicas=0,
    )


settings = get_settings()
app = create_app(settings)
app.tables.recovery.app = _TransactionalView(app)  # type: ignore[attr-defined]
registry = CollectorRegistry(auto_describe=True)
metrics = Metrics.create(registry)
drop_records_fetched_before_a_seek(metrics.superseded_records.inc)
# Faust's own sensor metrics (messages in/out, commit latency, rebalances, ...) and ours share
# one registry, served at /metrics on the worker's web port.
setup_prometheus_sensors(app, pattern="/metrics", registry=registry, name_prefix="faust")


#: Broker reachability and agent crashes, for /ready (agents and the probe below report).
health = Health(broker_grace_seconds=settings.ready_broker_grace_seconds)


@app.page("/ready")
async def ready(self: web.View, request: web.Request) -> web.Response:
    """Readiness: 200 once partitions are assigned and table recovery is done, while the broker
    answers and no agent is crashed; else 503 with the reasons."""
    if health.broker_ok_at is None:
        await probe_broker()  # a worker starting up need not wait for the first timer
    recovery = app.tables.recovery  # type: ignore[attr-defined]
    problems = health.problems()
    if not recovery.completed.is_set():
        problems.append("table recovery is not done")
    if app.rebalancing:
        problems.append("a rebalance is under way")
    ok = not problems
    return self.json({"ready": ok, "problems": problems}, status=200 if ok else 503)


@app.timer(interval=settings.ready_probe_seconds)
async def probe_broker() -> None:
    """Ask the broker for metadata through the worker's own producer connection."""
    producer = getattr(app.producer, "_producer", None)
    if producer is None:
        return
    with contextlib.suppress(Exception):
        if await asyncio.wait_for(producer.client.force_metadata_update(), timeout=5.0):
            health.broker_answered()
