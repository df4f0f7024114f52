"""Periods in a brand's time zone (weeks from Monday, quarters, leap years, +05:30, a DST change)
and the tests that tell a change from noise."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from streams.trends.measures import net_sentiment, score, share, volume
from streams.trends.periods import last_complete, span_of
from streams.trends.stats import net_score_p, poisson_rate_p, two_proportion_p, wilson


def test_a_quarter_in_india_starts_at_1830_utc_the_day_before() -> None:
    q = span_of("quarter", date(2026, 5, 20), "Asia/Kolkata")
    assert (q.label, q.first, q.after, q.days) == (
        "2026-Q2",
        date(2026, 4, 1),
        date(2026, 7, 1),
        91,
    )
    assert q.start == datetime(2026, 3, 31, 18, 30, tzinfo=UTC)
    assert q.end == datetime(2026, 6, 30, 18, 30, tzinfo=UTC)
    assert q.previous().label == "2026-Q1" and q.previous().days == 90
    assert q.year_before().label == "2025-Q2"


def test_weeks_start_on_monday_and_a_year_before_is_52_weeks() -> None:
    w = span_of("week", date(2028, 2, 29), "UTC")  # a leap day, a Tuesday
    assert (w.first, w.after, w.label) == (date(2028, 2, 28), date(2028, 3, 6), "2028-W09")
    assert w.year_before().first == date(2027, 3, 1)
    assert w.previous().first == date(2028, 2, 21)


def test_months_and_years_know_leap_years() -> None:
    feb = span_of("month", date(2024, 2, 29), "Europe/Riga")
    assert (feb.days, feb.year_before().days, feb.label) == (29, 28, "2024-02")
    assert span_of("year", date(2024, 7, 1), "UTC").days == 366
    # Riga is UTC+2 in winter, +3 in summer: a month's bounds follow the change
    mar = span_of("month", date(2026, 3, 10), "Europe/Riga")
    assert mar.start == datetime(2026, 2, 28, 22, 0, tzinfo=UTC)
    assert mar.end == datetime(2026, 3, 31, 21, 0, tzinfo=UTC)


def test_the_latest_complete_period_is_in_the_brand_time_zone() -> None:
    # 2026-01-01 00:10 in Kolkata is still 2025-12-31 in UTC
    now = datetime(2025, 12, 31, 18, 40, tzinfo=UTC)
    assert last_complete("quarter", now, "Asia/Kolkata").label == "2025-Q4"
    assert last_complete("quarter", now, "UTC").label == "2025-Q3"
    with pytest.raises(ValueError):
        span_of("decade", date(2026, 1, 1), "UTC")  # type: ignore[arg-type]


def test_a_20_percent_rise_on_15_mentions_is_noise_and_on_15000_it_is_not() -> None:
    small = volume("volume", [(18, 7), (15, 7), (15, 7)])
    assert small.value == 18 and small.previous.change == pytest.approx(0.2)
    assert small.previous.noise is True
    big = volume("volume", [(18_000, 7), (15_000, 7), (15_000, 7)])
    assert big.previous.noise is False and big.previous.p_value is not None
    assert big.previous.p_value < 1e-10
    # volumes are compared per day: 28 days of February against 31 of January
    feb = volume("volume", [(280, 28), (310, 31), (280, 28)])
    assert feb.previous.change == pytest.approx(0.0)
    assert feb.extra["per_day"] == 10


def test_shares_scores_and_their_tests() -> None:
    s = share("negative_share", [(30, 100), (20, 100), (0, 0)])
    assert s.value == 30 and s.previous.change == pytest.approx(10)
    assert s.year_ago.change is None and s.year_ago.noise is None
    assert s.interval is not None and s.interval[0] < 30 < s.interval[1]
    n = net_sentiment("net_sentiment", [(60, 20), (40, 40), (40, 40)])
    assert n.value == pytest.approx(50) and n.previous.change == pytest.approx(50)
    assert n.n == 80
    nss = score("net_sentiment_score", [(50, 20, 100), (30, 30, 100), (1, 0, 2)])
    assert nss.value == 30 and nss.previous.change == 30 and nss.previous.noise is False
    assert nss.year_ago.noise is True
    assert two_proportion_p(5, 15, 3, 15) == pytest.approx(0.4090, abs=1e-3)
    assert poisson_rate_p(0, 7, 0, 7) is None
    assert net_score_p(1, 0, 1, 0, 0, 5) is None
    low, high = wilson(0, 10) or (1.0, 0.0)
    assert low == 0 and 0.25 < high < 0.35
