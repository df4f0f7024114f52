"""The trend rollups on the real server: maintained by the writer from the rows it inserts (a
replay counts nothing twice), summed per brand, topic, language and local period (a +05:30
midnight falls between two UTC hours), the service KPIs and a period's statements."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from streams.store import trends
from streams.store.rows import mention_rows
from streams.store.schema import mention_brands, trend_daily, trend_rollups, trend_totals
from streams.store.writer import Item, PartitionCache, write_batch
from streams.trends.tally import Tally
from tests.streams.store.factories import enriched

T0 = datetime(2026, 1, 1, tzinfo=UTC)
T1 = datetime(2027, 1, 1, tzinfo=UTC)


def items(*records: dict[str, Any]) -> list[Item]:
    return [Item("mention", mention_rows(r), source=r["id"]) for r in records]


async def test_rollups_count_each_inserted_brand_row_once_per_topic(engine: AsyncEngine) -> None:
    batch = items(
        enriched(
            "a",
            brands=[("acme", True), ("globex", False)],
            sentiment="negative",
            topics=["delivery", "billing"],
            followers=100,
        ),
        enriched("b", brands=[("acme", False)], sentiment="positive", lang="lv"),
        enriched("c", brands=[("acme", False)], sentiment="neutral", topics=["delivery"]),
    )
    await write_batch(engine, batch, PartitionCache())
    # a replay, and a duplicate inside one batch: nothing counted twice
    await write_batch(
        engine, batch + items(enriched("d", topics=["billing"])) * 2, PartitionCache()
    )
    async with engine.connect() as conn:
        acme = await trends.tallies(conn, ["acme", "globex"], T0, T1)
        assert acme["acme"] == Tally(
            mentions=4,
            reach=106 + 16 * 3,
            negative=1,
            neutral=2,
            positive=1,
            untagged=3,
            clearly_positive=1,
            clearly_negative=1,
        )
        assert acme["globex"].mentions == 1 and acme["globex"].untagged == 1
        topics = await trends.topic_tallies(conn, "acme", T0, T1)
        assert {t: v.mentions for t, v in topics.items()} == {"delivery": 2, "billing": 2}
        assert topics["delivery"].negative == 1
        delivery = await trends.tallies(conn, ["acme"], T0, T1, topic="delivery")
        assert delivery["acme"].mentions == 2
        langs = await trends.breakdown(conn, "acme", T0, T1, by="lang")
        assert {k: v.mentions for k, v in langs.items()} == {"en": 3, "lv": 1}
        # trend_totals is trend_rollups summed over language, platform, sentiment and tagged
        full = trend_rollups.c
        summed = select(
            full.brand,
            full.topic,
            full.slot,
            func.sum(full.mentions),
            func.sum(full.reach),
            func.sum(full.mentions).filter(full.sentiment == "negative"),
            func.sum(full.mentions).filter(full.tagged.is_(False)),
            func.sum(full.clearly_positive),
        ).group_by(full.brand, full.topic, full.slot)
        t = trend_totals.c
        direct = select(
            t.brand,
            t.topic,
            t.slot,
            t.mentions,
            t.reach,
            t.negative,
            t.untagged,
            t.clearly_positive,
        )
        expected = {
            tuple(int(v or 0) if i > 2 else v for i, v in enumerate(row))
            for row in await conn.execute(summed)
        }
        assert {tuple(row) for row in await conn.execute(direct)} == expected
        assert len(expected) == 6  # acme and globex (one slot): '', delivery and billing each
        # and trend_daily is trend_totals per UTC day
        day = func.date(func.timezone("UTC", t.slot))
        per_day = select(
            t.brand, t.topic, day, func.sum(t.mentions), func.sum(t.negative)
        ).group_by(t.brand, t.topic, day)
        dd = trend_daily.c
        daily = select(dd.brand, dd.topic, dd.day, dd.mentions, dd.negative)
        assert {tuple(row) for row in await conn.execute(daily)} == {
            (b, tp, d, int(n), int(neg)) for b, tp, d, n, neg in await conn.execute(per_day)
        }


async def test_periods_follow_the_brand_time_zone_to_the_quarter_hour(engine: AsyncEngine) -> None:
    # Asia/Kolkata is UTC+05:30: 2026-03-31 18:29:59Z is 23:59:59 on Mar 31 (Q1),
    # 18:30:00Z is midnight on Apr 1 (Q2); in UTC both are on Mar 31.
    batch = items(
        enriched("q1", created_at="2026-03-31T18:29:59.999Z"),
        enriched("q2", created_at="2026-03-31T18:30:00.000Z"),
        enriched("q2b", created_at="2026-04-01T00:00:00.000Z"),
    )
    await write_batch(engine, batch, PartitionCache())
    async with engine.connect() as conn:
        india = await trends.series(
            conn, ["acme"], period="quarter", timezone="Asia/Kolkata", start=T0, end=T1
        )
        assert {k: v.mentions for k, v in india["acme"].items()} == {
            date(2026, 1, 1): 1,
            date(2026, 4, 1): 2,
        }
        utc = await trends.series(conn, ["acme"], period="day", timezone="UTC", start=T0, end=T1)
        assert {k: v.mentions for k, v in utc["acme"].items()} == {
            date(2026, 3, 31): 2,
            date(2026, 4, 1): 1,
        }
        # the local quarter's bounds select exactly its slots
        q2_start = datetime(2026, 3, 31, 18, 30, tzinfo=UTC)
        got = await trends.tallies(conn, ["acme"], q2_start, q2_start + timedelta(days=91))
        assert got["acme"].mentions == 2


async def test_service_kpis_and_statements(engine: AsyncEngine) -> None:
    records = [
        enriched(
            f"n{i}",
            created_at=f"2026-05-0{i + 1}T10:00:00.000Z",
            sentiment="negative",
            followers=10 * (i + 1),
            topics=["delivery"] if i % 2 else ["billing"],
        )
        for i in range(5)
    ]
    records.append(
        enriched("tagged", brands=[("acme", True)], sentiment="negative", followers=10_000)
    )
    await write_batch(engine, items(*records), PartitionCache())
    async with engine.begin() as conn:
        mb = mention_brands.c
        acted = {"n0": ("done", 3600), "n1": ("done", 7200), "n2": ("dismissed", 60)}
        for mention_id, (status, seconds) in acted.items():
            await conn.execute(
                update(mention_brands)
                .where(mb.mention_id == mention_id)
                .values(status=status, first_action_at=mb.created_at + timedelta(seconds=seconds))
            )
    start, end = datetime(2026, 5, 1, tzinfo=UTC), datetime(2026, 6, 1, tzinfo=UTC)
    async with engine.connect() as conn:
        kpis = await trends.service_kpis(conn, "acme", start, end, now=T1)
        assert kpis == trends.ServiceKpis(
            untagged=5,
            dismissed=1,
            answered=2,
            acted=3,
            median_first_action_seconds=3600.0,
            backlog=2,
        )
        top = await trends.top_statements(conn, "acme", start, end, limit=3)
        assert [s.mention_id for s in top] == ["n4", "n3", "n2"]
        delivery = await trends.top_statements(conn, "acme", start, end, topics=["delivery"])
        assert [s.mention_id for s in delivery] == ["n3", "n1"]
        assert await trends.top_statements(conn, "acme", start, end, sentiment="positive") == []
