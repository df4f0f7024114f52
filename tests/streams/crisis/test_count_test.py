"""The count test: a negative-binomial CUSUM of window counts against its own baseline."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from streams.crisis.count_test import CountTestConfig, new_state, update

DAY0 = 1_790_000_000 - 1_790_000_000 % 86400
CFG = CountTestConfig()


def test_ordinary_poisson_noise_over_twenty_days_raises_no_alarm() -> None:
    rng = np.random.default_rng(1)
    state = new_state()
    alarms = 0
    for i in range(20 * 288):  # 5-minute windows, a mean of 2.5
        alarms += update(state, DAY0 + 300.0 * i, float(rng.poisson(2.5)), CFG).alarm
    assert alarms == 0


def test_a_doubled_brand_whose_negative_posts_jump_alarms_within_two_windows() -> None:
    rng = np.random.default_rng(2)
    state = new_state()
    for i in range(288):
        assert not update(state, DAY0 + 300.0 * i, float(rng.poisson(2.5)), CFG).alarm
    # a moderate crisis on a 150/h brand: ~12 more negative posts per 5 minutes
    first = update(state, DAY0 + 300.0 * 288, 10.0, CFG)
    second = update(state, DAY0 + 300.0 * 289, 15.0, CFG)
    assert first.alarm or second.alarm
    assert second.cusum > first.cusum > 0
    # the run's counts, faded like its evidence
    assert second.run_count == pytest.approx(15.0 + 10.0 * math.exp(-300 / CFG.fade_seconds))


def test_nothing_alarms_during_the_warm_up_and_the_state_is_json() -> None:
    state = new_state()
    for i in range(10):
        assert not update(state, DAY0 + 300.0 * i, 50.0 if i == 9 else 1.0, CFG).alarm
    assert json.loads(json.dumps(state)) == state


def test_the_baseline_follows_a_lasting_level_shift() -> None:
    rng = np.random.default_rng(3)
    state = new_state()
    for i in range(288):
        update(state, DAY0 + 300.0 * i, float(rng.poisson(3.0)), CFG)
    results = [
        update(state, DAY0 + 300.0 * (288 + i), float(rng.poisson(12.0)), CFG) for i in range(288)
    ]
    assert any(r.alarm for r in results[:3])  # the shift is news ...
    assert not any(r.alarm for r in results[-100:])  # ... then the new normal


def test_the_settings_default_is_the_count_tests_and_zero_turns_it_off() -> None:
    from streams.config import Settings
    from streams.crisis.count_test import DEFAULT_COUNT_TEST
    from streams.pipeline.runtime import alert_config

    settings = Settings()
    assert settings.alert_count_threshold == DEFAULT_COUNT_TEST.threshold
    assert alert_config(settings).count_test == DEFAULT_COUNT_TEST
    assert alert_config(Settings(alert_count_threshold=0)).count_test is None
    assert alert_config(Settings(alert_count_threshold=10)).count_test.threshold == 10  # type: ignore[union-attr]
