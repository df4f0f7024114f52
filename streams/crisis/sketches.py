"""Bounded, exponentially decayed counts of the heaviest keys (pure; JSON state).

:class:`DecayedTopK` is the Space-Saving heavy-hitters summary (Metwally et al. 2005) with
forward exponential decay (Cormode et al. 2009): an item seen at time ``t`` weighs
``exp(lam * (t - t0))`` against a reference time ``t0``, so decaying every count is a single
multiplication at read time, and out-of-order events are weighed by their own time. Counts are
kept lazily: up to ``4 k`` keys, pruned to the ``k`` heaviest when that is exceeded (amortised
O(1) a key); the heaviest count pruned becomes the *floor*, and a key that enters later starts
at the floor, as in Space-Saving. So a key's count is never under its true decayed count, and
over it by at most the floor; any key not held has a decayed count of at most the floor.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable, Mapping
from operator import itemgetter
from typing import Any

__all__ = ["DecayedTopK"]

#: renormalise when weights grow past e^40 (far below float overflow)
_RENORM = 40.0
#: keys held between prunes, as a multiple of k (pruning sorts: amortised over the slack)
_SLACK = 4


class DecayedTopK:
    """The ``k`` heaviest keys under exponential decay with ``half_life`` seconds."""

    __slots__ = ("_lam", "counts", "floor", "half_life", "k", "t0")

    def __init__(self, k: int, half_life: float, t0: float | None = None) -> None:
        self.k = k
        self.half_life = half_life
        self._lam = math.log(2) / half_life
        self.t0 = t0
        self.counts: dict[str, float] = {}
        self.floor = 0.0

    def weight(self, ts: float) -> float:
        """The weight of one item seen at ``ts`` (renormalising first if needed)."""
        if self.t0 is None:
            self.t0 = ts
        x = self._lam * (ts - self.t0)
        if x > _RENORM:
            self._rescale(ts)
            x = 0.0
        return math.exp(x)

    def _rescale(self, ts: float) -> None:
        assert self.t0 is not None
        f = math.exp(-self._lam * (ts - self.t0))
        self.counts = {key: c * f for key, c in self.counts.items()}
        self.floor *= f
        self.t0 = ts

    def add(self, keys: Iterable[str], w: float) -> None:
        """Add weight ``w`` (from :meth:`weight`) to each key."""
        counts = self.counts
        for key in keys:
            c = counts.get(key)
            counts[key] = (self.floor if c is None else c) + w
        if len(counts) > _SLACK * self.k:
            self._prune()

    def _prune(self) -> None:
        if len(self.counts) <= self.k:
            return
        ranked = heapq.nlargest(self.k + 1, self.counts.items(), key=itemgetter(1))
        self.floor = max(self.floor, ranked[self.k][1])
        self.counts = dict(ranked[: self.k])

    def scale(self, ts: float) -> float:
        """The factor that turns stored counts into decayed counts as of ``ts``."""
        if self.t0 is None:
            return 1.0
        return math.exp(min(-self._lam * (ts - self.t0), _RENORM))

    def get(self, key: str, ts: float) -> float:
        """The decayed count of ``key`` at ``ts`` (the floor for a key not held)."""
        return self.counts.get(key, self.floor) * self.scale(ts)

    def top(self, ts: float, n: int | None = None) -> list[tuple[str, float]]:
        f = self.scale(ts)
        ranked = sorted(self.counts.items(), key=lambda kv: (-kv[1], kv[0]))
        return [(key, c * f) for key, c in ranked[:n]]

    def to_json(self, digits: int = 2) -> dict[str, Any]:
        if len(self.counts) > self.k:
            self._prune()
        return {
            "t0": self.t0,
            "floor": round(self.floor, digits),
            "c": {key: round(c, digits) for key, c in self.counts.items()},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None, k: int, half_life: float) -> DecayedTopK:
        out = cls(k, half_life)
        if not data:
            return out
        t0 = data.get("t0")
        out.t0 = None if t0 is None else float(t0)
        out.floor = float(data.get("floor") or 0.0)
        out.counts = {str(key): float(c) for key, c in (data.get("c") or {}).items()}
        return out
