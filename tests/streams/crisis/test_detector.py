"""Behaviour of the streaming crisis detector."""

from __future__ import annotations

import json
import math
import time
from dataclasses import replace

import numpy as np
import pytest

from streams.crisis.detector import DEFAULT_CONFIG, Detection, Detector, config_from_overrides

DAY = 86400
STEP = 300  # 5-minute windows
T0 = 1_700_006_400  # a UTC midnight
PER_DAY = DAY // STEP


def seasonal_counts(
    seed: int,
    days: int = 2,
    base: float = 8.0,
    size: float = 5.0,
    surge_at: int | None = None,
    surge_len: int = 12,
    mult: float = 5.0,
) -> list[tuple[float, float]]:
    """Negative-binomial mention counts per 5-minute window with a daily cycle.

    The mean follows a daily sine (peak in the afternoon, quiet at night); variance is
    ``mean + mean**2 / size`` (overdispersed). An optional surge multiplies the mean by
    ``mult`` for ``surge_len`` windows.
    """
    rng = np.random.default_rng(seed)
    out = []
    for i in range(days * PER_DAY):
        ts = T0 + STEP * i
        hour = (ts % DAY) / 3600
        mean = base * (1 + 0.8 * math.sin(2 * math.pi * (hour - 9) / 24)) + 0.2
        if surge_at is not None and surge_at <= i < surge_at + surge_len:
            mean *= mult
        out.append((float(ts), float(rng.negative_binomial(size, size / (size + mean)))))
    return out


def run(series: list[tuple[float, float]], det: Detector | None = None) -> list[Detection]:
    det = det or Detector()
    return [det.update(t, v) for t, v in series]


def alerts(results: list[Detection]) -> list[int]:
    return [i for i, d in enumerate(results) if d.alert]


SURGE = PER_DAY + 10 * 12  # day 2, 10:00


def first_alert_delay(seed: int, **kw: float) -> int | None:
    fired = [i for i in alerts(run(seasonal_counts(seed, surge_at=SURGE, **kw))) if i >= SURGE]
    return fired[0] - SURGE if fired else None


def test_count_surge_alerts_within_three_windows() -> None:
    results = run(seasonal_counts(1, surge_at=SURGE))
    fired = alerts(results)
    assert fired, "the surge was not detected"
    assert SURGE <= fired[0] <= SURGE + 3, fired
    onset = results[fired[0]]
    assert onset.observed > 2 * onset.expected  # explainable: observed far above expected


def test_count_surges_are_detected_early_over_many_seeds() -> None:
    # NB surges are noisy themselves (the first surge window can be only 2-3x the normal level)
    delays = [first_alert_delay(seed) for seed in range(20)]
    assert all(d is not None and d < 12 for d in delays), delays  # every surge, while it lasts
    assert sum(d is not None and d <= 3 for d in delays) >= 15, delays


def test_same_traffic_without_surge_never_alerts() -> None:
    results = run(seasonal_counts(1))
    assert alerts(results) == []
    assert max(d.score for d in results[PER_DAY:]) < DEFAULT_CONFIG.alert_threshold


def test_false_alerts_are_rare_over_many_seeds() -> None:
    # 20 series of two days of overdispersed traffic, all levels: few have any alert at all
    with_alert = 0
    for seed in range(20):
        base = (3.0, 8.0, 20.0)[seed % 3]
        with_alert += bool(alerts(run(seasonal_counts(100 + seed, base=base))))
    assert with_alert <= 3


def test_no_alert_during_cold_start_even_on_a_jumpy_start() -> None:
    # the very first hours: few points, scales not learnt yet; the traffic ramps up quickly
    series = seasonal_counts(4, days=1, base=15.0)
    shifted = [(T0 + 6 * 3600 + STEP * i, v) for i, (_, v) in enumerate(series)]
    results = run(shifted[: 4 * 12])  # the first four hours
    assert not any(d.alert for d in results)
    assert not results[0].warm and results[-1].warm


@pytest.mark.parametrize("mean", [1.0, 3.0])
def test_low_poisson_counts_do_not_alert(mean: float) -> None:
    rng = np.random.default_rng(7)
    det = Detector()
    results = [det.update(T0 + STEP * i, float(rng.poisson(mean))) for i in range(3 * PER_DAY)]
    assert alerts(results) == []


def test_low_counts_still_alert_on_a_real_surge() -> None:
    rng = np.random.default_rng(8)
    det = Detector()
    values = [float(rng.poisson(1.5)) for _ in range(2 * PER_DAY)]
    onset = PER_DAY + 100
    for i in range(onset, onset + 12):
        values[i] = float(rng.poisson(15.0))
    fired = alerts([det.update(T0 + STEP * i, v) for i, v in enumerate(values)])
    assert fired and onset <= fired[0] <= onset + 3


def test_scores_in_unit_interval_and_expected_tracks_the_level() -> None:
    results = run(seasonal_counts(5, days=2, base=20.0))
    assert all(0.0 <= d.score <= 1.0 for d in results)
    # mid-afternoon of day 2: the expectation follows the daily cycle (mean ~ 35), not the
    # night-time level (~ 4)
    afternoon = results[PER_DAY + 15 * 12 : PER_DAY + 16 * 12]
    assert 20 < sum(d.expected for d in afternoon) / len(afternoon) < 50


def test_seasonal_dip_is_detected_against_the_daily_profile() -> None:
    # a clean daily square wave (20 at night, 80 in the day) whose day 4 stays at night level
    rng = np.random.default_rng(9)
    series = []
    for i in range(5 * PER_DAY):
        ts = T0 + STEP * i
        day_time = 9 <= (ts % DAY) / 3600 < 18
        missing = 3 * PER_DAY <= i < 4 * PER_DAY
        level = 80.0 if day_time and not missing else 20.0
        series.append((float(ts), level + float(rng.normal(0, 1.0))))
    results = run(series)
    fired = alerts(results)
    nine_am = 3 * PER_DAY + 9 * 12
    assert any(nine_am <= i <= nine_am + 3 for i in fired), fired
    # the ordinary daily jumps (09:00 up, 18:00 down) of days 2 and 3 do not alert once learnt
    jumps = [d * PER_DAY + h * 12 for d in (1, 2) for h in (9, 18)]
    assert not [i for i in fired if any(j <= i <= j + 6 for j in jumps)], fired


def test_level_shift_alerts_once_then_is_absorbed() -> None:
    rng = np.random.default_rng(10)
    values = [100 + rng.normal(0, 2) for _ in range(2000)] + [
        130 + rng.normal(0, 2) for _ in range(1500)
    ]
    det = Detector()
    results = [det.update(T0 + 60 * i, v) for i, v in enumerate(values)]
    fired = alerts(results)
    assert fired and 2000 <= fired[0] <= 2003
    # learnt as the new normal: no sustained alerting (at most an isolated new all-time high
    # of the new level), and the expectation follows
    assert len([i for i in fired if i >= 2100]) <= 2, fired
    assert abs(results[-1].expected - 130) < 3
    assert max(d.score for d in results[2500:]) < 1.0


def test_state_round_trip_continues_identically() -> None:
    series = seasonal_counts(11, days=2, surge_at=SURGE)
    cut = PER_DAY + 37
    whole = run(series)
    det = Detector()
    first = [det.update(t, v) for t, v in series[:cut]]
    state = json.loads(json.dumps(det.to_state()))  # JSON-serialisable, as orjson would
    assert len(json.dumps(state)) < 6000
    resumed = Detector.from_state(state)
    rest = [resumed.update(t, v) for t, v in series[cut:]]
    assert first + rest == whole


def test_state_round_trip_for_real_valued_series() -> None:
    rng = np.random.default_rng(12)
    series = [
        (T0 + 60.0 * i, 5.0 + math.sin(i / 50) + float(rng.normal(0, 0.1))) for i in range(3000)
    ]
    whole = run(series)
    det = Detector()
    first = [det.update(t, v) for t, v in series[:1234]]
    resumed = Detector.from_state(json.loads(json.dumps(det.to_state())))
    assert first + [resumed.update(t, v) for t, v in series[1234:]] == whole


def test_state_of_version_2_resumes_with_the_slow_shift_channel_starting_afresh() -> None:
    """A state saved before the slow shift channel (v2) loads: everything else continues."""
    series = seasonal_counts(11, days=2, surge_at=SURGE)
    cut = PER_DAY + 37
    # neither the channel nor the quiet period (v4) plays a part: exact
    cfg = replace(DEFAULT_CONFIG, slow_shift_weight=0.0, refractory_steps=0)
    whole = run(series, Detector(cfg))
    det = Detector(cfg)
    first = [det.update(t, v) for t, v in series[:cut]]
    state = det.to_state()
    old = {k: v for k, v in state.items() if "slow_shift" not in k and "quiet" not in k}
    old["v"] = 2
    resumed = Detector.from_state(json.loads(json.dumps(old)), cfg)
    assert resumed.to_state()["v"] == state["v"] == 4
    assert resumed.slow_shift == resumed.peak_slow_shift == resumed.fast_peak_slow_shift == 0.0
    assert first + [resumed.update(t, v) for t, v in series[cut:]] == whole
    # with the shipped settings the channel simply starts learning
    d = Detector.from_state(old)
    assert all(0.0 <= d.update(t, v).score <= 1.0 for t, v in series[cut:])


def test_state_of_version_3_resumes_with_no_quiet_period_running() -> None:
    """A state saved before the quiet period (v3) loads: no quiet period is running, the
    rest continues exactly; one saved in a quiet period (v4) resumes inside it."""
    series, first = burst_series(gap=24, second=300.0)
    whole = run(series)
    assert alerts(whole) == [first]  # the 2x repeat two hours later falls in the quiet period
    cut = first + 6
    det = Detector()
    head = [det.update(t, v) for t, v in series[:cut]]
    state = json.loads(json.dumps(det.to_state()))
    # the quiet period counts from the burst's second (also alert-level) window
    assert state["v"] == 4 and state["quiet"] == DEFAULT_CONFIG.refractory_steps - 5
    resumed = Detector.from_state(state)
    assert head + [resumed.update(t, v) for t, v in series[cut:]] == whole
    old = {k: v for k, v in state.items() if "quiet" not in k} | {"v": 3}
    resumed = Detector.from_state(old)
    assert resumed.quiet == 0 and resumed.quiet_peak == 0.0
    assert resumed.to_state()["v"] == 4
    rest = [resumed.update(t, v) for t, v in series[cut:]]
    assert alerts(head + rest) == [first, first + 24]  # as without the quiet period
    no_quiet = replace(DEFAULT_CONFIG, refractory_steps=0)
    assert alerts(run(series, Detector(no_quiet))) == [first, first + 24]


def test_quiet_period_after_an_alert_holds_a_repeat_but_not_a_bigger_event() -> None:
    """After an alert, a burst twice its size within the quiet period (48 windows) is not
    news again (it would be without the quiet period); one four times its size is, and after
    the quiet period the twice-as-big one alerts again."""
    no_quiet = replace(DEFAULT_CONFIG, refractory_steps=0)
    for gap in (12, 36, 48):
        series, first = burst_series(gap=gap, second=300.0)
        assert alerts(run(series)) == [first], gap
        assert alerts(run(series, Detector(no_quiet))) == [first, first + gap], gap
        series, first = burst_series(gap=gap, second=600.0)
        assert alerts(run(series)) == [first, first + gap], gap
    series, first = burst_series(gap=60, second=300.0)
    assert alerts(run(series)) == [first, first + 60]


def test_slow_shift_channel_catches_more_lasting_moderate_rises() -> None:
    """A three-hour rise of 1.6x, which no single 5-minute window shows above the noise of
    overdispersed counts, alerts in more runs with the slow shift channel than without."""
    start, length = 2 * PER_DAY + 10 * 12, 36
    off = replace(DEFAULT_CONFIG, slow_shift_weight=0.0)
    caught_on = caught_off = 0
    for seed in range(20):
        series = seasonal_counts(seed, days=3, surge_at=start, surge_len=length, mult=1.6)
        window = range(start, start + length)
        caught_on += any(i in window for i in alerts(run(series)))
        caught_off += any(i in window for i in alerts(run(series, Detector(off))))
    assert caught_on >= 5 and caught_on >= caught_off + 3, (caught_on, caught_off)


def test_from_state_rejects_a_foreign_state() -> None:
    with pytest.raises(ValueError):
        Detector.from_state({"v": 999})


def test_interval_is_inferred_for_any_regular_interval() -> None:
    for step in (60.0, 3600.0):
        det = Detector()
        for i in range(5):
            det.update(T0 + step * i, 1.0)
        assert det.interval == step


def test_counts_turning_non_integer_restart_cleanly() -> None:
    det = Detector()
    for i in range(500):
        det.update(T0 + STEP * i, float(i % 7))
    d = det.update(T0 + STEP * 500, 2.5)
    assert not det.integer and not d.alert
    for i in range(501, 900):
        d = det.update(T0 + STEP * i, 2.5 + (i % 7) / 10)
    assert not d.alert and abs(d.expected - 2.8) < 0.5


def test_update_is_cheap() -> None:
    series = seasonal_counts(13, days=7)
    det = Detector()
    start = time.perf_counter()
    for t, v in series:
        det.update(t, v)
    per_update = (time.perf_counter() - start) / len(series)
    assert per_update < 1e-3


def test_config_overrides_parse_and_validate() -> None:
    cfg = config_from_overrides({"clip": "3.5", "count_transform": "false", "warmup_steps": "10"})
    assert cfg == replace(DEFAULT_CONFIG, clip=3.5, count_transform=False, warmup_steps=10)
    with pytest.raises(ValueError):
        config_from_overrides({"no_such_setting": "1"})
    with pytest.raises(ValueError):
        config_from_overrides({"count_transform": "maybe"})


def burst_series(
    gap: int, second: float = 150.0, seed: int = 2
) -> tuple[list[tuple[float, float]], int]:
    """Counts of 8-14 a window, a two-window burst of 150, another of ``second`` ``gap`` later."""
    rng = np.random.default_rng(seed)
    first = PER_DAY + 14 * 12
    level = {first: 150.0, first + 1: 150.0, first + gap: second, first + gap + 1: second}
    series = [
        (float(T0 + STEP * i), level.get(i, float(rng.integers(8, 15))))
        for i in range(first + gap + 12)
    ]
    return series, first


def test_one_alert_per_episode_and_a_bigger_repeat_alerts_again() -> None:
    series, first = burst_series(gap=12)  # the same burst an hour later: not news again
    assert alerts(run(series)) == [first]
    series, first = burst_series(gap=12, second=600.0)  # a much bigger one: news
    assert alerts(run(series)) == [first, first + 12]


def test_growth_limited_records_re_alert_sooner_on_a_repeat() -> None:
    # shipped records take the first burst in full: an identical burst half a day later is
    # not news yet; records that grow at most 2x a window (plus fast ones) forget it sooner
    series, first = burst_series(gap=12 * 12)
    assert alerts(run(series)) == [first]
    cfg = replace(DEFAULT_CONFIG, record_growth=1.0, fast_decay=0.97)
    assert alerts(run(series, Detector(cfg))) == [first, first + 12 * 12]
