"""``buzzwire demo``: local broker and PostgreSQL, a worker, the sink and the web inbox, the
bundled sample stream, a live summary.

Each run uses its own topic prefix and app id, so counts start from zero; its topics are
deleted at the end. The broker is started only when ``BROKER_URL`` is not set, the local
PostgreSQL cluster only when ``BUZZWIRE_DATABASE_URL`` is not set; each is stopped at the end
only if this run started it. What the sink stored stays in the database (``buzzwire postgres
psql`` looks at it).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from prometheus_client.metrics_core import Metric
from rich.console import Console, Group
from rich.live import Live
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

from streams.alerts.explanation import explanation_lines
from streams.config import Settings, sample_stream_path
from streams.crisis.alert_threads import describe
from streams.devstack.synthetic import demo_history
from streams.devstack.workerproc import (
    WorkerProcess,
    metric_values,
    sink_env,
    sink_process,
    worker_env,
)
from streams.pipeline.admin import (
    PIPELINE_TOPICS,
    create_topics,
    delete_topics_with_prefix,
    end_offsets,
    uncommitted,
)
from streams.store.database import async_engine, public_url, upgrade
from streams.store.schema import alert_events, benchmark_snapshots, mentions


@dataclass
class Summary:
    replayed: int = 0
    replay_done: bool = False
    enriched: int = 0
    untagged: int = 0
    deadletters: int = 0
    duplicates: int = 0
    latency_p50: float | None = None
    brands: Counter[tuple[str, bool]] = field(default_factory=Counter)
    sentiment: Counter[tuple[str, str]] = field(default_factory=Counter)
    langs: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)
    inbox: list[str] = field(default_factory=list)
    history_sent: int = 0
    history_total: int = 0
    alerts: list[dict[str, Any]] = field(default_factory=list)
    #: brand events the windows agent has still to work through (None: not waiting for it)
    windows_backlog: int | None = None
    windows_timed_out: bool = False

    def add_enriched(self, value: bytes) -> None:
        obj = orjson.loads(value)
        self.enriched += 1
        self.langs[obj["lang"]] += 1
        for brand in obj["brands"]:
            self.brands[(brand["id"], bool(brand["tagged"]))] += 1
            self.sentiment[(brand["id"], obj.get("sentiment") or "none")] += 1

    def add_untagged(self, value: bytes) -> None:
        obj = orjson.loads(value)
        self.untagged += 1
        ids = ",".join(b["id"] for b in obj["brands"] if not b["tagged"])
        text = " ".join(obj["text"].split())[:90]
        self.inbox = [escape(f"[{obj['lang']}] {ids}: {text}"), *self.inbox[:4]]

    def add_alert(self, value: bytes) -> None:
        self.alerts.append(orjson.loads(value))

    def add_deadletter(self, value: bytes) -> None:
        self.deadletters += 1
        self.reasons[orjson.loads(value)["reason"]] += 1

    @property
    def accounted(self) -> int:
        return self.enriched + self.deadletters + self.duplicates


def _alerts_panel(s: Summary) -> Panel:
    table = Table(expand=True, show_edge=False)
    for col in ("window", "brand", "alert", "event", "observed vs expected", "why"):
        table.add_column(col, overflow="fold" if col == "why" else "ellipsis")
    for alert in s.alerts[-6:]:
        sample = (alert.get("samples") or [{}])[0]
        why = explanation_lines(alert.get("explanation"), terms=3, quote_chars=60)[:2]
        text = " / ".join(why) if why else " ".join(str(sample.get("text") or "").split())[:70]
        table.add_row(
            alert["window"]["start"][11:16],
            alert["brand"],
            f"{alert['kind']} ({alert['severity']})",
            alert["event"],
            f"{alert['observed']:g} vs {alert['expected']:g} (score {alert['score']:.2f})",
            escape(text if why else f"[{sample.get('lang', '')}] {text}") if text else "-",
        )
    history = (
        f"history replayed {s.history_sent}/{s.history_total} mentions"
        if s.history_total
        else "no history replayed"
    )
    body: Table | str = table if s.alerts else "no alert yet"
    return Panel(body, title=f"crisis alerts ({len(s.alerts)} events)", subtitle=history)


def render(s: Summary, metrics_url: str, elapsed: float) -> Group:
    head = Table.grid(padding=(0, 2))
    p50 = f"{s.latency_p50:.2f}s" if s.latency_p50 is not None else "-"
    head.add_row(
        f"[b]replayed[/b] {s.replayed}{' (done)' if s.replay_done else ''}",
        f"[b]enriched[/b] {s.enriched}",
        f"[b]untagged[/b] {s.untagged}",
        f"[b]dead letters[/b] {s.deadletters}",
        f"[b]duplicates skipped[/b] {s.duplicates}",
        f"[b]p50 latency[/b] {p50}",
        f"{elapsed:.0f}s",
    )
    if s.windows_backlog is not None:
        head.add_row(f"[b]crisis windows[/b] catching up: {s.windows_backlog} brand events left")
    brands = Table(title="mentions per brand", expand=False)
    for col in ("brand", "tagged", "untagged", "neg", "pos"):
        brands.add_column(col, justify="right" if col != "brand" else "left")
    for brand in sorted({b for b, _ in s.brands}):
        total = s.brands[(brand, True)] + s.brands[(brand, False)]
        share = {
            k: f"{100 * s.sentiment[(brand, k)] / total:.0f}%" for k in ("negative", "positive")
        }
        brands.add_row(
            brand,
            str(s.brands[(brand, True)]),
            str(s.brands[(brand, False)]),
            share["negative"],
            share["positive"],
        )
    langs = Table(title="languages")
    langs.add_column("lang")
    langs.add_column("mentions", justify="right")
    for lang, n in s.langs.most_common(14):
        langs.add_row(lang, str(n))
    dead = Table(title="dead letters")
    dead.add_column("reason")
    dead.add_column("n", justify="right")
    for reason, n in s.reasons.most_common():
        dead.add_row(reason, str(n))
    row = Table.grid(padding=(0, 3))
    row.add_row(brands, langs, dead)
    inbox = "\n".join(s.inbox) or "-"
    return Group(
        Panel(head, title="buzzwire demo", subtitle=f"metrics: {metrics_url}"),
        row,
        _alerts_panel(s),
        Panel(inbox, title="untagged inbox (latest)"),
    )


def _histogram_p50(families: Iterable[Metric], name: str) -> float | None:
    """The upper bound of the bucket that holds the median of histogram ``name``."""
    buckets = [
        (float(sample.labels["le"]), sample.value)
        for family in families
        if family.name == name
        for sample in family.samples
        if sample.name == f"{name}_bucket" and "le" in sample.labels
    ]
    buckets.sort()
    if not buckets or buckets[-1][1] == 0:
        return None
    half = buckets[-1][1] / 2
    return next(le for le, count in buckets if count >= half)


async def _consume(settings: Settings, summary: Summary, stop: asyncio.Event) -> None:
    from aiokafka import AIOKafkaConsumer

    handlers = {
        settings.topic("mentions.enriched"): summary.add_enriched,
        settings.topic("mentions.untagged"): summary.add_untagged,
        settings.topic("mentions.deadletter"): summary.add_deadletter,
        settings.topic("alerts"): summary.add_alert,
    }
    consumer = AIOKafkaConsumer(
        *handlers,
        bootstrap_servers=settings.bootstrap_servers,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        group_id=None,
    )
    await consumer.start()
    try:
        while not stop.is_set():
            batches = await consumer.getmany(timeout_ms=300)
            for tp, records in batches.items():
                for record in records:
                    if record.value is not None:
                        handlers[tp.topic](record.value)
    finally:
        await consumer.stop()


#: Longest the demo waits, once every mention is enriched, for the brand-windows agent to work
#: through mentions.by-brand (on a slow CPU it is still closing the history's windows then).
WINDOWS_CATCH_UP_SECONDS = 300.0


async def _demo(
    settings: Settings,
    worker: WorkerProcess,
    file: Path,
    rate: float,
    duration: float | None,
    with_history: bool,
) -> Summary:
    from streams.replay import count_messages, replay, replay_history

    summary = Summary()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    expected = count_messages(file)
    consumer = asyncio.create_task(_consume(settings, summary, stop))

    past = demo_history(time.time()) if with_history else []
    summary.history_total = len(past)
    expected += len(past)

    live_go = asyncio.Event()

    async def _replay() -> None:
        if past:
            # history first (window by window, compressed), then the live sample: live posts
            # would otherwise move the stream clock to now and make the history late
            summary.history_sent = await replay_history(
                past,
                bootstrap_servers=settings.bootstrap_servers,
                topic=settings.topic("mentions.raw"),
                window_seconds=settings.crisis_window_seconds,
                pause_seconds=0.01,
                stop=stop,
            )
            # ... and not before the worker has put the history through its brand windows:
            # the mentions topic's partitions are read side by side, and a live post read
            # while another partition still holds history would do the same
            await _history_through(settings, summary, stop)
        live_go.set()
        stats = await replay(
            file,
            bootstrap_servers=settings.bootstrap_servers,
            topic=settings.topic("mentions.raw"),
            rate=rate,
            live=True,
            progress=False,
        )
        summary.replayed = stats.sent
        summary.replay_done = True

    replayer = asyncio.create_task(_replay())
    started = time.monotonic()
    live_started: float | None = None
    catch_up: float | None = None
    targets: dict[int, int] = {}
    by_brand = settings.topic("mentions.by-brand")
    # Piped output (CI, logs) gets a width that fits the tables instead of 80 columns.
    console = Console(width=None if sys.stdout.isatty() else 130)
    last_line = 0.0
    with Live(console=console, refresh_per_second=4, transient=False) as live:
        while not stop.is_set():
            elapsed = time.monotonic() - started
            if live_go.is_set() and live_started is None:
                live_started = elapsed
            if not summary.replay_done and live_started is not None:
                summary.replayed = min(expected, int((elapsed - live_started) * rate))
            with contextlib.suppress(OSError):
                families = worker.metric_families()
                m = metric_values(families)
                summary.duplicates = int(m.get("buzzwire_duplicates_total", 0))
                summary.latency_p50 = _histogram_p50(
                    families, "buzzwire_event_to_processed_seconds"
                )
            live.update(render(summary, worker.metrics_url, elapsed))
            if not console.is_terminal and elapsed - last_line >= 5:
                last_line = elapsed
                print(
                    f"[{elapsed:5.0f}s] replayed={summary.replayed} enriched={summary.enriched} "
                    f"untagged={summary.untagged} deadletters={summary.deadletters} "
                    f"duplicates={summary.duplicates} alerts={len(summary.alerts)}",
                    flush=True,
                )
            if worker.proc is not None and worker.proc.poll() is not None:
                print(f"worker exited unexpectedly:\n{worker.log_tail()}", file=sys.stderr)
                break
            if duration is not None and elapsed >= duration:
                break
            if duration is None and summary.replay_done and summary.accounted >= expected:
                # every mention is enriched; the alerts come once the brand-windows agent has
                # worked through the brand events of all of them
                if catch_up is None:
                    catch_up = time.monotonic()
                    targets = await end_offsets(
                        settings.bootstrap_servers, by_brand, settings.topic_partitions
                    )
                backlog = await uncommitted(
                    settings.bootstrap_servers, settings.app_id, by_brand, targets
                )
                summary.windows_backlog = sum(backlog.values())
                if not backlog:
                    await asyncio.sleep(1.0)  # let the last alerts and metrics arrive
                    live.update(render(summary, worker.metrics_url, elapsed))
                    break
                if time.monotonic() - catch_up > WINDOWS_CATCH_UP_SECONDS:
                    summary.windows_timed_out = True
                    live.update(render(summary, worker.metrics_url, elapsed))
                    break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=0.5)
    stop.set()
    replayer.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await replayer
    await consumer
    return summary


async def _history_through(
    settings: Settings,
    summary: Summary,
    stop: asyncio.Event,
    timeout: float = WINDOWS_CATCH_UP_SECONDS,
) -> None:
    """Wait (at most ``timeout``) until every history mention sent is accounted for by the
    worker and its brand events have gone through the brand windows agent."""
    deadline = time.monotonic() + timeout
    while summary.accounted < summary.history_sent and time.monotonic() < deadline:
        if stop.is_set():
            return
        await asyncio.sleep(0.5)
    by_brand = settings.topic("mentions.by-brand")
    targets = await end_offsets(settings.bootstrap_servers, by_brand, settings.topic_partitions)
    while time.monotonic() < deadline and not stop.is_set():
        backlog = await uncommitted(settings.bootstrap_servers, settings.app_id, by_brand, targets)
        summary.windows_backlog = sum(backlog.values()) or None
        if not backlog:
            return
        await asyncio.sleep(1.0)


@dataclass
class Stored:
    """What the store holds of one demo run."""

    mentions: int = 0
    untagged: int = 0
    alert_events: int = 0
    alert_threads: int = 0
    benchmarks: int = 0


#: The demo's sign-in to the web inbox: an admin of every brand, with a new password each run.
DEMO_USER = "demo"


async def _demo_login(settings: Settings) -> str:
    """Create the demo user, or give it a new password; returns the password (for the demo's
    own terminal only: it is never logged)."""
    from streams.store.users import add_user, generate_password, get_user, set_password

    assert settings.database_url is not None
    password = generate_password()
    engine = async_engine(settings.database_url, pool_size=1)
    try:
        async with engine.begin() as conn:
            if await get_user(conn, DEMO_USER) is None:
                await add_user(conn, DEMO_USER, "admin", all_brands=True, password=password)
            else:
                await set_password(conn, DEMO_USER, password)
    finally:
        await engine.dispose()
    return password


#: Longest the demo waits for the sink to store what the worker wrote.
SINK_CATCH_UP_SECONDS = 120.0


async def _stored(settings: Settings, sink: WorkerProcess, since: datetime) -> Stored:
    """Once the sink has committed everything of this run's topics, what the store holds of
    the run (rows stored, and alert events sent, ``since`` it began)."""
    from sqlalchemy import func, select

    deadline = time.monotonic() + SINK_CATCH_UP_SECONDS
    for name in ("mentions.enriched", "alerts", "benchmarks"):
        topic = settings.topic(name)
        targets = await end_offsets(settings.bootstrap_servers, topic, settings.topic_partitions)
        while time.monotonic() < deadline:
            left = await uncommitted(
                settings.bootstrap_servers, settings.sink_group, topic, targets
            )
            if not left or (sink.proc is not None and sink.proc.poll() is not None):
                break
            await asyncio.sleep(0.5)
    assert settings.database_url is not None
    engine = async_engine(settings.database_url, pool_size=1)
    try:
        async with engine.connect() as conn:
            one = await conn.execute(
                select(
                    func.count(),
                    func.count().filter(mentions.c.untagged),
                ).where(mentions.c.stored_at >= since)
            )
            n_mentions, n_untagged = one.one()
            two = await conn.execute(
                select(func.count(), func.count(func.distinct(alert_events.c.thread_id))).where(
                    alert_events.c.sent_at >= since
                )
            )
            n_events, n_threads = two.one()
            three = await conn.execute(
                select(func.count())
                .select_from(benchmark_snapshots)
                .where(benchmark_snapshots.c.stored_at >= since)
            )
            n_bench = three.scalar_one()
    finally:
        await engine.dispose()
    return Stored(n_mentions, n_untagged, n_events, n_threads, n_bench)


#: The Trends page's history: 460 days (every week of the last quarter has its week a year
#: before) at 0.6 of the synthetic rates, about 18,000 mentions, imported in about half a minute
#: with the linear sentiment model.
TRENDS_HISTORY_DAYS = 460
TRENDS_HISTORY_SCALE = 0.6


def import_trends_history(
    settings: Settings,
    path: Path,
    *,
    now: datetime,
    days: int = TRENDS_HISTORY_DAYS,
    scale: float = TRENDS_HISTORY_SCALE,
) -> int:
    """Write the synthetic history of the Trends page (``streams.devstack.trends_history``:
    weekly patterns, a share-of-voice shift, a delivery surge in the last days) to ``path`` as
    JSONL and import it into the store as ``buzzwire import`` does (validation, language,
    brands, topics, sentiment with the linear model for speed, the writer that keeps the
    rollups). A day's mentions are the same in every run, so a second run stores only the
    days that are new. Returns the import's exit status."""
    from streams.devstack.trends_history import history
    from streams.importer import run_import

    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        for mention in history(now, days=days, scale=scale):
            out.write(orjson.dumps(mention.value) + b"\n")
    linear = settings.model_copy(update={"sentiment_model": "linear"})
    return run_import(path, linear, progress=False)


def run_demo(
    *,
    duration: float | None,
    rate: float,
    file: Path | None,
    with_history: bool = True,
    with_trends_history: bool = True,
) -> int:
    from streams.devstack.localkafka import LocalKafka
    from streams.devstack.localpostgres import LocalPostgres

    run_started = datetime.now(UTC)

    run_id = datetime.now().strftime("demo-%Y%m%d-%H%M%S")
    own_broker = "BROKER_URL" not in os.environ
    broker = LocalKafka() if own_broker else None  # port: BUZZWIRE_KAFKA_PORT, default 9092
    started_broker = broker is not None and not broker.status().running
    database = None if os.environ.get("BUZZWIRE_DATABASE_URL") else LocalPostgres()
    started_database = database is not None and not database.status().running
    settings: Settings | None = None
    worker: WorkerProcess | None = None
    sink: WorkerProcess | None = None
    web: WorkerProcess | None = None
    code = 0
    try:
        if database is not None:
            print(
                f"starting local PostgreSQL on 127.0.0.1:{database.port} ..."
                if started_database
                else f"using the running local PostgreSQL on 127.0.0.1:{database.port}",
                flush=True,
            )
            database.start()
            os.environ["BUZZWIRE_DATABASE_URL"] = database.url.get_secret_value()
        if broker is not None:
            print(
                f"starting local Kafka broker on {broker.bootstrap} ..."
                if started_broker
                else f"using the running local broker on {broker.bootstrap}",
                flush=True,
            )
            broker.start()
            os.environ["BROKER_URL"] = broker.url
        settings = Settings(
            topic_prefix=f"{run_id}.",
            app_id=f"buzzwire-{run_id}",
            data_dir=Path(".buzzwire") / run_id,
        )
        worker = WorkerProcess(
            # the history arrives compressed (a day in seconds): allow half an hour of event
            # time between input partitions before a mention counts as late
            env={**worker_env(settings), "BUZZWIRE_WINDOW_LATENESS_SECONDS": "1800"},
            log_path=Path(".buzzwire") / f"{run_id}-worker.log",
            web_port=settings.web_port,
        )
        asyncio.run(
            create_topics(
                settings.bootstrap_servers,
                [settings.topic(t) for t in PIPELINE_TOPICS],
                settings.topic_partitions,
            )
        )
        assert settings.database_url is not None
        _, after = upgrade(settings.database_url)
        print(f"store: {public_url(settings.database_url)} at schema {after}", flush=True)
        if with_trends_history:
            print(
                f"importing {TRENDS_HISTORY_DAYS} days of history for the Trends page "
                "(the linear sentiment model) ...",
                flush=True,
            )
            if import_trends_history(
                settings, Path(".buzzwire") / f"{run_id}-trends-history.jsonl", now=run_started
            ):
                print("the Trends history was not imported (see above)", file=sys.stderr)
        sink = sink_process(
            settings, Path(".buzzwire") / f"{run_id}-sink.log", settings.sink_web_port
        )
        print(f"starting sink (log: {sink.log_path}) ...", flush=True)
        sink.start()
        login = asyncio.run(_demo_login(settings))
        web = WorkerProcess(
            env={**sink_env(settings), "BUZZWIRE_UI_BIND": settings.ui_bind},
            log_path=Path(".buzzwire") / f"{run_id}-web.log",
            web_port=settings.ui_port,
            command="web",
            port_env="BUZZWIRE_UI_PORT",
        )
        print(f"starting the web inbox (log: {web.log_path}) ...", flush=True)
        web.start()
        print(f"starting worker (log: {worker.log_path}) ...", flush=True)
        worker.start()
        worker.wait_ready()
        sink.wait_ready()
        web.wait_ready()
        print(f"worker ready; metrics at {worker.metrics_url}", flush=True)
        print(
            f"web inbox: http://127.0.0.1:{settings.ui_port}/  sign in as {DEMO_USER} with "
            f"password {login} (new each run); it fills as the demo streams",
            flush=True,
        )
        trends_url = f"http://127.0.0.1:{settings.ui_port}/trends"
        print(f"trends: {trends_url} (weeks, months, quarters of the history)", flush=True)
        summary = asyncio.run(
            _demo(settings, worker, file or sample_stream_path(), rate, duration, with_history)
        )
        stored = asyncio.run(_stored(settings, sink, run_started))
        print(
            f"\ndemo done: {summary.replayed} replayed, {summary.enriched} enriched, "
            f"{summary.untagged} untagged, {summary.deadletters} dead letters "
            f"({dict(summary.reasons)}), {summary.duplicates} duplicates skipped, "
            f"{len(summary.alerts)} alert events"
        )
        for alert in summary.alerts:
            print(f"  alert {alert['window']['start']}: {describe(alert)}")
            if alert["event"] == "opened":
                for line in explanation_lines(alert.get("explanation"), quote_chars=90):
                    print(f"      {line}")
        print(
            f"store: {stored.mentions} mentions ({stored.untagged} untagged), "
            f"{stored.alert_events} alert events in {stored.alert_threads} threads and "
            f"{stored.benchmarks} benchmark snapshots of this run are in PostgreSQL; "
            "look at them with `buzzwire postgres psql` (see docs/store.md)"
        )
        if with_trends_history:
            print(
                f"trends: {trends_url} shows {TRENDS_HISTORY_DAYS} days of history per week, "
                "month or quarter against the previous period and a year before (while the web "
                "app runs: the demo's, or `buzzwire web` on this store, docs/web.md)"
            )
        if summary.windows_timed_out:
            print(
                f"the crisis windows had not caught up after {WINDOWS_CATCH_UP_SECONDS:.0f} s "
                f"({summary.windows_backlog} brand events left): this CPU scores mentions "
                "slower than the demo sends them, and alerts of the history may be missing"
            )
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
    except Exception as exc:
        print(f"demo failed: {exc}", file=sys.stderr)
        code = 1
    finally:
        # A second Ctrl-C must not leave a worker or a broker behind.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        if worker is not None:
            print("stopping worker ...", flush=True)
            worker.stop()
        if sink is not None:
            print("stopping sink ...", flush=True)
            sink.stop()
        if web is not None:
            print("stopping the web inbox ...", flush=True)
            web.stop()
        if settings is not None:
            with contextlib.suppress(Exception):
                asyncio.run(
                    delete_topics_with_prefix(
                        settings.bootstrap_servers, [settings.topic_prefix, settings.app_id]
                    )
                )
        if broker is not None and started_broker:
            print("stopping local Kafka broker ...", flush=True)
            broker.stop()
        if database is not None and started_database:
            print("stopping local PostgreSQL (the data stays) ...", flush=True)
            database.stop()
        signal.signal(signal.SIGINT, signal.default_int_handler)
    return code
