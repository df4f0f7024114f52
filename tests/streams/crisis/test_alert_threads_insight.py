"""Crisis alerts with the brand's insight state (``EpisodeTracker.close(..., insight=...)``):
the detectors count organic mentions, a copy-paste burst opens a ``coordinated`` thread and not
a ``negative_surge``, and every alert explains itself (the terms that rose, the first post,
the sentiment shift, languages, platforms, copies).

A synthetic day of one brand with lexically varied posts (random words: no two alike), with a
campaign of copies of one angry text and, later, an organic crisis whose posts all say
"outage". The states go through JSON every hour, as in the stream's table.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson
import pytest

from streams.crisis.alert_threads import AlertConfig, BrandCrisis, EpisodeTracker, window_spec
from streams.crisis.insight import BrandInsight, InsightConfig
from streams.devstack.synthetic import poisson
from streams.kernel.timestamps import iso_utc
from streams.mentions.logic import parse_created_at
from streams.windowing.events import BrandEvent

DAY0 = 1_790_000_000 - 1_790_000_000 % 86400
SYLLABLES = ("ka", "lo", "mi", "ne", "ru", "ta", "vi", "so", "pe", "da", "gu", "fe")
VOCAB = ["".join(p) for p in itertools.product(SYLLABLES, repeat=3)]
CAMPAIGN_TEXT = (
    "Boycott Acme now, they poisoned the river near our school and lied about it to everyone"
)
CAMPAIGN = (14 * 3600, 14 * 3600 + 20 * 60)  # 20 minutes of copies, 40 a minute
CRISIS = (20 * 3600, 20 * 3600 + 30 * 60)  # 30 minutes of organic angry posts, 30 a minute


def varied(rng: random.Random, words: int = 10) -> str:
    return " ".join(rng.choice(VOCAB) for _ in range(words))


def paraphrase(rng: random.Random, text: str) -> str:
    """A copy with one word dropped and an emoji or a hashtag added."""
    words = text.split()
    del words[rng.randrange(len(words))]
    return " ".join(words) + rng.choice([" 😡", " #boycott", "!!", ""])


@dataclass
class Day:
    alerts: list[dict[str, Any]] = field(default_factory=list)
    windows: int = 0


def day_events(seed: int = 3, per_minute: float = 10.0) -> Iterator[list[BrandEvent]]:
    """The day's brand events, minute by minute."""
    rng = random.Random(seed)
    n = 0
    for minute in range(24 * 60):
        t0 = DAY0 + minute * 60
        rel = minute * 60
        posts = []
        for _ in range(poisson(rng, per_minute)):
            sentiment = rng.choice(["negative", "neutral", "positive", "positive", "neutral"])
            posts.append((varied(rng), sentiment, rng.choice(["en", "es"])))
        if CAMPAIGN[0] <= rel < CAMPAIGN[1]:
            posts += [(paraphrase(rng, CAMPAIGN_TEXT), "negative", "en") for _ in range(40)]
        if CRISIS[0] <= rel < CRISIS[1]:
            for _ in range(30):
                words = varied(rng, 9).split()
                words.insert(rng.randrange(len(words)), "outage")
                posts.append((" ".join(words), "negative", rng.choice(["en", "es"])))
        events = []
        for text, sentiment, lang in posts:
            n += 1
            ts = t0 + rng.random() * 60
            events.append(
                BrandEvent(
                    brand="acme",
                    id=f"m{n}",
                    ts=ts,
                    created_at=iso_utc(ts),
                    sentiment=sentiment,
                    lang=lang,
                    followers=rng.randrange(5000),
                    author=f"@user{rng.randrange(10**6)}",
                    url=f"https://example.social/m{n}",
                    text=text,
                    platform=rng.choice(["x", "reddit"]),
                )
            )
        yield sorted(events, key=lambda e: e.ts)


def run_day(*, insight_on: bool, batch_minutes: int = 1, save_minutes: int = 60) -> Day:
    """The day through the alert threads, closing the windows every ``batch_minutes`` (a
    worker catching up on a backlog reads that much event time in one batch, and closes the
    windows at its end), the states through JSON every ``save_minutes`` (the stream saves
    them after every batch)."""
    config = AlertConfig()
    tracker = EpisodeTracker(config)
    spec = window_spec(config)
    crisis = BrandCrisis()
    insight: BrandInsight | None = BrandInsight(
        InsightConfig(keep_seconds=1200, lookback_seconds=900)
    )
    out = Day()
    for minute, events in enumerate(day_events()):
        t0 = DAY0 + minute * 60
        for ev in events:
            if insight_on:
                assert insight is not None
                insight.observe(ev)
            crisis.add(spec, ev, config.samples)
        if minute % batch_minutes != batch_minutes - 1:
            continue
        for closed in crisis.close_due(
            tracker,
            t0 + 60,
            10 * batch_minutes,
            brand="acme",
            brand_name="Acme",
            wall_now=t0 + 60,
            insight=insight if insight_on else None,
        ):
            out.windows += 1
            out.alerts += closed.alerts
        if minute % save_minutes == save_minutes - 1:  # through JSON, as the stream's table
            crisis = BrandCrisis.from_json(orjson.loads(orjson.dumps(crisis.to_json())))
            if insight is not None:
                insight = BrandInsight.from_json(
                    orjson.loads(orjson.dumps(insight.to_json())), insight.config
                )
    return out


def opened_in(day: Day, span: tuple[int, int], slack: int = 600) -> list[dict[str, Any]]:
    lo, hi = DAY0 + span[0], DAY0 + span[1] + slack
    return [
        a for a in day.alerts if a["event"] == "opened" and lo <= _epoch(a["window"]["end"]) <= hi
    ]


def _epoch(iso: str) -> float:
    return parse_created_at(iso)


@pytest.fixture(scope="module")
def with_insight() -> Day:
    return run_day(insight_on=True)


@pytest.fixture(scope="module")
def without_insight() -> Day:
    return run_day(insight_on=False)


def test_a_copy_paste_burst_counted_whole_is_a_negative_surge(without_insight: Day) -> None:
    """What the insight state changes: counting every mention, the campaign is a crisis."""
    kinds = {a["kind"] for a in opened_in(without_insight, CAMPAIGN)}
    assert "negative_surge" in kinds


def test_a_copy_paste_burst_opens_a_coordinated_thread_not_a_crisis(with_insight: Day) -> None:
    opened = opened_in(with_insight, CAMPAIGN)
    assert [a["kind"] for a in opened] == ["coordinated"]
    alert = opened[0]
    ex = alert["explanation"]
    assert ex["coordinated"] is True
    assert ex["duplicates"]["share"] >= 0.6
    top = ex["duplicates"]["clusters"][0]
    assert top["copies"] >= 8
    assert "poisoned" in (top["text"] or "")
    # the thread counts the copies (all mentions), against the organic volume expected
    assert alert["observed"] >= 30
    assert alert["volume"]["organic"] < alert["observed"]
    assert "poisoned" in ex["first_post"]["text"]
    # the whole campaign is one thread, and nothing else opened all day but the crisis
    others = [
        a
        for a in with_insight.alerts
        if a["event"] == "opened" and a not in opened and a not in opened_in(with_insight, CRISIS)
    ]
    assert others == []


def test_an_organic_crisis_is_a_negative_surge_that_names_its_term(with_insight: Day) -> None:
    opened = opened_in(with_insight, CRISIS)
    assert [a["kind"] for a in opened] == ["negative_surge"]
    ex = opened[0]["explanation"]
    assert ex["coordinated"] is False
    assert ex["terms"][0]["term"] == "outage"
    assert {"en", "es"} <= set(ex["terms_by_language"])
    assert "outage" in ex["first_post"]["text"]
    assert ex["first_post"]["sentiment"] == "negative"
    share = ex["sentiment"]["negative_share"]
    assert share["now"] > share["before"] + 0.3
    assert set(ex["platforms"]) == {"x", "reddit"}
    assert set(ex["languages"]) == {"en", "es"}
    assert ex["duplicates"]["share"] < 0.1
    assert ex["top_posts"] == [s["id"] for s in opened[0]["samples"]]
    # every later event of the thread still names the crisis's terms: the ones rising then, or
    # those of the episode's start (``terms_as_of`` says when they were found)
    thread = [a for a in with_insight.alerts if a["id"] == opened[0]["id"]]
    assert len(thread) >= 3
    for alert in thread:
        assert "outage" in {t["term"] for t in alert["explanation"]["terms"]}, alert["event"]
        assert alert["explanation"]["terms_as_of"] <= alert["window"]["end"]


def test_every_event_of_a_thread_carries_its_explanation(with_insight: Day) -> None:
    assert with_insight.alerts
    for alert in with_insight.alerts:
        assert isinstance(alert["explanation"], dict), alert["event"]
        assert alert["explanation"]["first_post"] is not None
    # every thread resolved by the end of the day
    threads = {a["id"] for a in with_insight.alerts}
    resolved = {a["id"] for a in with_insight.alerts if a["event"] == "resolved"}
    assert threads == resolved


def test_a_backlog_closed_in_long_batches_is_judged_and_explained_alike(
    with_insight: Day,
) -> None:
    """A batch of a backlog holds an hour of mentions, more than the insight state keeps
    after the newest (20 minutes): the buckets of the windows it closes at its end are still
    there, so the campaign's copies are still not organic and the alerts still explain
    themselves (dropped, the campaign opened a negative surge, and no explanation had a
    language)."""
    batched = run_day(insight_on=True, batch_minutes=60)

    def summary(day: Day) -> list[tuple[str, str, str, list[str]]]:
        return [
            (
                a["event"],
                a["kind"],
                a["window"]["start"],
                [t["term"] for t in a["explanation"]["terms"]],
            )
            for a in day.alerts
            if a["event"] == "opened"
        ]

    assert summary(batched) == summary(with_insight)
    opened = opened_in(batched, CAMPAIGN)
    assert [a["kind"] for a in opened] == ["coordinated"]
    crisis = opened_in(batched, CRISIS)
    assert [a["kind"] for a in crisis] == ["negative_surge"]
    assert crisis[0]["explanation"]["languages"]


def test_saving_the_states_every_minute_explains_the_crisis_as_keeping_them() -> None:
    """The stream saves a brand's states after every batch: live, every second or so. What
    the alerts say must not depend on it (saving pruned the term baseline, whose floor then
    rose at every save until the crisis's word no longer rose, and rounded the decay away)."""
    kept = opened_in(run_day(insight_on=True, save_minutes=24 * 60), CRISIS)
    saved = opened_in(run_day(insight_on=True, save_minutes=1), CRISIS)
    assert [a["kind"] for a in saved] == [a["kind"] for a in kept] == ["negative_surge"]
    terms = [[t["term"] for t in a["explanation"]["terms"]] for a in (kept[0], saved[0])]
    assert terms[0][0] == terms[1][0] == "outage"
    assert terms[1] == terms[0]
