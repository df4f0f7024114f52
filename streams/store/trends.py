"""The store's trend queries (docs/trends.md): sums of ``trend_rollups`` over a stretch of
time, per brand, topic, language or platform and per period in a brand's time zone; the
inbox's service KPIs; a period's most important statements.

Every time range is ``[start, end)`` in aware datetimes. The rollups are kept per 15-minute UTC
slot, and every time zone's midnight falls on one, so a period's bounds in any brand's time zone
(``streams.trends.periods``) select exactly its slots. Nothing here scans the raw mentions per
report, except the two that must read items: :func:`service_kpis` (inbox fields change after a
mention is stored) reads the period's untagged items of one brand through
``mention_brands (brand, tagged, created_at)``, and :func:`top_statements` reads a period's
negative and positive items of one brand through ``mention_brands (brand, sentiment,
created_at) INCLUDE (reach)``, then only the few mentions it returns.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import date, datetime
from typing import Any, Literal

from sqlalchemy import ColumnElement, Date, Integer, and_, cast, func, literal, select
from sqlalchemy.ext.asyncio import AsyncConnection

from streams.store.schema import mention_brands, mentions, trend_rollups, trend_totals
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

#: The periods :func:`series` groups by (PostgreSQL's ``date_trunc``: weeks start on Monday).
PERIODS = ("day", "week", "month", "quarter", "year")
Period = Literal["day", "week", "month", "quarter", "year"]

r = trend_totals.c
full = trend_rollups.c


def _sums() -> list[ColumnElement[Any]]:
    """The :class:`Tally` fields, in order, as sums over ``trend_totals``."""
    return [func.sum(getattr(r, name)) for name in Tally.__dataclass_fields__]


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


def _where(brands: Collection[str], start: datetime, end: datetime) -> ColumnElement[bool]:
    return and_(r.brand.in_(sorted(brands)), r.slot >= start, r.slot < end)


def _check(start: datetime, end: datetime) -> None:
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("start and end must be aware datetimes")


def _period_start(period: Period, timezone: str) -> ColumnElement[Any]:
    if period not in PERIODS:
        raise ValueError(f"period must be one of {', '.join(PERIODS)}")
    # date_trunc on the local wall-clock time (timezone(zone, timestamptz) is AT TIME ZONE)
    return cast(func.date_trunc(literal(period), func.timezone(timezone, r.slot)), Date)


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
    query = (
        select(r.brand, *_sums())
        .where(_where(brands, start, end), r.topic == topic)
        .group_by(r.brand)
    )
    return {row[0]: _tally(row[1:]) for row in await conn.execute(query)}


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
    starts = _period_start(period, timezone).label("period_start")
    query = (
        select(r.brand, starts, *_sums())
        .where(_where(brands, start, end), r.topic == topic)
        .group_by(r.brand, starts)
        .order_by(r.brand, starts)
    )
    out: dict[str, dict[date, Tally]] = defaultdict(dict)
    for row in await conn.execute(query):
        out[row[0]][row[1]] = _tally(row[2:])
    return dict(out)


async def topic_tallies(
    conn: AsyncConnection, brand: str, start: datetime, end: datetime
) -> dict[str, Tally]:
    """Topic id -> the :class:`Tally` of ``brand``'s mentions with that topic over
    ``[start, end)`` (a mention with two topics counts in both)."""
    _check(start, end)
    query = (
        select(r.topic, *_sums())
        .where(_where([brand], start, end), r.topic != "")
        .group_by(r.topic)
    )
    return {row[0]: _tally(row[1:]) for row in await conn.execute(query)}


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
    starts = _period_start(period, timezone).label("period_start")
    query = (
        select(r.topic, starts, *_sums())
        .where(_where([brand], start, end), r.topic != "")
        .group_by(r.topic, starts)
        .order_by(r.topic, starts)
    )
    out: dict[str, dict[date, Tally]] = defaultdict(dict)
    for row in await conn.execute(query):
        out[row[0]][row[1]] = _tally(row[2:])
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
    conditions = [
        mb.brand == brand,
        mb.sentiment == sentiment,
        mb.created_at >= start,
        mb.created_at < end,
        score >= threshold,
    ]
    if topics is not None:
        conditions.append(m.topics.overlap(sorted(topics)))
    query = (
        select(
            mb.brand,
            m.id,
            m.created_at,
            mb.sentiment,
            score,
            mb.reach,
            m.platform,
            m.lang,
            m.author_handle,
            m.url,
            m.text,
            m.topics,
        )
        .select_from(
            mention_brands.join(
                mentions, and_(m.id == mb.mention_id, m.created_at == mb.created_at)
            )
        )
        .where(*conditions)
        .order_by(mb.reach.desc(), score.desc(), m.created_at.desc(), m.id)
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
