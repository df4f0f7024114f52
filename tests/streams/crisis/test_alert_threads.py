"""Crisis alert threads without Kafka: a brand's windows and alert threads over a synthetic day."""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator
from typing import Any

import orjson
import pytest

from streams.crisis import alert_threads
from streams.crisis.alert_threads import (
    AlertConfig,
    BrandCrisis,
    EpisodeTracker,
    new_alerting_state,
)
from streams.devstack.synthetic import CrisisDay, crisis_day
from streams.mentions.logic import parse_created_at
from streams.windowing.windows import Tally
from tests.streams.factories import brand_event as event

DAY0 = 1_790_000_000 - 1_790_000_000 % 86400  # a UTC midnight


def test_merge_langs_keeps_the_biggest_and_sums_the_rest() -> None:
    langs: dict[str, int] = {}
    alert_threads.merge_langs(langs, {f"l{i}": i + 1 for i in range(12)}, limit=4)
    assert langs == {"l11": 12, "l10": 11, "l9": 10, "other": sum(range(1, 10))}


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
    spec = alert_threads.window_spec(config)
    width = config.window_seconds
    crises = {b: BrandCrisis() for b in brands}
    for crisis in crises.values():
        crisis.windows.last_end = int(start)  # the first window opens at ``start``
    events = sorted(
        (
            event(m["id"], ts, sentiment_of[m["id"]], brand=m["id"].split("-")[-3])
            for m in mentions
            for ts in [parse_created_at(m["created_at"])]
        ),
        key=lambda e: e.ts,
    )
    alerts: dict[str, list[dict[str, Any]]] = {b: [] for b in brands}
    fed = 0
    for i in range(int(hours * 3600 // width)):
        watermark = start + (i + 1) * width  # one more window closes at each step
        while fed < len(events) and events[fed].ts < watermark:
            ev = events[fed]
            assert crises[ev.brand].add(spec, ev, config.samples)
            fed += 1
        for brand in brands:
            closed = crises[brand].close_due(
                tracker, watermark, 1, brand=brand, brand_name=brand.title(), wall_now=0
            )
            assert len(closed) == 1
            alerts[brand].extend(closed[0].alerts)
            # the state survives a trip through the table's JSON changelog
            saved = orjson.loads(orjson.dumps(crises[brand].to_json()))
            crises[brand] = BrandCrisis.from_json(saved)
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
    onset_window = alert_threads.window_spec(config).bucket(day.onset_ts)
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
    state = new_alerting_state()
    rng = random.Random(1)
    kinds = []
    for i in range(24 * 12):
        n = 120 if 14 * 12 <= i < 15 * 12 else rng.randint(8, 14)
        window = Tally()
        for j in range(n):
            sentiment = "negative" if j % 5 == 0 else "positive"
            window.add(event(f"m{i}-{j}", DAY0 + i * 300.0, sentiment), 5)
        start = DAY0 + i * 300
        closed = tracker.close(state, window, start, brand="acme", brand_name="Acme", wall_now=0)
        kinds += [(a["event"], a["kind"]) for a in closed.alerts]
    assert kinds[0] == ("opened", "volume_spike")
    assert kinds[-1] == ("resolved", "volume_spike")


def test_a_new_trigger_within_the_cooldown_reopens_the_same_thread() -> None:
    config = AlertConfig(window_seconds=300, resolve_windows=2, cooldown_seconds=3 * 3600)
    tracker = EpisodeTracker(config)
    state = new_alerting_state()
    rng = random.Random(2)
    events = []
    # the same burst again two hours later: a second crisis the same day must be heard
    bursts = {14 * 12: 150, 14 * 12 + 1: 150, 16 * 12: 150, 16 * 12 + 1: 150}
    for i in range(24 * 12):
        n = bursts.get(i) or rng.randint(8, 14)
        window = Tally()
        for j in range(n):
            window.add(event(f"m{i}-{j}", DAY0 + i * 300.0, "negative"), 5)
        start = DAY0 + i * 300
        closed = tracker.close(state, window, start, brand="acme", brand_name="Acme", wall_now=0)
        events += closed.alerts
    assert [a["event"] for a in events][:4] == ["opened", "resolved", "reopened", "resolved"]
    assert len({a["id"] for a in events}) == 1
    assert alert_threads.describe(events[0]).startswith("Acme volume spike opened")


# ----------------------------------------------------------------------------- multi-scale
def test_a_small_brands_crisis_is_caught_at_a_wider_width_as_one_thread() -> None:
    # 150 mentions an hour: 2-3 a minute, a crisis adds 7 negative ones a minute for 45 min;
    # in one-minute windows alone it stays under the detector's alert gates (the detector's
    # widths alone: the count test, which hears it at one minute, is off)
    day = crisis_day(
        start_ts=DAY0, hours=24, per_hour=150.0, crisis_per_hour=3 * 150.0, crisis_minutes=45
    )
    seen = {}
    for scales in ((1,), (1, 5, 15)):
        seen[scales] = run_day(
            day.mentions,
            sentiments(day, 0.2),
            brands=("acme", "globex"),
            config=AlertConfig(window_seconds=60, scales=scales, count_test=None),
            start=DAY0,
            hours=24,
        )
    assert seen[(1,)]["acme"] == []
    acme = seen[(1, 5, 15)]["acme"]
    assert seen[(1, 5, 15)]["globex"] == []
    assert acme and len({a["id"] for a in acme}) == 1  # one crisis, one thread
    first = acme[0]
    assert first["event"] == "opened" and first["kind"] == "negative_surge"
    assert first["window"]["seconds"] in (300, 900)
    opened_end = parse_created_at(first["window"]["end"])
    assert day.onset_ts < opened_end <= day.onset_ts + 2 * first["window"]["seconds"]
    assert acme[-1]["event"] == "resolved"
    assert parse_created_at(acme[-1]["resolved_at"]) > day.end_ts


def test_a_big_brands_noise_does_not_alert_at_any_width() -> None:
    day = crisis_day(start_ts=DAY0, hours=24, per_hour=3000.0, crisis_per_hour=0.0, seed=7)
    alerts = run_day(
        day.mentions,
        sentiments(day, 0.2),
        brands=("acme", "globex"),
        config=AlertConfig(window_seconds=60, scales=(1, 5, 15)),
        start=DAY0,
        hours=24,
    )
    assert alerts == {"acme": [], "globex": []}


def test_wider_windows_sum_their_windows_and_close_with_the_last() -> None:
    config = AlertConfig(window_seconds=60, scales=(1, 5))
    tracker = EpisodeTracker(config)
    state = new_alerting_state()
    wider = []
    start0 = DAY0 + 120  # the brand starts mid-way in a 5-minute window: that one is partial
    for i in range(13):
        window = Tally()
        for j in range(i + 1):
            window.add(event(f"m{i}-{j}", start0 + i * 60.0, "neutral"), 5)
        closed = tracker.close(
            state, window, start0 + i * 60, brand="acme", brand_name="Acme", wall_now=0
        )
        wider.append({k: d["volume"].observed for k, d in closed.wider.items()})
    # windows 0-2 complete the partial one (no detection), 3-7 and 8-12 two full ones
    assert [i for i, w in enumerate(wider) if w] == [7, 12]
    assert wider[7] == {5: sum(range(4, 9))} and wider[12] == {5: sum(range(9, 14))}


def test_a_state_saved_before_the_wider_widths_still_loads_and_learns_them() -> None:
    config = AlertConfig(window_seconds=60)
    tracker = EpisodeTracker(config)
    state = new_alerting_state()
    for i in range(5):
        tracker.close(
            state, Tally(mentions=3), DAY0 + i * 60, brand="a", brand_name="A", wall_now=0
        )
    old = orjson.loads(orjson.dumps(state))
    del old["scales"]  # as saved before multi-scale windows
    crisis = BrandCrisis.from_json({"windows": {}, "alerting": old})
    closed = tracker.close(
        crisis.alerting, Tally(mentions=3), DAY0 + 5 * 60, brand="a", brand_name="A", wall_now=0
    )
    assert closed.detections["volume"].observed == 3
    assert set(crisis.alerting["scales"]) == {"5", "15"}


def test_the_default_scales_are_the_settings_default_and_bad_ones_are_refused() -> None:
    """Settings import nothing from the domains, so the default is written twice."""
    from pydantic import ValidationError

    from streams.config import Settings

    assert Settings().crisis_scale_factors == AlertConfig().scales
    assert Settings(crisis_scales="15, 1,5").crisis_scales == "1,5,15"
    for bad in ("5,15", "1,x", "0,1", ""):
        with pytest.raises(ValidationError):
            Settings(crisis_scales=bad)
    with pytest.raises(ValueError, match="scales"):
        AlertConfig(scales=(5,))


def test_with_wider_widths_the_narrow_one_needs_a_clearer_score() -> None:
    from streams.crisis.detector import Detection

    quiet = Detection(0.1, 50.0, 50.0, False, True)
    rise = Detection(0.61, 40.0, 5.0, True, True)  # 8x expected, just over the 0.6 threshold
    d = {"volume": quiet, "negative": rise}
    # the detector's rule alone
    alone = EpisodeTracker(AlertConfig(scales=(1,), count_test=None))
    multi = EpisodeTracker(AlertConfig(scales=(1, 5, 15), narrow_margin=0.03, count_test=None))
    assert alone._trigger(d, 0.6, 0.2) == "negative_surge"
    assert multi._trigger(d, 0.6, 0.2, scale=1) is None  # a chance burst, left to 5 and 15 min
    assert multi._trigger(d, 0.6, 0.2, scale=5) == "negative_surge"
    clear = {"volume": quiet, "negative": Detection(0.64, 40.0, 5.0, True, True)}
    assert multi._trigger(clear, 0.6, 0.2, scale=1) == "negative_surge"


def test_a_volume_spike_opens_at_five_minutes_or_more_or_at_the_obvious_ratio() -> None:
    from streams.crisis.detector import Detection

    quiet = Detection(0.1, 5.0, 5.0, False, True)
    rise = {"volume": Detection(0.9, 40.0, 5.0, True, True), "negative": quiet}  # 8x
    obvious = {"volume": Detection(0.9, 61.0, 5.0, True, True), "negative": quiet}  # 12.2x
    multi = EpisodeTracker(AlertConfig(window_seconds=60, scales=(1, 5, 15)))
    # a one-minute burst of all posts is left to the 5-minute width, unless obvious
    assert multi._trigger(rise, 0.2, 0.2, scale=1) is None
    assert multi._trigger(obvious, 0.2, 0.2, scale=1) == "volume_spike"
    assert multi._trigger(rise, 0.2, 0.2, scale=5) == "volume_spike"
    # a negative surge opens at one minute as before
    negative = {"volume": rise["volume"], "negative": Detection(0.9, 30.0, 2.0, True, True)}
    assert multi._trigger(negative, 0.75, 0.2, scale=1) == "negative_surge"
    # no wider width watched, or 5-minute windows: the window's own width
    alone = EpisodeTracker(AlertConfig(window_seconds=60, scales=(1,)))
    assert alone._trigger(rise, 0.2, 0.2, scale=1) == "volume_spike"
    five = EpisodeTracker(AlertConfig(window_seconds=300, scales=(1, 5, 15)))
    assert five._trigger(rise, 0.2, 0.2, scale=1) == "volume_spike"
    every = EpisodeTracker(AlertConfig(window_seconds=60, volume_spike_seconds=60))
    assert every._trigger(rise, 0.2, 0.2, scale=1) == "volume_spike"


# ----------------------------------------------------------------------------- the count test
def moderate_crises(
    config: AlertConfig,
) -> Iterator[tuple[CrisisDay, dict[str, list[dict[str, Any]]]]]:
    """Three days of 150 mentions an hour, 20% negative, each with a moderate crisis (as many
    angry posts again as the brand's whole normal rate: negative posts go from ~2.5 to ~15 per
    5 minutes) at another hour; each day with the alerts ``config`` gives."""
    for seed in range(3):
        day = crisis_day(
            start_ts=DAY0,
            hours=24,
            per_hour=150.0,
            crisis_at_hour=10.0 + 4 * seed,
            crisis_minutes=30,
            crisis_per_hour=150.0,
            seed=40 + seed,
        )
        alerts = run_day(
            day.mentions,
            sentiments(day, 0.2),
            brands=("acme", "globex"),
            config=config,
            start=DAY0,
            hours=24,
        )
        yield day, alerts


def test_the_count_test_catches_a_small_brands_moderate_crisis_within_two_5_minute_windows() -> (
    None
):
    caught = 0
    for day, alerts in moderate_crises(AlertConfig(window_seconds=60)):
        assert alerts["globex"] == []
        opened = [a for a in alerts["acme"] if a["event"] == "opened"]
        assert len(opened) <= 1
        if opened and opened[0]["kind"] == "negative_surge":
            end = parse_created_at(opened[0]["window"]["end"])
            caught += day.onset_ts < end <= day.onset_ts - day.onset_ts % 300 + 600
    assert caught == 3


def test_without_the_count_test_the_same_crises_are_caught_later_or_not_at_all() -> None:
    late = 0
    for day, alerts in moderate_crises(AlertConfig(window_seconds=60, count_test=None)):
        opened = [a for a in alerts["acme"] if a["event"] == "opened"]
        on = day.onset_ts - day.onset_ts % 300 + 600
        late += not opened or parse_created_at(opened[0]["window"]["end"]) > on
    assert late >= 1


@pytest.mark.parametrize("per_hour", [60.0, 150.0, 600.0])
def test_the_count_test_raises_nothing_on_days_of_ordinary_noise(per_hour: float) -> None:
    for seed in range(3):
        day = crisis_day(
            start_ts=DAY0, hours=24, per_hour=per_hour, crisis_per_hour=0.0, seed=70 + seed
        )
        alerts = run_day(
            day.mentions,
            sentiments(day, 0.2),
            brands=("acme", "globex"),
            config=AlertConfig(window_seconds=60),
            start=DAY0,
            hours=24,
        )
        assert alerts == {"acme": [], "globex": []}


def test_the_count_test_runs_at_the_narrowest_width_of_count_test_seconds_or_more() -> None:
    at = alert_threads._count_test_at
    assert [k for k in (1, 5, 15) if at(AlertConfig(), k)] == [1]  # one minute
    assert at(AlertConfig(scales=(1,)), 1)
    assert [k for k in (1,) if at(AlertConfig(window_seconds=300, scales=(1,)), k)] == [1]
    assert [k for k in (1, 5, 15) if at(AlertConfig(count_test_seconds=300), k)] == [5]
    assert not at(AlertConfig(count_test_seconds=300, scales=(1,)), 1)
    assert not any(at(AlertConfig(count_test=None), k) for k in (1, 5, 15))
