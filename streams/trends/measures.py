"""The measures of a period, each against the previous period and the same period a year
before (docs/trends.md#the-measures): pure arithmetic on what the store gives.

Every measure carries its value, its sample size ``n`` (the count its rate is taken over) and,
for each comparison, the other period's value and sample size, the change (relative for a
volume, in points for a share or score) and whether that change is noise at those sample
sizes (:mod:`.stats`). A measure without a test (a median, a backlog) has ``p_value`` and
``noise`` None.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from streams.trends.periods import Span
from streams.trends.sentiment import net_score
from streams.trends.stats import (
    ALPHA,
    net_score_p,
    poisson_rate_p,
    two_proportion_p,
    wilson,
)
from streams.trends.tally import ServiceKpis, Statement, Tally, total

__all__ = [
    "Change",
    "Measure",
    "PeriodFacts",
    "brand_measures",
    "department_measures",
    "share_of_voice",
    "topic_measures",
]

Kind = Literal["volume", "share", "score", "plain"]


@dataclass(frozen=True, slots=True)
class Change:
    """The measure in a comparison period, and the change to the current one."""

    value: float | None
    n: int
    change: float | None
    p_value: float | None
    noise: bool | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "n": self.n,
            "change": self.change,
            "p_value": self.p_value,
            "noise": self.noise,
        }


@dataclass(frozen=True, slots=True)
class Measure:
    """One measure of a period. ``change`` is relative (0.25 = +25 %) for a volume, in points
    for a share (x100) or a score."""

    name: str
    kind: Kind
    value: float | None
    n: int
    previous: Change
    year_ago: Change
    interval: tuple[float, float] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "kind": self.kind,
            "value": self.value,
            "n": self.n,
            "interval": list(self.interval) if self.interval else None,
            "previous": self.previous.as_dict(),
            "year_ago": self.year_ago.as_dict(),
        }
        out.update(self.extra)
        return out


def _noise(p: float | None) -> bool | None:
    return None if p is None else p >= ALPHA


def volume(name: str, counts: Sequence[tuple[int, int]]) -> Measure:
    """Mentions per period: ``counts`` is (mentions, days) of the current, previous and
    year-before periods. The value is the count; the change compares mentions per day (periods
    differ in length), tested as two Poisson rates."""
    (a, da), *others = counts
    changes = []
    for b, db in others:
        change = (a / da) / (b / db) - 1 if b and da and db else None
        p = poisson_rate_p(a, da, b, db)
        changes.append(Change(float(b), b, change, p, _noise(p)))
    return Measure(
        name,
        "volume",
        float(a),
        a,
        changes[0],
        changes[1],
        extra={"per_day": a / da if da else None},
    )


def share(name: str, parts: Sequence[tuple[int, int]]) -> Measure:
    """A share: ``parts`` is (successes, n) of the three periods. Value and change in points
    (x100); the two-proportion test; the current share's 95 % Wilson interval (points)."""
    (x, n), *others = parts

    def pct(k: int, m: int) -> float | None:
        return 100.0 * k / m if m else None

    value = pct(x, n)
    changes = []
    for x2, n2 in others:
        other = pct(x2, n2)
        change = value - other if value is not None and other is not None else None
        p = two_proportion_p(x, n, x2, n2)
        changes.append(Change(other, n2, change, p, _noise(p)))
    interval = wilson(x, n)
    points = (100.0 * interval[0], 100.0 * interval[1]) if interval else None
    return Measure(name, "share", value, n, changes[0], changes[1], interval=points)


def net_sentiment(name: str, parts: Sequence[tuple[int, int]]) -> Measure:
    """Net sentiment, -100..100: ``100 * (positive - negative) / (positive + negative)`` by the
    model's labels (neutral mentions left out); ``parts`` is (positive, negative) of the three
    periods. It is ``2 * share - 100`` of the positive share among them, so the change (in
    points) is tested as that share's, and ``n`` is positive + negative."""
    base = share(name, [(pos, pos + neg) for pos, neg in parts])

    def scaled(v: float | None) -> float | None:
        return None if v is None else 2 * v - 100

    def change(c: Change) -> Change:
        return Change(
            scaled(c.value),
            c.n,
            None if c.change is None else 2 * c.change,
            c.p_value,
            c.noise,
        )

    interval = base.interval and (2 * base.interval[0] - 100, 2 * base.interval[1] - 100)
    return Measure(
        name,
        "share",
        scaled(base.value),
        base.n,
        change(base.previous),
        change(base.year_ago),
        interval=interval,
    )


def score(name: str, parts: Sequence[tuple[int, int, int]]) -> Measure:
    """A net score on the NPS scale: ``parts`` is (clearly positive, clearly negative, all) of
    the three periods; change in points, tested as two means of +1/0/-1."""
    (pos, neg, n), *others = parts
    value = net_score(pos, neg, n)
    changes = []
    for pos2, neg2, n2 in others:
        other = net_score(pos2, neg2, n2)
        change = value - other if value is not None and other is not None else None
        p = net_score_p(pos, neg, n, pos2, neg2, n2)
        changes.append(Change(other, n2, change, p, _noise(p)))
    return Measure(name, "score", value, n, changes[0], changes[1])


def plain(name: str, values: Sequence[tuple[float | None, int]]) -> Measure:
    """A value without a test (a median, a backlog): (value, n) of the three periods."""
    (value, n), *others = values
    changes = [
        Change(v, m, value - v if value is not None and v is not None else None, None, None)
        for v, m in others
    ]
    return Measure(name, "plain", value, n, changes[0], changes[1])


@dataclass(frozen=True, slots=True)
class PeriodFacts:
    """What the store gives for one period of one brand."""

    span: Span
    brand: Tally
    #: competitor set id -> member -> its tally (the sets the brand belongs to)
    sets: Mapping[str, Mapping[str, Tally]] = field(default_factory=dict)
    service: ServiceKpis = field(default_factory=ServiceKpis)
    #: topic id -> the brand's tally of mentions with that topic
    topics: Mapping[str, Tally] = field(default_factory=dict)


def brand_measures(facts: Sequence[PeriodFacts]) -> list[Measure]:
    """The headline measures of a brand: ``facts`` of the current, previous and year-before
    periods."""
    t = [f.brand for f in facts]
    s = [f.service for f in facts]
    hours = [
        (None if k.median_first_action_seconds is None else k.median_first_action_seconds / 3600)
        for k in s
    ]
    return [
        volume("volume", [(x.mentions, f.span.days) for x, f in zip(t, facts, strict=True)]),
        share("negative_share", [(x.negative, x.mentions) for x in t]),
        net_sentiment("net_sentiment", [(x.positive, x.negative) for x in t]),
        score(
            "net_sentiment_score",
            [(x.clearly_positive, x.clearly_negative, x.mentions) for x in t],
        ),
        share("untagged_share", [(x.untagged, x.mentions) for x in t]),
        share("answered_share", [(k.answered, k.untagged - k.dismissed) for k in s]),
        plain(
            "median_hours_to_first_action",
            [(h, k.acted) for h, k in zip(hours, s, strict=True)],
        ),
        plain("backlog", [(float(k.backlog), k.untagged) for k in s]),
    ]


def share_of_voice(brand: str, facts: Sequence[PeriodFacts]) -> list[dict[str, Any]]:
    """The brand's share of voice in each competitor set it belongs to, with every member's."""
    out = []
    for set_id in sorted(facts[0].sets):
        members = sorted(facts[0].sets[set_id])
        per_member = {}
        for member in members:
            parts = []
            for f in facts:
                tallies = f.sets.get(set_id, {})
                all_ = total(tallies.values()).mentions
                parts.append((tallies.get(member, Tally()).mentions, all_))
            per_member[member] = share("share_of_voice", parts).as_dict()
        out.append(
            {
                "set": set_id,
                "members": members,
                "brand": per_member.get(brand),
                "shares": per_member,
            }
        )
    return out


def topic_measures(facts: Sequence[PeriodFacts]) -> dict[str, list[Measure]]:
    """Per topic: its volume and negative share, against the comparison periods."""
    topics = sorted({t for f in facts for t in f.topics})
    out = {}
    for topic in topics:
        t = [f.topics.get(topic, Tally()) for f in facts]
        out[topic] = [
            volume("volume", [(x.mentions, f.span.days) for x, f in zip(t, facts, strict=True)]),
            share("negative_share", [(x.negative, x.mentions) for x in t]),
        ]
    return out


def department_measures(
    facts: Sequence[PeriodFacts], departments: Mapping[str, Sequence[str]]
) -> dict[str, list[Measure]]:
    """Per department (department -> its topics): the volume and negative share of its topics'
    mentions (a mention with two topics of one department counts twice), against the
    comparison periods."""
    out = {}
    for department in sorted(departments):
        owned = departments[department]
        t = [total(f.topics.get(topic, Tally()) for topic in owned) for f in facts]
        out[department] = [
            volume("volume", [(x.mentions, f.span.days) for x, f in zip(t, facts, strict=True)]),
            share("negative_share", [(x.negative, x.mentions) for x in t]),
        ]
    return out


def statements_dict(statements: Mapping[str, Sequence[Statement]]) -> dict[str, list[Any]]:
    return {kind: [s.as_dict() for s in items] for kind, items in statements.items()}
