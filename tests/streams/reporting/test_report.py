"""A synthetic two-year history imported with ``buzzwire import`` (the linear model), and the
report's figures against what the history was made of.

The history (2024-2025, Acme in Asia/Kolkata, UTC+05:30): Acme has 3 mentions on a weekday and
1 on a weekend day, twice that in every fourth quarter; Globex has 1 a day and 3 a day from
2025-10-01 (a share-of-voice shift); Initech 1 every other day. Acme's ``delivery`` topic surges
in November 2025. A few mentions sit on the edges: a second before and at local midnight of a
quarter's first day, on and around the leap day 2024-02-29, at the new year. Sentiment comes
from the model, so those figures are checked against the raw stored rows, counted here in
Python by local day; the volumes, shares of voice and topic counts are checked against the
pattern itself.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import orjson
import pytest
from prometheus_client import CollectorRegistry
from pydantic import SecretStr
from sqlalchemy import and_, create_engine, select, update

from streams.brands.catalog import load_brands
from streams.config import Settings
from streams.importer import run_import
from streams.pipeline.metrics import Metrics
from streams.pipeline.runtime import Runtime, build_runtime
from streams.reporting.cli import run_report
from streams.reporting.report import build_report, report_span
from streams.store.database import async_engine, upgrade
from streams.store.schema import mention_brands, mentions
from streams.trends.sentiment import CLEAR_NEGATIVE, CLEAR_POSITIVE
from tests.databases import new_database

KOLKATA = ZoneInfo("Asia/Kolkata")
FIRST, LAST = date(2024, 1, 1), date(2025, 12, 31)
WEEKDAY = (3, 3, 3, 3, 3, 1, 1)
SURGE = (date(2025, 11, 1), date(2025, 12, 1))
NOW = datetime(2026, 6, 1, tzinfo=UTC)
DEPARTMENTS = {"operations": ["delivery"], "finance": ["billing"]}

BRANDS = """
brands:
  - id: acme
    name: Acme
    handles: ["@acme"]
    competitors: [globex, initech]
    timezone: Asia/Kolkata
  - id: globex
    name: Globex
    competitors: [acme]
    timezone: Asia/Kolkata
  - id: initech
    name: Initech
    timezone: Asia/Kolkata
"""


def quarter(d: date) -> int:
    return (d.month - 1) // 3 + 1


def acme_count(d: date) -> int:
    return WEEKDAY[d.weekday()] * (2 if quarter(d) == 4 else 1)


def globex_count(d: date) -> int:
    return 3 if d >= date(2025, 10, 1) else 1


def initech_count(d: date) -> int:
    return 1 if d.toordinal() % 2 == 0 else 0


def acme_topic(d: date, k: int) -> str | None:
    if SURGE[0] <= d < SURGE[1]:
        return "delivery"
    if k == 1:
        return "billing"
    if k == 2 and d.weekday() == 0:
        return "delivery"
    return None


TEXTS = {
    "delivery": "{who} delivery late again, parcel lost, awful",
    "billing": "{who} bill doubled this month, too expensive",
    0: "{who} is great, love the new app, thank you",
    1: "{who} support was terrible today, I hate waiting",
    2: "{who} you are the best, wonderful, amazing, love love love",
}

#: (id, UTC instant): each is an Acme mention past the pattern, on an edge
EDGES = {
    "edge-q3-last": "2025-09-30T18:29:59.999Z",  # 23:59:59.999 on Sep 30 in Kolkata: Q3
    "edge-q4-first": "2025-09-30T18:30:00.000Z",  # 00:00 on Oct 1 in Kolkata: Q4
    "edge-leap-late": "2024-02-29T18:29:00.000Z",  # 23:59 on the leap day
    "edge-leap-midnight": "2024-02-28T18:30:00.000Z",  # 00:00 on the leap day
    "edge-march": "2024-02-29T18:30:00.000Z",  # 00:00 on Mar 1 (UTC: still Feb 29)
    "edge-new-year": "2024-12-31T18:30:00.000Z",  # 00:00 on 2025-01-01
}
BIG_NEGATIVE = ("big-negative", "2025-11-20T06:00:00.000Z")


def days() -> Iterator[date]:
    d = FIRST
    while d <= LAST:
        yield d
        d += timedelta(days=1)


def utc_iso(d: date, hour: int, minute: int) -> str:
    local = datetime.combine(d, time(hour, minute), tzinfo=KOLKATA)
    return local.astimezone(UTC).isoformat().replace("+00:00", "Z")


def record(mention_id: str, text: str, created_at: str, followers: int) -> dict[str, Any]:
    return {
        "id": mention_id,
        "platform": "x" if len(mention_id) % 2 else "instagram",
        "author": {
            "id": f"u-{mention_id}",
            "handle": f"@u{len(mention_id)}",
            "followers": followers,
        },
        "text": text,
        "created_at": created_at,
        "url": f"https://example.social/{mention_id}",
        "lang": "en",
    }


def history() -> tuple[list[dict[str, Any]], dict[str, str | None]]:
    """The records, and each Acme mention's topic by id."""
    records: list[dict[str, Any]] = []
    topics: dict[str, str | None] = {}
    seq = 0
    for d in days():
        for k in range(acme_count(d)):
            seq += 1
            topic = acme_topic(d, k)
            who = "@acme" if (d.toordinal() + k) % 3 == 0 else "Acme"
            text = TEXTS[topic if topic else seq % 3].format(who=who)  # type: ignore[index]
            mention_id = f"a{seq}"
            topics[mention_id] = topic
            records.append(
                record(mention_id, text, utc_iso(d, 9 + k, 5 * k), 50 + seq * 7919 % 5000)
            )
        for k in range(globex_count(d)):
            seq += 1
            records.append(record(f"g{seq}", "Globex is fine", utc_iso(d, 10 + k, 0), 40))
        for _ in range(initech_count(d)):
            seq += 1
            records.append(record(f"i{seq}", "Initech bank app ok today", utc_iso(d, 12, 0), 30))
    for mention_id, at in EDGES.items():
        records.append(record(mention_id, "Acme is great, love the new app, thank you", at, 10))
        topics[mention_id] = None
    big_id, big_at = BIG_NEGATIVE
    records.append(
        record(big_id, "Acme delivery disaster, worst service ever, I hate it", big_at, 2_000_000)
    )
    topics[big_id] = "delivery"
    return records, topics


class TopicRuntime:
    """The worker's runtime with topics set from the history's design (the topic classifier is
    not what is under test here)."""

    def __init__(self, runtime: Runtime, topics: dict[str, str | None]) -> None:
        self._runtime = runtime
        self._topics = topics

    def __getattr__(self, name: str) -> Any:
        return getattr(self._runtime, name)

    async def annotate_async(self, batch: Any, lag: int = 0) -> list[dict[str, Any]]:
        outs = await self._runtime.annotate_async(batch, lag)
        for out in outs:
            topic = self._topics.get(out["id"])
            out["topics"] = [topic] if topic else []
        return outs


def local_day(instant: datetime) -> date:
    return instant.astimezone(KOLKATA).date()


@pytest.fixture(scope="module")
def store(
    postgres_server: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[SecretStr, Settings, list[dict[str, Any]]]]:
    """The imported history: the database URL, the settings, and Acme's stored rows."""
    tmp = tmp_path_factory.mktemp("history")
    brands = tmp / "brands.yaml"
    brands.write_text(BRANDS, encoding="utf-8")
    records, topics = history()
    path = tmp / "history.jsonl"
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))
    with new_database(postgres_server.url, "history") as url:
        upgrade(url)
        settings = Settings(database_url=url, sentiment_model="linear", brands=brands)
        runtime = build_runtime(settings, Metrics.create(CollectorRegistry()))
        wrapped: Any = TopicRuntime(runtime, topics)
        assert run_import(path, settings, batch_size=500, progress=False, runtime=wrapped) == 0
        # the inbox acted on four of Acme's untagged Q4 2025 mentions: three answered, one
        # dismissed, after 2 h, 2 h, 2 h and 1 h
        engine = create_engine(url.get_secret_value())
        with engine.begin() as conn:
            mb = mention_brands.c
            q4 = [
                row[0]
                for row in conn.execute(
                    select(mb.mention_id)
                    .where(
                        mb.brand == "acme",
                        mb.tagged.is_(False),
                        mb.created_at >= datetime(2025, 10, 2, tzinfo=UTC),
                    )
                    .order_by(mb.created_at)
                    .limit(4)
                )
            ]
            for mention_id, (status, hours) in zip(
                q4, [("done", 2), ("done", 2), ("done", 2), ("dismissed", 1)], strict=True
            ):
                conn.execute(
                    update(mention_brands)
                    .where(mb.brand == "acme", mb.mention_id == mention_id)
                    .values(status=status, first_action_at=mb.created_at + timedelta(hours=hours))
                )
            m = mentions.c
            rows = [
                dict(r._mapping)
                for r in conn.execute(
                    select(
                        mb.mention_id,
                        mb.created_at,
                        mb.sentiment,
                        mb.tagged,
                        mb.reach,
                        mb.status,
                        m.sentiment_positive,
                        m.sentiment_negative,
                        m.topics,
                    )
                    .select_from(
                        mention_brands.join(
                            mentions, and_(m.id == mb.mention_id, m.created_at == mb.created_at)
                        )
                    )
                    .where(mb.brand == "acme")
                )
            ]
        engine.dispose()
        yield url, settings, rows


def report_for(
    settings: Settings, period: str, at: date, departments: Any = None
) -> dict[str, Any]:
    catalog = load_brands(settings.brands)
    span = report_span(catalog, "acme", period, at, NOW)  # type: ignore[arg-type]

    async def go() -> dict[str, Any]:
        assert settings.database_url is not None
        engine = async_engine(settings.database_url, pool_size=1)
        try:
            async with engine.connect() as conn:
                return await build_report(
                    conn, catalog, "acme", span, departments=departments, now=NOW
                )
        finally:
            await engine.dispose()

    return asyncio.run(go())


def pattern(count: Any, first: date, after: date) -> int:
    return sum(count(first + timedelta(days=i)) for i in range((after - first).days))


def edges_in(first: date, after: date) -> int:
    return sum(
        1
        for at in EDGES.values()
        if first <= local_day(datetime.fromisoformat(at.replace("Z", "+00:00"))) < after
    )


def measure(report: dict[str, Any], name: str) -> dict[str, Any]:
    return next(m for m in report["measures"] if m["name"] == name)


def test_the_quarter_report_matches_the_history(store: Any) -> None:
    _, settings, rows = store
    report = report_for(settings, "quarter", date(2025, 11, 15), DEPARTMENTS)
    assert (report["span"]["label"], report["previous"]["label"], report["year_ago"]["label"]) == (
        "2025-Q4",
        "2025-Q3",
        "2024-Q4",
    )
    assert report["span"]["start"] == "2025-09-30T18:30:00+00:00"
    spans = {
        "current": (date(2025, 10, 1), date(2026, 1, 1)),
        "previous": (date(2025, 7, 1), date(2025, 10, 1)),
        "year_ago": (date(2024, 10, 1), date(2025, 1, 1)),
    }
    # volume: the pattern, the quarter-edge mentions on their side of local midnight, and the
    # big negative post; compared per day, tested as Poisson rates
    big = 1
    expected = {
        k: pattern(acme_count, *v) + edges_in(*v) + (big if k == "current" else 0)
        for k, v in spans.items()
    }
    assert edges_in(*spans["current"]) == 1 and edges_in(*spans["previous"]) == 1
    assert edges_in(*spans["year_ago"]) == 0
    vol = measure(report, "volume")
    assert vol["value"] == expected["current"] == pattern(acme_count, *spans["current"]) + 2
    assert vol["previous"]["n"] == expected["previous"]
    assert vol["year_ago"]["n"] == expected["year_ago"]
    assert vol["previous"]["change"] == (expected["current"] / 92) / (expected["previous"] / 92) - 1
    assert vol["previous"]["change"] > 0.9 and vol["previous"]["noise"] is False
    # the same quarter a year before had the same pattern: a change that is noise
    assert vol["year_ago"]["noise"] is True

    # sentiment measures against the raw rows, counted by local day
    def count(span: tuple[date, date], test: Any) -> int:
        return sum(1 for r in rows if span[0] <= local_day(r["created_at"]) < span[1] and test(r))

    for key, against in (("current", None), ("previous", "previous"), ("year_ago", "year_ago")):
        span = spans[key]
        n = count(span, lambda r: True)
        neg = count(span, lambda r: r["sentiment"] == "negative")
        pos = count(span, lambda r: r["sentiment"] == "positive")
        cpos = count(span, lambda r: r["sentiment_positive"] >= CLEAR_POSITIVE)
        cneg = count(span, lambda r: r["sentiment_negative"] >= CLEAR_NEGATIVE)
        untagged = count(span, lambda r: not r["tagged"])
        assert n == expected[key]
        got = {m["name"]: (m if against is None else m[against]) for m in report["measures"]}
        assert got["negative_share"]["value"] == 100.0 * neg / n
        assert got["net_sentiment"]["value"] == 2 * (100.0 * pos / (pos + neg)) - 100
        assert got["net_sentiment_score"]["value"] == 100.0 * (cpos - cneg) / n
        assert got["untagged_share"]["value"] == 100.0 * untagged / n
        assert got["untagged_share"]["n"] == n
    assert report["tally"]["clearly_negative"] >= 1  # the big post at least
    # share of voice: Globex triples from 2025-10-01
    sov = next(s for s in report["share_of_voice"] if s["set"] == "acme")
    assert sov["members"] == ["acme", "globex", "initech"]
    totals = {
        k: expected[k] + pattern(globex_count, *v) + pattern(initech_count, *v)
        for k, v in spans.items()
    }
    acme_sov = sov["brand"]
    assert acme_sov["value"] == 100.0 * expected["current"] / totals["current"]
    assert acme_sov["previous"]["value"] == 100.0 * expected["previous"] / totals["previous"]
    assert acme_sov["previous"]["change"] == acme_sov["value"] - acme_sov["previous"]["value"]
    globex = sov["shares"]["globex"]
    assert globex["value"] == 100.0 * pattern(globex_count, *spans["current"]) / totals["current"]
    assert globex["previous"]["change"] > 0 and globex["previous"]["noise"] is False
    # the service KPIs of the four items acted on
    answered = measure(report, "answered_share")
    untagged_now = count(spans["current"], lambda r: not r["tagged"])
    assert answered["value"] == 100.0 * 3 / (untagged_now - 1)
    assert answered["n"] == untagged_now - 1
    assert measure(report, "median_hours_to_first_action")["value"] == 2.0
    assert measure(report, "backlog")["value"] == untagged_now - 4

    # the topic surge and its department
    def topic_count(topic: str, span: tuple[date, date]) -> int:
        return count(span, lambda r: topic in r["topics"])

    delivery = next(t for t in report["topics"] if t["topic"] == "delivery")
    assert delivery["department"] == "operations"
    d_vol = delivery["measures"][0]
    assert d_vol["value"] == topic_count("delivery", spans["current"])
    assert d_vol["previous"]["n"] == topic_count("delivery", spans["previous"])
    # November alone holds every Acme mention of the month under delivery (x2 in Q4) + the big one
    november = pattern(acme_count, *SURGE)
    assert d_vol["value"] >= november + 1 and d_vol["previous"]["noise"] is False
    ops = next(d for d in report["departments"] if d["department"] == "operations")
    assert ops["measures"][0]["value"] == d_vol["value"]
    # the most important statement: the big negative post, first for Acme and for operations
    assert report["statements"]["negative"][0]["mention_id"] == "big-negative"
    assert ops["statements"]["negative"][0]["mention_id"] == "big-negative"
    top = sorted(
        (
            r
            for r in rows
            if spans["current"][0] <= local_day(r["created_at"]) < spans["current"][1]
            and r["sentiment"] == "negative"
            and r["sentiment_negative"] >= CLEAR_NEGATIVE
        ),
        key=lambda r: -r["reach"],
    )
    assert [s["reach"] for s in report["statements"]["negative"]] == [r["reach"] for r in top[:5]]
    finance = next(d for d in report["departments"] if d["department"] == "finance")
    assert all("billing" in s["topics"] for s in finance["statements"]["negative"])
    # history for the charts: eight quarters, the last the report's own
    periods = report["history"]["periods"]
    assert [p["label"] for p in periods][-3:] == ["2025-Q2", "2025-Q3", "2025-Q4"]
    assert periods[-1]["mentions"] == expected["current"]
    assert periods[-1]["share_of_voice"]["acme"] == acme_sov["value"]


def test_weeks_show_the_weekly_pattern_and_the_leap_day(store: Any) -> None:
    _, settings, _ = store
    june = report_for(settings, "week", date(2025, 6, 11))
    vol = measure(june, "volume")
    assert (june["span"]["label"], vol["value"], vol["previous"]["n"]) == ("2025-W24", 17, 17)
    assert vol["previous"]["change"] == 0 and vol["previous"]["noise"] is True
    leap = report_for(settings, "week", date(2024, 2, 29))
    assert leap["span"]["first_day"] == "2024-02-26" and leap["span"]["last_day"] == "2024-03-03"
    # 17 of the pattern and three edge mentions: two on the leap day, one at 00:00 on Mar 1
    assert measure(leap, "volume")["value"] == 20
    assert measure(leap, "volume")["year_ago"]["n"] == 0  # before the history
    february = report_for(settings, "month", date(2024, 2, 10))
    vol = measure(february, "volume")
    expected = pattern(acme_count, date(2024, 2, 1), date(2024, 3, 1)) + 2
    assert (february["span"]["days"], vol["value"]) == (29, expected)
    assert vol["per_day"] == expected / 29
    january = pattern(acme_count, date(2024, 1, 1), date(2024, 2, 1))
    assert vol["previous"]["change"] == (expected / 29) / (january / 31) - 1
    year = report_for(settings, "year", date(2025, 3, 1))
    # the pattern, both quarter edges (Sep 30 and Oct 1), the new year's midnight, the big post
    in_2025 = pattern(acme_count, date(2025, 1, 1), date(2026, 1, 1)) + 4
    assert measure(year, "volume")["value"] == in_2025
    # the two leap-day edges and Mar 1's midnight
    in_2024 = pattern(acme_count, date(2024, 1, 1), date(2025, 1, 1)) + 3
    assert measure(year, "volume")["year_ago"]["n"] == in_2024
    assert year["year_ago"]["days"] == 366


def test_the_command_writes_json_csv_and_one_self_contained_html(
    store: Any, tmp_path: Path
) -> None:
    _, settings, _ = store
    out = {}
    for fmt in ("json", "csv", "html"):
        path = tmp_path / f"report.{fmt}"
        assert (
            run_report(
                settings,
                brand="acme",
                period="quarter",
                at="2025-11-15",
                fmt=fmt,
                output=path,
                now=NOW,
            )
            == 0
        )
        out[fmt] = path.read_text(encoding="utf-8")
    data = orjson.loads(out["json"])
    assert (
        measure(data, "volume")["value"]
        == report_for(settings, "quarter", date(2025, 11, 15))["measures"][0]["value"]
    )
    lines = out["csv"].splitlines()
    assert lines[0].startswith("brand,acme,period,2025-Q4,previous,2025-Q3,year_ago,2024-Q4")
    assert lines[1].startswith("scope,measure,value,n,")
    assert any(line.startswith("brand,volume,") for line in lines)
    assert any(line.startswith("share_of_voice:acme:globex,") for line in lines)
    html = out["html"]
    assert html.startswith("<!DOCTYPE html>") and html.count("<svg") >= 3
    assert "<script" not in html and "src=" not in html and "@import" not in html
    assert "2025-Q4" in html and "Net sentiment score" in html
    # refused: an unknown brand, a bad date, no database
    assert (
        run_report(settings, brand="nope", period="quarter", at=None, fmt="json", output=None) == 2
    )
    assert (
        run_report(
            settings, brand="acme", period="quarter", at="2025-13-01", fmt="json", output=None
        )
        == 2
    )
    no_db = Settings(sentiment_model="linear", brands=settings.brands)
    assert run_report(no_db, brand="acme", period="quarter", at=None, fmt="json", output=None) == 2
