"""The store's read queries: the inbox's lists and its text search.

Every query is limited to a set of brands (a user's brand scope, enforced here, in the query,
not after it) and pages by keyset (``before``: the ``(created_at, id, brand)`` of the last row
seen), newest first, so a page costs the same at any depth. ``docs/store.md`` lists each with the
index it uses; ``benchmarks/store.py`` times them on millions of rows.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, Text, and_, cast, column, select, true, tuple_, values
from sqlalchemy.dialects.postgresql import ARRAY, array
from sqlalchemy.ext.asyncio import AsyncConnection

from streams.store.schema import STATUSES, mention_brands, mentions

__all__ = ["Keyset", "Page", "mentions_by_status", "newest_untagged", "search_mentions"]

MAX_LIMIT = 500

_COLUMNS = (
    mention_brands.c.brand,
    mention_brands.c.tagged,
    mention_brands.c.status,
    mentions.c.id,
    mentions.c.created_at,
    mentions.c.platform,
    mentions.c.author_handle,
    mentions.c.author_name,
    mentions.c.author_followers,
    mentions.c.url,
    mentions.c.text,
    mentions.c.lang,
    mentions.c.sentiment,
    mentions.c.sentiment_negative,
    mentions.c.sentiment_positive,
    mention_brands.c.reach,
)


#: The keyset of a page: the ``(created_at, mention id, brand)`` of the last row seen (a
#: mention naming two brands in scope is two rows, so the brand breaks the tie).
Keyset = tuple[datetime, str, str]


@dataclass(frozen=True, slots=True)
class Page:
    """Up to ``limit`` rows (dicts of ``_COLUMNS``' names), and the keyset of the next page."""

    rows: list[dict[str, Any]]
    next_before: Keyset | None


def _base(brands: Collection[str]) -> Select[Any]:
    return (
        select(*_COLUMNS)
        .select_from(
            mention_brands.join(
                mentions,
                and_(
                    mentions.c.id == mention_brands.c.mention_id,
                    mentions.c.created_at == mention_brands.c.created_at,
                ),
            )
        )
        .where(mention_brands.c.brand.in_(sorted(brands)))
    )


def _limit(limit: int) -> int:
    return max(1, min(int(limit), MAX_LIMIT))


def _finish(rows: list[dict[str, Any]], limit: int) -> Page:
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1] if more and rows else None
    next_before = (last["created_at"], last["id"], last["brand"]) if last else None
    return Page(rows=rows, next_before=next_before)


async def _page(
    conn: AsyncConnection,
    query: Select[Any],
    before: Keyset | None,
    limit: int,
) -> Page:
    limit = _limit(limit)
    keys = (mention_brands.c.created_at, mention_brands.c.mention_id, mention_brands.c.brand)
    if before is not None:
        query = query.where(tuple_(*keys) < tuple_(*before))
    query = query.order_by(*(k.desc() for k in keys)).limit(limit + 1)
    rows = [dict(row._mapping) for row in (await conn.execute(query)).all()]
    return _finish(rows, limit)


async def _keys_first(
    conn: AsyncConnection,
    slices: list[tuple[str, ...]],
    condition: Callable[[Any], ColumnElement[bool]],
    before: Keyset | None,
    limit: int,
) -> Page:
    """A page whose keys come from ``mention_brands`` first, one ordered index walk per slice
    (a brand, or a brand and a status), joined to ``mentions`` for those rows only.

    Joining the two tables first would make PostgreSQL misjudge the join on
    ``(id, created_at)`` as one row and scan every mention before the LIMIT (seconds at 5M
    mentions; benchmarks/store.py); a LATERAL subquery per slice walks its index in order and
    stops at the page's end.
    """
    limit = _limit(limit)
    names = ("brand", "status")[: len(slices[0])]
    scope = values(*(column(n, Text) for n in names), name="scope").data(slices)
    keys = (mention_brands.c.created_at, mention_brands.c.mention_id, mention_brands.c.brand)
    inner = select(
        mention_brands.c.brand,
        mention_brands.c.mention_id,
        mention_brands.c.created_at,
        mention_brands.c.tagged,
        mention_brands.c.status,
        mention_brands.c.reach,
    ).where(mention_brands.c.brand == scope.c.brand, condition(scope))
    if before is not None:
        inner = inner.where(tuple_(*keys) < tuple_(*before))
    picked = (
        inner.order_by(mention_brands.c.created_at.desc(), mention_brands.c.mention_id.desc())
        .limit(limit + 1)
        .lateral("picked")
    )
    query = (
        select(*(picked.c[c.name] if c.table is mention_brands else c for c in _COLUMNS))
        .select_from(
            scope.join(picked, true()).join(
                mentions,
                and_(
                    mentions.c.id == picked.c.mention_id,
                    mentions.c.created_at == picked.c.created_at,
                ),
            )
        )
        .order_by(picked.c.created_at.desc(), picked.c.mention_id.desc(), picked.c.brand.desc())
        .limit(limit + 1)
    )
    rows = [dict(row._mapping) for row in (await conn.execute(query)).all()]
    return _finish(rows, limit)


def _scope(brands: Collection[str]) -> None:
    if not brands:
        raise ValueError("no brands in scope")


async def newest_untagged(
    conn: AsyncConnection,
    brands: Collection[str],
    *,
    before: Keyset | None = None,
    limit: int = 50,
) -> Page:
    """The newest mentions that name one of ``brands`` without tagging it."""
    _scope(brands)
    return await _keys_first(
        conn,
        [(b,) for b in sorted(brands)],
        lambda _: mention_brands.c.tagged.is_(False),
        before,
        limit,
    )


async def mentions_by_status(
    conn: AsyncConnection,
    brands: Collection[str],
    statuses: Sequence[str],
    *,
    before: Keyset | None = None,
    limit: int = 50,
) -> Page:
    """The newest mentions of ``brands`` in one of ``statuses`` (open, pending, ...)."""
    _scope(brands)
    unknown = set(statuses) - set(STATUSES)
    if unknown or not statuses:
        raise ValueError(f"statuses must be some of {', '.join(STATUSES)}")
    return await _keys_first(
        conn,
        [(b, st) for b in sorted(brands) for st in sorted(set(statuses))],
        lambda scope: mention_brands.c.status == scope.c.status,
        before,
        limit,
    )


def like_pattern(term: str) -> str:
    """``term`` as an ILIKE substring pattern, its own ``%``, ``_`` and ``\\`` taken literally."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def search_mentions(
    conn: AsyncConnection,
    brands: Collection[str],
    term: str,
    *,
    before: Keyset | None = None,
    limit: int = 50,
) -> Page:
    """The newest mentions of ``brands`` whose text holds ``term`` (case-insensitive, any
    script). The mentions are found first, in ``mentions`` alone: the GIN index on
    ``(brands, text gin_trgm_ops)`` meets the scope and the term's trigrams in one scan (a term
    needs three characters to use it), then their rows of ``mention_brands`` in scope."""
    _scope(brands)
    term = term.strip()
    if not term:
        raise ValueError("empty search")
    limit = _limit(limit)
    scope = sorted(brands)
    found = select(mentions.c.id, mentions.c.created_at).where(
        mentions.c.brands.overlap(cast(array(scope), ARRAY(Text))),
        mentions.c.text.ilike(like_pattern(term), escape="\\"),
    )
    if before is not None:
        # every row of a mention is on the page or after it: resume at its time and id
        found = found.where(
            tuple_(mentions.c.created_at, mentions.c.id) <= tuple_(before[0], before[1])
        )
    # limit + 2 mentions: each gives at least one row in scope, but the one the page resumes
    # at may give none (its rows in scope all shown), and one more row says a next page exists
    hits = (
        found.order_by(mentions.c.created_at.desc(), mentions.c.id.desc())
        .limit(limit + 2)
        .subquery("hits")
    )
    query = (
        select(*_COLUMNS)
        .select_from(
            hits.join(
                mentions,
                and_(mentions.c.id == hits.c.id, mentions.c.created_at == hits.c.created_at),
            ).join(
                mention_brands,
                and_(
                    mention_brands.c.mention_id == hits.c.id,
                    mention_brands.c.created_at == hits.c.created_at,
                ),
            )
        )
        .where(mention_brands.c.brand.in_(scope))
    )
    return await _page(conn, query, before, limit)
