"""A count test for crisis alerts: a negative-binomial CUSUM of a brand's window counts.

The detector (:mod:`streams.crisis.detector`) scores a window against its own record of
surprises: a burst no bigger than the last one it saw scores low, and its baseline chases a
crisis within a few windows. Both are right for NAB's machine metrics, wrong for a small brand
whose negative posts go from 2-3 to 15 in five minutes. This test asks the plain question
instead: *is the count since some recent window more than chance allows?*

- **Baseline.** An exponentially weighted mean ``mean`` of the counts (memory ``memory_seconds``
  of event time, so any window width works), learnt only while the CUSUM is at zero and from
  counts clipped at ``clip`` standard deviations: a crisis does not become the baseline while
  it is being tested.
- **Noise.** Counts are negative binomial, mean ``mu`` and variance ``mu + alpha mu^2``: Poisson
  plus the overdispersion of bursty traffic (and of the baseline's own error). ``alpha`` is
  learnt by moments, an exponentially weighted ``((x - mu)^2 - mu)`` over ``mu^2`` (memory
  ``dispersion_seconds``), from the same clipped counts, never below ``min_alpha``.
- **CUSUM.** Page's CUSUM for a rise of the mean from ``mu`` to ``ratio * mu``: ``S`` adds each
  window's log-likelihood ratio of the two negative binomials and never falls below zero; it
  alarms at ``S >= threshold`` (natural log units: the chance run of a quiet series reaches
  ``threshold`` about once in ``e^threshold`` windows). The evidence of consecutive windows adds
  up, so a crisis that starts within a window is heard in the next, and a chance single burst
  must be ``threshold`` strong alone.
- **Gates.** The counts of the current run (since ``S`` left zero, faded like its evidence)
  must sum to ``min_count``,
  and nothing alarms before ``warmup_seconds`` of history.

State: a few floats per series (a JSON dict); an update is a few microseconds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class CountTestConfig:
    """The count test's settings (defaults chosen on ``benchmarks/crisis.py``)."""

    #: the rise the CUSUM looks for: the mean times this
    ratio: float = 5.0
    #: alarm when the CUSUM reaches this (log-likelihood ratio, natural log)
    threshold: float = 8.0
    #: the evidence of a window fades with this time constant (event seconds): a run is
    #: judged on its last tens of minutes, not on hours of a slightly low baseline
    fade_seconds: float = 3600.0
    #: the counts of the run must sum to at least this many
    min_count: float = 8.0
    #: memory of the baseline mean and of the dispersion (event-time seconds)
    memory_seconds: float = 3600.0
    dispersion_seconds: float = 6 * 3600.0
    #: the baseline's memory holds at least this many expected counts (a brand with a post
    #: an hour is not judged on the last hour alone)
    min_events: float = 10.0
    #: the baseline is at least this many counts an hour (a quiet series' first posts are
    #: not a crisis)
    min_per_hour: float = 1.0
    #: counts beyond this many standard deviations are clipped when learning
    clip: float = 3.0
    #: ... and, for the dispersion, this many (a heavy tail is part of the noise)
    dispersion_clip: float = 3.0
    #: alpha starts here and never falls below ``min_alpha``
    start_alpha: float = 0.1
    min_alpha: float = 0.01
    #: no alarm before this much history
    warmup_seconds: float = 7200.0


DEFAULT_COUNT_TEST = CountTestConfig()


@dataclass(frozen=True)
class CountResult:
    """One window's outcome: the CUSUM after it, the counts of its run, and the alarm."""

    cusum: float
    run_count: float
    expected: float
    alarm: bool


def new_state() -> dict[str, Any]:
    return {
        "t0": None,
        "ts": None,
        "n": 0,
        "mean": None,
        "s1": None,
        "s2": None,
        "s": 0.0,
        "run": 0.0,
    }


def _llr(x: float, mu: float, alpha: float, ratio: float) -> float:
    """log P(x | NB(ratio * mu, alpha)) - log P(x | NB(mu, alpha))."""
    r = 1.0 / alpha
    mu1 = ratio * mu
    return x * math.log(ratio * (r + mu) / (r + mu1)) + r * math.log((r + mu) / (r + mu1))


def update(state: dict[str, Any], ts: float, x: float, config: CountTestConfig) -> CountResult:
    """Test the count ``x`` of the window starting at ``ts`` (event seconds), then learn from
    it; ``state`` (``new_state()``) changes in place."""
    if state.get("mean") is None:
        state.update(new_state())
        state.update(t0=ts, ts=ts, n=1, mean=max(x, 0.0))
        return CountResult(0.0, 0.0, max(x, 0.0), False)
    dt = max(ts - float(state["ts"]), 0.0)
    state["ts"] = ts
    n = int(state["n"]) + 1
    state["n"] = n
    mean = float(state["mean"])
    mu = max(mean, config.min_per_hour * dt / 3600.0, 1e-6)
    if state["s2"] is None:
        state["s1"], state["s2"] = config.start_alpha * mu * mu, mu * mu
    alpha = max(float(state["s1"]) / float(state["s2"]), config.min_alpha)
    warm = ts - float(state["t0"]) >= config.warmup_seconds
    fade = math.exp(-dt / config.fade_seconds) if dt > 0 else 1.0
    s = max(0.0, fade * float(state["s"]) + _llr(x, mu, alpha, config.ratio)) if warm else 0.0
    run = fade * float(state["run"]) + x if s > 0 else 0.0
    alarm = s >= config.threshold and run >= config.min_count
    state["s"], state["run"] = s, run
    # learn from the count clipped at ``clip`` sigmas: a crisis moves the baseline slowly
    sd = math.sqrt(mu + alpha * mu * mu)
    xc = min(x, mu + config.clip * sd)
    # memory: memory_seconds, or longer to hold min_events counts; a plain average over the
    # first windows
    memory = max(config.memory_seconds, config.min_events * dt / mu) if dt > 0 else math.inf
    rm = max(1.0 - math.exp(-dt / memory), 1.0 / n)
    ra = 1.0 - math.exp(-dt / config.dispersion_seconds) if dt > 0 else 0.0
    state["mean"] = mean + rm * (xc - mean)
    xd = min(x, mu + config.dispersion_clip * sd)
    state["s1"] = float(state["s1"]) + ra * (((xd - mu) ** 2 - mu) - float(state["s1"]))
    state["s2"] = float(state["s2"]) + ra * (mu * mu - float(state["s2"]))
    return CountResult(s, run, mu, alarm)
