"""Bounded, exponentially decayed counts of the heaviest keys (pure; JSON state).

Two summaries: :class:`DecayedTopK` (Space-Saving) for the brand's baselines, whose
over-counts err on the safe side, and :class:`DecayedHeavyHitters` (a count-min sketch with
the top keys) for recent counts, where many words are seen once each.

:class:`DecayedTopK` is the Space-Saving heavy-hitters summary (Metwally et al. 2005) with
forward exponential decay (Cormode et al. 2009): an item seen at time ``t`` weighs
``exp(lam * (t - t0))`` against a reference time ``t0``, so decaying every count is a single
multiplication at read time, and out-of-order events are weighed by their own time. Counts are
kept lazily: up to ``slack * k`` keys, pruned to the ``k`` heaviest when that is exceeded
(amortised O(1) a key); the heaviest count pruned becomes the *floor*, and a key that enters
later starts at the floor, as in Space-Saving. So a key's count is never under its true decayed
count, and over it by at most the floor; any key not held has a decayed count of at most the
floor.

Saving (``to_json``) is idempotent: the state is saved as it is held, so what a stream makes of
its events does not depend on how often it saves them (the stream saves every batch, however
small). Nothing is pruned on saving: pruning at every save raised the floor by a newcomer's
count at every batch, until within a day the baseline counted any new word as a common one
and the words of a crisis no longer rose; the slack bounds the saved state instead. Counts are
saved relative to the anchor ``t0``, re-anchored once weights pass 2 (every half-life): saving
counts decayed to the newest item rounded a little of the decay away at every save, and saved
often enough (under about a second apart for a 15-minute half-life), counts never decayed.
"""

from __future__ import annotations

import base64
import hashlib
import heapq
import math
from collections.abc import Iterable, Mapping
from operator import itemgetter
from typing import Any

import numpy as np

__all__ = ["DecayedHeavyHitters", "DecayedTopK"]

#: renormalise (re-anchor at the newest item) once weights grow past 2: held and saved, a
#: count is at most twice its decayed value, so its saved digits stay fine
_RENORM = math.log(2.0)
#: ``scale`` never multiplies by more than e^40 (an item far in the past)
_SCALE_MAX = 40.0
#: keys held between prunes, as a multiple of k (pruning sorts: amortised over the slack)
_SLACK = 4


def _saved_times(data: Mapping[str, Any]) -> tuple[float | None, float | None]:
    """A saved sketch's anchor and newest item time (states saved before the newest time was
    were saved with the two equal)."""
    t0 = data.get("t0")
    t_last = data.get("t", t0)
    return (None if t0 is None else float(t0), None if t_last is None else float(t_last))


class DecayedTopK:
    """The ``k`` heaviest keys under exponential decay with ``half_life`` seconds."""

    __slots__ = ("_lam", "counts", "floor", "half_life", "k", "limit", "t0", "t_last")

    def __init__(
        self, k: int, half_life: float, t0: float | None = None, slack: float = _SLACK
    ) -> None:
        self.k = k
        #: keys held before a prune (``slack * k``): the most a saved state holds
        self.limit = max(k, int(slack * k))
        self.half_life = half_life
        self._lam = math.log(2) / half_life
        self.t0 = t0
        self.t_last = t0
        self.counts: dict[str, float] = {}
        self.floor = 0.0

    def weight(self, ts: float) -> float:
        """The weight of one item seen at ``ts`` (renormalising first if needed)."""
        if self.t0 is None:
            self.t0 = ts
        if self.t_last is None or ts > self.t_last:
            self.t_last = ts
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
        if len(counts) > self.limit:
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
        return math.exp(min(-self._lam * (ts - self.t0), _SCALE_MAX))

    def get(self, key: str, ts: float) -> float:
        """The decayed count of ``key`` at ``ts`` (the floor for a key not held)."""
        return self.counts.get(key, self.floor) * self.scale(ts)

    def top(self, ts: float, n: int | None = None) -> list[tuple[str, float]]:
        f = self.scale(ts)
        ranked = sorted(self.counts.items(), key=lambda kv: (-kv[1], kv[0]))
        return [(key, c * f) for key, c in ranked[:n]]

    def to_json(self, digits: int = 2) -> dict[str, Any]:
        """The held counts, relative to the anchor ``t0`` (so saving again changes nothing),
        short numbers in JSON; at most ``slack * k`` of them (never pruned here: see the
        module docstring)."""
        return {
            "t0": self.t0,
            "t": self.t_last,
            "floor": round(self.floor, digits),
            "c": {key: round(c, digits) for key, c in self.counts.items()},
        }

    @classmethod
    def from_json(
        cls, data: Mapping[str, Any] | None, k: int, half_life: float, slack: float = _SLACK
    ) -> DecayedTopK:
        out = cls(k, half_life, slack=slack)
        if not data:
            return out
        out.t0, out.t_last = _saved_times(data)
        out.floor = float(data.get("floor") or 0.0)
        out.counts = {str(key): float(c) for key, c in (data.get("c") or {}).items()}
        return out


_HASHES: dict[str, int] = {}


def _hash64(key: str) -> int:
    """A 64-bit BLAKE2b hash of ``key`` (memoised, bounded): its 20-bit slices index the
    sketch's rows independently (CRC-32 is linear: its variants collide together)."""
    h = _HASHES.get(key)
    if h is None:
        if len(_HASHES) >= 100_000:
            _HASHES.clear()
        digest = hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest()
        h = _HASHES[key] = int.from_bytes(digest, "little")
    return h


class DecayedHeavyHitters:
    """The ``k`` keys of highest decayed count, counted in a count-min sketch.

    A count-min sketch (Cormode and Muthukrishnan 2005; ``depth`` rows of ``width`` counters,
    conservative update) estimates every key's decayed count, over the truth by a little (the
    mass of the keys that share its cells); the ``k`` keys of highest estimate are held by
    name (lazily: up to ``2 k``, pruned to ``k``; a key enters once its estimate is at least
    two and the least one held at the last prune: words seen once never do). Where many keys
    are seen once each (the words of multilingual posts), this keeps the counts of the
    frequent ones close to the truth, where Space-Saving with as few slots would count every
    newcomer from its floor.
    """

    __slots__ = (
        "_lam",
        "admit",
        "depth",
        "half_life",
        "k",
        "keys",
        "rows",
        "t0",
        "t_last",
        "width",
    )

    def __init__(self, k: int, half_life: float, width: int = 1024, depth: int = 3) -> None:
        self.k = k
        self.half_life = half_life
        self._lam = math.log(2) / half_life
        self.width = width
        self.depth = depth
        self.rows = [[0.0] * width for _ in range(depth)]
        self.keys: set[str] = set()
        self.admit = 0.0
        self.t0: float | None = None
        self.t_last: float | None = None

    def weight(self, ts: float) -> float:
        if self.t0 is None:
            self.t0 = ts
        if self.t_last is None or ts > self.t_last:
            self.t_last = ts
        x = self._lam * (ts - self.t0)
        if x > _RENORM:
            f = math.exp(-x)
            self.rows = [[c * f for c in row] for row in self.rows]
            self.admit *= f
            self.t0 = ts
            x = 0.0
        return math.exp(x)

    def scale(self, ts: float) -> float:
        if self.t0 is None:
            return 1.0
        return math.exp(min(-self._lam * (ts - self.t0), _SCALE_MAX))

    def _cells(self, key: str) -> list[int]:
        h = _hash64(key)
        mask = self.width - 1
        return [(h >> (20 * i)) & mask for i in range(self.depth)]

    def _estimate(self, key: str) -> float:
        if self.depth == 3:
            h = _HASHES.get(key)
            if h is None:
                h = _hash64(key)
            mask = self.width - 1
            r0, r1, r2 = self.rows
            return min(r0[h & mask], r1[(h >> 20) & mask], r2[(h >> 40) & mask])
        return min(row[c] for row, c in zip(self.rows, self._cells(key), strict=True))

    def add(self, keys: Iterable[str], w: float) -> None:
        if self.depth != 3:
            self._add_any(keys, w)
            return
        r0, r1, r2 = self.rows
        mask = self.width - 1
        hashes = _HASHES
        admit = self.admit
        held = self.keys
        for key in keys:  # three rows, unrolled: this is the hot loop
            h = hashes.get(key)
            if h is None:
                h = _hash64(key)
            c0, c1, c2 = h & mask, (h >> 20) & mask, (h >> 40) & mask
            v0, v1, v2 = r0[c0], r1[c1], r2[c2]
            est = (v0 if v0 < v1 else v1) if (v0 if v0 < v1 else v1) < v2 else v2
            est += w
            if v0 < est:
                r0[c0] = est
            if v1 < est:
                r1[c1] = est
            if v2 < est:
                r2[c2] = est
            if est >= admit and est >= 2 * w:  # seen twice or more, as far as it knows
                held.add(key)
        if len(held) > 2 * self.k:
            self._prune()

    def _add_any(self, keys: Iterable[str], w: float) -> None:
        rows = self.rows
        for key in keys:
            cells = self._cells(key)
            est = min(row[c] for row, c in zip(rows, cells, strict=True)) + w
            for row, c in zip(rows, cells, strict=True):
                if row[c] < est:
                    row[c] = est
            if est >= self.admit and est >= 2 * w:
                self.keys.add(key)
        if len(self.keys) > 2 * self.k:
            self._prune()

    def _prune(self) -> None:
        ranked = heapq.nlargest(self.k, ((self._estimate(key), key) for key in self.keys))
        self.keys = {key for _, key in ranked}
        if len(ranked) == self.k:
            self.admit = ranked[-1][0]

    def get(self, key: str, ts: float) -> float:
        return self._estimate(key) * self.scale(ts)

    def top(self, ts: float, n: int | None = None) -> list[tuple[str, float]]:
        f = self.scale(ts)
        ranked = sorted(
            ((self._estimate(key), key) for key in self.keys), key=lambda e: (-e[0], e[1])
        )
        return [(key, est * f) for est, key in ranked[:n]]

    def to_json(self) -> dict[str, Any]:
        """The state as held: the counters (relative to the anchor ``t0``, so saving again
        changes nothing) as single floats, and the keys as held, up to ``2 k`` (never pruned
        here: see the module docstring). Not half floats: saved after every item, a counter
        over 2,048 lost every item of weight 1 to the rounding."""
        packed = np.array(self.rows, dtype=np.float64).astype("<f4")
        return {
            "t0": self.t0,
            "t": self.t_last,
            "admit": round(self.admit, 3),
            "w": self.width,
            "rows": base64.b64encode(packed.tobytes()).decode("ascii"),
            "keys": sorted(self.keys),
        }

    @classmethod
    def from_json(
        cls,
        data: Mapping[str, Any] | None,
        k: int,
        half_life: float,
        width: int = 1024,
        depth: int = 3,
    ) -> DecayedHeavyHitters:
        out = cls(k, half_life, width, depth)
        if not data or int(data.get("w", width)) != width:
            return out
        raw = base64.b64decode(data["rows"])
        # single floats; half floats in states saved before they were
        dtype = "<f4" if len(raw) == 4 * width * depth else "<f2"
        rows = np.frombuffer(raw, dtype=dtype)
        if rows.size != width * depth:
            return out
        out.rows = rows.astype(float).reshape(depth, width).tolist()
        out.t0, out.t_last = _saved_times(data)
        out.admit = float(data.get("admit") or 0.0)
        out.keys = {str(key) for key in data.get("keys") or ()}
        return out
