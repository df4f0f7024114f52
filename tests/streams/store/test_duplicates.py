"""Near-duplicate clusters in the store (``mentions.duplicates`` -> ``mention_duplicates``) and
the inbox on the real server: each record stored once, before or after its mention; a copy
shows its cluster and how many similar posts it has; the inbox hides copies or lists one
cluster, and never reaches a brand out of the user's scope."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from streams.sink.decode import TOPIC_KINDS, decode
from streams.store.inbox import InboxFilters, get_item, inbox_page, new_items_since
from streams.store.rows import RowError, duplicate_row, mention_rows
from streams.store.schema import mention_duplicates
from streams.store.scope import Scope
from streams.store.writer import Item, PartitionCache, prune, write_batch
from tests.streams.store.factories import duplicate, enriched
from tests.streams.store.test_writer import partitions

NOW = datetime(2026, 11, 1, 16, 0, tzinfo=UTC)
ACME = Scope.of(["acme"])
ALL = Scope.everything()


def at(minutes_ago: float) -> str:
    return (NOW - timedelta(minutes=minutes_ago)).isoformat().replace("+00:00", "Z")


def mention(mention_id: str, minutes_ago: float, brand: str = "acme", **kw: Any) -> Item:
    record = enriched(
        mention_id, f"post {mention_id}", created_at=at(minutes_ago), brands=[(brand, False)], **kw
    )
    return Item("mention", mention_rows(record))


def cluster(
    mention_id: str,
    minutes_ago: float,
    cluster_id: int | None,
    size: int,
    *,
    copy: bool = False,
    brand: str = "acme",
) -> Item:
    record = duplicate(
        mention_id, cluster_id, size, copy=copy, brand=brand, created_at=at(minutes_ago)
    )
    return Item("duplicate", duplicate_row(record), source=mention_id)


async def store(engine: AsyncEngine, items: list[Item], cache: PartitionCache | None = None) -> Any:
    written = await write_batch(engine, items, cache or PartitionCache())
    assert not written.rejected
    return written


async def count(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        found = await conn.execute(select(func.count()).select_from(mention_duplicates))
        return int(found.scalar_one())


# ----------------------------------------------------------------------------- rows
def test_a_record_becomes_its_row() -> None:
    row = duplicate_row(duplicate("m1", 7, 3, copy=True, created_at="2026-11-01T12:00:03.250Z"))
    assert row == {
        "brand": "acme",
        "mention_id": "m1",
        "created_at": datetime(2026, 11, 1, 12, 0, 3, 250000, tzinfo=UTC),
        "duplicate_cluster": 7,
        "duplicate_size": 3,
        "copy": True,
        "capped": False,
        "organic": False,
    }
    # a short post or a reshare: no cluster
    assert duplicate_row(duplicate("m2", None, 0))["duplicate_cluster"] is None
    assert TOPIC_KINDS["mentions.duplicates"] == "duplicate"
    item = decode("duplicate", orjson.dumps(duplicate("m1", 7, 1)), source="src")
    assert item.kind == "duplicate" and item.source == "src"


def _broken(**change: Any) -> dict[str, Any]:
    record = duplicate("m1", 7, 2, copy=True)
    record.update(change)
    return {k: v for k, v in record.items() if v is not ...}


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        (_broken(id=...), "missing_field"),
        (_broken(brand=""), "invalid_field"),
        (_broken(created_at="yesterday"), "invalid_timestamp"),
        (_broken(duplicate_cluster="7"), "invalid_field"),
        (_broken(duplicate_cluster=0), "invalid_field"),
        (_broken(duplicate_cluster=True), "invalid_field"),
        (_broken(duplicate_size=-1), "invalid_field"),
        (_broken(duplicate_size=0), "invalid_field"),  # a cluster has a size
        (_broken(duplicate_cluster=None), "invalid_field"),  # a size without a cluster
        (_broken(duplicate_size=1), "invalid_field"),  # a copy is a later member
        (_broken(copy="yes"), "invalid_field"),
        (_broken(capped=...), "invalid_field"),
        (_broken(organic=True), "invalid_field"),  # a copy is not organic
        ([1, 2], "not_object"),
    ],
)
def test_a_broken_record_says_why(record: Any, reason: str) -> None:
    with pytest.raises(RowError) as caught:
        decode("duplicate", orjson.dumps(record))
    assert caught.value.reason == reason


# ----------------------------------------------------------------------------- writes
async def test_stored_once_and_kept_when_it_comes_before_its_mention(engine: AsyncEngine) -> None:
    records = [
        cluster("o", 30, 7, 1),
        cluster("c1", 20, 7, 2, copy=True),
        cluster("c2", 10, 7, 3, copy=True),
    ]
    # the clusters first: their mentions are not stored yet
    first = await store(engine, records)
    assert first.rows["mention_duplicates"] == 3
    # a re-delivery (and a duplicate inside the batch) changes nothing
    again = await store(engine, [*records, records[0]])
    assert again.rows["mention_duplicates"] == 0
    assert await count(engine) == 3
    assert await partitions(engine, "mention_duplicates") == ["mention_duplicates_y2026m11"]
    # the mentions come later, and meet their clusters
    await store(engine, [mention("o", 30), mention("c1", 20), mention("c2", 10)])
    async with engine.connect() as conn:
        items = await inbox_page(conn, ACME, InboxFilters(), now=NOW)
    shown = {i.mention_id: (i.duplicate_cluster, i.copy, i.similar) for i in items}
    assert shown == {"o": (7, False, 2), "c1": (7, True, 2), "c2": (7, True, 2)}


async def test_retention_drops_the_clusters_months_too(engine: AsyncEngine) -> None:
    old = duplicate("m0", 3, 1, created_at="2024-02-10T00:00:00Z")
    new = duplicate("m1", 4, 1, created_at="2026-11-10T00:00:00Z")
    await store(engine, [Item("duplicate", duplicate_row(r)) for r in (old, new)])
    dropped = await prune(engine, 12, datetime(2026, 12, 3, tzinfo=UTC))
    assert dropped == ["mention_duplicates_y2024m02"]
    assert await count(engine) == 1


# ----------------------------------------------------------------------------- the inbox
@pytest.fixture
async def clustered(engine: AsyncEngine) -> AsyncEngine:
    """acme: an original (o) and two copies (c1, c2) of cluster 7, a post alone in cluster 8
    (x), a post never observed (n); globex: cluster 7 too (ids are per brand), two posts."""
    await store(
        engine,
        [
            mention("o", 50, followers=100_000),
            mention("c1", 40),
            mention("c2", 30),
            mention("x", 20),
            mention("n", 10),
            mention("g1", 25, brand="globex"),
            mention("g2", 15, brand="globex"),
            cluster("o", 50, 7, 1),
            cluster("c1", 40, 7, 2, copy=True),
            cluster("c2", 30, 7, 3, copy=True),
            cluster("x", 20, 8, 1),
            cluster("g1", 25, 7, 1, brand="globex"),
            cluster("g2", 15, 7, 2, copy=True, brand="globex"),
        ],
    )
    return engine


async def listed(engine: AsyncEngine, scope: Scope = ACME, **filters: Any) -> dict[str, Any]:
    async with engine.connect() as conn:
        items = await inbox_page(conn, scope, InboxFilters(**filters), now=NOW)
    return {i.mention_id: (i.duplicate_cluster, i.copy, i.similar) for i in items}


async def test_an_item_shows_its_cluster_and_its_similar_posts(clustered: AsyncEngine) -> None:
    assert await listed(clustered) == {
        "o": (7, False, 2),
        "c1": (7, True, 2),
        "c2": (7, True, 2),
        "x": (8, False, 0),
        "n": (None, False, 0),
    }
    # globex's cluster 7 is another cluster: its posts count each other only
    everything = await listed(clustered, ALL)
    assert everything["g1"] == (7, False, 1) and everything["g2"] == (7, True, 1)
    async with clustered.connect() as conn:
        item = await get_item(conn, ACME, "acme", "c2", now=NOW)
    assert item is not None and (item.duplicate_cluster, item.copy, item.similar) == (7, True, 2)


async def test_the_inbox_hides_copies_or_lists_one_cluster(clustered: AsyncEngine) -> None:
    assert set(await listed(clustered, hide_copies=True)) == {"o", "x", "n"}
    assert set(await listed(clustered, brands=["acme"], duplicate_cluster=7)) == {"o", "c1", "c2"}
    assert set(await listed(clustered, brands=["acme"], duplicate_cluster=8)) == {"x"}
    # both at once: the cluster's original
    assert set(await listed(clustered, duplicate_cluster=7, hide_copies=True)) == {"o"}
    # the admin's cluster 7 of globex is globex's
    assert set(await listed(clustered, ALL, brands=["globex"], duplicate_cluster=7)) == {
        "g1",
        "g2",
    }


async def test_a_cluster_of_a_brand_out_of_scope_is_never_shown(clustered: AsyncEngine) -> None:
    # acme's agent asks for globex's cluster: nothing, as for one that does not exist
    assert await listed(clustered, ACME, brands=["globex"], duplicate_cluster=7) == {}
    assert await listed(clustered, ACME, brands=["globex"], duplicate_cluster=99) == {}
    # without a brand filter the cluster is acme's only
    assert set(await listed(clustered, ACME, duplicate_cluster=7)) == {"o", "c1", "c2"}
    async with clustered.connect() as conn:
        assert await get_item(conn, ACME, "globex", "g2", now=NOW) is None
    # a scope of nothing sees no cluster at all
    assert await listed(clustered, Scope.of([]), duplicate_cluster=7) == {}


async def test_the_new_items_notice_counts_as_the_page_lists(clustered: AsyncEngine) -> None:
    # stored (the server's clock) after NOW: all of them are new to a page opened at NOW
    async with clustered.connect() as conn:
        assert await new_items_since(conn, ACME, NOW) == 5
        assert await new_items_since(conn, ACME, NOW, InboxFilters(hide_copies=True)) == 3
        one = InboxFilters(brands=["acme"], duplicate_cluster=7)
        assert await new_items_since(conn, ACME, NOW, one) == 3
        assert await new_items_since(conn, ACME, NOW, InboxFilters(brands=["globex"])) == 0
