"""The count test: a negative-binomial CUSUM of the negative posts given the other posts."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from streams.crisis.count_test import CountResult, CountTestConfig, new_state, update

DAY0 = 1_790_000_000 - 1_790_000_000 % 86400
CFG = CountTestConfig()


def _odds(state: dict[str, float]) -> float:
    return float(state["negative"]) / float(state["other"])


def _feed(
    state: dict[str, float], rng: np.random.Generator, windows: int, step: float, mean: float
) -> None:
    """``windows`` windows of ``step`` seconds: Poisson negative posts of mean ``mean`` and
    four times as many others."""
    for i in range(windows):
        x, others = float(rng.poisson(mean)), float(rng.poisson(4 * mean))
        update(state, DAY0 + step * i, x, others, CFG)


def _then(
    state: dict[str, float],
    rng: np.random.Generator,
    windows: range,
    step: float,
    mean: float,
    others: float,
) -> list[CountResult]:
    """The results of ``windows`` (their indices) with Poisson negative posts of mean
    ``mean`` beside ``others`` other posts each."""
    return [update(state, DAY0 + step * i, float(rng.poisson(mean)), others, CFG) for i in windows]


def test_ordinary_poisson_noise_over_twenty_days_raises_no_alarm() -> None:
    rng = np.random.default_rng(1)
    state = new_state()
    alarms = 0
    for i in range(20 * 288):  # 5-minute windows: 2.5 negative posts and 10 others
        x, others = float(rng.poisson(2.5)), float(rng.poisson(10.0))
        alarms += update(state, DAY0 + 300.0 * i, x, others, CFG).alarm
    assert alarms == 0


def test_a_moderate_crisis_of_a_small_brand_alarms_within_two_windows() -> None:
    rng = np.random.default_rng(2)
    state = new_state()
    for i in range(288):
        x, others = float(rng.poisson(2.5)), float(rng.poisson(10.0))
        assert not update(state, DAY0 + 300.0 * i, x, others, CFG).alarm
    # as many angry posts again as the brand's whole rate: ~12 more negative ones in 5 minutes
    first = update(state, DAY0 + 300.0 * 288, 10.0, 10.0, CFG)
    second = update(state, DAY0 + 300.0 * 289, 15.0, 10.0, CFG)
    assert first.alarm or second.alarm
    assert second.cusum >= first.cusum > 0
    assert first.expected == pytest.approx(2.5, rel=0.3)
    # the run's negative posts, faded like its evidence
    assert second.run_count == pytest.approx(15.0 + 10.0 * math.exp(-300 / CFG.fade_seconds))


def test_a_burst_of_all_posts_is_not_a_rise_of_the_negative_ones() -> None:
    state = new_state()
    # one-minute windows of a big brand: 10 negative posts, 40 others
    _feed(state, np.random.default_rng(3), 6 * 60, 60.0, 10.0)
    saved = json.loads(json.dumps(state))
    # 3.6 times the posts, in the usual proportion: expected with them
    burst = update(state, DAY0 + 60.0 * 360, 36.0, 144.0, CFG)
    assert not burst.alarm and burst.expected > 25.0
    # as many negative posts with the other posts as usual: a rise
    rise = update(saved, DAY0 + 60.0 * 360, 36.0, 40.0, CFG)
    assert rise.alarm and rise.expected < 15.0


def test_nothing_alarms_during_the_warm_up_and_the_state_is_json() -> None:
    state = new_state()
    for i in range(10):
        x = 50.0 if i == 9 else 1.0
        assert not update(state, DAY0 + 300.0 * i, x, 4.0, CFG).alarm
    assert json.loads(json.dumps(state)) == state


def test_a_state_of_the_earlier_count_test_starts_afresh() -> None:
    old = {"t0": DAY0, "ts": DAY0, "n": 3, "mean": 2.0, "s1": 0.4, "s2": 4.0, "s": 0, "run": 0}
    result = update(old, DAY0 + 300.0, 2.0, 8.0, CFG)
    assert not result.alarm
    assert old["level"] == 8.0 and "mean" not in old
    assert update(old, DAY0 + 600.0, 2.0, 8.0, CFG).expected > 0


def test_a_state_saved_before_the_whole_run_test_keeps_what_it_learnt() -> None:
    state = new_state()
    _feed(state, np.random.default_rng(7), 60, 60.0, 0.5)
    for key in ("run_expected", "run_gamma"):
        del state[key]
    state["s"], state["run"] = 5.0, 6.0
    level, negative = state["level"], state["negative"]
    result = update(state, DAY0 + 60.0 * 60, 0.0, 2.0, CFG)
    assert result.cusum == 0.0 and result.run_count == 0.0 and not result.alarm
    assert state["level"] == pytest.approx(level, rel=0.05)
    assert state["negative"] == pytest.approx(negative, rel=0.05)


def test_a_long_run_waits_for_what_odds_learnt_from_few_posts_allow() -> None:
    """Odds learnt from ~28 negative posts could be a third off, and the error is the same in
    every window of a run: a long run is judged as one sum, not as the CUSUM of windows that
    each look surprising."""
    state = new_state()
    for m in range(8 * 60):  # a quiet brand: a negative post every 10 minutes, an other a minute
        update(state, DAY0 + 60.0 * m, 1.0 if m % 10 == 0 else 0.0, 1.0, CFG)
    assert 20 < state["negative"] < 40
    # then two negative posts every four minutes: five times the learnt rate
    results = [
        update(state, DAY0 + 60.0 * (480 + k), 2.0 if k % 4 == 0 else 0.0, 1.0, CFG)
        for k in range(90)
    ]
    crossed = next(k for k, r in enumerate(results) if r.cusum >= CFG.threshold)
    assert results[crossed].run_count >= CFG.min_count
    assert results[crossed].whole < CFG.threshold and not results[crossed].alarm
    alarmed = next(k for k, r in enumerate(results) if r.alarm)
    assert crossed < alarmed < 60  # heard, once the run has gone on long enough


def test_a_short_strong_run_is_heard_as_soon_as_its_windows_are() -> None:
    state = new_state()
    _feed(state, np.random.default_rng(8), 8 * 60, 60.0, 0.5)
    results = _then(state, np.random.default_rng(9), range(480, 490), 60.0, 4.0, 2.0)
    first = next(k for k, r in enumerate(results) if r.cusum >= CFG.threshold)
    assert results[first].alarm and results[first].whole >= CFG.threshold


def test_a_lasting_rise_of_the_negative_share_is_news_then_the_new_normal() -> None:
    rng = np.random.default_rng(4)
    state = new_state()
    _feed(state, rng, 288, 300.0, 3.0)
    results = _then(state, rng, range(288, 3 * 288), 300.0, 12.0, 12.0)
    assert any(r.alarm for r in results[:3])  # the shift is news ...
    assert not any(r.alarm for r in results[-100:])  # ... then the new normal
    assert _odds(state) == pytest.approx(1.0, rel=0.2)


def test_a_small_brands_odds_are_learnt_without_bias() -> None:
    # a tenth of a negative post a minute: a window clipped on its own at 3 sigmas would cut
    # single posts and learn odds far too low
    state = new_state()
    _feed(state, np.random.default_rng(5), 2 * 1440, 60.0, 0.1)
    assert _odds(state) == pytest.approx(0.25, rel=0.15)


def test_the_run_ends_within_minutes_of_a_strong_crisis() -> None:
    rng = np.random.default_rng(6)
    state = new_state()
    _feed(state, rng, 360, 60.0, 2.0)
    crisis = _then(state, rng, range(360, 420), 60.0, 20.0, 8.0)
    assert all(r.alarm for r in crisis[2:])
    after = _then(state, rng, range(420, 480), 60.0, 2.0, 8.0)
    ended = next(i for i, r in enumerate(after) if r.cusum == 0)
    assert ended <= 15


def test_the_settings_default_is_the_count_tests_and_zero_turns_it_off() -> None:
    from streams.config import Settings
    from streams.crisis.count_test import DEFAULT_COUNT_TEST
    from streams.pipeline.runtime import alert_config

    settings = Settings()
    assert settings.alert_count_threshold == DEFAULT_COUNT_TEST.threshold
    assert alert_config(settings).count_test == DEFAULT_COUNT_TEST
    assert alert_config(Settings(alert_count_threshold=0)).count_test is None
    assert alert_config(Settings(alert_count_threshold=10)).count_test.threshold == 10  # type: ignore[union-attr]
