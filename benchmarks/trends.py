"""Trend reports on two years of 50 brands: how fast they answer, and what keeping the rollups
costs each stored mention.

    python benchmarks/trends.py [--mentions 10000000] [--raw 1000000] [--brands 50]
                                [--reports 40] [--write 20000] [--database-url URL]

1. rollup cost: ``--write`` enriched mentions (two brands in one in five, topics on a third)
   through ``write_batch`` in batches of 500, into a fresh database, twice: with the writer
   as it is (brand rows and the three rollup tables in one statement), and with
   the brand rows alone (the same COPY and ``INSERT ... ON CONFLICT DO NOTHING``, no rollups).
   The difference of the per-mention times is the rollups' cost (best of two rounds each).
2. fill: the rollups of ``--mentions`` mentions over two years (2024-12-01 to 2026-11-30, UTC)
   for ``--brands`` brands, big to small (weights 1/rank), with a daily and weekly rhythm and a
   busier fourth quarter, 8 languages, 4 platforms, 3 sentiments, 30 % untagged, each of 6
   topics on 12 % of mentions, are generated (numpy) and COPYed straight into
   ``trend_rollups`` and ``trend_totals`` (and ``trend_daily`` summed from those), the rows the
   writer would have made for them. The
   reports' item queries (service KPIs, statements) read ``mention_brands`` and ``mentions``:
   ``--raw`` mentions with the same shape are COPYed there (the trigram search index, unused
   here, is dropped first to save the fill time).
3. reports: after VACUUM ANALYZE, ``--reports`` full reports (``build_report``: the period,
   the previous one and the same one a year before for the brand and its competitor set,
   service KPIs, topics, 5 departments with their statements, 8 periods of history) for
   random brands (the biggest among them), periods (week, month, quarter) and days of the
   second year, on one connection; p50/p95 of the whole report and of each query.

PostgreSQL: a throw-away LocalPostgres unless ``--database-url`` names a server (whose user
needs CREATEDB; the databases made here are dropped at the end).
"""

from __future__ import annotations

import argparse
import asyncio
import math
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import psycopg
from psycopg import sql as pgsql
from pydantic import SecretStr
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from streams.brands.catalog import parse_brands  # noqa: E402
from streams.devstack.localpostgres import libpq_url  # noqa: E402
from streams.devstack.ports import free_port  # noqa: E402
from streams.reporting.report import build_report  # noqa: E402
from streams.store import trends as store_trends  # noqa: E402
from streams.store import writer  # noqa: E402
from streams.store.database import async_engine, upgrade  # noqa: E402
from streams.store.rows import mention_rows  # noqa: E402
from streams.store.schema import mention_brands  # noqa: E402
from streams.store.writer import Item, PartitionCache, write_batch  # noqa: E402
from streams.trends.periods import span_of  # noqa: E402

START = datetime(2024, 12, 1, tzinfo=UTC)
DAYS = 730
SLOTS = DAYS * 96
LANGS = ("en", "es", "id", "ar", "de", "lv", "hr", "fr")
LANG_P = (0.38, 0.17, 0.12, 0.1, 0.08, 0.06, 0.05, 0.04)
PLATFORMS = ("x", "instagram", "facebook", "reddit")
PLATFORM_P = (0.45, 0.25, 0.2, 0.1)
SENTIMENTS = ("negative", "neutral", "positive")
SENTIMENT_P = (0.3, 0.45, 0.25)
TOPICS = ("product_quality", "delivery", "billing", "customer_service", "app_website", "ads")
DEPARTMENTS = {
    "product_development": ["product_quality"],
    "operations": ["delivery"],
    "finance": ["billing"],
    "customer_service": ["customer_service", "app_website"],
    "marketing": ["ads"],
}
ZONES = ("UTC", "Europe/Riga", "Asia/Kolkata", "America/New_York", "Asia/Jakarta")


# ------------------------------------------------------------------------------ databases
def admin(url: SecretStr, database: str | None = None) -> psycopg.Connection[Any]:
    base = make_url(url.get_secret_value())
    if database is not None:
        base = base.set(database=database)
    return psycopg.connect(libpq_url(base.render_as_string(hide_password=False)), autocommit=True)


def create_database(server: SecretStr, name: str) -> SecretStr:
    with admin(server) as conn:
        conn.execute(pgsql.SQL("CREATE DATABASE {}").format(pgsql.Identifier(name)))
    url = SecretStr(make_url(server.get_secret_value()).set(database=name).render_as_string(False))
    upgrade(url)
    return url


def drop_database(server: SecretStr, name: str) -> None:
    with admin(server) as conn:
        conn.execute(
            pgsql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(pgsql.Identifier(name))
        )


def brand_ids(count: int) -> list[str]:
    return [f"brand{i:02d}" for i in range(count)]


def catalog_for(ids: list[str]) -> Any:
    """Competitor sets of four (a brand and the next three), time zones in turn."""
    entries = []
    for i, b in enumerate(ids):
        group = (i // 4) * 4
        competitors = [c for c in ids[group : group + 4] if c != b]
        entries.append(
            {"id": b, "name": b.title(), "competitors": competitors, "timezone": ZONES[i % 5]}
        )
    return parse_brands({"brands": entries})


def brand_counts(total: int, count: int) -> list[int]:
    weights = np.array([1 / (r + 1) for r in range(count)])
    counts = np.floor(total * weights / weights.sum()).astype(int)
    counts[0] += total - counts.sum()
    return [int(c) for c in counts]


# -------------------------------------------------------------------------- rollup cost
def enriched(rng: random.Random, i: int, ids: list[str]) -> dict[str, Any]:
    sentiment = rng.choices(SENTIMENTS, SENTIMENT_P)[0]
    score = rng.random()
    scores = {"negative": 0.1, "neutral": 0.1, "positive": 0.1}
    scores[sentiment] = 0.5 + score / 2
    brands = [{"id": ids[int(rng.paretovariate(1.2)) % len(ids)], "tagged": rng.random() < 0.7}]
    if rng.random() < 0.2:
        brands.append({"id": rng.choice(ids), "tagged": False})
    when = START + timedelta(seconds=rng.randrange(DAYS * 86400))
    return {
        "id": f"w{i}-{uuid.uuid4().hex[:8]}",
        "platform": rng.choices(PLATFORMS, PLATFORM_P)[0],
        "author": {"id": f"u{i}", "handle": f"@u{i}", "followers": int(rng.lognormvariate(5, 1.5))},
        "text": f"post {i} about things",
        "created_at": when.isoformat(),
        "engagement": {"likes": rng.randrange(20), "shares": rng.randrange(5), "replies": 1},
        "lang": rng.choices(LANGS, LANG_P)[0],
        "lang_confidence": 0.9,
        "brands": brands,
        "sentiment": sentiment,
        "sentiment_scores": scores,
        "sentiment_model": "bench",
        "topics": [t for t in TOPICS if rng.random() < 0.06],
    }


async def write_rate(url: SecretStr, items: list[Item], rollups: bool) -> float:
    """Mentions/s through write_batch (batches of 500), with or without the rollups."""
    original = writer._insert_brands_and_rollups

    async def brands_only(conn: Any, rows: list[dict[str, Any]], _mentions: Any) -> int:
        return await writer._copy_insert(conn, mention_brands, rows)

    if not rollups:
        writer._insert_brands_and_rollups = brands_only  # type: ignore[assignment]
    engine = async_engine(url, pool_size=1)
    cache = PartitionCache()
    try:
        await write_batch(engine, items[:50], cache)  # partitions, staging tables, warm
        started = time.perf_counter()
        for k in range(50, len(items), 500):
            await write_batch(engine, items[k : k + 500], cache)
        return (len(items) - 50) / (time.perf_counter() - started)
    finally:
        writer._insert_brands_and_rollups = original  # type: ignore[assignment]
        await engine.dispose()


def rollup_cost(server: SecretStr, count: int, ids: list[str], run: str) -> dict[str, float]:
    rng = random.Random(7)
    best: dict[bool, float] = {}
    for round_ in range(2):
        for rollups in (True, False):
            name = f"bench_trends_write_{run}_{round_}_{int(rollups)}"
            url = create_database(server, name)
            try:
                records = [enriched(rng, i, ids) for i in range(count)]
                items = [Item("mention", mention_rows(r)) for r in records]
                rate = asyncio.run(write_rate(url, items, rollups))
            finally:
                drop_database(server, name)
            best[rollups] = max(best.get(rollups, 0.0), rate)
            print(f"  write_batch {'with' if rollups else 'without'} rollups: {rate:,.0f}/s")
    return {
        "with": best[True],
        "without": best[False],
        "cost_ms": 1000 / best[True] - 1000 / best[False],
    }


# -------------------------------------------------------------------------------- fill
def slot_weights() -> np.ndarray:
    slots = np.arange(SLOTS)
    hour = (slots % 96) / 4
    day = slots // 96
    weekday = (START.weekday() + day) % 7
    month = np.array([(START + timedelta(days=int(d))).month for d in range(DAYS)])[day]
    w = (1.2 + np.sin((hour - 9) / 24 * 2 * math.pi)) * np.where(weekday >= 5, 0.6, 1.0)
    w *= np.where(month >= 10, 1.3, 1.0)
    return w / w.sum()


def brand_rollups(rng: np.random.Generator, n: int, weights: np.ndarray) -> dict[str, Any]:
    """The rollup rows of ``n`` mentions of one brand: (full rows, total rows), as arrays."""
    slot = rng.choice(SLOTS, size=n, p=weights)
    lang = rng.choice(len(LANGS), size=n, p=LANG_P)
    plat = rng.choice(len(PLATFORMS), size=n, p=PLATFORM_P)
    sent = rng.choice(3, size=n, p=SENTIMENT_P)
    tagged = rng.random(n) < 0.7
    cpos = (sent == 2) & (rng.random(n) < 0.6)
    cneg = (sent == 0) & (rng.random(n) < 0.55)
    reach = np.minimum(rng.lognormal(5, 1.5, n), 1e9).astype(np.int64)
    topics = rng.random((n, len(TOPICS))) < 0.12
    full_key = (((slot * 8 + lang) * 4 + plat) * 3 + sent) * 2 + tagged
    out: dict[str, Any] = {"full": [], "totals": []}
    for t in range(-1, len(TOPICS)):
        sel = np.ones(n, dtype=bool) if t < 0 else topics[:, t]
        topic = "" if t < 0 else TOPICS[t]
        keys, inv = np.unique(full_key[sel], return_inverse=True)
        sums = [np.bincount(inv)] + [np.bincount(inv, weights=w[sel]) for w in (reach, cpos, cneg)]
        out["full"].append((topic, keys, sums))
        s = slot[sel]
        tot = [
            np.bincount(s, weights=w, minlength=SLOTS)
            for w in (
                None,
                reach[sel],
                sent[sel] == 0,
                sent[sel] == 1,
                sent[sel] == 2,
                ~tagged[sel],
                cpos[sel],
                cneg[sel],
            )
        ]
        nonzero = np.nonzero(tot[0])[0]
        out["totals"].append((topic, nonzero, [x[nonzero] for x in tot]))
    return out


def fill_rollups(url: SecretStr, total: int, ids: list[str]) -> tuple[int, int, float]:
    """COPY the rollups of ``total`` mentions; returns (trend_rollups rows, trend_totals rows,
    seconds)."""
    rng = np.random.default_rng(11)
    weights = slot_weights()
    slot_times = [START + timedelta(minutes=15 * k) for k in range(SLOTS)]
    rows_full = rows_totals = 0
    started = time.monotonic()
    with admin(url) as conn:
        conn.execute("SET synchronous_commit = off")
        conn.execute("ALTER TABLE trend_rollups DROP CONSTRAINT trend_rollups_pkey")
        conn.execute("ALTER TABLE trend_totals DROP CONSTRAINT trend_totals_pkey")
        for brand, n in zip(ids, brand_counts(total, len(ids)), strict=True):
            data = brand_rollups(rng, n, weights)
            with conn.cursor() as cur:
                with cur.copy(
                    "COPY trend_rollups (brand, topic, slot, lang, platform, sentiment, tagged,"
                    " mentions, reach, clearly_positive, clearly_negative) FROM STDIN"
                ) as copy:
                    for topic, keys, sums in data["full"]:
                        tagged = keys % 2
                        sent = keys // 2 % 3
                        plat = keys // 6 % 4
                        lang = keys // 24 % 8
                        slot = keys // 192
                        cols = [s.astype(np.int64).tolist() for s in sums]
                        for k in range(len(keys)):
                            copy.write_row(
                                (
                                    brand,
                                    topic,
                                    slot_times[slot[k]],
                                    LANGS[lang[k]],
                                    PLATFORMS[plat[k]],
                                    SENTIMENTS[sent[k]],
                                    bool(tagged[k]),
                                    cols[0][k],
                                    cols[1][k],
                                    cols[2][k],
                                    cols[3][k],
                                )
                            )
                        rows_full += len(keys)
                with cur.copy(
                    "COPY trend_totals (brand, topic, slot, mentions, reach, negative, neutral,"
                    " positive, untagged, clearly_positive, clearly_negative) FROM STDIN"
                ) as copy:
                    for topic, slots, sums in data["totals"]:
                        cols = [s.astype(np.int64).tolist() for s in sums]
                        for k, s in enumerate(slots.tolist()):
                            copy.write_row((brand, topic, slot_times[s], *(c[k] for c in cols)))
                        rows_totals += len(slots)
            print(f"  {brand}: {n:,} mentions, rollups so far {rows_full:,} / {rows_totals:,}")
        print("  primary keys ...", flush=True)
        conn.execute(
            "ALTER TABLE trend_rollups ADD CONSTRAINT trend_rollups_pkey"
            " PRIMARY KEY (brand, topic, slot, lang, platform, sentiment, tagged)"
        )
        conn.execute(
            "ALTER TABLE trend_totals ADD CONSTRAINT trend_totals_pkey"
            " PRIMARY KEY (brand, topic, slot)"
        )
        print("  trend_daily from trend_totals ...", flush=True)
        conn.execute(
            "INSERT INTO trend_daily SELECT brand, topic, (slot AT TIME ZONE 'UTC')::date,"
            " sum(mentions), sum(reach), sum(negative), sum(neutral), sum(positive),"
            " sum(untagged), sum(clearly_positive), sum(clearly_negative)"
            " FROM trend_totals GROUP BY 1, 2, 3"
        )
    return rows_full, rows_totals, time.monotonic() - started


def fill_raw(url: SecretStr, total: int, ids: list[str]) -> float:
    """COPY ``total`` mentions and their brand rows (one brand each) over the two years."""
    rng = random.Random(13)
    counts = brand_counts(total, len(ids))
    started = time.monotonic()
    end = START + timedelta(days=DAYS)
    with admin(url) as conn:
        conn.execute("SET synchronous_commit = off")
        conn.execute("DROP INDEX IF EXISTS mentions_brands_text_idx")
        month = START
        while month < end:
            for table in ("mentions", "mention_brands"):
                conn.execute("SELECT buzzwire_ensure_month_partition(%s, %s)", (table, month))
            month = (month + timedelta(days=32)).replace(day=1)
        i = 0
        for brand, n in zip(ids, counts, strict=True):
            with conn.transaction(), conn.cursor() as cur:
                m_rows, b_rows = [], []
                for _ in range(n):
                    i += 1
                    when = START + timedelta(seconds=rng.randrange(DAYS * 86400))
                    sentiment = rng.choices(SENTIMENTS, SENTIMENT_P)[0]
                    score = 0.5 + rng.random() / 2
                    neg = score if sentiment == "negative" else 0.1
                    pos = score if sentiment == "positive" else 0.1
                    reach = int(rng.lognormvariate(5, 1.5))
                    tagged = rng.random() < 0.7
                    topics = [t for t in TOPICS if rng.random() < 0.12]
                    age = (end - when).days
                    acted = not tagged and (age > 3 or rng.random() < 0.5)
                    status = rng.choice(("done", "done", "dismissed")) if acted else "open"
                    first = when + timedelta(minutes=rng.randrange(5, 3000)) if acted else None
                    mid = f"r{i}"
                    m_rows.append(
                        (mid, when, "x", f"post {i}", "en", sentiment, neg, pos, [brand], topics)
                    )
                    b_rows.append(
                        (brand, mid, when, tagged, sentiment, "en", "x", reach, status, first)
                    )
                with cur.copy(
                    "COPY mentions (id, created_at, platform, text, lang, sentiment,"
                    " sentiment_negative, sentiment_positive, brands, topics) FROM STDIN"
                ) as copy:
                    for row in m_rows:
                        copy.write_row(row)
                with cur.copy(
                    "COPY mention_brands (brand, mention_id, created_at, tagged, sentiment, lang,"
                    " platform, reach, status, first_action_at) FROM STDIN"
                ) as copy:
                    for row in b_rows:
                        copy.write_row(row)
    return time.monotonic() - started


# ------------------------------------------------------------------------------ reports
def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)] if ordered else math.nan


async def time_reports(url: SecretStr, ids: list[str], reports: int) -> dict[str, list[float]]:
    catalog = catalog_for(ids)
    rng = random.Random(5)
    timings: dict[str, list[float]] = {}
    now = START + timedelta(days=DAYS)

    def timed(name: str, fn: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return await fn(*args, **kwargs)
            finally:
                timings.setdefault(name, []).append(1000 * (time.perf_counter() - started))

        return wrapper

    originals = {
        name: getattr(store_trends, name)
        for name in ("tallies", "series", "topic_tallies", "service_kpis", "top_statements")
    }
    for name, fn in originals.items():
        setattr(store_trends, name, timed(name, fn))
    engine = async_engine(url, pool_size=1)
    try:
        async with engine.connect() as conn:
            for k in range(reports):
                brand = ids[0] if k % 4 == 0 else rng.choice(ids)
                period = ("quarter", "month", "week")[k % 3]
                day = date(2025, 12, 1) + timedelta(days=rng.randrange(340))
                span = span_of(period, day, catalog[brand].timezone)  # type: ignore[arg-type]
                started = time.perf_counter()
                await build_report(conn, catalog, brand, span, departments=DEPARTMENTS, now=now)
                ms = 1000 * (time.perf_counter() - started)
                timings.setdefault("report", []).append(ms)
                timings.setdefault(f"report ({period})", []).append(ms)
                if brand == ids[0]:
                    timings.setdefault("report (biggest brand)", []).append(ms)
                started = time.perf_counter()
                await store_trends.breakdown(conn, brand, span.start, span.end, by="lang")
                timings.setdefault("breakdown", []).append(1000 * (time.perf_counter() - started))
    finally:
        for name, fn in originals.items():
            setattr(store_trends, name, fn)
        await engine.dispose()
    return timings


def table_sizes(url: SecretStr) -> dict[str, int]:
    with admin(url) as conn:
        out = {}
        for table in ("trend_rollups", "trend_totals", "trend_daily", "mentions", "mention_brands"):
            row = conn.execute(
                "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c"
                " WHERE c.relname = %s OR c.oid IN (SELECT inhrelid FROM pg_inherits"
                " WHERE inhparent = %s::regclass)",
                (table, table),
            ).fetchone()
            out[table] = int(row[0]) if row else 0
        return out


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--mentions", type=int, default=10_000_000)
    ap.add_argument("--raw", type=int, default=1_000_000)
    ap.add_argument("--brands", type=int, default=50)
    ap.add_argument("--reports", type=int, default=40)
    ap.add_argument("--write", type=int, default=20_000)
    ap.add_argument("--database-url", default=None)
    args = ap.parse_args()
    from streams.devstack.localpostgres import LocalPostgres

    ids = brand_ids(args.brands)
    run = uuid.uuid4().hex[:6]
    postgres = None
    tmp = Path(tempfile.mkdtemp(prefix="buzzwire-bench-trends-"))
    if args.database_url:
        server = SecretStr(args.database_url)
    else:
        postgres = LocalPostgres(port=free_port(), state_dir=tmp / "postgres")
        postgres.start(timeout=120)
        server = postgres.url
    name = f"bench_trends_{run}"
    try:
        if args.write:
            print(f"1. rollup cost: {args.write:,} mentions through write_batch", flush=True)
            cost = rollup_cost(server, args.write, ids, run)
            print(
                f"   best: {cost['with']:,.0f}/s with rollups, {cost['without']:,.0f}/s without:"
                f" {cost['cost_ms']:.3f} ms a mention for the rollups"
            )
        url = create_database(server, name)
        print(f"2. fill: rollups of {args.mentions:,} mentions, {args.brands} brands", flush=True)
        full, totals, seconds = fill_rollups(url, args.mentions, ids)
        print(f"   trend_rollups {full:,} rows, trend_totals {totals:,} rows in {seconds:,.0f} s")
        print(f"   raw: {args.raw:,} mentions and brand rows ...", flush=True)
        seconds = fill_raw(url, args.raw, ids)
        print(f"   raw filled in {seconds:,.0f} s; VACUUM ANALYZE ...", flush=True)
        with admin(url) as conn:
            conn.execute("VACUUM ANALYZE")
        sizes = table_sizes(url)
        print("   sizes: " + ", ".join(f"{t} {b / 2**20:,.0f} MiB" for t, b in sizes.items()))
        print(f"3. {args.reports} reports", flush=True)
        timings = asyncio.run(time_reports(url, ids, args.reports))
        print(f"{'':<28}{'calls':>6}{'p50 ms':>10}{'p95 ms':>10}")
        for key, values in timings.items():
            print(f"{key:<28}{len(values):>6}{pct(values, 0.5):>10.1f}{pct(values, 0.95):>10.1f}")
    finally:
        drop_database(server, name)
        if postgres is not None:
            postgres.destroy()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
