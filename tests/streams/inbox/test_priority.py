"""The inbox's priority: the formula, the reasons, the suggestion (pure)."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from streams.inbox.priority import (
    age_label,
    rank,
    reach_label,
    recency_points,
    static_priority,
    suggest,
)

NOW = datetime(2026, 11, 1, 16, tzinfo=UTC)
NEUTRAL = {"negative": 0.1, "neutral": 0.8, "positive": 0.1}


def test_the_static_priority_formula() -> None:
    assert static_priority(0, 0, None, False, False) == 0.0
    assert static_priority(99, 0, NEUTRAL, False, False) == pytest.approx(2.0)
    assert static_priority(10**9, 0, None, False, False) == pytest.approx(6.0)  # capped
    very_negative = {"negative": 0.94, "neutral": 0.04, "positive": 0.02}
    assert static_priority(0, 0, very_negative, False, False) == pytest.approx(4.4)
    assert static_priority(0, 0, {"positive": 0.9}, False, False) == pytest.approx(2.4)
    assert static_priority(0, 0, None, True, False) == 2.0
    assert static_priority(0, 0, None, False, True) == 3.0
    assert static_priority(11_990, 10, very_negative, True, True) == pytest.approx(
        math.log10(12_001) + 4.4 + 2 + 3
    )


def test_both_extremes_rank_above_neutral_and_negative_above_positive() -> None:
    neutral = static_priority(100, 0, NEUTRAL, False, False)
    negative = static_priority(100, 0, {"negative": 0.9}, False, False)
    positive = static_priority(100, 0, {"positive": 0.9}, False, False)
    assert negative > positive > neutral


def test_recency_halves_every_six_hours() -> None:
    assert recency_points(NOW, NOW) == 4.0
    assert recency_points(NOW - timedelta(hours=6), NOW) == pytest.approx(2.0)
    assert recency_points(NOW - timedelta(hours=24), NOW) == pytest.approx(0.25)
    assert recency_points(NOW + timedelta(hours=1), NOW) == 4.0  # from the future: new


def test_rank_adds_recency_and_the_crisis_and_explains() -> None:
    created = NOW - timedelta(hours=2)
    very_negative = {"negative": 0.94, "neutral": 0.04, "positive": 0.02}
    priority = static_priority(12_000, 0, very_negative, True, False)
    score, reasons = rank(
        priority=priority,
        reach=12_000,
        scores=very_negative,
        asks_question=True,
        reports_problem=False,
        created_at=created,
        now=NOW,
        in_open_crisis=True,
        brand="Acme",
    )
    assert score == pytest.approx(priority + 4 * 0.5 ** (2 / 6) + 5)
    assert reasons == [
        "part of the open Acme crisis",
        "very negative (0.94)",
        "reach 12k",
        "asks a question",
        "2 h ago",
    ]
    quiet, why = rank(
        priority=0.0,
        reach=0,
        scores=NEUTRAL,
        asks_question=False,
        reports_problem=False,
        created_at=created,
        now=NOW,
        in_open_crisis=False,
    )
    assert quiet == pytest.approx(4 * 0.5 ** (2 / 6))
    assert why == ["2 h ago"]


def test_a_mildly_negative_post_says_negative() -> None:
    _, reasons = rank(
        priority=0.0,
        reach=5,
        scores={"negative": 0.62},
        asks_question=False,
        reports_problem=True,
        created_at=NOW,
        now=NOW,
        in_open_crisis=False,
    )
    assert reasons == ["reports a problem", "negative (0.62)", "reach 5", "just now"]


@pytest.mark.parametrize(
    ("reach", "label"), [(0, "0"), (950, "950"), (1500, "1.5k"), (12_345, "12k"), (2_000_000, "2M")]
)
def test_reach_labels(reach: int, label: str) -> None:
    assert reach_label(reach) == label


@pytest.mark.parametrize(
    ("ago", "label"),
    [
        (timedelta(seconds=5), "just now"),
        (timedelta(minutes=25), "25 min ago"),
        (timedelta(hours=2, minutes=59), "2 h ago"),
        (timedelta(days=3), "3 d ago"),
    ],
)
def test_age_labels(ago: timedelta, label: str) -> None:
    assert age_label(NOW - ago, NOW) == label


@pytest.mark.parametrize(
    ("sentiment", "scores", "question", "problem", "expected"),
    [
        ("negative", {"negative": 0.9}, False, False, "recover_customer"),
        ("neutral", NEUTRAL, False, True, "recover_customer"),
        ("negative", {"negative": 0.9}, True, False, "recover_customer"),
        ("neutral", NEUTRAL, True, False, "answer_question"),
        ("positive", {"positive": 0.9}, True, False, "answer_question"),
        ("positive", {"positive": 0.9}, False, False, "thank_fan"),
        ("neutral", NEUTRAL, False, False, None),
        (None, None, False, False, None),
    ],
)
def test_suggestions(
    sentiment: str | None,
    scores: dict[str, float] | None,
    question: bool,
    problem: bool,
    expected: str | None,
) -> None:
    assert suggest(sentiment, scores, question, problem) == expected
