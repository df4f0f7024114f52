"""Batch writes on the real server: each record stored once whatever is re-delivered, hostile
values stored safely, a refused row never sinks its batch, months partitioned and pruned."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from streams.store.rows import alert_rows, benchmark_row, mention_rows
from streams.store.schema import alert_events, alert_threads, benchmark_snapshots, mention_brands
from streams.store.schema import mentions as mentions_table
from streams.store.writer import Item, PartitionCache, prune, write_batch
from tests.streams.store.factories import alert, brand_benchmark, enriched


def items(*records: dict[str, Any]) -> list[Item]:
    return [Item("mention", mention_rows(r), source=r["id"]) for r in records]


async def count(engine: AsyncEngine, table: Any) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())


async def test_a_batch_written_twice_is_stored_once(engine: AsyncEngine) -> None:
    batch = items(
        *(enriched(f"m{i}", brands=[("acme", True), ("globex", False)]) for i in range(50))
    )
    first = await write_batch(engine, batch, PartitionCache())
    assert first.rows["mentions"] == 50
    assert first.rows["mention_brands"] == 100
    # a re-delivery, with new records mixed in and a duplicate inside the batch itself
    again = batch + items(enriched("new-1"), enriched("new-1"))
    second = await write_batch(engine, again, PartitionCache())
    assert second.rows["mentions"] == 1
    assert second.rows["mention_brands"] == 1
    assert await count(engine, mentions_table) == 51
    assert await count(engine, mention_brands) == 101


HOSTILE = {
    "nul": "before\x00after",
    "surrogate": "lone \ud800 surrogate",
    "long": "x" * 39_990 + "🙂" * 10,
    "emoji": "🤬🔥 👩‍👩‍👧 ﷽",
    "rtl": "\u202eمرحبا\u202c بالعالم עברית",  # noqa: RUF001
    "sql": '\'); DROP TABLE mentions; -- \\x00 %s $1 $$ "quoted" \\\\',
}


async def test_hostile_values_are_stored_safely_and_read_back(engine: AsyncEngine) -> None:
    batch = items(*(enriched(k, v, author={"name": v, "handle": "@x"}) for k, v in HOSTILE.items()))
    written = await write_batch(engine, batch, PartitionCache())
    assert written.rows["mentions"] == len(HOSTILE)
    assert written.rejected == []
    async with engine.connect() as conn:
        rows = {
            r.id: r
            for r in await conn.execute(
                select(
                    mentions_table.c.id,
                    mentions_table.c.text,
                    mentions_table.c.author_name,
                    mentions_table.c.sanitized,
                )
            )
        }
    assert rows["nul"].text == "before\ufffdafter" and rows["nul"].sanitized
    assert rows["surrogate"].text == "lone \ufffd surrogate" and rows["surrogate"].sanitized
    for key in ("long", "emoji", "rtl", "sql"):
        assert rows[key].text == HOSTILE[key]
        assert rows[key].author_name == HOSTILE[key]
        assert not rows[key].sanitized
    assert await count(engine, mentions_table) == len(HOSTILE)  # the table is still there


async def test_a_row_the_database_refuses_does_not_sink_its_batch(engine: AsyncEngine) -> None:
    # an operator's constraint the records do not know about
    async with engine.begin() as conn:
        await conn.execute(
            text("ALTER TABLE mentions ADD CONSTRAINT no_boom CHECK (text <> 'boom')")
        )
    batch = items(enriched("ok-1"), enriched("bad", "boom"), enriched("ok-2"))
    written = await write_batch(engine, batch, PartitionCache())
    assert written.rows["mentions"] == 2
    assert [(r.item.source, r.reason) for r in written.rejected] == [("bad", "db_23514")]
    assert "no_boom" in written.rejected[0].error
    # the refused one left no brand row behind either
    async with engine.connect() as conn:
        ids = set((await conn.execute(select(mention_brands.c.mention_id))).scalars())
    assert ids == {"ok-1", "ok-2"}


async def test_alert_threads_keep_their_highest_sequence(engine: AsyncEngine) -> None:
    events = [alert("acme:t1", 1, "opened"), alert("acme:t1", 3, "resolved")]
    batch = [Item("alert", alert_rows(e)) for e in events]
    written = await write_batch(engine, batch, PartitionCache())
    assert written.rows["alert_events"] == 2
    # a late re-delivery of event 2, and of event 1 again
    late = [Item("alert", alert_rows(alert("acme:t1", s))) for s in (2, 1)]
    written = await write_batch(engine, late, PartitionCache())
    assert written.rows["alert_events"] == 1
    assert written.rows["alert_threads"] == 0
    async with engine.connect() as conn:
        thread = (await conn.execute(select(alert_threads))).one()
        sequences = sorted((await conn.execute(select(alert_events.c.sequence))).scalars())
    assert (thread.sequence, thread.status) == (3, "resolved")
    assert sequences == [1, 2, 3]


async def test_a_benchmark_snapshot_keeps_the_complete_window(engine: AsyncEngine) -> None:
    end = 1793541600
    await write_batch(
        engine, [Item("benchmark", benchmark_row(brand_benchmark(end, 5, False)))], PartitionCache()
    )
    await write_batch(
        engine, [Item("benchmark", benchmark_row(brand_benchmark(end, 9, True)))], PartitionCache()
    )
    await write_batch(
        engine, [Item("benchmark", benchmark_row(brand_benchmark(end, 7, False)))], PartitionCache()
    )
    async with engine.connect() as conn:
        body = (await conn.execute(select(benchmark_snapshots.c.body))).scalar_one()
    assert body["mentions"] == 9


async def partitions(engine: AsyncEngine, parent: str) -> list[str]:
    async with engine.connect() as conn:
        result = await conn.execute(
            text(
                "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = :parent "
                "ORDER BY c.relname"
            ),
            {"parent": parent},
        )
        return list(result.scalars())


async def test_months_get_partitions_and_retention_drops_whole_months(engine: AsyncEngine) -> None:
    dates = ["2024-02-29T23:59:59.999Z", "2024-03-01T00:00:00Z", "2026-11-30T12:00:00Z"]
    batch = items(*(enriched(f"m{i}", created_at=d) for i, d in enumerate(dates)))
    cache = PartitionCache()
    await write_batch(engine, batch, cache)
    assert await partitions(engine, "mentions") == [
        "mentions_y2024m02",
        "mentions_y2024m03",
        "mentions_y2026m11",
    ]
    # keep 12 months before December 2026: both 2024 months go, with their rows
    dropped = await prune(engine, 12, datetime(2026, 12, 3, tzinfo=UTC))
    assert sorted(dropped) == [
        "mention_brands_y2024m02",
        "mention_brands_y2024m03",
        "mentions_y2024m02",
        "mentions_y2024m03",
    ]
    assert await partitions(engine, "mentions") == ["mentions_y2026m11"]
    assert await count(engine, mentions_table) == 1
    # the writer's cache still holds the dropped months: once told to forget (as the sink does
    # after pruning), a late row of such a month gets its partition back
    cache.forget()
    written = await write_batch(engine, items(enriched("m9", created_at=dates[0])), cache)
    assert written.rows["mentions"] == 1
    assert "mentions_y2024m02" in await partitions(engine, "mentions")


async def test_retention_zero_keeps_everything(engine: AsyncEngine) -> None:
    await write_batch(
        engine, items(enriched("old", created_at="2001-01-01T00:00:00Z")), PartitionCache()
    )
    assert await prune(engine, 0, datetime(2026, 12, 3, tzinfo=UTC)) == []
    assert await count(engine, mentions_table) == 1
