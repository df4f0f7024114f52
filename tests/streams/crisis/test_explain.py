"""Rising terms by log-odds against the brand's baseline."""

from __future__ import annotations

import math
import random

import pytest

from streams.crisis.explain import ExplainConfig, TermTrends, log_odds_z
from streams.crisis.sketches import DecayedHeavyHitters

WORDS = [f"w{i}" for i in range(400)]


def background(trends: TermTrends, rng: random.Random, start: float, hours: float) -> float:
    ts = start
    while ts < start + hours * 3600:
        trends.add(rng.sample(WORDS[:200], 6), "en", ts, rng.choice(("negative", "neutral")))
        trends.add(rng.sample(WORDS[200:], 6), "es", ts, "neutral")
        ts += 20.0
    return ts


def test_log_odds_z_grows_with_the_rise_and_the_evidence() -> None:
    same = log_odds_z(10, 1000, 100, 10_000, 5.0, 500)
    assert abs(same) < 0.5
    assert log_odds_z(50, 1000, 100, 10_000, 5.0, 500) > 5
    assert log_odds_z(100, 2000, 100, 10_000, 5.0, 500) > log_odds_z(
        50, 1000, 100, 10_000, 1.0, 500
    )
    assert log_odds_z(5, 1000, 100, 10_000, 5.0, 500) < 0


def test_a_crisis_term_rises_and_usual_words_do_not() -> None:
    rng = random.Random(7)
    trends = TermTrends()
    ts = background(trends, rng, 1_000_000.0, 12)
    end = ts + 600
    while ts < end:
        # the usual traffic goes on; a third of the English posts name the outage
        trends.add(rng.sample(WORDS[:200], 6), "en", ts, "neutral")
        trends.add(rng.sample(WORDS[200:], 6), "es", ts, "neutral")
        if rng.random() < 0.5:
            trends.add(["outage", "#acmedown", *rng.sample(WORDS[:200], 4)], "en", ts, "negative")
        ts += 20.0
    rising = trends.rising(ts)
    top = [(r.term, r.lang) for r in rising[:2]]
    assert set(top) == {("outage", "en"), ("#acmedown", "*")}
    assert all(r.term in {"outage", "#acmedown"} for r in rising)
    outage = next(r for r in rising if r.term == "outage")
    assert outage.share > 10 * outage.baseline_share
    assert outage.to_json()["kind"] == "term"
    tag = next(r for r in rising if r.term == "#acmedown").to_json()
    assert tag["kind"] == "hashtag" and tag["lang"] is None


def test_quiet_traffic_raises_nothing() -> None:
    rng = random.Random(3)
    trends = TermTrends()
    ts = background(trends, rng, 1_000_000.0, 12)
    assert trends.rising(ts) == []


def test_the_baseline_sentiment_and_inauthentic_share() -> None:
    trends = TermTrends()
    for i in range(100):
        trends.add(["a"], "en", 1000.0 + i, "negative" if i % 4 == 0 else "positive")
    for i in range(25):
        trends.add([], "en", 1100.0 + i, "negative", inauthentic=True)
    sentiment = trends.sentiment(1125.0)
    assert sentiment["negative_share"] == pytest.approx(0.25, abs=0.01)
    assert sentiment["net"] == pytest.approx(0.5, abs=0.01)
    assert trends.usual_inauthentic_share(1125.0) == pytest.approx(0.2, abs=0.01)


def test_state_is_bounded_and_round_trips() -> None:
    import orjson

    rng = random.Random(5)
    trends = TermTrends()
    ts = 1_000_000.0
    for i in range(5000):
        trends.add(
            [f"t{rng.randrange(20_000)}" for _ in range(8)] + ["acme"], "en", ts + i, "neutral"
        )
    data = orjson.loads(orjson.dumps(trends.to_json()))
    # the baseline holds up to 4 x 1,024 terms between prunes, and is saved as held (the
    # recent counts as single floats): under 100 KB in all
    assert len(orjson.dumps(data)) < 100_000
    back = TermTrends.from_json(data)
    cfg = ExplainConfig()
    assert len(back.baseline.counts) <= cfg.baseline_slack * cfg.baseline_k
    assert set(back.baseline.counts) == set(trends.baseline.counts)
    assert len(back.recent.keys) <= 2 * cfg.recent_k
    assert back.recent.keys == trends.recent.keys
    assert back.newest == trends.newest == ts + 4999
    assert back.recent.get("en|acme", ts + 5000) == pytest.approx(
        trends.recent.get("en|acme", ts + 5000), rel=0.01
    )
    # saved again, nothing changes
    assert orjson.loads(orjson.dumps(back.to_json())) == data


def test_count_min_heavy_hitters_are_close_to_the_truth() -> None:
    rng = random.Random(11)
    s = DecayedHeavyHitters(k=8, half_life=1e9)
    truth: dict[str, int] = {}
    for _ in range(30_000):
        key = f"h{rng.randrange(6)}" if rng.random() < 0.3 else f"n{rng.randrange(20_000)}"
        truth[key] = truth.get(key, 0) + 1
        s.add([key], s.weight(0.0))
    top = dict(s.top(0.0, 6))
    assert set(top) == {f"h{i}" for i in range(6)}
    for key, est in top.items():
        assert truth[key] <= est <= truth[key] * 1.05
    assert not math.isnan(s.get("nothing", 0.0))
