"""Whether a change is more than noise at its sample size (docs/trends.md#is-it-news).

Every comparison is a two-sided test at ``ALPHA`` (5 %); a change whose p-value is above it is
marked noise:

- **a volume** (mentions per day of two periods of possibly different lengths): the exact
  conditional test for two Poisson rates. Given ``a + b`` mentions in all, under equal rates
  ``a`` is binomial with ``p = days_a / (days_a + days_b)`` (``scipy.stats.binomtest``);
- **a share** (negative share, share of voice, untagged share, answered share): the
  two-proportion z-test with the pooled proportion; the shares also carry their 95 % Wilson
  interval;
- **a net score** (net sentiment score, NPS scale): each mention scores +1, 0 or -1; the
  difference of the two means over its standard error ``sqrt(v1/n1 + v2/n2)``, with
  ``v = p+ + p- - (p+ - p-)^2``, against the normal distribution.

A comparison with an empty side has no p-value (None) and counts as noise.
"""

from __future__ import annotations

import math

from scipy.stats import binomtest, norm

__all__ = [
    "ALPHA",
    "net_score_p",
    "poisson_rate_p",
    "two_proportion_p",
    "wilson",
]

ALPHA = 0.05
_Z95 = 1.959963984540054


def wilson(successes: int, n: int, z: float = _Z95) -> tuple[float, float] | None:
    """The Wilson score interval of ``successes / n`` (95 % by default); None when n is 0."""
    if n <= 0:
        return None
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def poisson_rate_p(a: int, days_a: float, b: int, days_b: float) -> float | None:
    """Two-sided p-value that ``a`` mentions in ``days_a`` and ``b`` in ``days_b`` come from
    the same daily rate (exact conditional binomial test)."""
    if a + b == 0 or days_a <= 0 or days_b <= 0:
        return None
    return float(binomtest(a, a + b, days_a / (days_a + days_b)).pvalue)


def two_proportion_p(x1: int, n1: int, x2: int, n2: int) -> float | None:
    """Two-sided p-value of the pooled two-proportion z-test of ``x1/n1`` against ``x2/n2``."""
    if n1 <= 0 or n2 <= 0:
        return None
    pooled = (x1 + x2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return 1.0
    z = (x1 / n1 - x2 / n2) / se
    return float(2 * norm.sf(abs(z)))


def net_score_p(pos1: int, neg1: int, n1: int, pos2: int, neg2: int, n2: int) -> float | None:
    """Two-sided p-value that two net scores (+1/0/-1 per mention) have the same mean."""
    if n1 <= 1 or n2 <= 1:
        return None

    def var(pos: int, neg: int, n: int) -> float:
        plus, minus = pos / n, neg / n
        return plus + minus - (plus - minus) ** 2

    se = math.sqrt(var(pos1, neg1, n1) / n1 + var(pos2, neg2, n2) / n2)
    diff = (pos1 - neg1) / n1 - (pos2 - neg2) / n2
    if se == 0:
        return 1.0 if diff == 0 else 0.0
    return float(2 * norm.sf(abs(diff) / se))
