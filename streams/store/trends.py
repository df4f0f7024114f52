"""The store's trend queries (docs/trends.md): sums of the trend rollups over a stretch of
time, per brand, topic, language or platform and per period in a brand's time zone; the
inbox's service KPIs; a period's most important statements.

Every time range is ``[start, end)`` in aware datetimes. The rollups are kept per 15-minute UTC
slot (``trend_rollups``, ``trend_totals``) and per UTC day (``trend_daily``), and every time
zone's midnight falls on a slot, so a range is read as its whole UTC days from ``trend_daily``
and at most two partial days at its edges from ``trend_totals``: exact in any time zone, and a
quarter costs ~90 day rows and up to 192 slot rows a brand. Nothing here scans the raw mentions
per report, except the two that must read items: :func:`service_kpis` (inbox fields change
after a mention is stored) reads the period's untagged items of one brand through
``mention_brands (brand, tagged, created_at)``, and :func:`top_statements` walks one brand's
negative (or positive) items of the period's month partitions in reach order through
``mention_brands (brand, sentiment, reach DESC, created_at)`` until it has found enough
clearly negative (positive) ones.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Integer,
    cast,
    func,
    literal,
    select,
    true,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from streams.store.schema import (
    mention_brands,
    mentions,
    trend_daily,
    trend_rollups,
    trend_totals,
)
from streams.trends.periods import local_midnight, span_of
from streams.trends.sentiment import CLEAR_NEGATIVE, CLEAR_POSITIVE
from streams.trends.tally import ServiceKpis, Statement, Tally

__all__ = [
    "PERIODS",
    "ServiceKpis",
    "Statement",
    "breakdown",
    "series",
    "service_kpis",
    "tallies",
    "top_statements",
    "topic_series",
    "topic_tallies",
]

#: The periods :func:`series` groups by (weeks start on Monday).
PERIODS = ("day", "week", "month", "quarter", "year")
Period = Literal["day", "week", "month", "quarter", "year"]

r = trend_totals.c
d = trend_daily.c
full = trend_rollups.c
_FIELDS = tuple(Tally.__dataclass_fields__)


def _full_sums() -> list[ColumnElement[Any]]:
    """The :class:`Tally` fields, in order, as sums over ``trend_rollups``."""
    r = full
    return [
        func.sum(r.mentions),
        func.sum(r.reach),
        func.coalesce(func.sum(r.mentions).filter(r.sentiment == "negative"), 0),
        func.coalesce(func.sum(r.mentions).filter(r.sentiment == "neutral"), 0),
        func.coalesce(func.sum(r.mentions).filter(r.sentiment == "positive"), 0),
        func.coalesce(func.sum(r.mentions).filter(r.tagged.is_(False)), 0),
        func.sum(r.clearly_positive),
        func.sum(r.clearly_negative),
    ]


def _tally(values: Any) -> Tally:
    return Tally(*(int(v or 0) for v in values))


def _check(start: datetime, end: datetime) -> None:
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("start and end must be aware datetimes")


def _utc_midnight(when: datetime, *, up: bool) -> datetime:
    """The UTC midnight at or after (``up``) or at or before ``when``."""
    utc = when.astimezone(UTC)
    floor = utc.replace(hour=0, minute=0, second=0, microsecond=0)
    return floor + timedelta(days=1) if up and floor < utc else floor


def _pieces(
    start: datetime, end: datetime
) -> tuple[tuple[date, date] | None, list[tuple[datetime, datetime]]]:
    """``[start, end)`` as whole UTC days (read from ``trend_daily``) and the partial days at
    its edges (read from ``trend_totals``' slots)."""
    first, last = _utc_midnight(start, up=True), _utc_midnight(end, up=False)
    if first >= last:
        return None, [(start, end)] if start < end else []
    edges = [(lo, hi) for lo, hi in ((start, first), (last, end)) if lo < hi]
    return (first.date(), last.date()), edges


async def _sum_ranges(
    conn: AsyncConnection,
    ranges: Sequence[tuple[datetime, datetime]],
    *,
    brands: Collection[str],
    topic: str | None,
    by: Literal["brand", "topic"],
) -> dict[tuple[str, int], Tally]:
    """(brand or topic, index of the range) -> the :class:`Tally` of ``ranges``; ``topic``
    '' = all mentions, a topic id = that topic, None = every topic (not '')."""
    brand_list = sorted(brands)
    parts: list[Any] = []
    # one small SELECT a piece, each an index range scan of the primary key with constant
    # bounds (a join with a VALUES list of the ranges let the planner scan a brand's whole
    # history and filter it: benchmarks/trends.py)
    for i, (start, end) in enumerate(ranges):
        _check(start, end)
        whole, edges = _pieces(start, end)
        if whole:
            where = [d.brand.in_(brand_list), d.day >= whole[0], d.day < whole[1]]
            where.append(d.topic != "" if topic is None else d.topic == topic)
            parts.append(
                select(
                    d[by].label("key"),
                    literal(i, Integer).label("idx"),
                    *(d[f].label(f) for f in _FIELDS),
                ).where(*where)
            )
        for lo, hi in edges:
            where = [r.brand.in_(brand_list), r.slot >= lo, r.slot < hi]
            where.append(r.topic != "" if topic is None else r.topic == topic)
            parts.append(
                select(
                    r[by].label("key"),
                    literal(i, Integer).label("idx"),
                    *(r[f].label(f) for f in _FIELDS),
                ).where(*where)
            )
    if not parts:
        return {}
    both = union_all(*parts).subquery("pieces") if len(parts) > 1 else parts[0].subquery("pieces")
    query = select(both.c.key, both.c.idx, *(func.sum(both.c[f]) for f in _FIELDS)).group_by(
        both.c.key, both.c.idx
    )
    return {(row[0], int(row[1])): _tally(row[2:]) for row in await conn.execute(query)}


def _local_periods(
    period: Period, timezone: str, start: datetime, end: datetime
) -> list[tuple[date, datetime, datetime]]:
    """The ``period``s of ``timezone`` that meet ``[start, end)``: their first local day and
    their bounds clipped to the range."""
    if period not in PERIODS:
        raise ValueError(f"period must be one of {', '.join(PERIODS)}")
    zone = ZoneInfo(timezone)
    day = start.astimezone(zone).date()
    out = []
    while True:
        if period == "day":
            first, after = day, day + timedelta(days=1)
            lo, hi = local_midnight(first, timezone), local_midnight(after, timezone)
        else:
            span = span_of(period, day, timezone)
            first, after, lo, hi = span.first, span.after, span.start, span.end
        if lo >= end:
            break
        out.append((first, max(lo, start), min(hi, end)))
        day = after
    return out


async def tallies(
    conn: AsyncConnection,
    brands: Collection[str],
    start: datetime,
    end: datetime,
    *,
    topic: str = "",
) -> dict[str, Tally]:
    """Each brand's :class:`Tally` over ``[start, end)`` (``topic`` '' = all its mentions; a
    topic id = its mentions with that topic). Brands without mentions are left out."""
    _check(start, end)
    got = await _sum_ranges(conn, [(start, end)], brands=brands, topic=topic, by="brand")
    return {brand: t for (brand, _), t in got.items() if t.mentions}


async def series(
    conn: AsyncConnection,
    brands: Collection[str],
    *,
    period: Period,
    timezone: str,
    start: datetime,
    end: datetime,
    topic: str = "",
) -> dict[str, dict[date, Tally]]:
    """brand -> the first day of each ``period`` (in ``timezone``, an IANA name) -> its
    :class:`Tally`, over ``[start, end)``. Periods without mentions are left out."""
    _check(start, end)
    periods = _local_periods(period, timezone, start, end)
    ranges = [(lo, hi) for _, lo, hi in periods]
    got = await _sum_ranges(conn, ranges, brands=brands, topic=topic, by="brand")
    out: dict[str, dict[date, Tally]] = defaultdict(dict)
    for (brand, i), t in sorted(got.items()):
        if t.mentions:
            out[brand][periods[i][0]] = t
    return dict(out)


async def topic_tallies(
    conn: AsyncConnection, brand: str, start: datetime, end: datetime
) -> dict[str, Tally]:
    """Topic id -> the :class:`Tally` of ``brand``'s mentions with that topic over
    ``[start, end)`` (a mention with two topics counts in both)."""
    _check(start, end)
    got = await _sum_ranges(conn, [(start, end)], brands=[brand], topic=None, by="topic")
    return {topic: t for (topic, _), t in got.items() if t.mentions}


async def topic_series(
    conn: AsyncConnection,
    brand: str,
    *,
    period: Period,
    timezone: str,
    start: datetime,
    end: datetime,
) -> dict[str, dict[date, Tally]]:
    """Topic id -> the first day of each ``period`` in ``timezone`` -> its :class:`Tally`."""
    _check(start, end)
    periods = _local_periods(period, timezone, start, end)
    ranges = [(lo, hi) for _, lo, hi in periods]
    got = await _sum_ranges(conn, ranges, brands=[brand], topic=None, by="topic")
    out: dict[str, dict[date, Tally]] = defaultdict(dict)
    for (topic, i), t in sorted(got.items()):
        if t.mentions:
            out[topic][periods[i][0]] = t
    return dict(out)


async def breakdown(
    conn: AsyncConnection,
    brand: str,
    start: datetime,
    end: datetime,
    *,
    by: Literal["lang", "platform"],
    topic: str = "",
) -> dict[str, Tally]:
    """``brand``'s :class:`Tally` over ``[start, end)`` by language ('' unknown) or platform."""
    _check(start, end)
    if by not in ("lang", "platform"):
        raise ValueError("by must be 'lang' or 'platform'")
    key = full[by]
    query = (
        select(key, *_full_sums())
        .where(full.brand == brand, full.slot >= start, full.slot < end, full.topic == topic)
        .group_by(key)
    )
    return {row[0]: _tally(row[1:]) for row in await conn.execute(query)}


async def service_kpis(
    conn: AsyncConnection, brand: str, start: datetime, end: datetime, *, now: datetime
) -> ServiceKpis:
    """The :class:`ServiceKpis` of ``brand``'s untagged items created in ``[start, end)``."""
    _check(start, end)
    mb = mention_brands.c
    cutoff = min(end, now)
    waited = func.extract("epoch", mb.first_action_at - mb.created_at)
    query = select(
        func.count(),
        func.count().filter(mb.status == "dismissed"),
        func.count().filter(mb.status == "done"),
        func.count().filter(mb.first_action_at.is_not(None)),
        func.percentile_cont(0.5).within_group(waited).filter(mb.first_action_at.is_not(None)),
        func.count().filter(mb.first_action_at.is_(None) | (mb.first_action_at >= cutoff)),
    ).where(
        mb.brand == brand,
        mb.tagged.is_(False),
        mb.created_at >= start,
        mb.created_at < end,
    )
    row = (await conn.execute(query)).one()
    median = None if row[4] is None else float(row[4])
    return ServiceKpis(int(row[0]), int(row[1]), int(row[2]), int(row[3]), median, int(row[5]))


async def top_statements(
    conn: AsyncConnection,
    brand: str,
    start: datetime,
    end: datetime,
    *,
    sentiment: Literal["negative", "positive"] = "negative",
    topics: Collection[str] | None = None,
    limit: int = 5,
) -> list[Statement]:
    """``brand``'s clearly negative (or positive) mentions of ``[start, end)`` with the highest
    reach, up to ``limit``; with ``topics``, only mentions with one of them (a department's).
    Reach breaks ties by the score, then the newest first."""
    _check(start, end)
    if sentiment not in ("negative", "positive"):
        raise ValueError("sentiment must be 'negative' or 'positive'")
    mb = mention_brands.c
    m = mentions.c
    score = m.sentiment_negative if sentiment == "negative" else m.sentiment_positive
    threshold = CLEAR_NEGATIVE if sentiment == "negative" else CLEAR_POSITIVE
    # the items in reach order (an index walk per month partition, merged), each looked up in
    # mentions by its key (LATERAL: a nested loop the LIMIT stops early)
    items = (
        select(mb.brand, mb.mention_id, mb.created_at, mb.sentiment, mb.reach)
        .where(
            mb.brand == brand,
            mb.sentiment == sentiment,
            mb.created_at >= start,
            mb.created_at < end,
        )
        .subquery("items")
    )
    found = [
        m.id == items.c.mention_id,
        m.created_at == items.c.created_at,
        m.created_at >= start,  # prunes the month partitions at plan time
        m.created_at < end,
        score >= threshold,
    ]
    if topics is not None:
        found.append(m.topics.overlap(sorted(topics)))
    said = (
        select(
            score.label("score"),
            m.platform,
            m.lang,
            m.author_handle,
            m.url,
            m.text,
            m.topics,
        )
        .where(*found)
        .limit(1)  # one mention a key; also keeps the planner from flattening the LATERAL
        .lateral("said")
    )
    query = (
        select(
            items.c.brand,
            items.c.mention_id,
            items.c.created_at,
            items.c.sentiment,
            said.c.score,
            items.c.reach,
            said.c.platform,
            said.c.lang,
            said.c.author_handle,
            said.c.url,
            said.c.text,
            said.c.topics,
        )
        .select_from(items.join(said, true()))
        .order_by(
            items.c.reach.desc(),
            said.c.score.desc(),
            items.c.created_at.desc(),
            items.c.mention_id,
        )
        .limit(cast(literal(max(1, min(int(limit), 100))), Integer))
    )
    return [
        Statement(
            brand=row[0],
            mention_id=row[1],
            created_at=row[2],
            sentiment=row[3],
            score=float(row[4]),
            reach=int(row[5]),
            platform=row[6],
            lang=row[7],
            author_handle=row[8],
            url=row[9],
            text=row[10],
            topics=tuple(row[11] or ()),
        )
        for row in await conn.execute(query)
    ]
