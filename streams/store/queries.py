"""The store's read queries: the inbox's lists and its text search.

Every query is limited to a set of brands (a user's brand scope, enforced here, in the query,
not after it) and pages by keyset (``before``: the ``(created_at, id)`` of the last row seen),
newest first, so a page costs the same at any depth. ``docs/store.md`` lists each with the
index it uses; ``benchmarks/store.py`` times them on millions of rows.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncConnection

from streams.store.schema import STATUSES, mention_brands, mentions

__all__ = ["Page", "mentions_by_status", "newest_untagged", "search_mentions"]

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


@dataclass(frozen=True, slots=True)
class Page:
    """Up to ``limit`` rows (dicts of ``_COLUMNS``' names), and the keyset of the next page."""

    rows: list[dict[str, Any]]
    next_before: tuple[datetime, str] | None


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


async def _page(
    conn: AsyncConnection,
    query: Select[Any],
    before: tuple[datetime, str] | None,
    limit: int,
) -> Page:
    limit = max(1, min(int(limit), MAX_LIMIT))
    if before is not None:
        query = query.where(
            tuple_(mention_brands.c.created_at, mention_brands.c.mention_id) < tuple_(*before)
        )
    query = query.order_by(
        mention_brands.c.created_at.desc(), mention_brands.c.mention_id.desc()
    ).limit(limit + 1)
    rows = [dict(row._mapping) for row in (await conn.execute(query)).all()]
    more = len(rows) > limit
    rows = rows[:limit]
    next_before = (rows[-1]["created_at"], rows[-1]["id"]) if more and rows else None
    return Page(rows=rows, next_before=next_before)


def _scope(brands: Collection[str]) -> None:
    if not brands:
        raise ValueError("no brands in scope")


async def newest_untagged(
    conn: AsyncConnection,
    brands: Collection[str],
    *,
    before: tuple[datetime, str] | None = None,
    limit: int = 50,
) -> Page:
    """The newest mentions that name one of ``brands`` without tagging it."""
    _scope(brands)
    return await _page(conn, _base(brands).where(mention_brands.c.tagged.is_(False)), before, limit)


async def mentions_by_status(
    conn: AsyncConnection,
    brands: Collection[str],
    statuses: Sequence[str],
    *,
    before: tuple[datetime, str] | None = None,
    limit: int = 50,
) -> Page:
    """The newest mentions of ``brands`` in one of ``statuses`` (open, pending, ...)."""
    _scope(brands)
    unknown = set(statuses) - set(STATUSES)
    if unknown or not statuses:
        raise ValueError(f"statuses must be some of {', '.join(STATUSES)}")
    query = _base(brands).where(mention_brands.c.status.in_(list(statuses)))
    return await _page(conn, query, before, limit)


def like_pattern(term: str) -> str:
    """``term`` as an ILIKE substring pattern, its own ``%``, ``_`` and ``\\`` taken literally."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def search_mentions(
    conn: AsyncConnection,
    brands: Collection[str],
    term: str,
    *,
    before: tuple[datetime, str] | None = None,
    limit: int = 50,
) -> Page:
    """The newest mentions of ``brands`` whose text holds ``term`` (case-insensitive, any
    script; a trigram index serves it, so a term needs at least three characters to use it)."""
    _scope(brands)
    term = term.strip()
    if not term:
        raise ValueError("empty search")
    query = _base(brands).where(mentions.c.text.ilike(like_pattern(term), escape="\\"))
    return await _page(conn, query, before, limit)
