"""What the store's rollups sum to for a brand (and topic) over a stretch of time."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields

__all__ = ["Tally", "total"]


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
