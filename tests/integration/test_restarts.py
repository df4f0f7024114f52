"""A rolling deploy loses nothing: SIGTERM the worker again and again while mentions flow."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from streams.config import Settings
from streams.crisis.cluster_records import cluster_record
from streams.crisis.insight import BrandInsight
from streams.devstack.ports import free_port
from streams.devstack.synthetic import generate
from streams.devstack.workerproc import WorkerProcess, worker_env
from streams.mentions.logic import parse_created_at
from streams.pipeline.admin import end_offsets, uncommitted
from streams.pipeline.brand_state import BrandState
from streams.pipeline.runtime import insight_config
from streams.windowing.events import BrandEvent
from tests.integration.conftest import drop_pipeline, pipeline_settings, read_topics

pytestmark = pytest.mark.integration

N = 1000
RATE = 80.0  # mentions/s: 12.5 s of traffic
STOPS = 3


async def _produce_steadily(
    bootstrap: str, topic: str, values: list[bytes], rate: float = RATE
) -> None:
    """``values`` to ``topic`` at ``rate`` a second, each keyed by its mention id (a message
    that is not JSON gets its index as the key)."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5)
    await producer.start()
    try:
        started = time.monotonic()
        for i, value in enumerate(values):
            try:
                key = orjson.loads(value)["id"].encode()
            except orjson.JSONDecodeError:
                key = b"bad-%d" % i
            await producer.send(topic, key=key, value=value)
            ahead = i / rate - (time.monotonic() - started)
            if ahead > 0:
                await asyncio.sleep(ahead)
        await producer.flush()
    finally:
        await producer.stop()


def _producing(settings: Settings, values: list[bytes], rate: float = RATE) -> threading.Thread:
    """The thread that produces ``values`` to ``mentions.raw`` at ``rate`` a second, once
    started."""
    return threading.Thread(
        target=lambda: asyncio.run(
            _produce_steadily(
                settings.bootstrap_servers, settings.topic("mentions.raw"), values, rate
            )
        )
    )


def left_to_commit(settings: Settings, topic: str) -> int:
    """Messages of ``topic`` past the worker group's committed offsets."""

    async def count() -> int:
        bootstrap = settings.bootstrap_servers
        ends = await end_offsets(bootstrap, topic, settings.topic_partitions)
        return sum((await uncommitted(bootstrap, settings.app_id, topic, ends)).values())

    return asyncio.run(count())


def wait_committed(settings: Settings, topics: list[str], timeout: float, failure: str) -> None:
    """Wait until the worker group has committed every message of ``topics``; ``failure``
    is the assertion's message if it has not within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while any(left_to_commit(settings, t) for t in topics):
        assert time.monotonic() < deadline, failure
        time.sleep(1.0)


class _Workers:
    """The test's workers, started one after another; when the block ends every one is
    stopped (``codes``: what each stop returned) and the run's topics are dropped."""

    def __init__(self, settings: Settings, env: dict[str, str], logs: Path) -> None:
        self.settings, self.env, self.logs = settings, env, logs
        self.started: list[WorkerProcess] = []
        self.codes: list[int | None] = []

    def start(self, env: dict[str, str] | None = None) -> WorkerProcess:
        """A new worker (``env`` added to the block's), once it is ready."""
        worker = WorkerProcess(
            env={**self.env, **(env or {})},
            log_path=self.logs / f"worker-{len(self.started)}.log",
            web_port=free_port(),
        )
        self.started.append(worker)
        worker.start()
        worker.wait_ready(timeout=180)
        return worker

    def cycle(
        self,
        times: int,
        producer: threading.Thread,
        pause: Callable[[int], float],
        end: Callable[[WorkerProcess], object],
    ) -> WorkerProcess:
        """Start a worker ``times + 1`` times, ``producer`` with the first; the ``i``-th of
        all but the last is ended by ``end`` ``pause(i)`` seconds after it is ready. Returns
        the last worker."""
        for i in range(times + 1):
            worker = self.start()
            if i == 0:
                producer.start()
            if i < times:
                time.sleep(pause(i))
                end(worker)
        return worker

    def __enter__(self) -> _Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        for worker in self.started:
            self.codes.append(worker.stop())
        drop_pipeline(self.settings)


def test_sigterm_mid_stream_loses_no_mention(kafka_broker: Any, tmp_path: Path) -> None:
    """Each stop comes while batches are in flight. Before, Faust acked a batch the stopping
    agent had not finished, and its unprocessed mentions were lost (3 in 17 stops)."""
    settings = pipeline_settings(kafka_broker, tmp_path, "restarts")
    run = settings.topic_prefix.rstrip(".")
    # the default e5 model: its batches take long enough that a stop lands inside one
    env = worker_env(settings)
    now = time.time()
    mentions = list(generate(N, start_ts=now - 120, step_seconds=0.01, id_prefix=f"r{run}"))
    values = [orjson.dumps(m.value) for m in mentions]
    producer = _producing(settings, values)
    codes: list[int | None] = []
    with _Workers(settings, env, tmp_path) as workers:
        # mid-stream: batches in flight
        workers.cycle(STOPS, producer, lambda i: 3.0, lambda w: codes.append(w.stop()))
        producer.join(timeout=120)
        # the last worker works through what is left, until the group has committed every
        # input message (then nothing more will come out)
        # slow shared CI boxes score e5 slowly
        raw = settings.topic("mentions.raw")
        wait_committed(settings, [raw], 420, "the last worker did not finish in 420 s")
        enriched = settings.topic("mentions.enriched")
        out = asyncio.run(
            read_topics(
                settings.bootstrap_servers,
                [enriched],
                lambda got: len({r.key for r in got[enriched]}) >= N,
                timeout=30,
            )
        )
    codes += workers.codes
    ids = Counter(orjson.loads(r.value)["id"] for r in out[enriched])
    missing = {m.value["id"] for m in mentions} - set(ids)
    assert not missing, f"{len(missing)} mentions lost, e.g. {sorted(missing)[:3]}"
    duplicates = sum(n - 1 for n in ids.values())
    print(f"{STOPS} SIGTERMs: 0 lost, {duplicates} enriched twice")
    assert all(code == 0 for code in codes if code is not None), codes


CRASH_N = 2400
CRASH_RATE = 240.0  # mentions/s: 10 s of traffic, batches in flight all the time
KILLS = 4
CRASH_BAD = [b"not json %d" % i for i in range(12)]
#: one-minute buckets; nothing closes during the test (lateness 10 min), so every bucket the
#: worker counted is still in its state at the end, to be compared with the truth
CRASH_WINDOWS = "10m:1m"


def _changelog_records(settings: Settings, table: str) -> list[Any]:
    """Every committed record of a table's changelog, in order (read_committed)."""
    topic = f"{settings.app_id}-{table}-changelog"

    async def read() -> list[Any]:
        out = await read_topics(settings.bootstrap_servers, [topic], lambda got: False, 10)
        return out[topic]

    return asyncio.run(read())


def _changelog_state(records: list[Any]) -> dict[str, Any]:
    """The last committed value of every key of a table's changelog records."""
    return {orjson.loads(r.key): orjson.loads(r.value) for r in records}


def _uncommitted_records(settings: Settings, topic: str) -> list[Any]:
    """Every record of ``topic`` as a read_uncommitted reader sees it (aborted batches too)."""

    async def read() -> list[Any]:
        consumer = AIOKafkaConsumer(
            topic, bootstrap_servers=settings.bootstrap_servers, auto_offset_reset="earliest"
        )
        await consumer.start()
        seen: list[Any] = []
        idle = 0
        try:
            while idle < 4:
                got = await consumer.getmany(timeout_ms=500)
                idle = 0 if got else idle + 1
                for records in got.values():
                    seen.extend(records)
        finally:
            await consumer.stop()
        return seen

    return asyncio.run(read())


def _aborted_records(settings: Settings, topic: str, committed: int) -> int:
    """How many records of ``topic`` only a read_uncommitted reader sees (aborted batches)."""
    return len(_uncommitted_records(settings, topic)) - committed


def _traffic(settings: Settings, prefix: str, rate: float) -> tuple[list[Any], threading.Thread]:
    """``CRASH_N`` mentions (two minutes of event time) with ``CRASH_BAD`` amid them, and the
    thread that produces them to ``mentions.raw`` at ``rate`` a second once started."""
    run = settings.topic_prefix.rstrip(".")
    # from a minute's 10th second: a brand's first events share a minute (its first event
    # opens its first crisis window: an earlier minute would be late)
    start = (time.time() - 900) // 60 * 60 + 10
    mentions = list(generate(CRASH_N, start_ts=start, step_seconds=0.05, id_prefix=prefix + run))
    values = [orjson.dumps(m.value) for m in mentions]
    # a few undecodable messages amid them, each to be dead-lettered once
    for i, bad in enumerate(CRASH_BAD):
        values.insert(i * 200 + 100, bad)
    return mentions, _producing(settings, values, rate)


def _exact_env(settings: Settings) -> dict[str, str]:
    """A worker of the exactness tests: the linear model, one-minute benchmark buckets that
    do not close during the test (so that the state holds every bucket it counted)."""
    return {
        **worker_env(settings),
        "BUZZWIRE_SENTIMENT_MODEL": "linear",
        "BUZZWIRE_BENCHMARK_WINDOWS": CRASH_WINDOWS,
        "BUZZWIRE_WINDOW_LATENESS_SECONDS": "600",
    }


_OUTPUTS = ("enriched", "untagged", "by-brand", "deadletter", "duplicates")


def _committed_outputs(settings: Settings) -> tuple[dict[str, list[Any]], dict[str, Any]]:
    """Once the group has committed every input: the output topics' records (read_committed)
    by short name, and the committed state of the brand-windows table."""
    inputs = [settings.topic("mentions.raw"), settings.topic("mentions.by-brand")]
    wait_committed(settings, inputs, 300, "the last worker stalled")
    topics = {settings.topic(f"mentions.{n}"): n for n in _OUTPUTS}
    out = asyncio.run(
        read_topics(
            settings.bootstrap_servers,
            list(topics),
            lambda got: _ids(got[settings.topic("mentions.enriched")]) >= CRASH_N,
            timeout=60,
        )
    )
    records = {topics[t]: rs for t, rs in out.items()}
    records["brand-windows-changelog"] = _changelog_records(settings, "brand-windows")
    return records, _changelog_state(records["brand-windows-changelog"])


def _ids(records: list[Any]) -> int:
    """How many mentions ``records`` hold (a mention repeated counts once)."""
    return len({orjson.loads(r.value)["id"] for r in records})


def _assert_exact(
    settings: Settings,
    mentions: list[Any],
    records: dict[str, list[Any]],
    state: dict[str, Any],
    logs: Path,
) -> str:
    """Every output topic holds each mention (each brand event, each bad message) once, each
    near-duplicate record is what the brand's insight state makes of its events in order, and
    every one-minute bucket of every brand in the committed state holds exactly its mentions.
    Returns a summary line."""
    by_id = {m.value["id"]: m for m in mentions}
    enriched = Counter(orjson.loads(r.value)["id"] for r in records["enriched"])
    if set(enriched) != set(by_id):
        raise AssertionError(_loss_diagnosis(settings, set(by_id) - set(enriched), logs))
    assert max(enriched.values()) == 1, "duplicates on mentions.enriched"
    untagged = Counter(orjson.loads(r.value)["id"] for r in records["untagged"])
    assert untagged == Counter(i for i, m in by_id.items() if any(not t for _, t in m.brands))
    brand_events = [orjson.loads(r.value) for r in records["by-brand"]]
    pairs = Counter((v["id"], v["brand"]) for v in brand_events if "tick" not in v)
    assert pairs == Counter((i, b) for i, m in by_id.items() for b, _ in m.brands)
    # a message is its partition and offset (two bad messages may share an offset)
    dead = Counter(
        (source["partition"], source["offset"])
        for source in (orjson.loads(r.value)["source"] for r in records["deadletter"])
    )
    assert len(dead) == len(CRASH_BAD) and max(dead.values()) == 1

    # the near-duplicate clusters (the insight state is on by default): one record per brand
    # event, each exactly what the brand's insight state makes of its events in their order
    clusters = [orjson.loads(r.value) for r in records["duplicates"]]
    cluster_pairs = Counter((v["id"], v["brand"]) for v in clusters)
    if cluster_pairs != pairs:
        written = _uncommitted_records(settings, settings.topic("mentions.duplicates"))
        raise AssertionError(
            _cluster_diagnosis(pairs, cluster_pairs, records["by-brand"], written, state, logs)
        )
    config = insight_config(settings.model_copy(update={"window_lateness_seconds": 600}))
    assert config is not None
    for brand in {b for _, b in pairs}:
        replay = BrandInsight(config)
        events = [
            BrandEvent.from_json(v) for v in brand_events if "tick" not in v and v["brand"] == brand
        ]
        got = [v for v in clusters if v["brand"] == brand]
        want = [cluster_record(e, replay.observe(e)) for e in events]
        if got != want:
            raise AssertionError(_insight_diagnosis(brand, got, want, records, state, logs))

    # the state: every one-minute bucket of every brand holds exactly its mentions
    truth: dict[str, Counter[int]] = {}
    for value in (orjson.loads(r.value) for r in records["enriched"]):
        ts = parse_created_at(value["created_at"])
        for brand in value["brands"]:
            truth.setdefault(brand["id"], Counter())[int(ts // 60) * 60] += 1
    assert set(truth) <= set(state)
    for brand, buckets in truth.items():
        saved = BrandState.from_json(state[brand])
        counted = {
            start: tally.mentions
            for start, tally in saved.rollups.specs[CRASH_WINDOWS.split(":")[0]].open.items()
        }
        assert counted == dict(buckets), brand
        crisis = {start: t.mentions for start, t in saved.crisis.windows.open.items()}
        assert crisis == dict(buckets), brand
    return (
        f"{len(enriched)} enriched once, {sum(pairs.values())} brand events and cluster records "
        f"once, {sum(sum(b.values()) for b in truth.values())} counted once in the windows"
    )


def test_kill_9_mid_stream_keeps_outputs_and_state_exact(kafka_broker: Any, tmp_path: Path) -> None:
    """``kill -9`` of the worker, four times while mentions flow: every output topic holds each
    mention once for a read_committed reader, and the brand windows' state counts each mention
    once. At least once (before transactions), 17 kills enriched 1.4% twice and over-counted the
    benchmark windows by 75%."""
    settings = pipeline_settings(kafka_broker, tmp_path, "crashes")
    # a replacement of the same name fences the killed worker's open transactions at once
    env = {**_exact_env(settings), "BUZZWIRE_WORKER_ID": "crash-test"}
    mentions, producer = _traffic(settings, "k", CRASH_RATE)
    with _Workers(settings, env, tmp_path) as workers:
        # mid-stream, at different points of the batches
        worker = workers.cycle(KILLS, producer, lambda i: 2.0 + 0.5 * i, WorkerProcess.kill)
        producer.join(timeout=120)
        records, state = _committed_outputs(settings)
        aborted = _aborted_records(
            settings, settings.topic("mentions.enriched"), len(records["enriched"])
        )
        last_metrics = worker.metrics()
        final = worker.stop()
    assert final == 0
    # the last worker read each record once: what a killed worker had not committed is new to
    # it (an aborted batch marked nothing as seen), and it never reads a record twice
    assert last_metrics["buzzwire_duplicates_total"] == 0
    assert last_metrics["buzzwire_window_events_reapplied_total"] == 0
    summary = _assert_exact(settings, mentions, records, state, tmp_path)
    print(
        f"{KILLS} kill -9: {summary}; "
        f"{aborted} aborted records on mentions.enriched left by the kills"
    )


#: mentions/s while workers join and leave: the traffic lasts through three rebalances
SCALE_RATE = 50.0


def test_workers_joining_and_leaving_mid_stream_keep_outputs_and_state_exact(
    kafka_broker: Any, tmp_path: Path
) -> None:
    """Scaling while mentions flow: a second worker joins (a rebalance splits the partitions
    between two live workers), the first leaves (SIGTERM: the second takes them all) and a
    third joins. Each move hands partitions, their tables' state and their committed offsets to
    another worker with batches in flight. Every output holds each mention once and the
    committed state counts each once, as after ``kill -9``."""
    settings = pipeline_settings(kafka_broker, tmp_path, "scaling")
    env = _exact_env(settings)
    mentions, producer = _traffic(settings, "s", SCALE_RATE)
    with _Workers(settings, env, tmp_path) as workers:
        first = workers.start({"BUZZWIRE_WORKER_ID": "scale-a"})
        producer.start()
        time.sleep(3.0)
        second = workers.start({"BUZZWIRE_WORKER_ID": "scale-b"})  # joins: partitions split
        time.sleep(3.0)
        assert first.stop() == 0  # leaves: the second takes every partition
        time.sleep(3.0)
        third = workers.start({"BUZZWIRE_WORKER_ID": "scale-c"})  # joins: split again
        producer.join(timeout=120)
        records, state = _committed_outputs(settings)
        assert second.stop() == 0 and third.stop() == 0
    summary = _assert_exact(settings, mentions, records, state, tmp_path)
    print(f"2 joins and 1 leave mid-stream: {summary}")


#: how long the frozen worker stays frozen: past its session (10 s), so that the other worker
#: takes its partitions over and works on them before it wakes
FROZEN_SECONDS = 30.0


def test_a_worker_frozen_past_its_session_commits_nothing_stale(
    kafka_broker: Any, tmp_path: Path
) -> None:
    """One of two workers is frozen (SIGSTOP) with batches in flight, for longer than its
    session: the other takes its partitions over. Woken (SIGCONT), it must not commit what it
    was working on: the broker cannot refuse it (aiokafka's TxnOffsetCommit v0 carries no group
    generation), so the worker checks its membership first (``streams.pipeline.membership``).
    Without that check, each of two runs wrote a mention twice to ``mentions.enriched``."""
    settings = pipeline_settings(kafka_broker, tmp_path, "frozen")
    env = _exact_env(settings)
    mentions, producer = _traffic(settings, "f", 40.0)
    with _Workers(settings, env, tmp_path) as workers:
        frozen = workers.start({"BUZZWIRE_WORKER_ID": "frozen-a"})
        other = workers.start({"BUZZWIRE_WORKER_ID": "frozen-b"})
        producer.start()
        time.sleep(4.0)  # both at work
        assert frozen.proc is not None
        os.killpg(frozen.proc.pid, signal.SIGSTOP)
        time.sleep(FROZEN_SECONDS)
        os.killpg(frozen.proc.pid, signal.SIGCONT)
        producer.join(timeout=120)
        records, state = _committed_outputs(settings)
        woken = frozen.metrics()
        assert other.stop() == 0 and frozen.stop() == 0
    summary = _assert_exact(settings, mentions, records, state, tmp_path)
    dropped = sum(v for k, v in woken.items() if k.startswith("buzzwire_stale_events_total{"))
    print(
        f"a worker frozen {FROZEN_SECONDS:.0f} s: {summary}; it dropped {dropped:.0f} stale events"
    )


def _loss_diagnosis(settings: Settings, missing: set[str], logs: Path) -> str:
    """Why mentions are missing from ``mentions.enriched``: where each one is on
    ``mentions.raw`` (partition, offsets), whether an aborted batch wrote it (a
    read_uncommitted reader finds it), and what each worker's log says of its assignments,
    seeks and dropped events, in time order."""
    raw: dict[str, tuple[int, int]] = {}
    for record in _uncommitted_records(settings, settings.topic("mentions.raw")):
        with contextlib.suppress(orjson.JSONDecodeError, KeyError, TypeError):  # bad messages
            raw[orjson.loads(record.value)["id"]] = (record.partition, record.offset)
    aborted = {
        orjson.loads(r.value)["id"]
        for r in _uncommitted_records(settings, settings.topic("mentions.enriched"))
    }
    by_partition: dict[int | None, list[int]] = {}
    for mention in missing:
        part, offset = raw.get(mention, (None, -1))
        by_partition.setdefault(part, []).append(offset)
    lines = [f"{len(missing)} mentions missing from mentions.enriched:"]
    for part, offsets in sorted(by_partition.items(), key=lambda kv: str(kv[0])):
        offsets.sort()
        lines.append(
            f"  mentions.raw[{part}]: {len(offsets)} at offsets {offsets[0]}-{offsets[-1]}"
        )
    lines.append(f"  written by aborted batches: {len(missing & aborted)} of them")
    marks = (
        "Setting newly assigned partitions",
        "Seek stream partitions",
        "Recovery rebalancing again",
        "dropped",
        "trying it again",
        "Joined group",
        "never reached it",
        "Aborted tx until highwater",
    )
    for log in sorted(logs.glob("worker-*.log")):
        lines.append(f"{log.name}:")
        text = log.read_text(errors="replace").splitlines()
        for i, line in enumerate(text):
            if any(m in line for m in marks):
                lines.append("  " + line[:240])
            if "Setting newly assigned partitions" in line:
                lines.extend(
                    "    " + row.strip()
                    for row in text[i + 1 : i + 16]
                    if ".mentions.raw " in row or ".mentions.raw|" in row.replace(" ", "")
                )
    return "\n".join(lines)


#: Worker log lines that tell how a worker's partitions moved: a table recovery's seek (one per
#: assignment), a recovery cut short by another rebalance, a batch tried again.
_LOG_MARKS = (
    "Seek stream partitions",
    "Recovery rebalancing again",
    "trying it again",
    "never reached it",
)


def _log_marks(logs: Path) -> list[str]:
    """Per worker log, how often each of ``_LOG_MARKS`` appears."""
    out = []
    for log in sorted(logs.glob("worker-*.log")):
        text = log.read_text(errors="replace")
        marks = ", ".join(f"{m!r} x{text.count(m)}" for m in _LOG_MARKS)
        out.append(f"{log.name}: {marks}")
    return out


def _cluster_diagnosis(
    pairs: Counter[tuple[str, str]],
    clusters: Counter[tuple[str, str]],
    by_brand: list[Any],
    written: list[Any],
    state: dict[str, Any],
    logs: Path,
) -> str:
    """Why ``mentions.duplicates`` differs from the brand events: each missing or extra record
    with its brand event's partition and offset, whether the brand's committed windows state
    counted that event's minute in full, where a read_uncommitted reader finds the record
    (``written``: aborted or not), and what each worker's log says of its assignments. A
    record lost alone (the state counted it) and an event the agent never saw (the state lacks
    it too) have different causes."""
    lines = []
    in_log: dict[tuple[str, str], list[str]] = {}
    for record in written:
        value = orjson.loads(record.value)
        in_log.setdefault((value["id"], value["brand"]), []).append(
            f"duplicates[{record.partition}]@{record.offset}"
        )
    where = {}
    for record in by_brand:
        value = orjson.loads(record.value)
        if "tick" not in value:
            where[(value["id"], value["brand"])] = (record.partition, record.offset, value["ts"])
    truth: dict[tuple[str, int], int] = Counter()
    for (_, brand), (_, _, ts) in where.items():
        truth[(brand, int(ts // 60) * 60)] += 1
    for label, diff in (("missing", pairs - clusters), ("extra", clusters - pairs)):
        for (mention, brand), n in sorted(diff.items()):
            part, offset, ts = where.get((mention, brand), (None, None, 0.0))
            minute = int(ts // 60) * 60
            saved = BrandState.from_json(state.get(brand))
            tally = saved.crisis.windows.open.get(minute)
            counted = tally.mentions if tally is not None else 0
            lines.append(
                f"{label} x{n}: {mention} {brand} by-brand[{part}]@{offset}, state offset "
                f"{saved.offset}, minute {minute} counted {counted} of {truth[(brand, minute)]}, "
                f"written (committed or not) at {in_log.get((mention, brand), [])}"
            )
    lines += _log_marks(logs)
    return "cluster records differ from the brand events:\n" + "\n".join(lines)


def _insight_diagnosis(
    brand: str,
    got: list[dict[str, Any]],
    want: list[dict[str, Any]],
    records: dict[str, list[Any]],
    state: dict[str, Any],
    logs: Path,
) -> str:
    """Why a brand's cluster records differ from what its insight state makes of its events
    in order: the first that differs and its brand event's place on ``mentions.by-brand``;
    each committed value of the brand's state on the changelog (the offset it had applied, its
    near-duplicate clusters, the mentions its windows counted), so that a state that started
    afresh or went back shows; the final windows against the truth; each worker's log marks."""
    first = next(i for i, (g, w) in enumerate(zip(got, want, strict=False)) if g != w)
    where = {}
    truth: Counter[int] = Counter()
    for record in records["by-brand"]:
        value = orjson.loads(record.value)
        if "tick" not in value and value["brand"] == brand:
            where[value["id"]] = (record.partition, record.offset)
            truth[int(value["ts"] // 60) * 60] += 1
    mention = got[first]["id"]
    lines = [
        f"{brand}: {len(got)} cluster records, {len(want)} expected; the first to differ is "
        f"#{first}, {mention} at by-brand{list(where.get(mention, ()))}: got {got[first]}, "
        f"expected {want[first]}",
        "its committed states (changelog partition@offset: applied by-brand offset, clusters, "
        "mentions counted):",
    ]
    history = []
    for record in records["brand-windows-changelog"]:
        if orjson.loads(record.key) != brand:
            continue
        saved = BrandState.from_json(orjson.loads(record.value), BrandInsight().config)
        clusters = 0 if saved.insight is None else len(saved.insight.duplicates)
        counted = sum(t.mentions for t in saved.crisis.windows.open.values())
        history.append((record.partition, record.offset, saved.offset, clusters, counted))
    at = where.get(mention, (None, -1))[1]
    near = min(range(len(history)), key=lambda i: abs(history[i][2] - at), default=0)
    for i, (part, offset, applied, clusters, counted) in enumerate(history):
        went_back = i > 0 and (applied < history[i - 1][2] or counted < history[i - 1][4])
        if abs(i - near) <= 3 or went_back:
            flag = "  <- went back" if went_back else ""
            lines.append(f"  {part}@{offset}: {applied}, {clusters}, {counted}{flag}")
    final = BrandState.from_json(state.get(brand))
    counted_final = {s: t.mentions for s, t in final.crisis.windows.open.items()}
    lines.append(f"final windows {counted_final} vs truth {dict(truth)}")
    lines += _log_marks(logs)
    return "cluster records differ from the brand's insight state:\n" + "\n".join(lines)


BACKLOG_N = 3000


def test_a_restarted_worker_hands_each_backlogged_record_to_its_agents_once(
    kafka_broker: Any, tmp_path: Path
) -> None:
    """A worker restarted (after a ``kill -9``) on a backlog hands each input record to its
    agents once, from the committed offset on: none skipped, none read twice. Faust resumed the
    stream partitions before seeking them to their committed offsets: a restarted worker read
    some records twice (the de-duplication hid it) in most runs of the ``kill -9`` test, and in
    one run of ten skipped 52 records a partition and committed the offsets past them
    (``streams.pipeline.seeks.seek_before_streaming``)."""
    settings = pipeline_settings(kafka_broker, tmp_path, "backlog")
    run = settings.topic_prefix.rstrip(".")
    env = {
        **worker_env(settings),
        "BUZZWIRE_SENTIMENT_MODEL": "linear",
        "BUZZWIRE_WORKER_ID": "backlog-test",
    }
    start = (time.time() - 900) // 60 * 60 + 10
    mentions = list(generate(BACKLOG_N, start_ts=start, step_seconds=0.05, id_prefix=f"b{run}"))
    values = [orjson.dumps(m.value) for m in mentions]
    raw, by_brand = settings.topic("mentions.raw"), settings.topic("mentions.by-brand")

    def produce(part: list[bytes]) -> None:
        asyncio.run(_produce_steadily(settings.bootstrap_servers, raw, part, rate=1e9))

    with _Workers(settings, env, tmp_path) as workers:
        first = workers.start()
        produce(values[:200])  # tables with state to recover, offsets committed
        wait_committed(settings, [raw, by_brand], 180, "the first 200: the worker stalled")
        first.kill()
        produce(values[200:])  # the backlog the next worker starts on
        worker = workers.start()
        wait_committed(settings, [raw, by_brand], 180, "the backlog: the worker stalled")
        m = worker.metrics()
        ids = _enriched_ids(settings, BACKLOG_N, timeout=60)
        final = worker.stop()
    assert final == 0
    assert set(ids) == {m.value["id"] for m in mentions}, "lost mentions"
    assert max(ids.values()) == 1, "mentions enriched twice"
    # the restarted worker's agents got each record once: nothing to drop as read already
    assert m["buzzwire_duplicates_total"] == 0
    assert m["buzzwire_window_events_reapplied_total"] == 0
    processed = sum(v for k, v in m.items() if k.startswith("buzzwire_mentions_processed_total{"))
    assert processed == BACKLOG_N - 200


BEHIND_N = 20_000


def test_a_worker_behind_loses_nothing_when_another_joins(
    kafka_broker: Any, tmp_path: Path
) -> None:
    """Scaling out while behind: a worker works through a backlog of 20,000 mentions when a
    second one joins and takes half the partitions over, their tables' state and their
    offsets. Every mention comes out once, whatever was fetched, queued or in flight at the
    rebalance (the events the first worker had queued for the moved partitions are dropped as
    stale and read again by the second from the committed offsets)."""
    settings = pipeline_settings(kafka_broker, tmp_path, "behind")
    run = settings.topic_prefix.rstrip(".")
    env = {**worker_env(settings), "BUZZWIRE_SENTIMENT_MODEL": "linear"}
    start = (time.time() - 900) // 60 * 60 + 10
    mentions = list(generate(BEHIND_N, start_ts=start, step_seconds=0.005, id_prefix=f"w{run}"))
    raw, by_brand = settings.topic("mentions.raw"), settings.topic("mentions.by-brand")
    with _Workers(settings, env, tmp_path) as workers:
        first = workers.start({"BUZZWIRE_WORKER_ID": "behind-a"})
        asyncio.run(
            _produce_steadily(
                settings.bootstrap_servers, raw, [orjson.dumps(m.value) for m in mentions], 1e9
            )
        )
        deadline = time.monotonic() + 120
        while _processed(first) < 2_000:  # well into the backlog, far from its end
            assert time.monotonic() < deadline, "the first worker processed too little"
            time.sleep(0.5)
        workers.start({"BUZZWIRE_WORKER_ID": "behind-b"})
        wait_committed(settings, [raw, by_brand], 300, "the backlog: the workers stalled")
        ids = _enriched_ids(settings, BEHIND_N, timeout=120)
        missing = {m.value["id"] for m in mentions} - set(ids)
        if missing:
            raise AssertionError(_loss_diagnosis(settings, missing, tmp_path))
    assert max(ids.values()) == 1, "mentions enriched twice"
    assert workers.codes == [0, 0]


def _enriched_ids(settings: Settings, n: int, timeout: float) -> Counter[str]:
    """How many times each mention id is on ``mentions.enriched`` (read_committed), read until
    ``n`` records are there (and a few seconds more) or ``timeout``."""
    enriched = settings.topic("mentions.enriched")
    out = asyncio.run(
        read_topics(
            settings.bootstrap_servers,
            [enriched],
            lambda got: len(got[enriched]) >= n,
            timeout=timeout,
        )
    )
    return Counter(orjson.loads(r.value)["id"] for r in out[enriched])


def _processed(worker: WorkerProcess) -> float:
    m = worker.metrics()
    return sum(v for k, v in m.items() if k.startswith("buzzwire_mentions_processed_total{"))


def test_at_least_once_mode_loses_nothing_through_kills_and_stops(
    kafka_broker: Any, tmp_path: Path
) -> None:
    """``BUZZWIRE_TRANSACTIONS=false`` (a broker without transactions): ``kill -9`` and SIGTERM
    in turn while mentions flow. At least once: outputs may repeat, but every mention, brand
    event and bad message comes out, and the brand windows count each brand event record
    exactly once (a repeated record is counted as the record it is, none is missed)."""
    settings = pipeline_settings(kafka_broker, tmp_path, "atleastonce")
    env = {**_exact_env(settings), "BUZZWIRE_TRANSACTIONS": "false"}
    mentions, producer = _traffic(settings, "a", CRASH_RATE)
    ends: list[Callable[[WorkerProcess], object]] = [WorkerProcess.kill, WorkerProcess.stop] * 2
    stops = iter(ends)
    with _Workers(settings, env, tmp_path) as workers:
        worker = workers.cycle(
            len(ends), producer, lambda i: 2.0 + 0.5 * i, lambda w: next(stops)(w)
        )
        producer.join(timeout=120)
        records, state = _committed_outputs(settings)
        final = worker.stop()
    assert final == 0
    by_id = {m.value["id"]: m for m in mentions}
    enriched = Counter(orjson.loads(r.value)["id"] for r in records["enriched"])
    if set(enriched) != set(by_id):
        raise AssertionError(_loss_diagnosis(settings, set(by_id) - set(enriched), tmp_path))
    untagged = Counter(orjson.loads(r.value)["id"] for r in records["untagged"])
    assert set(untagged) == {i for i, m in by_id.items() if any(not t for _, t in m.brands)}
    brand_events = [orjson.loads(r.value) for r in records["by-brand"]]
    events = [v for v in brand_events if "tick" not in v]
    pairs = Counter((v["id"], v["brand"]) for v in events)
    assert set(pairs) == {(i, b) for i, m in by_id.items() for b, _ in m.brands}
    dead = {
        (source["partition"], source["offset"])
        for source in (orjson.loads(r.value)["source"] for r in records["deadletter"])
    }
    assert len(dead) == len(CRASH_BAD)
    # the windows: each brand event record counted once, repeats as the records they are
    truth: dict[str, Counter[int]] = {}
    for value in events:
        truth.setdefault(value["brand"], Counter())[int(value["ts"] // 60) * 60] += 1
    for brand, buckets in truth.items():
        saved = BrandState.from_json(state[brand])
        crisis = {start: t.mentions for start, t in saved.crisis.windows.open.items()}
        assert crisis == dict(buckets), brand
    repeated = sum(enriched.values()) - len(enriched)
    print(
        f"{len(ends)} kills and stops at least once: {len(enriched)} enriched ({repeated} "
        f"repeated), {len(events)} brand event records ({len(events) - len(pairs)} repeated) "
        "each counted once in the windows"
    )


async def _produce_with_an_aborted_transaction(
    settings: Settings, committed: list[bytes], aborted: list[bytes], after: list[bytes]
) -> None:
    """``committed`` in a transaction, ``aborted`` in one that is aborted, then ``after``
    without a transaction, to ``mentions.raw``, each keyed by its mention id."""
    topic = settings.topic("mentions.raw")

    def key(value: bytes) -> bytes:
        return str(orjson.loads(value)["id"]).encode()

    producer = AIOKafkaProducer(
        bootstrap_servers=settings.bootstrap_servers,
        transactional_id=f"{settings.app_id}-source",
    )
    await producer.start()
    try:
        for values, commit in ((committed, True), (aborted, False)):
            await producer.begin_transaction()
            for value in values:
                await producer.send(topic, value, key=key(value))
            if commit:
                await producer.commit_transaction()
            else:
                await producer.abort_transaction()
    finally:
        await producer.stop()
    await _produce_steadily(settings.bootstrap_servers, topic, after, rate=1000.0)


def test_at_least_once_mode_reads_past_an_aborted_transaction_of_its_input(
    kafka_broker: Any, tmp_path: Path
) -> None:
    """``BUZZWIRE_TRANSACTIONS=false``, with a source that writes ``mentions.raw`` in
    transactions, one of them aborted (or an input left so by an earlier run with
    transactions): the aborted records are a hole in the partitions' offsets. The worker
    commits its input past it, and outputs every committed mention and none of the aborted."""
    settings = pipeline_settings(kafka_broker, tmp_path, "aborted")
    env = {**_exact_env(settings), "BUZZWIRE_TRANSACTIONS": "false"}
    start = (time.time() - 900) // 60 * 60 + 10
    mentions = list(
        generate(300, start_ts=start, step_seconds=0.5, id_prefix="x" + settings.app_id)
    )
    values = [orjson.dumps(m.value) for m in mentions]
    committed, aborted, after = values[:100], values[100:200], values[200:]
    with _Workers(settings, env, tmp_path) as workers:
        worker = workers.start()
        asyncio.run(_produce_with_an_aborted_transaction(settings, committed, aborted, after))
        wait_committed(
            settings,
            [settings.topic("mentions.raw")],
            120,
            "the worker did not commit its input past the aborted transaction",
        )
        enriched = settings.topic("mentions.enriched")
        out = asyncio.run(
            read_topics(
                settings.bootstrap_servers, [enriched], lambda got: _ids(got[enriched]) >= 200, 60
            )
        )
        assert worker.stop() == 0
    ids = Counter(orjson.loads(r.value)["id"] for r in out[enriched])
    want = {orjson.loads(v)["id"] for v in committed + after}
    assert set(ids) == want
    assert max(ids.values()) == 1
