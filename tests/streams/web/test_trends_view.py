"""The Trends page's figures without a database (``streams.web.trends.build``): growth per day
with its noise verdict at the sample size, share of voice in the set, the net sentiment score,
departments from topics, and the period in progress never compared."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from streams.trends.tally import ServiceKpis, Tally
from streams.web.trends import TrendsData, TrendsView, build, spans_shown

NOW = datetime(2026, 12, 3, 15, 0, tzinfo=UTC)  # a Thursday
SPANS = spans_shown("week", NOW, "UTC")
LAST = SPANS[-2]


def view(
    acme: dict[int, Tally], globex: dict[int, Tally] | None = None, **data: object
) -> TrendsView:
    """``acme``: index of a shown week (-1: this week, -2: the last complete one) -> tally."""

    def series(per: dict[int, Tally]) -> dict:
        return {SPANS[i].first: t for i, t in per.items()}

    return build(
        TrendsData(
            series={"acme": series(acme), "globex": series(globex or {})},
            topics=data.get("topics", {}),  # type: ignore[arg-type]
            service=data.get("service", {}),  # type: ignore[arg-type]
        ),
        brand="acme",
        competitors=["globex"],
        names={"acme": "Acme", "globex": "Globex"},
        spans=SPANS,
        departments={"delivery": "operations", "billing_price": "marketing"},
        topic_names={"delivery": "Delivery"},
    )


def chart(v: TrendsView, cid: str) -> dict:
    (found,) = [c.spec() for c in v.charts if c.id == cid]
    return found


def test_the_shown_weeks_end_with_the_one_in_progress() -> None:
    assert len(SPANS) == 14
    assert SPANS[-1].label == "2026-W49" and SPANS[-2].label == "2026-W48"
    v = view({-2: Tally(mentions=10)})
    labels = chart(v, "volume")["labels"]
    assert labels[-1] == "2026-W49 (so far)" and labels[-2] == "2026-W48"
    assert v.headline_period == "2026-W48"


def test_a_rise_on_a_small_sample_is_noise_and_on_a_large_one_news() -> None:
    small = view({-3: Tally(mentions=15), -2: Tally(mentions=18), -1: Tally(mentions=50)})
    growth = chart(small, "growth")["series"][0]
    assert growth["values"][-2] == pytest.approx(20.0)  # +20 % on 15 mentions...
    assert growth["noise"][-2] is True  # ...is not news
    assert growth["values"][-1] is None  # the week in progress is not compared
    mentions = small.headline[0]
    assert mentions.name == "Mentions" and mentions.value == 18
    assert mentions.changes[0].text == "+20.0 %" and mentions.changes[0].noise is True

    large = view({-3: Tally(mentions=1000), -2: Tally(mentions=1200)})
    growth = chart(large, "growth")["series"][0]
    assert growth["values"][-2] == pytest.approx(20.0) and growth["noise"][-2] is False
    assert large.headline[0].changes[0].noise is False
    assert large.headline[0].changes[0].p is not None and large.headline[0].changes[0].p < 0.05
    # no week a year before: no data, which is no news either
    assert large.headline[0].changes[1].text == "no data"


def test_share_of_voice_and_net_sentiment_score() -> None:
    v = view(
        {-2: Tally(mentions=300, clearly_positive=90, clearly_negative=30)},
        {-2: Tally(mentions=100)},
    )
    sov = chart(v, "share-of-voice")
    assert [s["name"] for s in sov["series"]] == ["Acme", "Globex", "Acme a year before"]
    assert sov["series"][0]["values"][-2] == 75.0 and sov["series"][1]["values"][-2] == 25.0
    assert sov["stacked"] and sov["max"] == 100
    share = next(k for k in v.headline if k.name == "Share of voice")
    assert share.value == 75.0 and share.sample == "n = 400 in the set of 2"
    score = chart(v, "net-sentiment")
    assert score["series"][0]["values"][-2] == 20.0  # (90 - 30) / 300
    assert score["min"] == -100 and score["max"] == 100


def test_departments_sum_their_topics() -> None:
    week = SPANS[-2].first
    v = view(
        {-2: Tally(mentions=50)},
        topics={
            "delivery": {week: Tally(mentions=12, negative=9)},
            "billing_price": {week: Tally(mentions=5, negative=1)},
            "unknown_topic": {week: Tally(mentions=2)},
        },
        service={LAST.first: ServiceKpis(untagged=10, answered=4, acted=5)},
    )
    depts = chart(v, "departments")
    assert [s["name"] for s in depts["series"]] == ["Operations", "Marketing", "Other"]
    assert [s["values"][-2] for s in depts["series"]] == [12.0, 5.0, 2.0]
    negative = chart(v, "department-negative")
    assert negative["series"][0]["values"][-2] == 75.0
    assert [d["department"] for d in v.departments] == ["Operations", "Marketing", "Other"]
    answered = next(k for k in v.headline if k.name == "Untagged answered")
    assert answered.value == 40.0


def test_a_brand_without_mentions_has_empty_figures_not_errors() -> None:
    v = view({})
    assert chart(v, "volume")["series"][0]["values"] == [0.0] * 14
    assert all(x is None for x in chart(v, "growth")["series"][0]["values"])
    assert all(x is None for x in chart(v, "net-sentiment")["series"][0]["values"])
    assert all(x is None for x in chart(v, "share-of-voice")["series"][0]["values"])
    assert v.departments == [] and v.statements == []
    assert [k.changes[0].text for k in v.headline][:1] == ["no data"]
