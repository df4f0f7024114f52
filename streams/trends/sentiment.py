"""What counts towards the net sentiment score (NPS scale, -100..100).

A mention is *clearly positive* when its positive score is at least :data:`CLEAR_POSITIVE`,
*clearly negative* when its negative score is at least :data:`CLEAR_NEGATIVE`. The net
sentiment score of a set of mentions is ``100 * (clearly positive - clearly negative) / all``,
as NPS is promoters minus detractors over all answers: the model's doubtful calls count as
passives. The thresholds were calibrated on ``shared/data/sentiment/val.jsonl``
(``benchmarks/sentiment_thresholds.py``; docs/trends.md has the table): at them about nine in
ten clearly negative mentions are labelled negative by people, and likewise for positive.

The writer counts them into ``trend_rollups`` as mentions arrive (migration 0005 backfilled
with the same values): changing them applies to mentions stored from then on.
"""

from __future__ import annotations

__all__ = ["CLEAR_NEGATIVE", "CLEAR_POSITIVE", "MAX_REACH", "net_score"]

CLEAR_POSITIVE = 0.8
CLEAR_NEGATIVE = 0.8
#: A mention's reach as counted in the rollups is capped (so that sums never overflow).
MAX_REACH = 1_000_000_000_000


def net_score(clearly_positive: int, clearly_negative: int, mentions: int) -> float | None:
    """``100 * (clearly positive - clearly negative) / mentions``; None without mentions."""
    if mentions <= 0:
        return None
    return 100.0 * (clearly_positive - clearly_negative) / mentions
