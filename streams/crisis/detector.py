"""Streaming anomaly detector for one time series (per-brand mention counts, NAB series...).

Pure Python, one value at a time, O(1) per update, with a JSON state of a few KB (its speed:
docs/performance.md).
The stream and the backtest (:mod:`streams.crisis.backtest`) use this same code.

Baselines (what is expected)
----------------------------
Each closed window brings ``(timestamp, value)``; two baselines forecast it *before* it is seen:

- **level**: a fast exponentially weighted level (about the last ``1 / level_alpha`` windows):
  recent behaviour, no seasonality;
- **seasonal**: additive Holt-Winters: a slow level, a time-of-day profile of
  ``daily_buckets`` buckets and, after two weeks of history, day-of-week corrections
  (``weekly_blocks`` blocks a day). The phase comes from the timestamp (UTC), so any interval
  works (1 min, 5 min, 1 h; off at a day or more). A bucket learns its first visit as it is,
  then by a running mean, then with the per-day rate ``season_gamma``.

Each baseline keeps an exponentially weighted mean absolute error; ``1.25`` times it is its
``sigma``. Baselines learn from errors clipped at ``clip`` sigmas: a spike barely moves them, a
lasting level shift is absorbed in tens of windows. ``Detection.expected`` is the forecast of
the baseline that is the more surprised (else the one with the smaller recent error), so an
alert reads "observed 42 vs expected 6" against the level or the same time of previous days.

Counts (non-negative integer series, e.g. mentions per window) are modelled on the Anscombe
scale ``2 sqrt(x + 3/8)``, where Poisson noise has sigma about 1 whatever the level, with
``sigma >= count_sigma``: low counts (mean 1-3) do not alert on ordinary noise, and the
learnt sigma absorbs the overdispersion of bursty (negative-binomial) traffic. ``expected`` is
given back on the count scale. A series that stops being integer restarts its learning.

Surprise channels (what is anomalous)
-------------------------------------
Each channel's statistic is divided by its own decaying *record* (``peak_decay`` a window; at
least ``min_record``), so ``u > 1`` means "more surprising than anything lately" on the series'
own terms: heavy-tailed, bursty series calibrate themselves, and a recurring pattern stops
being news. A record takes an anomaly in full, so an identical burst is news again only days
later (a clearly bigger one at once); ``record_growth`` / ``fast_decay`` make it forget sooner
at some cost on NAB (see :class:`DetectorConfig`).

- level: ``|z|`` against the level baseline (spikes, sudden jumps);
- seasonal: ``|z|`` against the seasonal baseline, after a day of history (a missing daily
  peak, an unusual hour), weighted by ``season_weight``;
- shift: an exponentially weighted mean of the seasonal ``z`` (rate ``shift_rate``, in units of
  its noise): sustained moderate shifts that no single window shows;
- slow shift: the same at rate ``slow_shift_rate`` (0.1: about ten windows) with ``z`` clipped
  at ``slow_shift_clip``, weighted by ``slow_shift_weight``: bursts that last (news breaking
  over an hour of 5-minute tweet counts), which short chance bursts of a bursty series do not
  match; it lifted the cross-validated NAB score on tweet volumes from 45 to 68
  (docs/crisis-detection.md);
- range: a value beyond the whole range seen so far (after a day of history) by more than
  ``range_tol`` of that range (and, for counts, ``range_count_k`` Poisson sigmas): new highs/lows.

``u`` is the largest channel. An episode keeps its first peak: after an alert-level ``u``, a
``u`` that does not top the (decaying) episode peak is damped by ``episode_damp``, so a
persisting anomaly does not keep re-alerting. An alert-level ``u`` also opens a quiet period of
``refractory_steps`` windows (48: four hours of 5-minute windows) in which a ``u`` short of
``refractory_factor`` times that alert's is damped the same way, however the episode peak has
decayed: the aftershocks of one event (a news story's second wave an hour later) are not news
again, a clearly bigger event still is. Both published NAB leaders stay quiet for 80-150 rows
after a detection; here it lifted every cross-validated NAB figure a little
(docs/crisis-detection.md). ``score = u / (u + 1)`` is in [0, 1] (0.6, the shipped alert
threshold, at ``u = 1.5``).

Cold start: everything starts from the first values; scores are scaled down during the first
``warmup_steps`` windows and, fading, during ``learning_seconds`` (``learning_boost``); no alert
before ``warmup_steps`` windows and ``warmup_seconds``. ``Detection.alert`` is exactly
``warm and score >= alert_threshold``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Any

# 2: fields named in full (level, seasonal_level, ...); 3: slow shift; 4: quiet period
_STATE_VERSION = 4
_SLOW_SHIFT_FIELDS = ("slow_shift", "peak_slow_shift", "fast_peak_slow_shift")
_DAY = 86400.0


@dataclass(frozen=True)
class DetectorConfig:
    """Every tunable of :class:`Detector`; the defaults are the shipped settings.

    Rates are per window (an exponential rate ``r`` remembers about ``1 / r`` windows).
    """

    alert_threshold: float = 0.6
    # baselines
    level_alpha: float = 0.2  # rate of the level baseline
    season_alpha: float = 0.02  # rate of the seasonal baseline's level
    season_gamma: float = 0.2  # per-day rate of a time-of-day bucket (after its first visits)
    daily_buckets: int = 48  # time-of-day buckets (48: half hours)
    season_min_seconds: float = _DAY  # the seasonal baseline judges after this much history
    weekly_blocks: int = 8  # day-of-week corrections of the profile, blocks a day (0: off)
    week_gamma: float = 0.3  # per-week rate of a day-of-week block
    week_min_seconds: float = 14 * _DAY  # used after this much history (two weeks)
    scale_beta: float = 0.005  # rate of the error scales (mean absolute errors)
    select_beta: float = 0.02  # rate of the errors that choose the baseline to report
    select_margin: float = 0.8  # (when nothing is surprising) seasonal if this much better
    clip: float = 3.0  # errors beyond clip sigmas are clipped when learning
    rel_floor: float = 1e-3  # sigma >= rel_floor * typical |value|
    count_transform: bool = True  # model counts on the Anscombe scale 2 sqrt(x + 3/8)
    count_sigma: float = 1.0  # counts: sigma >= this on that scale (Poisson noise is ~1)
    # surprise channels
    peak_decay: float = 0.9997  # per-window decay of the record surprises
    # Records take an anomaly in full (best on NAB): an identical burst is news again only
    # after days (a bigger one at once). record_growth=1, fast_decay=0.97: after ~8 h, at a
    # cost on NAB (standard -1.3, reward_low_FP -3).
    record_growth: float = 1e9  # per-window growth limit of the slow records
    fast_decay: float = 0.0  # per-window decay of the fast records (they hold anomalies)
    min_record: float = 2.0  # a record is at least this many sigmas
    shift_rate: float = 0.5  # rate of the EW mean of z that detects sustained shifts
    shift_clip: float = 6.0  # z is clipped at this for the shift channel
    shift_min_record: float = 4.0  # its record is at least this (in noise units)
    shift_min_seconds: float = 3600.0  # it judges after this much history
    season_weight: float = 0.9  # weight of the seasonal channel against the level one
    level_weight: float = 1.0  # weight of the level channel
    shift_weight: float = 1.0  # weight of the shift channel
    # a second, slower shift channel (same history rule and record floor as the fast one):
    # bursts that last an hour or more, which no single window and no fast mean shows above
    # chance noise; chosen by cross-validated NAB scores (docs/crisis-detection.md)
    slow_shift_rate: float = 0.1  # rate of its EW mean of z
    slow_shift_clip: float = 7.0  # z is clipped at this for it
    slow_shift_weight: float = 1.3  # its weight (0: off)
    episode_decay: float = 0.97  # per-window decay of an episode's peak surprise
    episode_damp: float = 0.3  # factor on a surprise that does not top it
    # quiet period after an alert-level surprise (0: none): that many windows in which a
    # surprise short of refractory_factor times the alert's is damped by episode_damp;
    # chosen by cross-validated NAB scores (docs/crisis-detection.md)
    refractory_steps: int = 48
    refractory_factor: float = 1.5
    range_tol: float = 0.01  # a value beyond the range so far by this fraction of it is novel
    range_sigma: float = 0.0  # ... and by this many sigmas of the level baseline
    range_count_k: float = 1.0  # counts: ... and by this many Poisson (Anscombe) sigmas
    range_min_seconds: float = _DAY  # the range judges after this much history
    # score = v / (v + score_scale), v = max(0, u - record_margin)
    record_margin: float = 0.0
    score_scale: float = 1.0
    warmup_steps: int = 24  # no alert before this many windows ...
    warmup_seconds: float = 7200.0  # ... and this much history
    learning_seconds: float = _DAY  # until then scores are scaled down as if the threshold ...
    learning_boost: float = 0.5  # ... were raised by this fraction of its distance to 1


DEFAULT_CONFIG = DetectorConfig()


@dataclass(frozen=True)
class Detection:
    """The outcome of one update."""

    score: float  # anomaly score in [0, 1]
    observed: float  # the value just seen
    expected: float  # the baseline's expectation for this window
    alert: bool  # warm and score >= config.alert_threshold (the shipped default would fire)
    warm: bool  # past the cold-start period


class Detector:
    """Online anomaly detector for one series; see the module docstring for the model."""

    def __init__(self, config: DetectorConfig = DEFAULT_CONFIG) -> None:
        self.config = config
        self.n = 0
        self.t0: float | None = None
        self.last_ts: float | None = None
        self.interval: float | None = None
        self.integer = True  # all values so far are non-negative integers
        self.mag = 0.0  # typical |value|
        # level baseline
        self.level = 0.0
        self.level_mae = 0.0
        # seasonal baseline
        self.seasonal_level = 0.0
        self.seasonal_mae = 0.0
        self.season: list[float] = [0.0] * config.daily_buckets
        self.visits: list[int] = [0] * config.daily_buckets
        self.week: list[float] = [0.0] * (7 * config.weekly_blocks)
        self.wvisits: list[int] = [0] * (7 * config.weekly_blocks)
        # selection errors
        self.level_select_error = 0.0
        self.seasonal_select_error = 0.0
        # records of the surprise channels
        self.level_peak = 0.0
        self.seasonal_peak = 0.0
        self.shift = 0.0  # EW mean of the slow baseline's z
        self.peak_shift = 0.0
        self.fast_peak = self.seasonal_fast_peak = self.fast_peak_shift = 0.0  # fast records
        self.slow_shift = 0.0  # the slow shift channel's EW mean of z
        self.peak_slow_shift = self.fast_peak_slow_shift = 0.0
        self.episode = 0.0  # decaying peak of the combined surprise
        self.quiet = 0  # windows left in the quiet period after an alert
        self.quiet_peak = 0.0  # the surprise of the alert that opened it
        th = min(config.alert_threshold, 0.999)
        self._alert_u = config.record_margin + config.score_scale * th / (1.0 - th)
        r = config.shift_rate
        self._shift_norm = math.sqrt((2.0 - r) / r) if r > 0 else 0.0
        r = config.slow_shift_rate
        self._slow_shift_norm = math.sqrt((2.0 - r) / r) if r > 0 else 0.0
        self.hi = 0.0  # range of the values so far
        self.lo = 0.0

    # -- state -----------------------------------------------------------------------------

    def to_state(self) -> dict[str, Any]:
        """JSON-serialisable state; :meth:`from_state` continues exactly from it."""
        return {
            "v": _STATE_VERSION,
            "n": self.n,
            "t0": self.t0,
            "last_ts": self.last_ts,
            "interval": self.interval,
            "integer": self.integer,
            "mag": self.mag,
            "level": self.level,
            "level_mae": self.level_mae,
            "seasonal_level": self.seasonal_level,
            "seasonal_mae": self.seasonal_mae,
            "season": list(self.season),
            "visits": list(self.visits),
            "week": list(self.week),
            "wvisits": list(self.wvisits),
            "level_select_error": self.level_select_error,
            "seasonal_select_error": self.seasonal_select_error,
            "level_peak": self.level_peak,
            "seasonal_peak": self.seasonal_peak,
            "shift": self.shift,
            "peak_shift": self.peak_shift,
            "fast_peak": self.fast_peak,
            "seasonal_fast_peak": self.seasonal_fast_peak,
            "fast_peak_shift": self.fast_peak_shift,
            "slow_shift": self.slow_shift,
            "peak_slow_shift": self.peak_slow_shift,
            "fast_peak_slow_shift": self.fast_peak_slow_shift,
            "episode": self.episode,
            "quiet": self.quiet,
            "quiet_peak": self.quiet_peak,
            "hi": self.hi,
            "lo": self.lo,
        }

    @classmethod
    def from_state(cls, state: dict[str, Any], config: DetectorConfig = DEFAULT_CONFIG) -> Detector:
        """Rebuild a detector from :meth:`to_state` (with the same ``config``)."""
        if state.get("v") == 2:  # before the slow shift channel: that channel starts afresh
            state = {**state, **dict.fromkeys(_SLOW_SHIFT_FIELDS, 0.0), "v": 3}
        if state.get("v") == 3:  # before the quiet period: none is running
            state = {**state, "quiet": 0, "quiet_peak": 0.0, "v": _STATE_VERSION}
        if state.get("v") != _STATE_VERSION:
            raise ValueError(f"unsupported detector state version {state.get('v')!r}")
        d = cls(config)
        if len(state["season"]) != config.daily_buckets:
            raise ValueError("detector state does not match config.daily_buckets")
        d.n = int(state["n"])
        d.t0 = _opt_float(state["t0"])
        d.last_ts = _opt_float(state["last_ts"])
        d.interval = _opt_float(state["interval"])
        d.integer = bool(state["integer"])
        d.quiet = int(state["quiet"])
        for name in (
            "mag",
            "level",
            "level_mae",
            "seasonal_level",
            "seasonal_mae",
            "level_select_error",
            "seasonal_select_error",
            "level_peak",
            "seasonal_peak",
            "shift",
            "peak_shift",
            "fast_peak",
            "seasonal_fast_peak",
            "fast_peak_shift",
            *_SLOW_SHIFT_FIELDS,
            "episode",
            "quiet_peak",
            "hi",
            "lo",
        ):
            setattr(d, name, float(state[name]))
        d.season = [float(x) for x in state["season"]]
        d.visits = [int(x) for x in state["visits"]]
        if len(state["week"]) != 7 * config.weekly_blocks:
            raise ValueError("detector state does not match config.weekly_blocks")
        d.week = [float(x) for x in state["week"]]
        d.wvisits = [int(x) for x in state["wvisits"]]
        return d

    # -- update ----------------------------------------------------------------------------

    def update(self, timestamp: float, value: float) -> Detection:
        """Score ``value`` (the window starting at ``timestamp``, epoch seconds) then learn it."""
        cfg = self.config
        x = float(value)
        ts = float(timestamp)
        if not (math.isfinite(x) and math.isfinite(ts)):
            raise ValueError(
                f"timestamp and value must be finite numbers, got {timestamp}, {value}"
            )
        if self.last_ts is not None:
            dt = ts - self.last_ts
            if dt > 0 and (self.interval is None or dt < self.interval):
                self.interval = dt
        if self.t0 is None:
            self.t0 = ts
        self.last_ts = ts
        if self.integer and not (x >= 0 and x == math.floor(x)):
            self.integer = False
            if cfg.count_transform and self.n > 0:
                self._restart()  # the baselines were learnt on the count scale
        counts = self.integer and cfg.count_transform
        obs = x
        if counts:
            x = 2.0 * math.sqrt(x + 0.375)

        n = self.n
        self.n = n + 1
        if n == 0:
            self.level = self.seasonal_level = x
            self.mag = abs(x)
            self.hi = self.lo = x
            self._learn_season(ts, x, x)
            return Detection(0.0, obs, obs, False, False)

        seasonal = self.interval is not None and self.interval < _DAY and cfg.daily_buckets > 0
        bucket = self._bucket(ts) if seasonal else -1
        if seasonal and self.visits[bucket] > 0:
            seasonal_pred = self.seasonal_level + self.season[bucket]
        else:
            seasonal_pred = self.seasonal_level
        wb = self._week_bucket(ts) if seasonal and cfg.weekly_blocks > 0 else -1
        w_off = 0.0
        if wb >= 0 and ts - self.t0 >= cfg.week_min_seconds and self.wvisits[wb] > 0:
            w_off = self.week[wb]
            seasonal_pred += w_off
        level_pred = self.level

        floor = cfg.rel_floor * self.mag + 1e-12
        level_sigma = max(1.25 * self.level_mae, floor)
        seasonal_sigma = max(1.25 * self.seasonal_mae, floor)
        if counts:
            level_sigma = max(level_sigma, cfg.count_sigma)
            seasonal_sigma = max(seasonal_sigma, cfg.count_sigma)
        level_z = abs(x - level_pred) / level_sigma
        seasonal_z = abs(x - seasonal_pred) / seasonal_sigma
        # calibration: each |z| against the decaying record of that baseline's surprises
        level_surprise = (
            cfg.level_weight * level_z / max(self.level_peak, self.fast_peak, cfg.min_record)
        )
        self.level_peak, self.fast_peak = self._record(
            self.level_peak, self.fast_peak, level_z, cfg.min_record
        )
        if seasonal and ts - self.t0 >= cfg.season_min_seconds:
            seasonal_surprise = (
                cfg.season_weight
                * seasonal_z
                / max(self.seasonal_peak, self.seasonal_fast_peak, cfg.min_record)
            )
            self.seasonal_peak, self.seasonal_fast_peak = self._record(
                self.seasonal_peak, self.seasonal_fast_peak, seasonal_z, cfg.min_record
            )
        else:
            seasonal_surprise = 0.0
        use_season = (
            seasonal_surprise > level_surprise
            if seasonal_surprise > 1.0 or level_surprise > 1.0
            else (
                seasonal
                and self.seasonal_select_error < cfg.select_margin * self.level_select_error
            )
        )
        expected = seasonal_pred if use_season else level_pred
        u = max(level_surprise, seasonal_surprise)
        # sustained shift: exponentially weighted mean of the slow baseline's clipped z
        zs = max(-cfg.shift_clip, min(cfg.shift_clip, (x - seasonal_pred) / seasonal_sigma))
        self.shift += cfg.shift_rate * (zs - self.shift)
        st = abs(self.shift) * self._shift_norm
        # the slow one: bursts that last (its own clip: a burst's z is large)
        zs = (x - seasonal_pred) / seasonal_sigma
        zs = max(-cfg.slow_shift_clip, min(cfg.slow_shift_clip, zs))
        self.slow_shift += cfg.slow_shift_rate * (zs - self.slow_shift)
        sst = abs(self.slow_shift) * self._slow_shift_norm
        if ts - self.t0 >= cfg.shift_min_seconds:
            norm = max(self.peak_shift, self.fast_peak_shift, cfg.shift_min_record)
            u = max(u, cfg.shift_weight * st / norm)
            self.peak_shift, self.fast_peak_shift = self._record(
                self.peak_shift, self.fast_peak_shift, st, cfg.shift_min_record
            )
            if cfg.slow_shift_weight > 0:
                norm = max(self.peak_slow_shift, self.fast_peak_slow_shift, cfg.shift_min_record)
                u = max(u, cfg.slow_shift_weight * sst / norm)
                self.peak_slow_shift, self.fast_peak_slow_shift = self._record(
                    self.peak_slow_shift, self.fast_peak_slow_shift, sst, cfg.shift_min_record
                )
        if ts - self.t0 >= cfg.range_min_seconds and self.hi > self.lo:
            excess = max(x - self.hi, self.lo - x, 0.0)
            tol = max(cfg.range_tol * (self.hi - self.lo), cfg.range_sigma * level_sigma)
            if counts:
                tol = max(tol, cfg.range_count_k * cfg.count_sigma)
            u = max(u, excess / tol)
        # quiet period: after an alert, what does not clearly top it is damped for a while
        if self.quiet > 0:
            self.quiet -= 1
            if u < cfg.refractory_factor * self.quiet_peak:
                u *= cfg.episode_damp
        if cfg.refractory_steps > 0 and u >= self._alert_u:
            self.quiet = cfg.refractory_steps
            self.quiet_peak = u
        # one episode, one peak: what does not top the recent (any-channel) peak is damped
        damped = u * cfg.episode_damp if u < self.episode else u
        self.episode *= cfg.episode_decay
        if u >= self._alert_u:  # an episode opens at an alert-level surprise
            self.episode = max(self.episode, u)
        u = damped
        v = max(0.0, u - cfg.record_margin)
        score = v / (v + cfg.score_scale)
        warm = self.n > cfg.warmup_steps and ts - self.t0 >= cfg.warmup_seconds
        if n < cfg.warmup_steps:
            score *= n / cfg.warmup_steps
        age = ts - self.t0
        if age < cfg.learning_seconds:
            # still learning: scaled down so that only clearer anomalies reach the threshold
            th = cfg.alert_threshold
            raised = th + (1.0 - th) * cfg.learning_boost * (1.0 - age / cfg.learning_seconds)
            score *= th / raised
        alert = warm and score >= cfg.alert_threshold

        # -- learning (after scoring: the score depends only on the past) --
        srate = max(cfg.scale_beta, 1.0 / n)
        self.hi = max(self.hi, x)
        self.lo = min(self.lo, x)
        self.mag += srate * (abs(x) - self.mag)

        # level baseline
        e = x - level_pred
        lim = cfg.clip * max(1.25 * self.level_mae, floor) if n > 1 else abs(e)
        ec = max(-lim, min(lim, e))
        self.level += cfg.level_alpha * ec
        self.level_mae += srate * (abs(ec) - self.level_mae)
        self.level_select_error += max(cfg.select_beta, 1.0 / n) * (
            abs(ec) - self.level_select_error
        )

        # seasonal baseline
        e = x - seasonal_pred
        lim = cfg.clip * max(1.25 * self.seasonal_mae, floor) if n > 1 else abs(e)
        ec = max(-lim, min(lim, e))
        self.seasonal_mae += srate * (abs(ec) - self.seasonal_mae)
        self.seasonal_select_error += max(cfg.select_beta, 1.0 / n) * (
            abs(ec) - self.seasonal_select_error
        )
        if seasonal:
            xc = seasonal_pred + ec if self.visits[bucket] > 0 else x  # a first visit learns as is
            self.seasonal_level += cfg.season_alpha * ec
            if wb >= 0:
                daily = self.seasonal_level + self.season[bucket] if self.visits[bucket] > 0 else xc
                self._learn_week(wb, xc - daily)
            self._learn_season(ts, xc - w_off, self.seasonal_level)
        else:
            self.seasonal_level += cfg.level_alpha * ec

        if counts:
            expected = max(0.0, expected * expected / 4.0 - 0.375)
        return Detection(score, obs, expected, alert, warm)

    def _record(self, slow: float, fast: float, a: float, floor: float) -> tuple[float, float]:
        """Update a channel's records of surprise.

        The slow record (``peak_decay``) grows by at most ``record_growth`` a window, so it
        learns the ordinary size of surprises rather than the anomalies themselves; the fast
        record (``fast_decay``) takes anomalies in full and forgets them within hours.
        """
        cfg = self.config
        cap = max(slow, floor) * (1.0 + cfg.record_growth)
        return max(slow * cfg.peak_decay, min(a, cap)), max(fast * cfg.fast_decay, a)

    def _restart(self) -> None:
        """Forget the learnt baselines (the value scale changed), keep the clock."""
        fresh = Detector(self.config)
        keep = {"t0": self.t0, "last_ts": self.last_ts, "interval": self.interval}
        self.__dict__.update(fresh.__dict__)
        self.__dict__.update(keep)
        self.integer = False

    def _bucket(self, ts: float) -> int:
        b = self.config.daily_buckets
        return min(b - 1, int((ts % _DAY) / _DAY * b))

    def _week_bucket(self, ts: float) -> int:
        blocks = self.config.weekly_blocks
        day = int(ts // _DAY) % 7
        return day * blocks + min(blocks - 1, int((ts % _DAY) / _DAY * blocks))

    def _learn_week(self, i: int, residual: float) -> None:
        """Day-of-week correction of the daily profile, ``week_gamma`` per week."""
        k = self.wvisits[i] + 1
        self.wvisits[i] = min(k, 1_000_000)
        per_week = (
            max(1.0, _DAY / self.config.weekly_blocks / self.interval) if self.interval else 1.0
        )
        gamma = 1.0 - (1.0 - self.config.week_gamma) ** (1.0 / per_week)
        self.week[i] += max(gamma, 1.0 / k) * (residual - self.week[i])

    def _learn_season(self, ts: float, x: float, level: float) -> None:
        b = self.config.daily_buckets
        if b <= 0:
            return
        i = self._bucket(ts)
        k = self.visits[i] + 1
        self.visits[i] = min(k, 1_000_000)
        # season_gamma is per day: a bucket is visited about `per_day` times a day
        per_day = max(1.0, _DAY / b / self.interval) if self.interval else 1.0
        gamma = 1.0 - (1.0 - self.config.season_gamma) ** (1.0 / per_day)
        rate = max(gamma, 1.0 / k)
        self.season[i] += rate * (x - level - self.season[i])


def _opt_float(x: Any) -> float | None:
    return None if x is None else float(x)


def config_from_overrides(
    overrides: dict[str, str], base: DetectorConfig = DEFAULT_CONFIG
) -> DetectorConfig:
    """A config with some fields replaced from strings (``{"clip": "3.5"}``)."""
    kinds = {f.name: type(getattr(base, f.name)) for f in fields(base)}
    values: dict[str, Any] = {}
    for key, raw in overrides.items():
        if key not in kinds:
            raise ValueError(f"unknown detector setting {key!r}")
        if kinds[key] is bool:
            if raw.lower() not in ("true", "false", "1", "0"):
                raise ValueError(f"{key} must be true or false, not {raw!r}")
            values[key] = raw.lower() in ("true", "1")
        else:
            values[key] = kinds[key](raw)
    return DetectorConfig(**{**{f.name: getattr(base, f.name) for f in fields(base)}, **values})
