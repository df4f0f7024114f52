"""The inbox's queries on the real server: untagged, by status, text search in several
scripts, the brand scope inside the query, keyset pages."""

from __future__ import annotations

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from streams.store.queries import (
    like_pattern,
    mentions_by_status,
    newest_untagged,
    search_mentions,
)
from streams.store.rows import mention_rows
from streams.store.schema import mention_brands
from streams.store.writer import Item, PartitionCache, write_batch
from tests.streams.store.factories import enriched

POSTS = [
    ("en-1", "en", "Acme support finally answered, thanks!", [("acme", False)]),
    ("en-2", "en", "@acme my internet is down AGAIN", [("acme", True)]),
    ("ar-1", "ar", "خدمة البنك سيئة جدا اليوم", [("acme", False)]),
    ("hr-1", "hr", "Čokolada od Acme je odlična, preporučujem", [("acme", False)]),
    ("lv-1", "lv", "Šodien Acme piegāde kavējās divas stundas", [("acme", False)]),
    ("gx-1", "en", "Globex internet is down too", [("globex", False)]),
    ("pct", "en", "Acme gives 100% refunds_now", [("acme", False)]),
]


@pytest.fixture
async def stored(engine: AsyncEngine) -> AsyncEngine:
    batch = [
        Item(
            "mention",
            mention_rows(
                enriched(i, t, lang=lang, brands=b, created_at=f"2026-11-01T12:00:{n:02d}Z")
            ),
        )
        for n, (i, lang, t, b) in enumerate(POSTS)
    ]
    await write_batch(engine, batch, PartitionCache())
    return engine


async def ids_of(engine: AsyncEngine, query, *args, **kwargs) -> list[str]:  # type: ignore[no-untyped-def]
    async with engine.connect() as conn:
        page = await query(conn, *args, **kwargs)
    return [row["id"] for row in page.rows]


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("internet", ["en-2"]),  # English; the Globex post is out of scope
        ("INTERNET", ["en-2"]),  # case-insensitive
        ("بنك", ["ar-1"]),  # Arabic, inside the word البنك
        ("čokolada", ["hr-1"]),  # Croatian, the capital Č matched by its lower case
        ("ČOKOLADA", ["hr-1"]),
        ("šodien", ["lv-1"]),  # Latvian
        ("PIEGĀDE", ["lv-1"]),
        ("100%", ["pct"]),  # LIKE's wildcards are taken literally
        ("100_", []),  # "_" would match the "%" as a wildcard
        ("refunds_now", ["pct"]),
    ],
)
async def test_search_in_several_scripts(
    stored: AsyncEngine, term: str, expected: list[str]
) -> None:
    assert await ids_of(stored, search_mentions, ["acme"], term) == expected


async def test_the_brand_scope_is_in_the_query(stored: AsyncEngine) -> None:
    assert await ids_of(stored, search_mentions, ["globex"], "internet") == ["gx-1"]
    assert await ids_of(stored, search_mentions, ["initech"], "internet") == []
    with pytest.raises(ValueError, match="no brands"):
        await ids_of(stored, search_mentions, [], "internet")


async def test_newest_untagged_pages_by_keyset(stored: AsyncEngine) -> None:
    async with stored.connect() as conn:
        first = await newest_untagged(conn, ["acme"], limit=2)
        assert [r["id"] for r in first.rows] == ["pct", "lv-1"]
        assert first.next_before is not None
        second = await newest_untagged(conn, ["acme"], limit=2, before=first.next_before)
        assert [r["id"] for r in second.rows] == ["hr-1", "ar-1"]
        third = await newest_untagged(conn, ["acme"], limit=2, before=second.next_before)
        assert [r["id"] for r in third.rows] == ["en-1"]
        assert third.next_before is None


async def test_mentions_by_status(stored: AsyncEngine) -> None:
    async with stored.begin() as conn:
        await conn.execute(
            update(mention_brands)
            .where(mention_brands.c.mention_id.in_(["en-1", "hr-1"]))
            .values(status="done")
        )
    assert await ids_of(stored, mentions_by_status, ["acme"], ["done"]) == ["hr-1", "en-1"]
    assert "en-1" not in await ids_of(stored, mentions_by_status, ["acme"], ["open"])
    with pytest.raises(ValueError, match="statuses"):
        await ids_of(stored, mentions_by_status, ["acme"], ["archived"])


def test_like_pattern_escapes_wildcards() -> None:
    assert like_pattern("50%_off\\") == "%50\\%\\_off\\\\%"


async def test_a_mention_naming_two_brands_is_on_a_page_once_per_brand(
    engine: AsyncEngine,
) -> None:
    record = enriched("both", "Acme or Globex?", brands=[("acme", False), ("globex", False)])
    await write_batch(engine, [Item("mention", mention_rows(record))], PartitionCache())
    seen: list[tuple[str, str]] = []
    before = None
    async with engine.connect() as conn:
        for _ in range(3):
            page = await newest_untagged(conn, ["acme", "globex"], limit=1, before=before)
            seen += [(r["id"], r["brand"]) for r in page.rows]
            before = page.next_before
            if before is None:
                break
    assert seen == [("both", "globex"), ("both", "acme")]


async def test_search_pages_through_every_row_of_a_match(stored: AsyncEngine) -> None:
    record = enriched(
        "both-2", "Acme or Globex internet?", brands=[("acme", False), ("globex", False)]
    )
    record["created_at"] = "2026-11-01T13:00:00Z"  # the newest match
    await write_batch(stored, [Item("mention", mention_rows(record))], PartitionCache())
    seen: list[tuple[str, str]] = []
    before = None
    async with stored.connect() as conn:
        for _ in range(6):
            page = await search_mentions(
                conn, ["acme", "globex"], "internet", limit=1, before=before
            )
            seen += [(r["id"], r["brand"]) for r in page.rows]
            before = page.next_before
            if before is None:
                break
    assert seen == [("both-2", "globex"), ("both-2", "acme"), ("gx-1", "globex"), ("en-2", "acme")]
