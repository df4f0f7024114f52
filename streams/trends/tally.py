"""What the store gives for a period: the rollups' sums for a brand (and topic), the inbox's
service KPIs and the most important statements."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import datetime

__all__ = ["ServiceKpis", "Statement", "Tally", "total"]


@dataclass(frozen=True, slots=True)
class Tally:
    """Counts of mentions (a mention naming two brands counts once for each)."""

    mentions: int = 0
    reach: int = 0
    negative: int = 0
    neutral: int = 0
    positive: int = 0
    untagged: int = 0
    clearly_positive: int = 0
    clearly_negative: int = 0

    def __add__(self, other: Tally) -> Tally:
        return Tally(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))

    def as_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def total(tallies: Iterable[Tally]) -> Tally:
    out = Tally()
    for t in tallies:
        out = out + t
    return out


@dataclass(frozen=True, slots=True)
class ServiceKpis:
    """The team's service over the untagged mentions of a period (docs/trends.md).

    ``untagged``: the brand's untagged items created in the period; ``dismissed``: those
    dismissed (not to be answered); ``answered``: those marked done; ``acted``: those with a
    first action; ``median_first_action_seconds``: the median time from the mention to its first
    action, over those acted on (None without any); ``backlog``: those without any action by
    the period's end (or by ``now`` for the period in progress)."""

    untagged: int = 0
    dismissed: int = 0
    answered: int = 0
    acted: int = 0
    median_first_action_seconds: float | None = None
    backlog: int = 0


@dataclass(frozen=True, slots=True)
class Statement:
    """One of a period's most important statements: a clearly negative or clearly positive
    mention of a brand, with its reach."""

    brand: str
    mention_id: str
    created_at: datetime
    sentiment: str
    score: float
    reach: int
    platform: str
    lang: str | None
    author_handle: str | None
    url: str | None
    text: str
    topics: tuple[str, ...]

    def as_dict(self) -> dict[str, object]:
        return {
            "brand": self.brand,
            "mention_id": self.mention_id,
            "created_at": self.created_at.isoformat(),
            "sentiment": self.sentiment,
            "score": self.score,
            "reach": self.reach,
            "platform": self.platform,
            "lang": self.lang,
            "author_handle": self.author_handle,
            "url": self.url,
            "text": self.text,
            "topics": list(self.topics),
        }
