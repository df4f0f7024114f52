"""Crisis logic without Kafka: windows, the stream clock, alert threads over a synthetic day."""

from __future__ import annotations

import random
from collections.abc import Iterable
from typing import Any

import orjson
import pytest

from streams.crisis import logic
from streams.crisis.logic import AlertConfig, EpisodeTracker
from streams.mentions.logic import parse_created_at
from streams.synthetic import crisis_day

DAY0 = 1_790_000_000 - 1_790_000_000 % 86400  # a UTC midnight


def event(mid: str, ts: float, sentiment: str = "neutral", **extra: Any) -> dict[str, Any]:
    base = {
        "brand": "acme",
        "tagged": False,
        "id": mid,
        "ts": ts,
        "created_at": logic.iso_utc(ts),
        "sentiment": sentiment,
        "lang": "en",
        "followers": 10,
        "engagement": 0,
        "author": "@a",
        "url": f"https://x/{mid}",
        "text": "t",
    }
    return {**base, **extra}


# ----------------------------------------------------------------------------- brand events
def test_brand_events_one_per_brand_with_reach_and_snippet() -> None:
    enriched = {
        "id": "m1",
        "text": "x" * 2000,
        "created_at": "2026-11-01T12:00:00.000Z",
        "author": {"handle": "@ana", "followers": 120},
        "engagement": {"likes": 3, "shares": 2, "replies": 1},
        "url": "https://x/m1",
        "lang": "hr",
        "sentiment": "negative",
        "brands": [{"id": "acme", "tagged": True}, {"id": "globex", "tagged": False}],
    }
    out = logic.brand_events(enriched, 1_790_000_000.5)
    assert [b for b, _ in out] == ["acme", "globex"]
    acme, globex = (e for _, e in out)
    assert acme["tagged"] is True and globex["tagged"] is False
    assert acme["ts"] == 1_790_000_000.5 and acme["engagement"] == 6
    assert logic.reach(acme) == 126
    assert len(acme["text"]) == logic.SAMPLE_TEXT_CHARS
    assert logic.brand_events({**enriched, "brands": []}, 0.0) == []


def test_window_counts_and_keeps_top_samples_by_reach() -> None:
    window = logic.new_window()
    for i, (sentiment, followers) in enumerate(
        [("negative", 5), ("positive", 500), ("negative", 900), ("neutral", 50), ("negative", 70)]
    ):
        logic.add_to_window(
            window, event(f"m{i}", 0.0, sentiment, followers=followers, lang="es"), top_k=2
        )
    logic.add_to_window(window, event("m2", 0.0, "negative", followers=900), top_k=2)  # dup id
    assert window["mentions"] == 6 and window["negative"] == 4 and window["positive"] == 1
    assert [s["id"] for s in window["samples"]] == ["m2", "m1"]
    assert [s["id"] for s in window["negative_samples"]] == ["m2", "m4"]
    assert window["langs"] == {"es": 5, "en": 1}
    assert window["untagged"] == 6
    orjson.dumps(window)  # lives in a table: JSON only


def test_merge_langs_keeps_the_biggest_and_sums_the_rest() -> None:
    langs: dict[str, int] = {}
    logic.merge_langs(langs, {f"l{i}": i + 1 for i in range(12)}, limit=4)
    assert langs == {"l11": 12, "l10": 11, "l9": 10, "other": sum(range(1, 10))}


# ----------------------------------------------------------------------------- clock
def test_stream_clock_follows_events_then_the_wall() -> None:
    clock = logic.advance_clock(None, 1000.0, wall_now=5000.0)
    clock = logic.advance_clock(clock, 990.0, wall_now=5001.0)  # older event: no change
    assert clock == {"event_ts": 1000.0, "wall": 5000.0}
    assert logic.stream_time(clock, 5030.0) == 1030.0
    # a timestamp from the far future does not move the clock beyond the allowed skew
    clock = logic.advance_clock(clock, 99_999.0, wall_now=5040.0, max_skew=60.0)
    assert clock["event_ts"] == 5100.0


@pytest.mark.parametrize(
    ("now", "expected"), [(1000 + 60 + 119, 0), (1000 + 60 + 120, 1), (1000 + 600 + 120, 10)]
)
def test_windows_close_after_their_end_plus_lateness(now: float, expected: int) -> None:
    assert logic.due_windows(1000, 60, 120.0, now, limit=100) == expected
    assert logic.due_windows(1000, 60, 120.0, 10**9, limit=7) == 7


# ----------------------------------------------------------------------------- alert threads
def run_day(
    mentions: Iterable[dict[str, Any]],
    sentiment_of: dict[str, str],
    *,
    brands: tuple[str, ...],
    config: AlertConfig,
    start: float,
    hours: float,
) -> dict[str, list[dict[str, Any]]]:
    """Feed brand events through windows and trackers the way the agent does (one partition)."""
    tracker = EpisodeTracker(config)
    width = config.window_seconds
    wins: dict[tuple[str, int], dict[str, Any]] = {}
    for m in mentions:
        ts = parse_created_at(m["created_at"])
        brand = m["id"].split("-")[-3]
        ev = event(m["id"], ts, sentiment_of[m["id"]], brand=brand)
        key = (brand, logic.window_start(ts, width))
        logic.add_to_window(wins.setdefault(key, logic.new_window()), ev, config.samples)
    alerts: dict[str, list[dict[str, Any]]] = {b: [] for b in brands}
    states = {b: logic.new_brand_state(int(start)) for b in brands}
    for _ in range(int(hours * 3600 // width)):
        for brand in brands:
            state = states[brand]
            window = wins.pop((brand, state["cursor"]), None) or logic.new_window()
            closed = tracker.close(state, window, brand=brand, brand_name=brand.title(), wall_now=0)
            alerts[brand].extend(closed.alerts)
            # the state survives a trip through the table's JSON changelog
            states[brand] = orjson.loads(orjson.dumps(state))
    return alerts


def sentiments(day: Any, negative_share: float, seed: int = 3) -> dict[str, str]:
    rng = random.Random(seed)
    out = {}
    for m in day.mentions:
        if m["id"] in day.crisis_ids:
            out[m["id"]] = "negative"
        else:
            roll = rng.random()
            out[m["id"]] = (
                "negative" if roll < negative_share else "positive" if roll < 0.6 else "neutral"
            )
    return out


@pytest.mark.parametrize(
    ("width", "per_hour"),
    [(60, 600.0), (300, 150.0)],  # minute windows for a big brand, 5-minute ones for a small one
)
def test_a_negative_crisis_is_one_thread_opened_early_and_resolved(
    width: int, per_hour: float
) -> None:
    day = crisis_day(start_ts=DAY0, hours=24, per_hour=per_hour, crisis_per_hour=3 * per_hour)
    config = AlertConfig(window_seconds=width)
    alerts = run_day(
        day.mentions,
        sentiments(day, 0.2),
        brands=("acme", "globex"),
        config=config,
        start=DAY0,
        hours=24,
    )
    assert alerts["globex"] == []
    acme = alerts["acme"]
    assert acme, "the crisis was not detected"
    assert len({a["id"] for a in acme}) == 1  # one crisis, one thread
    first, last = acme[0], acme[-1]
    assert first["event"] == "opened" and first["kind"] == "negative_surge"
    onset_window = logic.window_start(day.onset_ts, width)
    opened_window = parse_created_at(first["window"]["start"])
    assert onset_window <= opened_window < onset_window + 3 * width
    assert first["observed"] > first["expected"]
    assert first["negative_share"]["observed"] > first["negative_share"]["expected"]
    crisis_samples = [s for s in first["samples"] if s["id"] in day.crisis_ids]
    assert len(crisis_samples) >= 3 and all(s["url"] for s in first["samples"])
    assert last["event"] == "resolved" and last["status"] == "resolved"
    assert parse_created_at(last["resolved_at"]) > day.end_ts
    assert [a["sequence"] for a in acme] == list(range(1, len(acme) + 1))
    assert all(a["event"] == "updated" for a in acme[1:-1])
    assert len(acme) <= 2 + (day.end_ts - day.onset_ts) / width / config.update_windows + 3


@pytest.mark.parametrize(("width", "per_hour"), [(60, 600.0), (300, 150.0), (60, 60.0)])
def test_a_day_without_crisis_raises_nothing_even_while_learning(
    width: int, per_hour: float
) -> None:
    day = crisis_day(start_ts=DAY0, hours=24, per_hour=per_hour, crisis_per_hour=0.0, seed=5)
    alerts = run_day(
        day.mentions,
        sentiments(day, 0.25),
        brands=("acme", "globex"),
        config=AlertConfig(window_seconds=width),
        start=DAY0,
        hours=24,
    )
    assert alerts == {"acme": [], "globex": []}


def test_a_volume_spike_with_a_normal_negative_share_is_not_a_negative_surge() -> None:
    config = AlertConfig(window_seconds=300)
    tracker = EpisodeTracker(config)
    state = logic.new_brand_state(DAY0)
    rng = random.Random(1)
    kinds = []
    for i in range(24 * 12):
        n = 120 if 14 * 12 <= i < 15 * 12 else rng.randint(8, 14)
        window = logic.new_window()
        for j in range(n):
            sentiment = "negative" if j % 5 == 0 else "positive"
            logic.add_to_window(window, event(f"m{i}-{j}", DAY0 + i * 300.0, sentiment), 5)
        closed = tracker.close(state, window, brand="acme", brand_name="Acme", wall_now=0)
        kinds += [(a["event"], a["kind"]) for a in closed.alerts]
    assert kinds[0] == ("opened", "volume_spike")
    assert kinds[-1] == ("resolved", "volume_spike")


def test_a_new_trigger_within_the_cooldown_reopens_the_same_thread() -> None:
    config = AlertConfig(window_seconds=300, resolve_windows=2, cooldown_seconds=3 * 3600)
    tracker = EpisodeTracker(config)
    state = logic.new_brand_state(DAY0)
    rng = random.Random(2)
    events = []
    # the same burst again two hours later: a second crisis the same day must be heard
    bursts = {14 * 12: 150, 14 * 12 + 1: 150, 16 * 12: 150, 16 * 12 + 1: 150}
    for i in range(24 * 12):
        n = bursts.get(i) or rng.randint(8, 14)
        window = logic.new_window()
        for j in range(n):
            logic.add_to_window(window, event(f"m{i}-{j}", DAY0 + i * 300.0, "negative"), 5)
        closed = tracker.close(state, window, brand="acme", brand_name="Acme", wall_now=0)
        events += closed.alerts
    assert [a["event"] for a in events][:4] == ["opened", "resolved", "reopened", "resolved"]
    assert len({a["id"] for a in events}) == 1
    assert logic.describe(events[0]).startswith("Acme volume spike opened")
