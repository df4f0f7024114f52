"""A count test for crisis alerts: a CUSUM of a brand's negative posts given its other posts.

The detector (:mod:`streams.crisis.detector`) scores a window against its own record of
surprises: a burst no bigger than the last one it saw scores low, and its baseline chases a
crisis within a few windows. Both are right for NAB's machine metrics, wrong for a small brand
whose negative posts go from 2-3 to 15 in five minutes. This test asks the plain question
instead: *are there more negative posts since some recent window than chance allows, given
how many other posts the brand had?*

- **Expected negative posts** come from the window's *other* posts (positive and neutral),
  which a negative crisis does not raise: the brand's usual odds of a negative post against
  another (an exponentially weighted ratio of the two counts, memory ``odds_seconds``, from
  the negative posts of batches of windows that expect ``odds_batch`` of them, each clipped
  at ``clip`` standard deviations) times the other posts expected.
  Those are a level (an exponentially weighted mean of the other posts' counts, memory
  ``memory_seconds`` or ``min_events`` counts if that is longer, learnt from counts clipped at
  ``clip`` standard deviations) updated with the window's own count: the brand's rate in the
  window is gamma around the level (shape ``1 / alpha``), and the window's other posts tell
  where in that spread it is. A burst of all posts (a busy minute of bursty traffic) then
  raises what is expected of the negative ones with it, and the daily cycle needs no model.
- **Noise.** Negative posts are negative binomial around that expectation: Poisson plus what
  is unknown of the rate (the gamma given the other posts) and of the odds (from how many
  posts they were learnt: a small brand's, at night, from few). ``alpha``, the
  overdispersion of the other posts' counts (variance ``mu + alpha mu^2``), is learnt by
  moments (an exponentially weighted ``((c - mu)^2 - mu)`` over ``mu^2``, memory
  ``dispersion_seconds``), never below ``min_alpha``.
- **CUSUM.** Page's CUSUM for a rise of the expected negative posts to ``ratio`` times:
  ``S`` adds each window's log-likelihood ratio of the two negative binomials, never falls
  below zero, and its past fades with ``fade_seconds``; it alarms at ``S >= threshold``
  (natural log units). The evidence of consecutive windows adds up, so a crisis that starts
  within a window is heard in the next, and a chance single burst must be ``threshold``
  strong alone. It is held at ``threshold``: after an alarm the run goes on while the
  evidence keeps coming and ends within minutes of the crisis (an open alert thread stays
  open while the run goes on), not after hours of draining a strong crisis's evidence.
- **The run as a whole.** The odds are learnt once and shared by every window of a run, so
  their error does not average out over the run as the windows' own noise does: a run of
  thirty quiet minutes whose odds were learnt 30% low (a small brand's night that happened
  to be calm) adds up thirty windows' worth of the same bias. The run's negative posts are
  therefore also tested as one sum against the run's expected (both faded like its
  evidence), negative binomial with the windows' gamma noise plus the odds' uncertainty on
  the whole sum, and must reach ``threshold`` too. For a run of a few windows (a strong
  crisis, a big brand) the two agree; a long run of a small brand needs more.
- **Gates.** The negative posts of the current run (since ``S`` left zero, faded like its
  evidence) must sum to ``min_count``, and nothing alarms before ``warmup_seconds`` of
  history.

How it compares with the most any test of these counts can do is in
``benchmarks/crisis_ceiling.py`` (an oracle that knows the traffic's true mean).

State: a few floats per brand (a JSON dict); an update is a few microseconds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class CountTestConfig:
    """The count test's settings (defaults chosen on the crisis benchmark's traffic:
    docs/crisis-detection.md#the-count-test)."""

    #: the rise the CUSUM looks for: the expected negative posts times this
    ratio: float = 3.5
    #: alarm when the CUSUM reaches this (log-likelihood ratio, natural log)
    threshold: float = 9.0
    #: the evidence of a window fades with this time constant (event seconds): a run is
    #: judged on its last tens of minutes, not on hours of a slightly low baseline
    fade_seconds: float = 3600.0
    #: the negative posts of the run must sum to at least this many
    min_count: float = 8.0
    #: memory of the other posts' level (event-time seconds)
    memory_seconds: float = 3600.0
    #: memory of the odds of a negative post against another
    odds_seconds: float = 6 * 3600.0
    #: the odds learn from batches of consecutive windows that expect at least this many
    #: negative posts, each clipped as a whole
    odds_batch: float = 5.0
    #: memory of the other posts' overdispersion
    dispersion_seconds: float = 6 * 3600.0
    #: the level's memory holds at least this many expected counts (a brand with a post
    #: an hour is not judged on the last hour alone)
    min_events: float = 10.0
    #: at least this many negative posts an hour are expected (a quiet brand's first
    #: negative posts are not a crisis)
    min_per_hour: float = 1.0
    #: counts beyond this many standard deviations are clipped when learning
    clip: float = 3.0
    #: ... and, for the dispersion, this many (a heavy tail is part of the noise)
    dispersion_clip: float = 3.0
    #: before the brand's own odds are known: a negative share of ``prior_share``, worth
    #: ``prior_posts`` posts
    prior_share: float = 0.2
    prior_posts: float = 5.0
    #: alpha starts here and never falls below ``min_alpha``
    start_alpha: float = 0.1
    min_alpha: float = 0.01
    #: no alarm before this much history
    warmup_seconds: float = 7200.0


DEFAULT_COUNT_TEST = CountTestConfig()


@dataclass(frozen=True)
class CountResult:
    """One window's outcome: the CUSUM after it, the counts of its run, the run's
    log-likelihood ratio as one sum (``whole``), and the alarm."""

    cusum: float
    run_count: float
    expected: float
    alarm: bool
    whole: float = 0.0


def new_state() -> dict[str, Any]:
    return {
        "t0": None,
        "ts": None,
        "n": 0,
        "level": None,
        "s1": None,
        "s2": None,
        "negative": 0.0,
        "other": 0.0,
        "pending": [0.0, 0.0, 0.0],
        "s": 0.0,
        "run": 0.0,
        "run_expected": 0.0,
        "run_gamma": 0.0,
    }


def _llr(x: float, mu: float, size: float, ratio: float) -> float:
    """log P(x | NB(ratio * mu, size)) - log P(x | NB(mu, size)) (NB of mean and size)."""
    mu1 = ratio * mu
    return x * math.log(ratio * (size + mu) / (size + mu1)) + size * math.log(
        (size + mu) / (size + mu1)
    )


def update(
    state: dict[str, Any], ts: float, x: float, others: float, config: CountTestConfig
) -> CountResult:
    """Test the ``x`` negative posts of the window starting at ``ts`` (event seconds), which
    also had ``others`` other posts, then learn from them; ``state`` (``new_state()``)
    changes in place. A state saved by the first count test starts afresh; one saved before the
    run was tested whole keeps what it learnt and restarts its run."""
    if state.get("level") is None:
        state.clear()
        state.update(new_state())
        state.update(
            t0=ts, ts=ts, n=1, level=max(others, 0.0), negative=max(x, 0.0), other=max(others, 0.0)
        )
        return CountResult(0.0, 0.0, max(x, 0.0), False)
    if "run_expected" not in state:
        # saved before the run was also tested whole: what was learnt stays, the run restarts
        state.update(s=0.0, run=0.0, run_expected=0.0, run_gamma=0.0)
    dt = max(ts - float(state["ts"]), 0.0)
    state["ts"] = ts
    n = int(state["n"]) + 1
    state["n"] = n
    level = float(state["level"])
    mu = max(level, 1e-6)
    if state["s2"] is None:
        state["s1"], state["s2"] = config.start_alpha * mu * mu, mu * mu
    alpha = max(float(state["s1"]) / float(state["s2"]), config.min_alpha)
    # the rate of the window, gamma around the level, given its other posts
    size = 1.0 / alpha + max(others, 0.0)
    rate = 1.0 / (alpha * mu) + 1.0
    prior = config.prior_posts
    negative = float(state["negative"]) + prior * config.prior_share
    other = float(state["other"]) + prior * (1.0 - config.prior_share)
    odds = negative / other
    expected = max(odds * size / rate, config.min_per_hour * dt / 3600.0, 1e-6)
    # what is unknown of the odds widens the negative binomial as what is unknown of the rate
    # does (squared CV 1/size): a ratio of two counts has a squared CV of 1/negative +
    # 1/other, and an exponentially weighted count holds about half the information of as
    # many posts
    gamma_size = size
    odds_cv2 = 2.0 / negative + 2.0 / other
    size = 1.0 / (1.0 / size + odds_cv2)
    warm = ts - float(state["t0"]) >= config.warmup_seconds
    fade = math.exp(-dt / config.fade_seconds) if dt > 0 else 1.0
    llr = _llr(x, expected, size, config.ratio)
    s = max(0.0, fade * float(state["s"]) + llr) if warm else 0.0
    run = run_expected = run_gamma = whole = 0.0
    if s > 0:
        run = fade * float(state["run"]) + x
        run_expected = fade * float(state["run_expected"]) + expected
        run_gamma = fade * float(state["run_gamma"]) + expected * expected / gamma_size
        # the run as one sum: the windows' gamma noise adds up window by window, the odds'
        # error is one for the whole run
        run_size = run_expected**2 / (run_gamma + run_expected**2 * odds_cv2)
        whole = _llr(run, run_expected, run_size, config.ratio)
    alarm = s >= config.threshold and whole >= config.threshold and run >= config.min_count
    # held at the threshold: the run goes on while the evidence keeps coming and ends within
    # minutes of the crisis, not after hours of draining a strong crisis's evidence
    state["s"], state["run"] = min(s, config.threshold), run
    state["run_expected"], state["run_gamma"] = run_expected, run_gamma
    # learn the level and the dispersion from the other posts clipped at ``clip`` sigmas,
    # the odds from the negative posts clipped likewise: a crisis moves them slowly
    sd = math.sqrt(mu + alpha * mu * mu)
    memory = max(config.memory_seconds, config.min_events * dt / mu) if dt > 0 else math.inf
    rm = max(1.0 - math.exp(-dt / memory), 1.0 / n)
    state["level"] = level + rm * (min(others, mu + config.clip * sd) - level)
    ra = 1.0 - math.exp(-dt / config.dispersion_seconds) if dt > 0 else 0.0
    cd = min(others, mu + config.dispersion_clip * sd)
    state["s1"] = float(state["s1"]) + ra * (((cd - mu) ** 2 - mu) - float(state["s1"]))
    state["s2"] = float(state["s2"]) + ra * (mu * mu - float(state["s2"]))
    # the odds learn from batches of windows expecting ``odds_batch`` negative posts or more,
    # each batch's count clipped: clipping one window of a small brand (0.1 negative posts
    # expected) at 3 sigmas would cut most single posts and bias the odds low
    keep = math.exp(-dt / config.odds_seconds) if dt > 0 else 1.0
    state["negative"] = keep * float(state["negative"])
    state["other"] = keep * float(state["other"])
    negatives, other_posts, expecting = (float(v) for v in state["pending"])
    pending = [negatives + x, other_posts + others, expecting + expected]
    if pending[2] >= config.odds_batch:
        cap = pending[2] + config.clip * math.sqrt(pending[2] + alpha * pending[2] ** 2)
        state["negative"] = float(state["negative"]) + min(pending[0], cap)
        state["other"] = float(state["other"]) + pending[1]
        pending = [0.0, 0.0, 0.0]
    state["pending"] = pending
    return CountResult(s, run, expected, alarm, whole)
