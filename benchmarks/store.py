"""The mention store on PostgreSQL: how fast the sink stores, how big the store grows, and how
fast the inbox's queries answer.

    python benchmarks/store.py [--mentions 200000] [--sizes 1000000,5000000] [--sinks 1]
                               [--database-url URL] [--bootstrap HOST:PORT]
                               [--skip-sink] [--skip-queries]

1. sink: ``--mentions`` enriched mentions (the shape the worker writes to
   ``mentions.enriched``: multilingual texts of ../shared/data/sentiment and
   streams/data/sample_mentions.jsonl, ~50 brands from big to small, ~30% untagged, sentiment
   scores) are produced to a broker first; then ``buzzwire sink`` (a child process, default
   batch settings; ``--sinks`` of them in one group) drains them into a fresh, migrated
   database. Throughput = mentions / (time all rows were stored - time the first was), from
   polling ``count(*)``; peak RSS of the sink from /proc (VmHWM); the CPU the sink and its
   database sessions used meanwhile (/proc; the latter only for a server on this machine).
   The raw writer rate is ``write_batch`` called directly, in batches of the sink's size,
   with the same records decoded beforehand (no Kafka, no decoding).
2. size: ``pg_total_relation_size`` of every partition of ``mentions`` and ``mention_brands``
   (heap, TOAST, indexes) after the sink run, scaled to a million mentions; and the same of
   the query database at each size.
3. queries: a database is filled with generated mentions (a direct COPY of the rows the sink
   would write, in time order, over the last 12 months, ~50 brands, ~30% untagged brand rows,
   inbox statuses by age) up to each of ``--sizes`` in turn. After VACUUM ANALYZE, each query
   of streams.store.queries runs ~50 times with varied brands and terms, as the inbox calls
   it (one connection, first page of 50); p50 and p95 in ms. A query whose p95 is over the aim
   (100 ms) gets EXPLAIN (ANALYZE, BUFFERS) of its slowest call printed.

PostgreSQL: a throw-away LocalPostgres (as root it runs as the OS user postgres, with its data
under /var/tmp) unless ``--database-url`` names a server; there the user needs CREATEDB, and
every database made here is dropped at the end. Kafka: a throw-away LocalKafka unless
``--bootstrap`` names a broker (this run's topics are deleted from it at the end).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import queue
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import accumulate
from pathlib import Path
from typing import Any

import orjson
import psycopg
from aiokafka import AIOKafkaProducer
from psycopg import sql as pgsql
from pydantic import SecretStr
from sqlalchemy import event
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from streams.config import Settings  # noqa: E402
from streams.devstack.localpostgres import libpq_url  # noqa: E402
from streams.devstack.ports import free_port, free_ports  # noqa: E402
from streams.devstack.processes import stop_group  # noqa: E402
from streams.kernel.timestamps import iso_utc  # noqa: E402
from streams.pipeline.admin import create_topics, delete_topics_with_prefix  # noqa: E402
from streams.sink.decode import TOPIC_KINDS, decode  # noqa: E402
from streams.store import queries  # noqa: E402
from streams.store.database import async_engine, head_revision, upgrade  # noqa: E402
from streams.store.rows import mention_rows  # noqa: E402
from streams.store.schema import STATUSES, mention_brands  # noqa: E402
from streams.store.writer import PartitionCache, write_batch  # noqa: E402

SHARED_DATA = ROOT.parent / "shared" / "data"
SAMPLE = ROOT / "streams" / "data" / "sample_mentions.jsonl"
AIM_MS = 100.0
PAGE = 50
RUNS = 50
#: Longest one query type may take at one size (its runs stop early after that).
QUERY_BUDGET_S = 180.0
SEARCH_LANGS = ("en", "es", "de", "fr", "ar", "id", "lv", "hr")


# ---------------------------------------------------------------------------- the data


@dataclass(frozen=True)
class Brand:
    id: str
    name: str
    weight: float

    @property
    def handle(self) -> str:
        return f"@{self.id}"


def make_brands(count: int = 50, skew: float = 1.3) -> list[Brand]:
    """``count`` brands whose shares of the mentions fall off as rank**-skew (Zipf): with 50,
    the biggest has ~1/3 of them and the smallest ~0.2%."""
    heads = ["nova", "terra", "blue", "quick", "zen", "astra", "luma", "orbi", "vela", "kora"]
    tails = ["tel", "bank", "air", "mart", "pay", "fit", "net", "go", "box", "care"]
    names = [h + t for t in tails for h in heads][:count]
    raw = [(rank + 1) ** -skew for rank in range(count)]
    total = sum(raw)
    return [Brand(n, n.capitalize(), w / total) for n, w in zip(names, raw, strict=True)]


@dataclass(frozen=True)
class Text:
    text: str
    lang: str
    label: str | None


def load_texts() -> list[Text]:
    """Real posts: ../shared/data/sentiment/train.jsonl (11 languages, with language and
    sentiment labels) when present, and the valid lines of the bundled sample stream (their
    language detected as the worker does)."""
    pool: list[Text] = []
    train = SHARED_DATA / "sentiment" / "train.jsonl"
    if train.is_file():
        with train.open("rb") as fh:
            for line in fh:
                obj = orjson.loads(line)
                pool.append(Text(obj["text"], obj["lang"], obj["label"]))
    sample: list[str] = []
    with SAMPLE.open("rb") as fh:
        for line in fh:
            try:
                obj = orjson.loads(line)
            except orjson.JSONDecodeError:
                continue  # the sample holds broken lines on purpose
            text = obj.get("text") if isinstance(obj, dict) else None
            if isinstance(text, str) and text.strip() and "\x00" not in text:
                sample.append(text)
    langs = ["und"] * len(sample)
    with contextlib.suppress(Exception):  # no fastText model: the texts stay "und"
        from models.langid import LanguageDetector

        langs = [r.lang for r in LanguageDetector(second_stage="none").predict(sample)]
    pool.extend(Text(t, lang, None) for t, lang in zip(sample, langs, strict=True))
    return pool


_WORD = re.compile(r"[^\W\d_]{4,}")
_STOP = {"user", "http", "https"}


def search_terms(pool: list[Text], rng: random.Random) -> dict[str, tuple[str, str]]:
    """Per language: a common word (the most frequent one of 4+ letters) and a rare one (7+
    letters, in exactly one text of the pool, so in ~rows/pool-size mentions overall)."""
    terms: dict[str, tuple[str, str]] = {}
    for lang in SEARCH_LANGS:
        counts: Counter[str] = Counter()
        for t in pool:
            if t.lang == lang:
                counts.update(set(w.lower() for w in _WORD.findall(t.text)) - _STOP)
        if not counts:
            continue
        common = counts.most_common(1)[0][0]
        rare = sorted(w for w, n in counts.items() if n == 1 and len(w) >= 7)
        if rare:
            terms[lang] = (common, rng.choice(rare))
    return terms


PLATFORMS = ["x", "reddit", "facebook", "instagram", "tiktok", "youtube", "news"]
PLATFORM_WEIGHTS = list(accumulate([40, 15, 15, 12, 8, 5, 5]))
LABELS = ("negative", "neutral", "positive")


class Generator:
    """Enriched mentions (the record the worker writes) and, for a direct COPY, the rows the
    sink would make of them; deterministic for a seed."""

    def __init__(self, pool: list[Text], brands: list[Brand], seed: int) -> None:
        self.pool = pool
        self.brands = brands
        self.cum = list(accumulate(b.weight for b in brands))
        self.rng = random.Random(seed)

    def _brand(self) -> Brand:
        return self.rng.choices(self.brands, cum_weights=self.cum)[0]

    def records(
        self, count: int, start: datetime, end: datetime, id_prefix: str
    ) -> Iterator[dict[str, Any]]:
        """``count`` records whose ``created_at`` run in order from ``start`` to ``end``."""
        rng = self.rng
        step = (end - start).total_seconds() / max(count, 1)
        base = start.timestamp()
        for i in range(count):
            created = base + (i + rng.random()) * step
            text = rng.choice(self.pool)
            hits = [self._brand()]
            if rng.random() < 0.15:
                other = self._brand()
                if other.id != hits[0].id:
                    hits.append(other)
            parts = [text.text]
            tagged: list[tuple[str, bool]] = []
            for brand in hits:
                is_tagged = rng.random() < 0.7
                ref = brand.handle if is_tagged else rng.choice((brand.name, f"#{brand.id}"))
                if rng.random() < 0.5:
                    parts.insert(0, ref)
                else:
                    parts.append(ref)
                tagged.append((brand.id, is_tagged))
            label = text.label or rng.choice(LABELS)
            top = rng.uniform(0.45, 0.98)
            rest = 1.0 - top
            split = rng.random() * rest
            others = [lb for lb in LABELS if lb != label]
            scores = {label: round(top, 4), others[0]: round(split, 4)}
            scores[others[1]] = round(max(0.0, 1.0 - scores[label] - scores[others[0]]), 4)
            platform = rng.choices(PLATFORMS, cum_weights=PLATFORM_WEIGHTS)[0]
            mention_id = f"{platform}-{id_prefix}{i:09d}"
            user = rng.randrange(300_000)
            yield {
                "id": mention_id,
                "platform": platform,
                "author": {
                    "id": f"u-{user}",
                    "handle": f"@user{user}",
                    "name": f"User {user}",
                    "followers": int(rng.lognormvariate(5, 2)),
                },
                "text": " ".join(parts),
                "created_at": iso_utc(created),
                "url": f"https://example.social/{platform}/{mention_id}",
                "reply_to_handle": None,
                "reshare_of": None,
                "engagement": {
                    "likes": int(rng.expovariate(0.2)),
                    "shares": int(rng.expovariate(1.0)),
                    "replies": int(rng.expovariate(0.7)),
                },
                "lang": text.lang,
                "lang_confidence": round(rng.uniform(0.6, 1.0), 4),
                "brands": [{"id": b, "tagged": t} for b, t in tagged],
                "sentiment": label,
                "sentiment_scores": scores,
                "sentiment_model": "e5-small-sentiment",
            }


#: Share of each inbox status by age (under 7 days, under 30, older): recent mentions are
#: mostly open or in progress, older ones mostly done. A status this does not know gets 5%.
STATUS_WEIGHTS = {
    "open": (50, 15, 5),
    "pending": (20, 10, 2),
    "in_progress": (20, 10, 2),
    "snoozed": (8, 5, 2),
    "resolved": (15, 55, 76),
    "done": (15, 55, 76),
    "dismissed": (7, 15, 15),
}


def inbox_status(rng: random.Random, age_days: float) -> str:
    age = 0 if age_days < 7 else 1 if age_days < 30 else 2
    weights = [STATUS_WEIGHTS.get(s, (5, 5, 5))[age] for s in STATUSES]
    return rng.choices(STATUSES, weights=weights)[0]


def store_rows(
    gen: Generator, record: dict[str, Any], now: datetime
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The rows the sink would store for ``record`` (``rows.mention_rows``), with an inbox
    status (and, where the schema has it, a snooze end for snoozed ones)."""
    rows = mention_rows(record)
    created = rows.mention["created_at"]
    status = inbox_status(gen.rng, (now - created).total_seconds() / 86400)
    brands = []
    for row in rows.brands:
        row = {**row, "status": status}
        if "snoozed_until" in mention_brands.c:
            row["snoozed_until"] = (
                created + timedelta(days=gen.rng.uniform(1, 14)) if status == "snoozed" else None
            )
        brands.append(row)
    return rows.mention, brands


# ---------------------------------------------------------------------------- servers


def admin_connection(url: SecretStr, database: str | None = None) -> psycopg.Connection[Any]:
    """An autocommit psycopg connection to ``url`` (or another database of its server)."""
    base = make_url(url.get_secret_value())
    if database is not None:
        base = base.set(database=database)
    return psycopg.connect(libpq_url(base.render_as_string(hide_password=False)), autocommit=True)


def create_database(server: SecretStr, name: str) -> SecretStr:
    """A new, migrated database on ``server``; its URL."""
    with admin_connection(server) as conn:
        conn.execute(pgsql.SQL("CREATE DATABASE {}").format(pgsql.Identifier(name)))
    url = make_url(server.get_secret_value()).set(database=name)
    secret = SecretStr(url.render_as_string(hide_password=False))
    upgrade(secret)
    return secret


def drop_database(server: SecretStr, name: str) -> None:
    with admin_connection(server) as conn:
        conn.execute(
            pgsql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(pgsql.Identifier(name))
        )


def server_settings(url: SecretStr) -> str:
    with admin_connection(url) as conn:
        rows = conn.execute(
            "SELECT name, setting, unit FROM pg_settings WHERE name IN "
            "('server_version', 'shared_buffers', 'work_mem', 'fsync', 'synchronous_commit')"
            " ORDER BY name"
        ).fetchall()
    shown = []
    for name, setting, unit in rows:
        if unit == "8kB":
            setting = f"{int(setting) * 8 // 1024}MB"
        elif unit == "kB":
            setting = f"{int(setting) // 1024}MB"
        shown.append(f"{name}={setting}")
    return ", ".join(shown)


@dataclass
class StoreSize:
    mentions: int
    heap: dict[str, int]  #: table -> heap + TOAST bytes
    indexes: dict[str, int]  #: index -> bytes

    @property
    def total(self) -> int:
        return sum(self.heap.values()) + sum(self.indexes.values())

    def per_million(self) -> float:
        return self.total / max(self.mentions, 1) * 1e6

    def describe(self) -> str:
        scale = 1e6 / max(self.mentions, 1) / 2**20
        lines = [f"  {self.mentions:,} mentions: {self.total / 2**20:,.0f} MiB in all"]
        for table, size in self.heap.items():
            lines.append(f"    {table + ' (heap, TOAST)':<42} {size * scale:8,.0f} MiB/M")
        for index, size in self.indexes.items():
            lines.append(f"    {index:<42} {size * scale:8,.0f} MiB/M")
        lines.append(f"    {'total':<42} {self.per_million() / 2**20:8,.0f} MiB/M")
        return "\n".join(lines)


def store_size(url: SecretStr) -> StoreSize:
    """Bytes of every month partition of mentions and mention_brands, by table and index."""
    with admin_connection(url) as conn:
        count = conn.execute("SELECT count(*) FROM mentions").fetchone()
        heap: dict[str, int] = {}
        indexes: dict[str, int] = {}
        for table in ("mentions", "mention_brands"):
            row = conn.execute(
                "SELECT coalesce(sum(pg_total_relation_size(relid)"
                " - pg_indexes_size(relid)), 0) FROM pg_partition_tree(%s::regclass)"
                " WHERE isleaf",
                (table,),
            ).fetchone()
            heap[table] = int(row[0]) if row else 0
            for (index,) in conn.execute(
                "SELECT indexrelid::regclass::text FROM pg_index"
                " WHERE indrelid = %s::regclass ORDER BY 1",
                (table,),
            ).fetchall():
                size = conn.execute(
                    "SELECT coalesce(sum(pg_relation_size(relid)), 0)"
                    " FROM pg_partition_tree(%s::regclass)",
                    (index,),
                ).fetchone()
                indexes[index] = int(size[0]) if size else 0
    return StoreSize(int(count[0]) if count else 0, heap, indexes)


def peak_rss_mib(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


# ---------------------------------------------------------------------------- 1. the sink


@dataclass
class SinkResult:
    mentions: int
    sinks: int
    drain: Drain
    writer_rate: float
    size: StoreSize
    load: float  #: 1-minute load average at the end of the drain

    @property
    def drain_s(self) -> float:
        return self.drain.done - self.drain.first

    @property
    def rate(self) -> float:
        return self.mentions / self.drain_s


async def produce(bootstrap: str, topic: str, values: list[tuple[bytes, bytes]]) -> float:
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, linger_ms=10, max_batch_size=256 * 1024
    )
    await producer.start()
    started = time.monotonic()
    try:
        pending = []
        for key, value in values:
            pending.append(await producer.send(topic, key=key, value=value))
            if len(pending) >= 5000:
                await asyncio.gather(*pending)
                pending.clear()
        await asyncio.gather(*pending)
    finally:
        await producer.stop()
    return time.monotonic() - started


def sink_env(settings: Settings) -> dict[str, str]:
    """The environment that makes a ``buzzwire sink`` child use these settings (the database
    URL goes by the environment, never on a command line)."""
    assert settings.database_url is not None
    return {
        **os.environ,
        "BROKER_URL": settings.broker_url,
        "BUZZWIRE_TOPIC_PREFIX": settings.topic_prefix,
        "BUZZWIRE_APP_ID": settings.app_id,
        "BUZZWIRE_TOPIC_PARTITIONS": str(settings.topic_partitions),
        "BUZZWIRE_DATABASE_URL": settings.database_url.get_secret_value(),
        "BUZZWIRE_SINK_WEB_PORT": str(settings.sink_web_port),
        "BUZZWIRE_WEB_BIND": "127.0.0.1",
        "BUZZWIRE_LOG_LEVEL": settings.log_level,
    }


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds of ``pids`` so far (those /proc shows)."""
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


@dataclass
class Drain:
    started: float  #: time.monotonic() of the sink's start
    first: float  #: ... of the first stored row
    done: float  #: ... of the last
    peak_rss_mib: float
    sink_cpu_s: float  #: CPU seconds of the sinks from the first row to the last
    backend_cpu_s: float | None  #: ... of its database sessions (a server on this machine)


def wait_stored(
    url: SecretStr, target: int, procs: list[subprocess.Popen[bytes]], log: Path, timeout: float
) -> Drain:
    """Poll ``count(*)`` until ``target`` mentions are stored, watching the sinks' memory
    (the largest) and CPU (all together) and that of their database sessions."""
    pids = [proc.pid for proc in procs]
    started = time.monotonic()
    first = 0.0
    peak = 0.0
    last_print = started
    cpu0 = backend0 = 0.0
    with admin_connection(url) as conn:
        me = conn.info.backend_pid

        def backends() -> list[int]:
            rows = conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> %s",
                (me,),
            ).fetchall()
            return [int(r[0]) for r in rows]

        while True:
            now = time.monotonic()
            row = conn.execute("SELECT count(*) FROM mentions").fetchone()
            stored = int(row[0]) if row else 0
            peak = max([peak, *map(peak_rss_mib, pids)])
            if stored and not first:
                first = now
                cpu0, backend0 = cpu_seconds(pids), cpu_seconds(backends())
            if stored >= target:
                cpu = cpu_seconds(pids) - cpu0
                pids = backends()
                local = all(Path(f"/proc/{pid}").exists() for pid in pids) and bool(pids)
                backend = cpu_seconds(pids) - backend0 if local else None
                return Drain(started, first, now, peak, cpu, backend)
            for proc in procs:
                if proc.poll() is not None:
                    tail = log.read_text(errors="replace")[-3000:]
                    raise RuntimeError(f"a sink exited ({proc.returncode}):\n{tail}")
            if now - started > timeout:
                raise RuntimeError(f"only {stored} of {target} mentions stored in {timeout:.0f}s")
            if now - last_print >= 10:
                print(f"  ... {stored:,} stored", flush=True)
                last_print = now
            time.sleep(0.2)


async def writer_rate(url: SecretStr, values: list[bytes], batch: int) -> float:
    """Mentions/s of ``write_batch`` alone, in batches of ``batch``, on ``url``."""
    kind = TOPIC_KINDS["mentions.enriched"]
    items = [decode(kind, v) for v in values]
    engine = async_engine(url, pool_size=1)
    cache = PartitionCache()
    try:
        started = time.perf_counter()
        for i in range(0, len(items), batch):
            await write_batch(engine, items[i : i + batch], cache)
        return len(items) / (time.perf_counter() - started)
    finally:
        await engine.dispose()


def run_sink(
    server: SecretStr,
    bootstrap: str,
    count: int,
    sinks: int,
    gen: Generator,
    tmp: Path,
    run: str,
) -> SinkResult:
    name = f"bench_sink_{run}"
    url = create_database(server, name)
    try:
        settings = Settings(
            broker_url=f"kafka://{bootstrap}",
            topic_prefix=f"bench-store-{run}.",
            app_id=f"buzzwire-bench-{run}",
            topic_partitions=8,
            database_url=url,
            log_level="warning",
        )
        topic = settings.topic("mentions.enriched")
        topics = [settings.topic(t) for t in TOPIC_KINDS]
        asyncio.run(create_topics(bootstrap, topics, settings.topic_partitions))
        now = datetime.now(UTC)
        values = [
            (r["id"].encode(), orjson.dumps(r))
            for r in gen.records(count, now - timedelta(days=7), now, f"s{run}-")
        ]
        mib = sum(len(v) for _, v in values) / 2**20
        produce_s = asyncio.run(produce(bootstrap, topic, values))
        print(f"produced {count:,} enriched mentions ({mib:.0f} MiB) in {produce_s:.1f}s")
        log = tmp / "sink.log"
        procs: list[subprocess.Popen[bytes]] = []
        try:
            with log.open("wb") as out:
                for port in free_ports(sinks):
                    one = settings.model_copy(update={"sink_web_port": port})
                    procs.append(
                        subprocess.Popen(
                            [sys.executable, "-m", "streams.cli", "sink"],
                            cwd=ROOT,
                            env=sink_env(one),
                            stdout=out,
                            stderr=subprocess.STDOUT,
                            start_new_session=True,
                        )
                    )
            drain = wait_stored(url, count, procs, log, timeout=max(600.0, count / 200))
            drain.peak_rss_mib = max([drain.peak_rss_mib, *(peak_rss_mib(p.pid) for p in procs)])
            load = os.getloadavg()[0]
        finally:
            for proc in procs:
                stop_group(proc, timeout=30)
        size = store_size(url)
    finally:
        drop_database(server, name)
    took = drain.done - drain.first
    backend = (
        f", the database sessions {drain.backend_cpu_s / took:.0%}"
        if drain.backend_cpu_s is not None
        else ""
    )
    who = "the sink" if sinks == 1 else f"the {sinks} sinks"
    print(
        f"{who}: {count:,} mentions in {took:.1f}s from the first row ({count / took:,.0f}/s;"
        f" first row {drain.first - drain.started:.1f}s after start), peak RSS"
        f" {drain.peak_rss_mib:.0f} MiB{' (the largest)' if sinks > 1 else ''}; CPU while"
        f" draining: {who} {drain.sink_cpu_s / took:.0%} of a core{backend}; load average"
        f" {load:.1f} on {os.cpu_count()} CPUs",
        flush=True,
    )

    name = f"bench_writer_{run}"
    url = create_database(server, name)
    try:
        rate = asyncio.run(writer_rate(url, [v for _, v in values], settings.sink_batch_size))
    finally:
        drop_database(server, name)
    print(f"writer alone (write_batch, {settings.sink_batch_size} a batch): {rate:,.0f}/s")
    return SinkResult(count, sinks, drain, rate, size, load)


# ---------------------------------------------------------------------------- 3. queries


def ensure_months(conn: psycopg.Connection[Any], start: datetime, end: datetime) -> None:
    month = start.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    while month <= end:
        for table in ("mentions", "mention_brands"):
            conn.execute("SELECT buzzwire_ensure_month_partition(%s, %s)", (table, month))
        month = (month + timedelta(days=32)).replace(day=1)


def _chunks(
    gen: Generator, count: int, start: datetime, end: datetime, prefix: str, size: int
) -> Iterator[tuple[list[dict[str, Any]], list[dict[str, Any]]]]:
    """The rows ``fill`` stores, ``size`` mentions at a time."""
    mention_rows_: list[dict[str, Any]] = []
    brand_rows: list[dict[str, Any]] = []
    for record in gen.records(count, start, end, prefix):
        mention, brands = store_rows(gen, record, end)
        mention_rows_.append(mention)
        brand_rows.extend(brands)
        if len(mention_rows_) >= size:
            yield mention_rows_, brand_rows
            mention_rows_, brand_rows = [], []
    if mention_rows_:
        yield mention_rows_, brand_rows


def _copy(cur: psycopg.Cursor[Any], table: str, rows: list[dict[str, Any]]) -> None:
    names = list(rows[0])
    statement = pgsql.SQL("COPY {} ({}) FROM STDIN").format(
        pgsql.Identifier(table), pgsql.SQL(", ").join(map(pgsql.Identifier, names))
    )
    with cur.copy(statement) as copy:
        for row in rows:
            copy.write_row([row[n] for n in names])


def fill(
    url: SecretStr, gen: Generator, count: int, start: datetime, end: datetime, prefix: str
) -> float:
    """COPY ``count`` generated mentions (and their brand rows) into ``url``, in time order, a
    transaction per 20k; a thread makes the next rows while the server stores these. Returns
    mentions/s."""
    chunks: queue.Queue[Any] = queue.Queue(maxsize=2)

    def generate() -> None:
        try:
            for chunk in _chunks(gen, count, start, end, prefix, 20_000):
                chunks.put(chunk)
            chunks.put(None)
        except BaseException as exc:  # handed to the main thread
            chunks.put(exc)

    done = 0
    started = time.monotonic()
    with admin_connection(url) as conn:
        ensure_months(conn, start, end)
        conn.execute("SET synchronous_commit = off")
        thread = threading.Thread(target=generate, daemon=True)
        thread.start()
        reported = 0
        while (chunk := chunks.get()) is not None:
            if isinstance(chunk, BaseException):
                raise chunk
            with conn.transaction(), conn.cursor() as cur:
                _copy(cur, "mentions", chunk[0])
                _copy(cur, "mention_brands", chunk[1])
            done += len(chunk[0])
            if done - reported >= 500_000 or done == count:
                reported = done
                rate = done / (time.monotonic() - started)
                print(f"  ... {done:,} of {count:,} written ({rate:,.0f}/s)", flush=True)
        thread.join()
    return count / (time.monotonic() - started)


@dataclass
class Timing:
    name: str
    ms: list[float] = field(default_factory=list)
    slowest: tuple[float, str, dict[str, Any]] | None = None  #: ms, SQL, parameters
    explain: str = ""

    def pct(self, q: float) -> float:
        if not self.ms:
            return math.nan
        values = sorted(self.ms)
        return values[min(len(values) - 1, math.ceil(q * len(values)) - 1)]


QueryCall = Callable[[Any], Awaitable[Any]]


def query_plan(gen: Generator, terms: dict[str, tuple[str, str]], seed: int) -> dict[str, list]:
    """Per query: ~RUNS calls, each a description and a coroutine function of a connection."""
    rng = random.Random(seed)
    brands = [b.id for b in gen.brands]
    langs = sorted(terms)

    def shuffled() -> list[str]:
        out = brands[:]
        rng.shuffle(out)
        return out[:RUNS]

    plan: dict[str, list[tuple[str, QueryCall]]] = {}
    plan["newest_untagged (1 brand)"] = [
        (b, lambda c, b=b: queries.newest_untagged(c, [b], limit=PAGE)) for b in shuffled()
    ]
    scopes = [rng.sample(brands, 3) for _ in range(RUNS)]
    plan["newest_untagged (3 brands)"] = [
        (",".join(s), lambda c, s=s: queries.newest_untagged(c, s, limit=PAGE)) for s in scopes
    ]
    picks = [(b, STATUSES[i % len(STATUSES)]) for i, b in enumerate(shuffled())]
    plan["mentions_by_status (1 status)"] = [
        (f"{b} {st}", lambda c, b=b, st=st: queries.mentions_by_status(c, [b], [st], limit=PAGE))
        for b, st in picks
    ]
    two = list(STATUSES[:2])
    plan[f"mentions_by_status ({'+'.join(two)})"] = [
        (b, lambda c, b=b: queries.mentions_by_status(c, [b], two, limit=PAGE)) for b in shuffled()
    ]
    for which, label in ((0, "common"), (1, "rare")):
        calls = []
        for i, b in enumerate(shuffled()):
            lang = langs[i % len(langs)]
            term = terms[lang][which]
            calls.append(
                (
                    f"{b} {lang}:{term}",
                    lambda c, b=b, t=term: queries.search_mentions(c, [b], t, limit=PAGE),
                )
            )
        plan[f"search_mentions ({label} term)"] = calls
    return plan


async def time_queries(
    url: SecretStr, plan: dict[str, list[tuple[str, QueryCall]]]
) -> dict[str, Timing]:
    """Each call of ``plan`` once on one connection (after a warm-up of 3 per query), its own
    transaction; the SQL and parameters of each query's slowest call are kept."""
    engine = async_engine(url, pool_size=1)
    seen: list[tuple[str, Any]] = []

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _record(_conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
        seen.append((statement, params))

    timings: dict[str, Timing] = {}
    try:
        async with engine.connect() as conn:
            for name, calls in plan.items():
                for _, call in calls[:3]:
                    await call(conn)
                    await conn.rollback()
                timing = Timing(name)
                budget = time.monotonic() + QUERY_BUDGET_S
                for _what, call in calls:
                    seen.clear()
                    started = time.perf_counter()
                    await call(conn)
                    ms = (time.perf_counter() - started) * 1000
                    await conn.rollback()
                    timing.ms.append(ms)
                    if seen and (timing.slowest is None or ms > timing.slowest[0]):
                        statement, params = seen[-1]
                        timing.slowest = (ms, statement, dict(params or {}))
                    if time.monotonic() > budget:
                        break
                timings[name] = timing
                print(
                    f"  {name:<38} p50 {timing.pct(0.5):8.1f} ms  p95 {timing.pct(0.95):8.1f} ms"
                    f"  ({len(timing.ms)} runs; load average {os.getloadavg()[0]:.1f})",
                    flush=True,
                )
            for timing in timings.values():
                if timing.pct(0.95) > AIM_MS and timing.slowest is not None:
                    _, statement, params = timing.slowest
                    result = await conn.exec_driver_sql(
                        "EXPLAIN (ANALYZE, BUFFERS) " + statement, params
                    )
                    timing.explain = "\n".join(str(r[0]) for r in result)
                    await conn.rollback()
    finally:
        await engine.dispose()
    return timings


def vacuum_analyze(url: SecretStr) -> float:
    started = time.monotonic()
    with admin_connection(url) as conn:
        conn.execute("SET maintenance_work_mem = '512MB'")
        conn.execute("VACUUM (ANALYZE) mentions, mention_brands")
    return time.monotonic() - started


def run_queries(
    server: SecretStr, sizes: list[int], gen: Generator, pool: list[Text], run: str
) -> tuple[dict[int, dict[str, Timing]], dict[int, StoreSize]]:
    terms = search_terms(pool, random.Random(7))
    print("search terms (common, rare): " + ", ".join(f"{k} {v}" for k, v in terms.items()))
    end = datetime.now(UTC)
    start = end - timedelta(days=365)
    name = f"bench_queries_{run}"
    url = create_database(server, name)
    results: dict[int, dict[str, Timing]] = {}
    sizes_seen: dict[int, StoreSize] = {}
    try:
        stored = 0
        for step, size in enumerate(sorted(sizes)):
            more = size - stored
            print(f"filling to {size:,} mentions ({more:,} more, COPY) ...", flush=True)
            rate = fill(url, gen, more, start, end, f"q{run}-{step}-")
            stored = size
            took = vacuum_analyze(url)
            print(f"  {rate:,.0f} mentions/s; VACUUM ANALYZE {took:.0f}s", flush=True)
            sizes_seen[size] = store_size(url)
            print(sizes_seen[size].describe(), flush=True)
            plan = query_plan(gen, terms, seed=size)
            results[size] = asyncio.run(time_queries(url, plan))
            for timing in results[size].values():
                if timing.explain:
                    ms, _, params = timing.slowest or (0.0, "", {})
                    print(f"\n  EXPLAIN (ANALYZE, BUFFERS) of the slowest {timing.name}")
                    print(f"  ({ms:.0f} ms; parameters {params}):")
                    print("    " + timing.explain.replace("\n", "\n    "), flush=True)
    finally:
        drop_database(server, name)
    return results, sizes_seen


# ---------------------------------------------------------------------------- main


def summary(
    sink: SinkResult | None,
    results: dict[int, dict[str, Timing]],
    sizes: dict[int, StoreSize],
) -> str:
    lines = ["", "=" * 78, "summary", "=" * 78]
    if sink is not None:
        lines += [
            f"sink throughput       {sink.rate:>10,.0f} mentions/s"
            + (f" with {sink.sinks} sinks" if sink.sinks > 1 else "")
            + f"  ({sink.mentions:,} mentions in {sink.drain_s:.1f}s;"
            f" load average {sink.load:.1f})",
            f"sink peak RSS         {sink.drain.peak_rss_mib:>10,.0f} MiB",
            f"writer alone          {sink.writer_rate:>10,.0f} mentions/s  (write_batch, no Kafka)",
            f"size per 1M mentions  {sink.size.per_million() / 2**30:>10,.2f} GiB"
            "  (the sink's database: heap, TOAST and indexes of both tables)",
        ]
    for size, store in sizes.items():
        lines.append(
            f"size per 1M mentions  {store.per_million() / 2**30:>10,.2f} GiB"
            f"  (the query database at {size:,})"
        )
    if results:
        header = f"{'query (first page of 50)':<38}"
        for size in results:
            header += f" | {_short(size) + ' p50':>9} {'p95':>8}"
        lines += ["", header, "-" * len(header)]
        names = list(next(iter(results.values())))
        for name in names:
            row = f"{name:<38}"
            for timings in results.values():
                t = timings[name]
                flag = " *" if t.pct(0.95) > AIM_MS else "  "
                row += f" | {t.pct(0.5):9.1f} {t.pct(0.95):6.1f}{flag}"
            lines.append(row)
        lines.append(f"(ms; * p95 over the aim of {AIM_MS:.0f} ms)")
    return "\n".join(lines)


def _short(n: int) -> str:
    if n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n % 1000 == 0:
        return f"{n // 1000}k"
    return str(n)


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--mentions", type=int, default=200_000, help="mentions through the sink")
    ap.add_argument(
        "--sizes",
        default="1000000,5000000",
        help="mentions in the table for the query timings, comma-separated",
    )
    ap.add_argument("--sinks", type=int, default=1, help="sink processes (one consumer group)")
    ap.add_argument("--database-url", default=None, help="a server to use (user with CREATEDB)")
    ap.add_argument("--bootstrap", default=None, help="a Kafka broker to use (host:port)")
    ap.add_argument("--skip-sink", action="store_true")
    ap.add_argument("--skip-queries", action="store_true")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]

    from streams.devstack.localkafka import LocalKafka
    from streams.devstack.localpostgres import LocalPostgres

    run = uuid.uuid4().hex[:6]
    tmp = Path(tempfile.mkdtemp(prefix="buzzwire-bench-store-"))
    postgres: LocalPostgres | None = None
    broker: LocalKafka | None = None
    bootstrap = args.bootstrap
    sink: SinkResult | None = None
    results: dict[int, dict[str, Timing]] = {}
    sizes_seen: dict[int, StoreSize] = {}
    try:
        if args.database_url:
            server = Settings(database_url=SecretStr(args.database_url)).database_url
            assert server is not None
        else:
            postgres = LocalPostgres(port=free_port(), state_dir=tmp / "postgres")
            postgres.start(timeout=120)
            server = postgres.url
            print(f"PostgreSQL {postgres.masked_url} (data in {postgres.data_dir})")
        print(f"server: {server_settings(server)}; schema revision {head_revision()}")
        pool = load_texts()
        langs = Counter(t.lang for t in pool)
        print(f"{len(pool):,} texts: " + ", ".join(f"{k} {v}" for k, v in langs.most_common()))
        gen = Generator(pool, make_brands(), args.seed)
        if not args.skip_sink:
            if bootstrap is None:
                port, controller = free_ports(2)
                broker = LocalKafka(
                    port=port, controller_port=controller, state_dir=tmp / "kafka", partitions=8
                )
                broker.start(timeout=180)
                bootstrap = broker.bootstrap
            print(f"broker {bootstrap}", flush=True)
            try:
                sink = run_sink(server, bootstrap, args.mentions, args.sinks, gen, tmp, run)
            finally:
                if broker is None:
                    asyncio.run(delete_topics_with_prefix(bootstrap, [f"bench-store-{run}."]))
                else:
                    broker.stop()
                    broker = None
            print("size after the sink run, per million mentions:")
            print(sink.size.describe(), flush=True)
        if not args.skip_queries:
            results, sizes_seen = run_queries(server, sizes, gen, pool, run)
    finally:
        if broker is not None:
            broker.stop()
        if postgres is not None:
            postgres.destroy()
        shutil.rmtree(tmp, ignore_errors=True)
    print(summary(sink, results, sizes_seen))
    return 0


if __name__ == "__main__":
    sys.exit(main())
