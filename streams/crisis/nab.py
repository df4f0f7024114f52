"""Scoring with the rules of the Numenta Anomaly Benchmark (NAB), as pure functions.

This follows NAB's own scorer (``nab/sweeper.py``, ``nab/optimizer.py``, ``nab/runner.py`` in
numenta/NAB):

- The first ``min(floor(0.15 * rows), 0.15 * 5000)`` rows of a file are a probation period:
  detections there are ignored (NAB caps the probation at 750 rows).
- Each row gets a *sweep score*: inside a labelled window, ``scaled_sigmoid(position)`` with
  ``position = -(right - i + 1) / width`` (``-1`` at the window's first row), divided by
  ``scaled_sigmoid(-1)`` and times ``tpWeight``, so the first row of a window is worth exactly
  ``tpWeight``; outside a window, ``scaled_sigmoid(|i - prev_right| / (prev_width - 1))`` times
  ``fpWeight`` (``-fpWeight`` before the first window), so a false positive just after a window
  costs little and one far from it ``fpWeight``.
- A window scores the best (that is the earliest) sweep score among its detections, or
  ``-fnWeight`` without one; false positives add their sweep scores.
- The threshold is swept over every distinct anomaly score; a row is a detection when its score
  is ``>=`` the threshold. As NAB's optimiser does, the rows of *all* files are pooled before the
  sweep, so one threshold serves the whole corpus and the raw scores are summed over files.
- Normalised score: ``100 * (raw - null) / (perfect - null)``, where ``null`` is the raw score
  of no detections at all (``-fnWeight`` per scorable window) and ``perfect`` is
  ``tpWeight`` times the number of windows.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

PROBATION_PERCENT = 0.15
PROBATIONARY = "probationary"


@dataclass(frozen=True)
class CostProfile:
    """A NAB application profile (``config/profiles.json``)."""

    name: str
    tp_weight: float
    fp_weight: float
    fn_weight: float


PROFILES: tuple[CostProfile, ...] = (
    CostProfile("standard", 1.0, 0.11, 1.0),
    CostProfile("reward_low_FP", 1.0, 0.22, 1.0),
    CostProfile("reward_low_FN", 1.0, 0.11, 2.0),
)


@dataclass(frozen=True)
class Point:
    """One scorable row: its anomaly score, its unweighted sweep score and its window.

    ``window`` is ``None`` outside any window, :data:`PROBATIONARY` in the probation period,
    else a name unique over the corpus.
    """

    score: float
    sweep: float  # unweighted: scaled sigmoid (TP: divided by its maximum), before cost weights
    window: str | None


def scaled_sigmoid(x: float) -> float:
    """NAB's ``2 / (1 + exp(5 x)) - 1``, and ``-1`` beyond 3 (far after a window)."""
    if x > 3.0:
        return -1.0
    return 2.0 / (1.0 + math.exp(5.0 * x)) - 1.0


def probation_length(rows: int, percent: float = PROBATION_PERCENT) -> float:
    """Rows ignored at the start of a file, as NAB's sweeper computes it."""
    return min(math.floor(percent * rows), percent * 5000)


def window_indices(
    times: Sequence[float], windows: Sequence[tuple[float, float]]
) -> list[tuple[int, int]]:
    """Row index ranges ``(first, last)`` of each window.

    As NAB does (``timestamps.index(limit)``), a limit that is a timestamp of the file maps to
    its first occurrence; otherwise the first row at or after the start and the last row at or
    before the end are taken (``times`` nearly increasing).
    """
    first: dict[float, int] = {}
    for i, t in enumerate(times):
        first.setdefault(t, i)
    out = []
    for start, end in windows:
        lo = first.get(start, bisect.bisect_left(times, start))
        hi = first.get(end, bisect.bisect_right(times, end) - 1)
        if lo <= hi:
            out.append((lo, hi))
    return out


def sweep_points(
    scores: Sequence[float], windows: Sequence[tuple[int, int]], name: str
) -> list[Point]:
    """NAB's ``Sweeper.calcSweepScore`` for one file (``windows`` as row index ranges)."""
    n = len(scores)
    max_tp = scaled_sigmoid(-1.0)
    probation = probation_length(n)
    points: list[Point] = []
    pending = sorted(windows)
    k = 0
    cur: tuple[int, int] | None = None
    cur_name: str | None = None
    prev_right: int | None = None
    prev_width = 0.0
    for i in range(n):
        if cur is None and k < len(pending) and i == pending[k][0]:
            cur = pending[k]
            cur_name = f"{name}|{cur[0]}"
            k += 1
        if cur is not None:
            width = float(cur[1] - cur[0] + 1)
            sweep = scaled_sigmoid(-(cur[1] - i + 1) / width) / max_tp
        elif prev_right is None:
            sweep = -1.0
        else:
            denom = prev_width - 1.0
            pos = abs(prev_right - i) / denom if denom > 0 else 3.0 + 1.0
            sweep = scaled_sigmoid(pos)
        window = cur_name if i >= probation else PROBATIONARY
        points.append(Point(float(scores[i]), sweep, window))
        if cur is not None and i == cur[1]:
            prev_right = i
            prev_width = float(cur[1] - cur[0] + 1)
            cur = None
            cur_name = None
    return points


def _weighted(point: Point, profile: CostProfile) -> float:
    if point.window is None:
        return point.sweep * profile.fp_weight
    return point.sweep * profile.tp_weight


def null_score(points: Sequence[Point], profile: CostProfile) -> float:
    """Raw score of no detections: ``-fnWeight`` for each window with a scorable row."""
    names = {p.window for p in points if p.window not in (None, PROBATIONARY)}
    return -profile.fn_weight * len(names)


def sweep_thresholds(points: Sequence[Point], profile: CostProfile) -> list[tuple[float, float]]:
    """NAB's ``calcScoreByThreshold``: ``(threshold, raw score)`` for every distinct score.

    The first entry is threshold 1.1 (no detections). A threshold's raw score counts every row
    whose anomaly score is ``>=`` it.
    """
    scorable = sorted(
        (p for p in points if p.window != PROBATIONARY), key=lambda p: p.score, reverse=True
    )
    best: dict[str, float] = {}
    for p in scorable:
        if p.window is not None:
            best[p.window] = -profile.fn_weight
    total = sum(best.values())
    out: list[tuple[float, float]] = []
    cur = 1.1
    for p in scorable:
        if p.score != cur:
            out.append((cur, total))
            cur = p.score
        w = _weighted(p, profile)
        if p.window is None:
            total += w
        else:
            old = best[p.window]
            if w > old:
                best[p.window] = w
                total += w - old
    out.append((cur, total))
    return out


def optimize_threshold(points: Sequence[Point], profile: CostProfile) -> tuple[float, float]:
    """Best ``(threshold, raw score)`` over the pooled rows, as NAB's sweep optimiser picks."""
    return max(sweep_thresholds(points, profile), key=lambda ts: ts[1])


def raw_score_at(points: Sequence[Point], profile: CostProfile, threshold: float) -> float:
    """Raw score when every row with ``score >= threshold`` (outside probation) is a detection."""
    best: dict[str, float] = {}
    fp = 0.0
    for p in points:
        if p.window == PROBATIONARY:
            continue
        detected = p.score >= threshold
        if p.window is None:
            if detected:
                fp += _weighted(p, profile)
            continue
        w = _weighted(p, profile) if detected else -profile.fn_weight
        best[p.window] = max(best.get(p.window, -profile.fn_weight), w)
    return fp + sum(best.values())


def normalize(raw: float, null: float, perfect: float) -> float:
    """``100 * (raw - null) / (perfect - null)``."""
    if perfect == null:
        return 0.0
    return 100.0 * (raw - null) / (perfect - null)


@dataclass(frozen=True)
class ProfileResult:
    profile: str
    threshold: float
    raw: float
    null: float
    perfect: float

    @property
    def score(self) -> float:
        return normalize(self.raw, self.null, self.perfect)


def score_corpus(
    points: Sequence[Point],
    n_windows: int,
    profile: CostProfile,
    threshold: float | None = None,
) -> ProfileResult:
    """Normalised NAB score of pooled points; the threshold is optimised unless given.

    ``n_windows`` is the number of labelled windows in the corpus (NAB's ``tpCount``).
    """
    if threshold is None:
        threshold, raw = optimize_threshold(points, profile)
    else:
        raw = raw_score_at(points, profile, threshold)
    return ProfileResult(
        profile.name, threshold, raw, null_score(points, profile), n_windows * profile.tp_weight
    )


@dataclass(frozen=True)
class FoldResult:
    """One held-out fold: the threshold chosen on the other folds and its raw score there."""

    fold: str
    threshold: float
    raw: float
    null: float
    perfect: float


def cross_validate(
    folds: Mapping[str, Sequence[Point]],
    n_windows: Mapping[str, int],
    profile: CostProfile,
    threshold: float | None = None,
) -> tuple[float, list[FoldResult]]:
    """Held-out NAB score: each fold scored at the threshold optimised on the other folds.

    ``folds`` maps a fold's name (a file, a folder) to its points (names unique over all
    folds); ``n_windows`` its labelled windows. With ``threshold`` given (a 0/1 ``alert``
    column at 1.0, say), nothing is optimised. Returns the normalised score of the summed
    held-out raw scores (``100 * (raw - null) / (perfect - null)`` over all folds) and the
    folds' results.
    """
    names = sorted(folds)
    out: list[FoldResult] = []
    for name in names:
        if threshold is None:
            rest = [p for other in names if other != name for p in folds[other]]
            th, _ = optimize_threshold(rest, profile) if rest else (1.1, 0.0)
        else:
            th = threshold
        pts = folds[name]
        out.append(
            FoldResult(
                name,
                th,
                raw_score_at(pts, profile, th),
                null_score(pts, profile),
                n_windows[name] * profile.tp_weight,
            )
        )
    raw = sum(f.raw for f in out)
    null = sum(f.null for f in out)
    perfect = sum(f.perfect for f in out)
    return normalize(raw, null, perfect), out
