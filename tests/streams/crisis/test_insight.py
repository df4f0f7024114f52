"""A brand's insight state through a stream of brand events: clusters, organic counts, the
coordinated verdict, the explanation, and JSON state that resumes exactly."""

from __future__ import annotations

import random
from typing import Any

import orjson

from streams.crisis.insight import BrandInsight, InsightConfig
from streams.kernel.timestamps import iso_utc
from tests.streams.factories import brand_event

T0 = 1_790_000_000.0 - 1_790_000_000.0 % 3600
CAMPAIGN = "the ceo of acme lied to all of us about the data leak, share before they delete this"
VOCAB = [f"word{i}" for i in range(3000)]


def organic(rng: random.Random, i: int, ts: float, **extra: Any) -> Any:
    text = "@acme " + " ".join(rng.sample(VOCAB, 10))
    base = {"text": text, "author": f"@u{rng.randrange(100_000)}", "lang": "en"}
    return brand_event(
        f"o{i}", ts, rng.choice(("neutral", "negative", "positive")), **{**base, **extra}
    )


def stream(with_campaign: bool, seed: int = 1) -> list[Any]:
    rng = random.Random(seed)
    events = [organic(rng, i, T0 + i * 10.0) for i in range(600)]  # 100 minutes, 6 a minute
    if with_campaign:
        for c in range(40):  # 40 copies between minute 90 and 95
            text = CAMPAIGN.replace("lied", "lyed") if c % 3 == 0 else CAMPAIGN
            events.append(
                brand_event(
                    f"c{c}",
                    T0 + 5400 + c * 7.5,
                    "negative",
                    text=f"{text} #wakeup",
                    author=f"@bot{c}",
                    lang="en",
                )
            )
    events.sort(key=lambda e: e.ts)
    return events


def test_copies_get_one_cluster_and_are_not_organic() -> None:
    insight = BrandInsight()
    seen = {}
    for ev in stream(True):
        obs = insight.observe(ev)
        seen[ev.id] = obs
    assert all(not seen[f"o{i}"].copy for i in range(600))
    clusters = {seen[f"c{c}"].duplicate_cluster for c in range(40)}
    assert len(clusters) == 1 and None not in clusters
    assert not seen["c0"].copy and all(seen[f"c{c}"].copy for c in range(1, 40))
    assert seen["c39"].duplicate_size == 40
    assert seen["c5"].to_json()["organic"] is False

    mix = insight.window_mix(T0 + 5400, T0 + 5700)
    assert mix.copies == 39 and mix.mentions == 70 and mix.organic == 31
    verdict = insight.classify(mix, expected=30.0)
    assert verdict.coordinated and verdict.top_cluster_copies == 39

    explanation = insight.explain(mix, T0 + 5700, verdict=verdict)
    assert explanation["coordinated"] is True
    assert explanation["duplicates"]["copies"] == 39
    assert explanation["duplicates"]["share"] == round(39 / 70, 4)
    cluster = explanation["duplicates"]["clusters"][0]
    assert cluster["size"] == 40 and "data leak" in cluster["text"]
    assert explanation["first_post"]["id"] == "c1"  # the campaign's, not the window's first
    assert "ts" not in explanation["first_post"]
    assert explanation["organic"] == {
        "mentions": 31,
        "negative": mix.organic_negative,
        "share": round(31 / 70, 4),
    }
    assert explanation["languages"] == {"en": 70}
    orjson.dumps(explanation)


def test_organic_traffic_is_not_coordinated() -> None:
    insight = BrandInsight()
    for ev in stream(False):
        insight.observe(ev)
    mix = insight.campaign_mix(T0 + 6000)
    assert mix.copies == 0 and mix.organic == mix.mentions == 30
    assert not insight.classify(mix, expected=30.0).coordinated


def test_a_prolific_author_is_capped() -> None:
    insight = BrandInsight()
    rng = random.Random(2)
    flags = [insight.observe(organic(rng, i, T0 + i, author="@loud")).capped for i in range(6)]
    assert flags == [False, False, False, True, True, True]
    assert insight.window_mix(T0, T0 + 60).capped == 3


def angry_posts(
    rng: random.Random, start: float, prefix: str = "x", says: str = "outage again"
) -> list[Any]:
    """60 angry posts of different authors, one every 10 s from ``start``: each ``says`` the
    same words (and #acmedown when they are the default) among seven random ones."""
    tag = " #acmedown" if says == "outage again" else ""
    return [
        brand_event(
            f"{prefix}{i}",
            start + i * 10.0,
            "negative",
            text=f"@acme {says} {' '.join(rng.sample(VOCAB, 7))}{tag}",
            author=f"@angry{prefix}{i}",
            followers=100 * i,
        )
        for i in range(60)
    ]


def test_a_crisis_names_its_term_and_its_first_post() -> None:
    rng = random.Random(4)
    insight = BrandInsight()
    # minute 100-110: angry posts about an outage
    events = sorted(stream(False, seed=4) + angry_posts(rng, T0 + 6000), key=lambda e: e.ts)
    for ev in events:
        insight.observe(ev)
    mix = insight.window_mix(T0 + 6000, T0 + 6600)
    out = insight.explain(mix, T0 + 6600, negative=True, samples=[{"id": "x59"}])
    terms = [t["term"] for t in out["terms"]]
    # every angry post says "outage again #acmedown": those three rose, nothing else
    assert set(terms) == {"outage", "again", "#acmedown"}
    assert set(out["terms_by_language"]["en"]) == {"outage", "again"}
    assert out["first_post"]["id"] == "x0"
    assert out["top_posts"] == ["x59"]
    neg = out["sentiment"]["negative_share"]
    assert neg["now"] > neg["before"] + 0.3
    assert out["coordinated"] is False and out["duplicates"]["copies"] == 0


def test_state_round_trips_and_resumes_exactly() -> None:
    events = stream(True, seed=9)
    whole = BrandInsight()
    a = [whole.observe(ev) for ev in events]
    first = BrandInsight()
    b = [first.observe(ev) for ev in events[:400]]
    resumed = BrandInsight.from_json(orjson.loads(orjson.dumps(first.to_json())))
    b += [resumed.observe(ev) for ev in events[400:]]
    assert [o.to_json() for o in a] == [o.to_json() for o in b]
    # the term baseline is saved as held (up to 4,096 terms): under 100 KB in all
    assert len(orjson.dumps(resumed.to_json())) < 100_000
    assert BrandInsight.from_json(None).to_json()["buckets"] == {}


def test_old_buckets_are_dropped() -> None:
    insight = BrandInsight()
    for ev in stream(False):
        insight.observe(ev)
    assert min(insight.buckets) >= T0 + 6000 - 600 - 60
    insight.forget_before(T0 + 5940)
    assert min(insight.buckets) >= T0 + 5940


def crisis_then_quiet(seed: int = 4) -> list[Any]:
    """Organic traffic for 100 minutes with ten angry minutes (100-110) about an outage, then
    40 more minutes of organic traffic only (what arrives while a late window waits)."""
    rng = random.Random(seed)
    events = stream(False, seed=seed) + angry_posts(rng, T0 + 6000)
    events += [organic(rng, 1000 + i, T0 + 6600 + i * 10.0) for i in range(240)]
    return sorted(events, key=lambda e: e.ts)


def test_a_window_closed_late_is_explained_as_of_its_end() -> None:
    events = crisis_then_quiet()
    end = T0 + 6600
    # windows may close 40 minutes late: the buckets are kept that long (as the worker does)
    config = InsightConfig(keep_seconds=600 + 2400 + 60)
    punctual, late = BrandInsight(config), BrandInsight(config)
    for ev in events:
        if ev.ts < end:
            punctual.observe(ev)
        late.observe(ev)  # 40 minutes past the window: the crisis words have faded since
    mix = punctual.window_mix(T0 + 6000, end)
    assert late.window_mix(T0 + 6000, end) == mix
    on_time = punctual.explain(mix, end, negative=True)
    assert {t["term"] for t in on_time["terms"]} == {"outage", "again", "#acmedown"}
    # the late state no longer sees the words rise now, yet explains the window as it was
    assert not late.trends.rising(late.trends.newest or end)
    assert late.explain(mix, end, negative=True) == on_time
    # the state (snapshots included) resumes exactly
    resumed = BrandInsight.from_json(orjson.loads(orjson.dumps(late.to_json())), config)
    assert resumed.explain(mix, end, negative=True) == on_time


def test_snapshots_are_bounded_and_the_last_before_a_quiet_spell_is_kept() -> None:
    insight = BrandInsight()
    for ev in crisis_then_quiet():
        insight.observe(ev)
    # one snapshot per bucket kept, and at most one older: the state stays bounded
    assert min(insight.snapshots) >= min(insight.buckets) - insight.config.bucket_seconds
    assert len(insight.snapshots) <= len(insight.buckets) + 1
    # the newest was taken when the newest bucket began (the end of the one before)
    newest = max(insight.buckets)
    assert max(insight.snapshots) == newest
    insight.forget_before(newest + 3600)
    assert list(insight.snapshots) == [newest] and not insight.buckets


def test_a_crisis_that_began_at_the_end_of_a_late_window_is_explained_by_what_came_since() -> None:
    # the angry posts begin 20 s before the window's end: none of their words rose by then
    events = [ev for ev in crisis_then_quiet() if not ev.id.startswith("x")]
    end = T0 + 6600
    events += angry_posts(random.Random(5), end - 20, prefix="y", says="outage")
    events.sort(key=lambda e: e.ts)
    insight = BrandInsight(InsightConfig(keep_seconds=3600))
    for ev in events:
        if ev.ts < end + 480:  # the window closes 8 minutes late, the crisis still on
            insight.observe(ev)
    assert not insight.snapshots[end].get("terms")
    out = insight.explain(insight.window_mix(end - 60, end), end)
    assert [t["term"] for t in out["terms"]][:1] == ["outage"]
    assert out["terms_as_of"] > iso_utc(end)
    # the baseline it is compared with is still the one of the window's end
    assert out["sentiment"]["negative_share"]["before"] == round(
        insight.snapshots[end]["sentiment"]["negative_share"], 4
    )


def test_buckets_of_windows_not_closed_yet_are_held_until_released() -> None:
    config = InsightConfig(keep_seconds=600, lookback_seconds=300, hold_seconds=3600)
    insight = BrandInsight(config)
    insight.release(T0)  # windows are being closed: up to T0 so far
    events = stream(False)  # 100 minutes, none of their windows closed yet
    for ev in events[:300]:  # 50 minutes: all held (more than keep_seconds)
        insight.observe(ev)
    assert min(insight.buckets) == T0
    for ev in events[300:]:  # 100 minutes: held at most hold_seconds before the newest
        insight.observe(ev)
    newest = max(insight.buckets)
    assert min(insight.buckets) == newest - 3600
    insight.release(newest - 120)  # closed up to two minutes ago: back to keep_seconds
    assert min(insight.buckets) == newest - 600
    # and the state remembers how far windows are closed
    resumed = BrandInsight.from_json(orjson.loads(orjson.dumps(insight.to_json())), config)
    assert resumed.closed_until == newest - 120
