"""The oracle's figures hold only if its traffic is the crisis benchmark's: the numpy draw and
``crisis_day`` have the same per-minute mean and overdispersion, and the oracle's threads and
deadlines are counted as the benchmark counts them."""

from __future__ import annotations

from collections import Counter
from types import ModuleType

import numpy as np
import pytest

from streams.devstack.synthetic import crisis_day
from streams.mentions.logic import parse_created_at
from tests.benchmarks import load_benchmark

DAY0 = 1_790_000_000 - 1_790_000_000 % 86400


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    return load_benchmark("crisis_ceiling")


def _moments(counts: np.ndarray, mean: np.ndarray) -> tuple[float, float]:
    """(mean of count / expected, the overdispersion alpha in var = mu + alpha mu^2)."""
    ratio = float((counts / mean).mean())
    alpha = float((((counts - mean) ** 2 - mean) / mean**2).mean())
    return ratio, alpha


def test_the_oracles_traffic_is_crisis_days(bench: ModuleType) -> None:
    size = 600.0
    day = crisis_day(start_ts=DAY0, brands=("acme",), hours=48, per_hour=size, seed=5)
    per_minute = Counter(int(parse_created_at(m["created_at"]) - DAY0) // 60 for m in day.mentions)
    crisis = {
        int(parse_created_at(m["created_at"]) - DAY0) // 60
        for m in day.mentions
        if m["id"] in day.crisis_ids
    }
    minutes = np.array([m for m in range(48 * 60) if m not in crisis])
    counts = np.array([per_minute.get(int(m), 0) for m in minutes], dtype=float)
    # the oracle's mean of all posts: its negative mean over the negative share
    truth = np.tile(bench.mean_negative(size), 2)[minutes] / bench.NEGATIVE_SHARE
    ratio, alpha = _moments(counts, truth)
    assert ratio == pytest.approx(1.0, abs=0.02)
    assert alpha == pytest.approx(1 / bench.DISPERSION, abs=0.03)

    # the negative posts are a fifth as many: twenty days for the same precision
    drawn = bench.draw(np.random.default_rng(5), 20, size).negative.ravel().astype(float)
    ratio, alpha = _moments(drawn, np.tile(bench.mean_negative(size), 20))
    assert ratio == pytest.approx(1.0, abs=0.02)
    assert alpha == pytest.approx(1 / bench.DISPERSION, abs=0.03)


def test_alarms_an_hour_apart_are_two_threads_and_minutes_apart_one(bench: ModuleType) -> None:
    alarm = np.zeros((2, 1440), dtype=bool)
    alarm[0, [100, 101, 160, 300]] = True  # 100-160 one thread; 300 is 140 minutes later
    alarm[1, [500]] = True
    assert bench.threads(alarm) == 3


def test_a_crisis_counts_only_if_alarmed_by_the_end_of_the_next_5_minute_window(
    bench: ModuleType,
) -> None:
    onset = np.array([603, 603, 603])  # minute 3 of the 5-minute window 600-605
    days = bench.Days(np.zeros((3, 1440), dtype=int), onset, onset + 20)
    stat = np.zeros((3, 1440))
    stat[0, 609] = 9.0  # the last minute of the next window: in time
    stat[1, 610] = 9.0  # one minute late
    stat[2, 590] = 9.0  # before the onset: not this crisis
    assert bench.within_two(stat, days, 8.0) == pytest.approx(1 / 3)


def test_the_threshold_is_the_lowest_within_the_budget(bench: ModuleType) -> None:
    stat = np.zeros((10, 1440))
    stat[0, 300] = 5.0
    stat[1, 300] = 7.0
    grid = np.arange(4.0, 9.0, 1.0)
    # two of ten days alarm at 5, one at 6 and 7, none from 8
    assert bench.calibrate(stat, grid, 0.1) == 6.0
    assert bench.calibrate(stat, grid, 0.0) == 8.0


def test_the_oracle_cusum_hears_a_strong_crisis_and_not_a_quiet_day(bench: ModuleType) -> None:
    rng = np.random.default_rng(0)
    mean = bench.mean_negative(150.0)
    quiet = bench.cusum(bench.draw(rng, 20, 150.0), mean, 3.5)
    days = bench.draw(rng, 20, 150.0, 3.0)
    loud = bench.cusum(days, mean, 3.5)
    assert bench.threads(quiet[:, 120:] >= 12.0) <= 1
    assert bench.within_two(loud, days, 12.0) >= 0.9
