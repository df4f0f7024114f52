"""Checks shared by the sentiment model tests."""

from __future__ import annotations

from typing import Any

from models.sentiment.base import LABELS


def assert_valid(results: list[Any], n: int) -> None:
    """``n`` results, each a label of LABELS with scores over all labels that sum to 1, the
    label the highest-scored one."""
    assert len(results) == n
    for r in results:
        assert r.label in LABELS
        assert set(r.scores) == set(LABELS)
        assert abs(sum(r.scores.values()) - 1.0) < 1e-6
        assert r.label == max(r.scores, key=r.scores.__getitem__)
