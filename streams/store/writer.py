"""Idempotent batch writes to the store.

One call writes a batch of records (mentions, alert events, benchmark records, near-duplicate
clusters) in one transaction: ``INSERT ... ON CONFLICT`` makes every write idempotent, so
whatever Kafka re-delivers (a crash between the database commit and the offset commit) is
stored once.

- a mention is new when its ``(id, created_at)`` is; its brand rows likewise;
- an alert event is stored once by ``(thread id, sequence)``; a thread keeps the state of its
  highest sequence, so a late re-delivery never winds it back;
- the brand rows actually inserted are added to ``trend_rollups`` in the same statement
  (docs/trends.md), so the rollups count every stored mention once;
- a benchmark record replaces the stored one of the same brand or set, window and end (an
  incomplete window never replaces a complete one);
- a mention's near-duplicate cluster is stored once by ``(brand, mention id, created_at)``,
  whether its mention is stored yet or not (the inbox joins them when both are there).

Month partitions are created before the data transaction, in their own (so a batch that fails
never leaves a cached month that was rolled back). A record the database refuses (a data or
constraint error, SQLSTATE classes 22 and 23) does not sink its batch: the batch is written
again one record at a time, each under a savepoint, and the refused ones come back as
:class:`Rejected` with the database's reason. Every other database error (the server down, a
connection lost) propagates: the caller retries the batch later.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import psycopg
from psycopg import sql as pgsql
from sqlalchemy import Column, MetaData, Table, delete, func, literal_column, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from streams.store.rows import AlertRows, MentionRows
from streams.store.schema import (
    PARTITIONED,
    alert_events,
    alert_threads,
    benchmark_snapshots,
    mention_brands,
    mention_duplicates,
    mentions,
)
from streams.trends.sentiment import CLEAR_NEGATIVE, CLEAR_POSITIVE, MAX_REACH

__all__ = [
    "Item",
    "PartitionCache",
    "Rejected",
    "Written",
    "is_row_error",
    "prune",
    "sqlstate",
    "write_batch",
]

TABLES = (
    "mentions",
    "mention_brands",
    "alert_events",
    "alert_threads",
    "benchmark_snapshots",
    "mention_duplicates",
)


@dataclass(frozen=True, slots=True)
class Item:
    """One record to store, with where it came from (for a dead letter)."""

    kind: Literal["mention", "alert", "benchmark", "duplicate"]
    rows: MentionRows | AlertRows | dict[str, Any]
    source: Any = None


@dataclass(frozen=True, slots=True)
class Rejected:
    item: Item
    reason: str  # SQLSTATE-derived, e.g. "db_22P05"
    error: str


@dataclass
class Written:
    """Rows actually inserted or changed, by table (re-deliveries count 0)."""

    rows: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TABLES, 0))
    rejected: list[Rejected] = field(default_factory=list)

    def add(self, other: Written) -> None:
        for table, n in other.rows.items():
            self.rows[table] += n
        self.rejected.extend(other.rejected)


def is_row_error(exc: BaseException) -> bool:
    """A database error about the data of a row (SQLSTATE classes 22 and 23), as opposed to
    the server or the connection (which a retry later cures)."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return False
    return sqlstate(exc)[:2] in ("22", "23")


def sqlstate(exc: BaseException) -> str:
    """The SQLSTATE of a database error, wrapped by SQLAlchemy or raw from psycopg (COPY)."""
    if isinstance(exc, DBAPIError):
        exc = exc.orig  # type: ignore[assignment]
    if isinstance(exc, psycopg.Error):
        return exc.sqlstate or ""
    return ""


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    return str(orig).strip().splitlines()[0][:500] if str(orig).strip() else type(orig).__name__


class PartitionCache:
    """The months whose partitions exist, so a batch asks the server only for new ones."""

    def __init__(self) -> None:
        self._made: set[tuple[str, int, int]] = set()

    def missing(self, table: str, times: Iterable[datetime]) -> list[datetime]:
        out: dict[tuple[str, int, int], datetime] = {}
        for when in times:
            utc = when.astimezone(UTC)
            key = (table, utc.year, utc.month)
            if key not in self._made:
                out[key] = utc.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        return list(out.values())

    def made(self, table: str, month: datetime) -> None:
        self._made.add((table, month.year, month.month))

    def forget(self) -> None:
        """After partitions were dropped (retention) or the database was replaced."""
        self._made.clear()


async def ensure_partitions(
    engine: AsyncEngine, items: Sequence[Item], cache: PartitionCache
) -> None:
    """Create the month partitions ``items`` need (committed before the data is written)."""
    needed: dict[str, list[datetime]] = {}
    mention_times = [i.rows.mention["created_at"] for i in items if isinstance(i.rows, MentionRows)]
    bench_times = [
        i.rows["window_end"] for i in items if i.kind == "benchmark" and isinstance(i.rows, dict)
    ]
    duplicate_times = [
        i.rows["created_at"] for i in items if i.kind == "duplicate" and isinstance(i.rows, dict)
    ]
    for table, times in (
        ("mentions", mention_times),
        ("mention_brands", mention_times),
        ("benchmark_snapshots", bench_times),
        ("mention_duplicates", duplicate_times),
    ):
        assert table in PARTITIONED
        missing = cache.missing(table, times)
        if missing:
            needed[table] = missing
    if not needed:
        return
    async with engine.begin() as conn:
        for table, months in needed.items():
            for month in months:
                await conn.execute(select(func.buzzwire_ensure_month_partition(table, month)))
    for table, months in needed.items():
        for month in months:
            cache.made(table, month)


_events_insert = pg_insert(alert_events).on_conflict_do_nothing()
_threads_upsert = (
    lambda ins: ins.on_conflict_do_update(
        index_elements=[alert_threads.c.id],
        set_={c.name: ins.excluded[c.name] for c in alert_threads.columns if c.name != "id"},
        where=alert_threads.c.sequence < ins.excluded.sequence,
    )
)(pg_insert(alert_threads))
_benchmarks_upsert = (
    lambda ins: ins.on_conflict_do_update(
        constraint="benchmark_snapshots_pkey",
        set_={
            "complete": ins.excluded.complete,
            "body": ins.excluded.body,
            "stored_at": func.now(),
        },
        where=benchmark_snapshots.c.complete.is_(False) | ins.excluded.complete.is_(True),
    )
)(pg_insert(benchmark_snapshots))


@functools.lru_cache(maxsize=16)
def _stage(table: Table, names: tuple[str, ...]) -> tuple[Table, Any]:
    """A session-temporary staging twin of ``table`` with the columns ``names`` (those the rows
    carry; the others take their defaults: ``stored_at``, the inbox's ``status`` ...) and the
    ``INSERT ... SELECT ... ON CONFLICT DO NOTHING`` that moves its rows over."""
    stage = Table(
        f"buzzwire_stage_{table.name}",
        MetaData(),
        *(Column(n, table.c[n].type) for n in names),
        prefixes=["TEMPORARY"],
    )
    move = (
        pg_insert(table)
        .from_select(list(names), select(*(stage.c[n] for n in names)))
        .on_conflict_do_nothing()
    )
    return stage, move


async def _copy_to_stage(conn: AsyncConnection, table: Table, rows: list[dict[str, Any]]) -> Any:
    """COPY ``rows`` into ``table``'s session-temporary staging twin; returns its psycopg
    cursor's connection. The statements are composed from identifiers (psycopg's ``sql``
    module), never from strings."""
    names = tuple(rows[0])
    stage, _ = _stage(table, names)
    raw = await conn.get_raw_connection()
    driver = raw.driver_connection
    assert driver is not None
    async with driver.cursor() as cursor:
        await cursor.execute(
            pgsql.SQL(
                "CREATE TEMPORARY TABLE IF NOT EXISTS {} (LIKE {} INCLUDING DEFAULTS) "
                "ON COMMIT DELETE ROWS"
            ).format(pgsql.Identifier(stage.name), pgsql.Identifier(table.name))
        )
        columns = pgsql.SQL(", ").join(pgsql.Identifier(n) for n in names)
        copy_sql = pgsql.SQL("COPY {} ({}) FROM STDIN").format(
            pgsql.Identifier(stage.name), columns
        )
        async with cursor.copy(copy_sql) as copy:
            for row in rows:
                await copy.write_row([row[n] for n in names])
    return driver


async def _copy_insert(conn: AsyncConnection, table: Table, rows: list[dict[str, Any]]) -> int:
    """Insert ``rows`` through COPY into a staging table, then ``INSERT ... SELECT ... ON
    CONFLICT DO NOTHING``: several times faster than multi-row INSERTs for mentions. The
    staging rows stay until :func:`_clear_stages` (the brand rows' rollups read them)."""
    if not rows:
        return 0
    _, move = _stage(table, tuple(rows[0]))
    await _copy_to_stage(conn, table, rows)
    result = await conn.execute(move.execution_options(preserve_rowcount=True))
    return max(result.rowcount, 0)


#: The brand rows' move, and the rollups of the rows it actually inserted, in one statement:
#: ``RETURNING`` gives only what ``ON CONFLICT DO NOTHING`` let through, so a re-delivered
#: mention is counted once. Each brand row counts once under topic '' and once per topic of
#: its mention (the mention's staged row, once per (id, created_at)): grouped once by every
#: key of ``trend_rollups`` (``counted``), then summed from that for ``trend_totals`` (over
#: language, platform, sentiment and tagged) and ``trend_daily`` (per UTC day).
_ROLLUP_SQL = """
WITH inserted AS (
    INSERT INTO mention_brands ({columns}) SELECT {columns} FROM {stage}
    ON CONFLICT DO NOTHING
    RETURNING brand, mention_id, created_at, tagged, sentiment, lang, platform, reach
), staged AS (
    SELECT DISTINCT ON (id, created_at)
        id, created_at, topics, sentiment_positive, sentiment_negative
    FROM {mention_stage}
), counted AS MATERIALIZED (
    SELECT i.brand, t.topic, buzzwire_trend_slot(i.created_at) AS slot,
        coalesce(i.lang, '') AS lang, i.platform, coalesce(i.sentiment, '') AS sentiment,
        i.tagged, count(*) AS mentions, sum(least(i.reach, %(max_reach)s)) AS reach,
        count(*) FILTER (WHERE m.sentiment_positive >= %(positive)s) AS clearly_positive,
        count(*) FILTER (WHERE m.sentiment_negative >= %(negative)s) AS clearly_negative
    FROM inserted i
    JOIN staged m ON m.id = i.mention_id AND m.created_at = i.created_at
    CROSS JOIN LATERAL unnest(ARRAY[''] || m.topics) AS t(topic)
    GROUP BY 1, 2, 3, 4, 5, 6, 7
), rolled AS (
    INSERT INTO trend_rollups AS r (
        brand, topic, slot, lang, platform, sentiment, tagged,
        mentions, reach, clearly_positive, clearly_negative)
    SELECT * FROM counted
    ON CONFLICT ON CONSTRAINT trend_rollups_pkey DO UPDATE SET
        mentions = r.mentions + excluded.mentions,
        reach = r.reach + excluded.reach,
        clearly_positive = r.clearly_positive + excluded.clearly_positive,
        clearly_negative = r.clearly_negative + excluded.clearly_negative
    RETURNING 1
), totals AS (
    INSERT INTO trend_totals AS r (
        brand, topic, slot, mentions, reach, negative, neutral, positive, untagged,
        clearly_positive, clearly_negative)
    SELECT brand, topic, slot, sum(mentions), sum(reach),
        coalesce(sum(mentions) FILTER (WHERE sentiment = 'negative'), 0),
        coalesce(sum(mentions) FILTER (WHERE sentiment = 'neutral'), 0),
        coalesce(sum(mentions) FILTER (WHERE sentiment = 'positive'), 0),
        coalesce(sum(mentions) FILTER (WHERE NOT tagged), 0),
        sum(clearly_positive), sum(clearly_negative)
    FROM counted
    GROUP BY 1, 2, 3
    ON CONFLICT ON CONSTRAINT trend_totals_pkey DO UPDATE SET
        mentions = r.mentions + excluded.mentions,
        reach = r.reach + excluded.reach,
        negative = r.negative + excluded.negative,
        neutral = r.neutral + excluded.neutral,
        positive = r.positive + excluded.positive,
        untagged = r.untagged + excluded.untagged,
        clearly_positive = r.clearly_positive + excluded.clearly_positive,
        clearly_negative = r.clearly_negative + excluded.clearly_negative
    RETURNING 1
), daily AS (
    INSERT INTO trend_daily AS r (
        brand, topic, day, mentions, reach, negative, neutral, positive, untagged,
        clearly_positive, clearly_negative)
    SELECT brand, topic, (slot AT TIME ZONE 'UTC')::date, sum(mentions), sum(reach),
        coalesce(sum(mentions) FILTER (WHERE sentiment = 'negative'), 0),
        coalesce(sum(mentions) FILTER (WHERE sentiment = 'neutral'), 0),
        coalesce(sum(mentions) FILTER (WHERE sentiment = 'positive'), 0),
        coalesce(sum(mentions) FILTER (WHERE NOT tagged), 0),
        sum(clearly_positive), sum(clearly_negative)
    FROM counted
    GROUP BY 1, 2, 3
    ON CONFLICT ON CONSTRAINT trend_daily_pkey DO UPDATE SET
        mentions = r.mentions + excluded.mentions,
        reach = r.reach + excluded.reach,
        negative = r.negative + excluded.negative,
        neutral = r.neutral + excluded.neutral,
        positive = r.positive + excluded.positive,
        untagged = r.untagged + excluded.untagged,
        clearly_positive = r.clearly_positive + excluded.clearly_positive,
        clearly_negative = r.clearly_negative + excluded.clearly_negative
    RETURNING 1
)
SELECT (SELECT count(*) FROM inserted), (SELECT count(*) FROM rolled),
    (SELECT count(*) FROM totals), (SELECT count(*) FROM daily)
"""


async def _insert_brands_and_rollups(
    conn: AsyncConnection, rows: list[dict[str, Any]], mention_rows: list[dict[str, Any]]
) -> int:
    """Insert the brand ``rows`` (their mentions are staged: ``mention_rows``) and add the
    inserted ones to ``trend_rollups``; returns how many brand rows were inserted."""
    if not rows:
        return 0
    names = tuple(rows[0])
    stage, _ = _stage(mention_brands, names)
    mention_stage, _ = _stage(mentions, tuple(mention_rows[0]))
    driver = await _copy_to_stage(conn, mention_brands, rows)
    statement = pgsql.SQL(_ROLLUP_SQL).format(
        columns=pgsql.SQL(", ").join(pgsql.Identifier(n) for n in names),
        stage=pgsql.Identifier(stage.name),
        mention_stage=pgsql.Identifier(mention_stage.name),
    )
    params = {"max_reach": MAX_REACH, "positive": CLEAR_POSITIVE, "negative": CLEAR_NEGATIVE}
    async with driver.cursor() as cursor:
        await cursor.execute(statement, params)
        row = await cursor.fetchone()
    assert row is not None
    return int(row[0])


async def _clear_stages(conn: AsyncConnection, tables: Sequence[tuple[Table, list[Any]]]) -> None:
    """Empty the staging tables used (a savepoint's retry must not see the rows again)."""
    for table, rows in tables:
        if rows:
            stage, _ = _stage(table, tuple(rows[0]))
            await conn.execute(delete(stage))


async def _execute(conn: AsyncConnection, statement: Any, rows: list[dict[str, Any]]) -> int:
    if not rows:
        return 0
    # RETURNING counts what was inserted or updated: psycopg's executemany has no total rowcount
    result = await conn.execute(statement.returning(literal_column("1")), rows)
    return len(result.all())


async def _write(conn: AsyncConnection, items: Sequence[Item]) -> dict[str, int]:
    mention_rows: list[dict[str, Any]] = []
    brand_rows: list[dict[str, Any]] = []
    event_rows: list[dict[str, Any]] = []
    threads: dict[str, dict[str, Any]] = {}
    benchmarks: dict[tuple[Any, ...], dict[str, Any]] = {}
    duplicates: dict[tuple[Any, ...], dict[str, Any]] = {}
    for item in items:
        rows = item.rows
        if item.kind == "duplicate":
            assert isinstance(rows, dict)
            # the first of a key in a batch, as the first in the table: a re-delivery is the same
            duplicates.setdefault((rows["brand"], rows["mention_id"], rows["created_at"]), rows)
        elif isinstance(rows, MentionRows):
            mention_rows.append(rows.mention)
            brand_rows.extend(rows.brands)
        elif isinstance(rows, AlertRows):
            event_rows.append(rows.event)
            held = threads.get(rows.thread["id"])
            # one row per thread and statement: ON CONFLICT DO UPDATE takes a row once
            if held is None or held["sequence"] < rows.thread["sequence"]:
                threads[rows.thread["id"]] = rows.thread
        else:
            key = (rows["type"], rows["subject"], rows["window"], rows["window_end"])
            held_b = benchmarks.get(key)
            if held_b is None or rows["complete"] or not held_b["complete"]:
                benchmarks[key] = rows
    # one per mention and brand, as many as the brand rows: COPY, like them
    cluster_rows = list(duplicates.values())
    counts = {
        "mentions": await _copy_insert(conn, mentions, mention_rows),
        "mention_brands": await _insert_brands_and_rollups(conn, brand_rows, mention_rows),
        "alert_events": await _execute(conn, _events_insert, event_rows),
        "alert_threads": await _execute(conn, _threads_upsert, list(threads.values())),
        "benchmark_snapshots": await _execute(conn, _benchmarks_upsert, list(benchmarks.values())),
        "mention_duplicates": await _copy_insert(conn, mention_duplicates, cluster_rows),
    }
    await _clear_stages(
        conn,
        [
            (mentions, mention_rows),
            (mention_brands, brand_rows),
            (mention_duplicates, cluster_rows),
        ],
    )
    return counts


async def write_batch(engine: AsyncEngine, items: Sequence[Item], cache: PartitionCache) -> Written:
    """Store ``items`` once each; see the module docstring. Raises on database errors that are
    not about a row (the caller retries the whole batch)."""
    written = Written()
    if not items:
        return written
    await ensure_partitions(engine, items, cache)
    try:
        async with engine.begin() as conn:
            written.rows = await _write(conn, items)
        return written
    except (DBAPIError, psycopg.Error) as exc:
        if not is_row_error(exc):
            raise
    # Some record was refused: find which, one at a time, each under a savepoint.
    written = Written()
    async with engine.begin() as conn:
        for item in items:
            try:
                async with conn.begin_nested():
                    counts = await _write(conn, [item])
            except (DBAPIError, psycopg.Error) as exc:
                if not is_row_error(exc):
                    raise
                written.rejected.append(
                    Rejected(
                        item=item, reason=f"db_{sqlstate(exc) or 'unknown'}", error=_first_line(exc)
                    )
                )
                continue
            for table, n in counts.items():
                written.rows[table] += n
    return written


async def prune(engine: AsyncEngine, months: int, now: datetime) -> list[str]:
    """Drop the month partitions wholly older than ``months`` months before ``now``
    (``BUZZWIRE_STORE_RETENTION_MONTHS``; 0 keeps everything). Returns the dropped names."""
    if months <= 0:
        return []
    year, month = now.year, now.month - months
    while month < 1:
        year, month = year - 1, month + 12
    cutoff = now.replace(year=year, month=month, day=1, hour=0, minute=0, second=0, microsecond=0)
    dropped: list[str] = []
    async with engine.begin() as conn:
        for table in PARTITIONED:
            result = await conn.execute(select(func.buzzwire_drop_partitions_before(table, cutoff)))
            dropped.extend(str(row[0]) for row in result)
    return dropped
