"""How the response inbox ranks an item, and why (pure: no database).

An item is a brand a mention names. Its **score** is the sum of

=====================  ===================================================================
part                   points
=====================  ===================================================================
reach                  ``log10(1 + followers + likes + shares + replies)``, at most 6
                       (a reach of 1M); 12k followers give 4.1
very negative          ``5 * (negative - 0.5) / 0.5`` when the negative score is over 0.5
                       (0.94 gives 4.4)
very positive          ``3 * (positive - 0.5) / 0.5`` when the positive score is over 0.5
                       (a fan to thank ranks high too, an unhappy customer higher)
asks a question        2 (``streams.mentions.signals.asks_question``)
reports a problem      3 (``streams.mentions.signals.reports_problem``)
recency                ``4 * 0.5 ^ (age in hours / 6)``: 4 when just posted, 2 after 6 h,
                       1 after 12 h, 0.25 after a day (a post from the future counts as new)
open crisis            5 when the item's brand has an open alert thread and the mention was
                       posted at most 1 h before the thread opened, or after
=====================  ===================================================================

The first five do not change once a mention is stored: their sum is the **static priority**
(:func:`static_priority`), written by the sink into ``mention_brands.priority``. Recency and
the crisis depend on the time of asking and on the alerts, so they are added when the inbox is
read: the SQL (``streams.store.inbox``) orders by ``priority + recency + crisis`` and
:func:`rank` computes the same number in Python, with the **reasons** an item shows ("reach
12k", "very negative (0.94)", "asks a question", "2 h ago", "part of the open acme crisis"),
largest part first, the age last. A test checks that both give the same score.

:func:`suggest` proposes a kind of answer: recover an unhappy customer (a problem, or negative),
answer a question, or thank a fan (positive); ``None`` when nothing stands out.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Literal

__all__ = [
    "CRISIS_LEAD",
    "CRISIS_POINTS",
    "HALF_LIFE_HOURS",
    "RECENCY_POINTS",
    "Suggestion",
    "age_label",
    "rank",
    "reach_label",
    "recency_points",
    "static_priority",
    "suggest",
]

#: Reach: ``log10(1 + reach)``, capped at this many points (a reach of a million).
REACH_CAP = 6.0
#: Points of a wholly negative (score 1.0) post; none at 0.5 or below.
NEGATIVE_POINTS = 5.0
#: Points of a wholly positive (score 1.0) post; none at 0.5 or below.
POSITIVE_POINTS = 3.0
QUESTION_POINTS = 2.0
PROBLEM_POINTS = 3.0
#: Recency: this many points for a post just made, halved every ``HALF_LIFE_HOURS``.
RECENCY_POINTS = 4.0
HALF_LIFE_HOURS = 6.0
#: Points of an item of a brand in an open crisis.
CRISIS_POINTS = 5.0
#: A mention counts as part of an open crisis if posted at most this long before it opened.
CRISIS_LEAD = timedelta(hours=1)
#: Scores from this one are "very" negative or positive in the reasons.
VERY = 0.8

Suggestion = Literal["answer_question", "recover_customer", "thank_fan"]


def _score(scores: Mapping[str, float | None] | None, name: str) -> float:
    value = (scores or {}).get(name)
    return float(value) if value is not None else 0.0


def _reach_points(reach: int) -> float:
    return min(math.log10(1 + max(reach, 0)), REACH_CAP)


def _extreme(score: float, weight: float) -> float:
    return weight * max(0.0, (score - 0.5) / 0.5)


def static_priority(
    followers: int,
    engagement: int,
    scores: Mapping[str, float | None] | None,
    asks_question: bool,
    reports_problem: bool,
) -> float:
    """The part of the score that does not change once a mention is stored (the module
    docstring has the formula): ``engagement`` is likes + shares + replies, ``scores`` the
    sentiment scores (``negative``, ``neutral``, ``positive``; missing ones count 0)."""
    return (
        _reach_points(followers + engagement)
        + _extreme(_score(scores, "negative"), NEGATIVE_POINTS)
        + _extreme(_score(scores, "positive"), POSITIVE_POINTS)
        + (QUESTION_POINTS if asks_question else 0.0)
        + (PROBLEM_POINTS if reports_problem else 0.0)
    )


def recency_points(created_at: datetime, now: datetime) -> float:
    """``RECENCY_POINTS`` halved every ``HALF_LIFE_HOURS`` of age (the SQL does the same)."""
    age = max((now - created_at).total_seconds(), 0.0)
    return RECENCY_POINTS * 0.5 ** (age / (HALF_LIFE_HOURS * 3600.0))


def reach_label(reach: int) -> str:
    """``950``, ``12k``, ``1.2M``."""
    if reach >= 1_000_000:
        return f"{reach / 1_000_000:.1f}".rstrip("0").rstrip(".") + "M"
    if reach >= 10_000:
        return f"{reach // 1000}k"
    if reach >= 1000:
        return f"{reach / 1000:.1f}".rstrip("0").rstrip(".") + "k"
    return str(reach)


def age_label(created_at: datetime, now: datetime) -> str:
    """``just now``, ``25 min ago``, ``2 h ago``, ``3 d ago``."""
    seconds = (now - created_at).total_seconds()
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 48 * 3600:
        return f"{int(seconds // 3600)} h ago"
    return f"{int(seconds // 86400)} d ago"


def rank(
    *,
    priority: float,
    reach: int,
    scores: Mapping[str, float | None] | None,
    asks_question: bool,
    reports_problem: bool,
    created_at: datetime,
    now: datetime,
    in_open_crisis: bool,
    brand: str = "",
) -> tuple[float, list[str]]:
    """The score of an item at ``now`` (its stored static ``priority`` + recency + crisis, as
    the inbox's SQL orders by) and the reasons for it, largest part first, the age last."""
    parts: list[tuple[float, str]] = []
    if in_open_crisis:
        parts.append((CRISIS_POINTS, f"part of the open {brand} crisis".replace("  ", " ")))
    negative, positive = _score(scores, "negative"), _score(scores, "positive")
    if negative > 0.5:
        label = "very negative" if negative >= VERY else "negative"
        parts.append((_extreme(negative, NEGATIVE_POINTS), f"{label} ({negative:.2f})"))
    if positive > 0.5:
        label = "very positive" if positive >= VERY else "positive"
        parts.append((_extreme(positive, POSITIVE_POINTS), f"{label} ({positive:.2f})"))
    if reports_problem:
        parts.append((PROBLEM_POINTS, "reports a problem"))
    if asks_question:
        parts.append((QUESTION_POINTS, "asks a question"))
    if reach > 0:
        parts.append((_reach_points(reach), f"reach {reach_label(reach)}"))
    parts.sort(key=lambda part: -part[0])
    recency = recency_points(created_at, now)
    score = priority + recency + (CRISIS_POINTS if in_open_crisis else 0.0)
    return score, [label for _, label in parts] + [age_label(created_at, now)]


def suggest(
    sentiment: str | None,
    scores: Mapping[str, float | None] | None,
    asks_question: bool,
    reports_problem: bool,
) -> Suggestion | None:
    """The kind of answer an item calls for: ``recover_customer`` for a problem or a negative
    post (first: an unhappy customer's question is answered by fixing things),
    ``answer_question`` for a question, ``thank_fan`` for a positive post, else ``None``."""
    if reports_problem or sentiment == "negative" or _score(scores, "negative") > 0.5:
        return "recover_customer"
    if asks_question:
        return "answer_question"
    if sentiment == "positive" or _score(scores, "positive") > 0.5:
        return "thank_fan"
    return None
