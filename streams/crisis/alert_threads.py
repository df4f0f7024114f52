"""Crisis detection, pure: a brand's tumbling windows and the alert threads they drive.

Everything here takes the time as an argument and keeps its state in plain JSON-able values
(they live in a Faust table with a changelog), so it is tested without Kafka and replayed
deterministically. The windows and the clock are the shared engine of ``streams.windowing``.

The flow for one brand:

1. each brand event is counted into the brand's tumbling window (``BrandCrisis.add``) unless
   that window is already closed (then it is *late*: counted as such, not added);
2. a window closes once the partition's watermark (``streams.windowing.clock``) passes its end;
   ``BrandCrisis.close_due`` closes them in order, a window with no mentions as zeros. Closed
   windows feed two detectors (``streams.crisis.detector``): mention volume and negative
   mentions;
3. multi-scale: each brand is also watched at wider widths (``AlertConfig.scales``, multiples
   of the window: 5 and 15 one-minute windows by default). A wider window is the sum of its
   closed windows, aligned on the epoch, and has its own two detectors; it closes with its last
   window. A small brand's crisis too thin to see in a minute is seen in 5 or 15; a big
   brand's is seen at once;
4. ``EpisodeTracker`` turns the detections into alert events: one crisis is one alert thread
   (``opened`` -> ``updated`` ... -> ``resolved``; a trigger within the cooldown after a
   resolve ``reopened`` the same thread), whichever widths it is seen at.

With the brand's insight state (``streams.crisis.insight.BrandInsight``, fed every mention),
the detectors count only *organic* mentions (copies of one text and an author's posts beyond
the cap left out); a rise that the organic counts do not explain and that the campaign verdict
(``streams.crisis.campaigns.classify``) calls coordinated opens a ``coordinated`` thread; and
every alert carries an ``explanation`` (docs/crisis-detection.md#explanations).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from streams.crisis import count_test
from streams.crisis.campaigns import Mix, Verdict
from streams.crisis.count_test import DEFAULT_COUNT_TEST, CountResult, CountTestConfig
from streams.crisis.detector import DEFAULT_CONFIG, Detection, Detector, DetectorConfig
from streams.crisis.insight import BrandInsight
from streams.kernel.timestamps import iso_utc
from streams.windowing.events import BrandEvent
from streams.windowing.windows import Buckets, Hopping, Tally, keep_top, tumbling

#: Languages kept per alert (the rest are summed as "other").
MAX_LANGS = 8
SIGNALS = ("volume", "negative")
SEVERITIES = ("warning", "major", "critical")
#: alert kinds, the stronger first: a thread escalates to a stronger kind, never back
KINDS = ("negative_surge", "volume_spike", "coordinated")


def merge_langs(into: dict[str, int], langs: Mapping[str, int], limit: int = MAX_LANGS) -> None:
    for lang, n in langs.items():
        into[lang] = into.get(lang, 0) + int(n)
    if len(into) > limit:
        ranked = sorted(into.items(), key=lambda kv: (-kv[1], kv[0]))
        kept = dict(ranked[: limit - 1])
        kept["other"] = kept.get("other", 0) + sum(n for _, n in ranked[limit - 1 :])
        into.clear()
        into.update(kept)


# ----------------------------------------------------------------------------- episodes
#: The detector as the stream runs it on mention counts: the shipped default, as in the
#: backtest (``BUZZWIRE_ALERT_DETECTOR_THRESHOLD`` changes its threshold; see
#: ``benchmarks/crisis.py`` for what that does to detection and false alerts).
STREAM_DETECTOR = DEFAULT_CONFIG


@dataclass(frozen=True)
class AlertConfig:
    """How detections become alert threads (the stream's settings; docs/crisis-detection.md)."""

    window_seconds: int = 60
    min_mentions: int = 10
    min_ratio: float = 3.0
    obvious_ratio: float = 12.0
    resolve_windows: int = 10
    cooldown_seconds: float = 3600.0
    update_windows: int = 15
    samples: int = 5
    #: a negative surge needs the negative share this far above its baseline (else it is
    #: negative volume rising with all volume: a volume spike)
    share_margin: float = 0.1
    #: baseline negative share: exponential average over quiet windows with mentions
    share_alpha: float = 0.02
    #: an open thread stays open while its signal scores this high or is this many times
    #: its level before the episode
    sustain_score: float = 0.2
    sustain_ratio: float = 2.0
    detector: DetectorConfig = STREAM_DETECTOR
    #: widths watched, as multiples of ``window_seconds`` (1 is the window itself; the
    #: others are sums of consecutive windows aligned on the epoch)
    scales: tuple[int, ...] = (1, 5, 15)
    #: with wider widths watched too, a rise at the window's own width must score this much
    #: above the detector's threshold (the wider widths catch the slower rises; the window's
    #: own then only needs to flag the sharp ones, and flags fewer chance bursts)
    narrow_margin: float = 0.03
    #: the count test of the negative mentions (``streams.crisis.count_test``: a
    #: negative-binomial CUSUM of the negative posts given the other posts), which opens a
    #: rise the detector's relative score misses; None: off. It runs at one width: the
    #: narrowest watched that is at least ``count_test_seconds`` wide (none: off)
    count_test: CountTestConfig | None = DEFAULT_COUNT_TEST
    count_test_seconds: int = 60
    #: a volume spike (all posts up, not the negative share) opens only at a watched width of
    #: at least this many seconds, or at ``obvious_ratio`` times the expected: a one-minute
    #: burst of a big brand's traffic that five minutes do not confirm is chance, and a
    #: volume spike is not urgent enough to page for it (negative surges open at any width)
    volume_spike_seconds: int = 300

    def __post_init__(self) -> None:
        if not self.scales or any(k < 1 for k in self.scales) or 1 not in self.scales:
            raise ValueError(f"scales must be positive multiples including 1, got {self.scales}")


def new_alerting_state() -> dict[str, Any]:
    """A brand's detector states, baseline negative share and alert threads, before any
    window closed. ``scales`` holds each wider width's detectors and the sum of its windows
    so far (a state saved before the widths existed has none: they start learning)."""
    return {
        "detectors": {},
        "neg_share": None,
        "episode": None,
        "last_resolved": None,
        "scales": {},
    }


def _severity(observed: float, expected: float) -> str:
    ratio = observed / max(expected, 1.0)
    if ratio >= 6:
        return "critical"
    if ratio >= 3:
        return "major"
    return "warning"


@dataclass(frozen=True)
class CountedDetection(Detection):
    """A detection with the count test's outcome on the same window (``count_test``)."""

    count: CountResult | None = None


def _scales_at_least(cfg: AlertConfig, seconds: int) -> list[int]:
    """The watched scales at least ``seconds`` wide, narrowest first."""
    return [k for k in sorted(set(cfg.scales)) if k * cfg.window_seconds >= seconds]


def _count_test_at(cfg: AlertConfig, scale: int) -> CountTestConfig | None:
    """The count test's settings if it runs at ``scale``, else None."""
    if cfg.count_test is None:
        return None
    wide = _scales_at_least(cfg, cfg.count_test_seconds)
    return cfg.count_test if wide and scale == wide[0] else None


def _counted(det: Detection) -> CountResult | None:
    return det.count if isinstance(det, CountedDetection) else None


def _rise(
    det: Detection, cfg: AlertConfig, threshold: float | None = None, *, obvious_only: bool = False
) -> bool:
    """A rise that opens an alert: the count test's alarm (its own gates), or at least
    ``min_mentions`` and ``min_ratio`` times the expected value (bursty social volumes often
    double by chance; a crisis does more), that the detector scores as an anomaly -- or, once
    it is warm, that is ``obvious_ratio`` times the expected value whatever its score (the
    detector scores a burst low while it is no bigger than the last one it saw: a second
    crisis the same day must still be heard).
    ``threshold``: the score that counts as an anomaly (default: the detector's, ``alert``);
    ``obvious_only``: only the obvious ratio opens (a volume spike at a narrow width)."""
    counted = _counted(det)
    if counted is not None and counted.alarm:
        return True
    if det.observed < cfg.min_mentions:
        return False
    ratio = det.observed / max(det.expected, 1.0)
    if ratio < cfg.min_ratio:
        return False
    alert = det.alert if threshold is None else det.warm and det.score >= threshold
    return (alert and not obvious_only) or (det.warm and ratio >= cfg.obvious_ratio)


def _share(window: Tally) -> float | None:
    """The organic negative share (all mentions' when nothing was found inauthentic)."""
    return window.organic_negative / window.organic if window.organic else None


def _signal(kind: str) -> str:
    return "negative" if kind == "negative_surge" else "volume"


def _observed(kind: str, view: View) -> float:
    """What a thread of ``kind`` counts: a coordinated thread all mentions (the copies are
    what it is about), the others the organic count their detector saw."""
    if kind == "coordinated":
        return float(view.window.mentions)
    return view.detections[_signal(kind)].observed


def _mark_inauthentic(window: Tally, mix: Mix) -> None:
    """Copy the insight state's counts of inauthentic mentions into the closing window."""
    window.inauthentic = min(mix.inauthentic, window.mentions)
    window.inauthentic_negative = min(mix.negative - mix.organic_negative, window.negative)


@dataclass(frozen=True)
class ClosedWindow:
    """A closed window's outcome: what the stream exports as metrics, and any alert events.

    ``detections`` are the window's own; ``wider`` those of the wider windows (``scales``)
    that closed with it, by scale."""

    start: int
    detections: dict[str, Detection]
    negative_share: float | None
    expected_share: float | None
    alerts: list[dict[str, Any]]
    wider: dict[int, dict[str, Detection]] = field(default_factory=dict)


@dataclass(frozen=True)
class View:
    """One width's closed window: what the episode machine judges."""

    scale: int
    start: int
    seconds: int
    window: Tally
    detections: dict[str, Detection]
    share: float | None


def _detect(
    detectors: dict[str, Any],
    window: Tally,
    start: int,
    config: DetectorConfig,
    counts: CountTestConfig | None = None,
) -> dict[str, Detection]:
    """Update the two detectors of one width (their JSON states in ``detectors``) with the
    window's organic counts (all its mentions when nothing in it was found inauthentic)."""
    values = {"volume": float(window.organic), "negative": float(window.organic_negative)}
    out = {}
    for signal in SIGNALS:
        saved = detectors.get(signal)
        det = Detector.from_state(saved, config) if saved is not None else Detector(config)
        out[signal] = det.update(float(start), values[signal])
        detectors[signal] = det.to_state()
    if counts is not None:
        # the count test of the negative mentions (its state next to the detectors')
        state = detectors.setdefault("count_negative", count_test.new_state())
        others = values["volume"] - values["negative"]
        result = count_test.update(state, float(start), values["negative"], others, counts)
        neg = out["negative"]
        copied = {f.name: getattr(neg, f.name) for f in fields(Detection)}
        out["negative"] = CountedDetection(**copied, count=result)
    return out


def _merge(into: Tally, window: Tally, top_k: int) -> Tally:
    """The sum of two tallies, keeping the ``top_k`` samples of both."""
    out = Tally.total([into, window])
    samples, negative = into.samples, into.negative_samples
    for s in window.samples:
        samples = keep_top(samples, s, top_k)
    for s in window.negative_samples:
        negative = keep_top(negative, s, top_k)
    out.samples, out.negative_samples = samples, negative
    return out


@dataclass(frozen=True, slots=True)
class _Closing:
    """What one window's close knows besides its views: whose windows, when, the baseline
    negative share, and the brand's insight state and campaign verdict (when insight is on)."""

    brand: str
    brand_name: str
    wall_now: float
    expected_share: float | None
    insight: BrandInsight | None = None
    verdict: Verdict | None = None


class EpisodeTracker:
    """Turns a brand's closed windows into detections and alert events (pure, deterministic)."""

    def __init__(self, config: AlertConfig) -> None:
        self.config = config
        margin = config.narrow_margin if len(set(config.scales)) > 1 else 0.0
        #: the score at which a rise can open an alert, by width
        self._threshold = {
            k: config.detector.alert_threshold + (margin if k == 1 else 0.0) for k in config.scales
        }
        #: the widths at which a volume spike needs the obvious ratio: those narrower than
        #: ``volume_spike_seconds`` when a width at least that wide is watched
        wide = _scales_at_least(config, config.volume_spike_seconds)
        self._obvious_volume = {k for k in config.scales if wide and k < wide[0]}

    def close(
        self,
        state: dict[str, Any],
        window: Tally,
        start: int,
        *,
        brand: str,
        brand_name: str,
        wall_now: float,
        insight: BrandInsight | None = None,
    ) -> ClosedWindow:
        """Close the window starting at ``start``; ``state`` (``new_alerting_state``) learns
        from it in place. ``insight``: the brand's insight state, which has seen the window's
        mentions: the detectors then count the organic ones, a coordinated rise opens a
        ``coordinated`` thread and alerts carry an ``explanation``."""
        cfg = self.config
        end = start + cfg.window_seconds
        if insight is not None:
            _mark_inauthentic(window, insight.window_mix(start, end))
        detections = _detect(
            state["detectors"], window, start, cfg.detector, _count_test_at(cfg, 1)
        )
        share = _share(window)
        expected_share = state.get("neg_share")
        views = [View(1, start, cfg.window_seconds, window, detections, share)]
        views += self._wider(state, window, start)
        verdict = None
        if insight is not None:
            verdict = self._verdict(insight, detections["volume"], end)
        ctx = _Closing(brand, brand_name, wall_now, expected_share, insight, verdict)
        alerts = self._step(state, views, ctx)
        if state["episode"] is None and share is not None:
            # the baseline share learns from windows outside an episode only
            prev = share if expected_share is None else expected_share
            state["neg_share"] = prev + cfg.share_alpha * (share - prev)
        wider = {v.scale: v.detections for v in views[1:]}
        return ClosedWindow(start, detections, share, expected_share, alerts, wider)

    def _verdict(self, insight: BrandInsight, volume: Detection, end: float) -> Verdict:
        """Whether the last ``campaign_seconds`` up to ``end`` are a coordinated campaign,
        against the organic volume expected over that span."""
        span = insight.config.campaign_seconds
        expected = volume.expected * max(span / self.config.window_seconds, 1.0)
        return insight.classify(insight.campaign_mix(end), expected, ts=end)

    def _wider(self, state: dict[str, Any], window: Tally, start: int) -> list[View]:
        """Add the window to each wider width's sum; the widths whose last window it is close
        (a width whose first windows were missed, at a brand's start, closes without
        detection)."""
        cfg = self.config
        scales = state.setdefault("scales", {})
        out = []
        for k in sorted(set(cfg.scales) - {1}):
            width = k * cfg.window_seconds
            wide_start = start - start % width
            slot = scales.get(str(k))
            if slot is None or slot["start"] != wide_start:
                # a new wide window: complete only if this is its first window
                slot = {
                    "start": wide_start,
                    "complete": start == wide_start,
                    "tally": None,
                    "detectors": {} if slot is None else slot["detectors"],
                }
                scales[str(k)] = slot
            saved = slot["tally"]
            tally = window if saved is None else _merge(Tally.from_json(saved), window, cfg.samples)
            if start + cfg.window_seconds < wide_start + width:
                slot["tally"] = tally.to_json()
                continue
            slot["tally"] = None
            slot["start"] = wide_start + width  # the next one, complete from its start
            slot["complete"], complete = True, slot["complete"]
            if complete:
                counts = _count_test_at(cfg, k)
                d = _detect(slot["detectors"], tally, wide_start, cfg.detector, counts)
                out.append(View(k, wide_start, width, tally, d, _share(tally)))
        return out

    # -- the episode state machine
    def _trigger(
        self,
        d: Mapping[str, Detection],
        share: float | None,
        expected_share: float | None,
        scale: int = 1,
    ) -> str | None:
        cfg = self.config
        th = self._threshold.get(scale)
        neg, vol = d["negative"], d["volume"]
        share_up = share is not None and share >= (expected_share or 0.0) + cfg.share_margin
        # only rises are crises (the detector scores drops too)
        if _rise(neg, cfg, th) and share_up:
            return "negative_surge"
        if _rise(vol, cfg, th, obvious_only=scale in self._obvious_volume):
            return "volume_spike"
        return None

    def _sustained(self, ep: Mapping[str, Any], d: Mapping[str, Detection]) -> bool:
        """Still anomalous though not a new peak (the detector scores only new peaks high):
        the detector's score at least ``sustain_score`` -- or, where the count test runs, its
        run still going -- or the episode's signal at least ``sustain_ratio`` times its level
        before the episode.

        The detector's baseline learns the crisis level within tens of windows; measured
        against it alone, a long crisis would look over while it is still going on."""
        cfg = self.config
        if ep["kind"] == "coordinated":
            return False  # kept open by the campaign verdict alone, window after window
        signal = _signal(ep["kind"])
        det = d[signal]
        counted = _counted(det)
        if counted is not None:
            # the count test runs at this width: the rise goes on while its run does (the
            # detector's score of a small brand's one-minute counts is mostly noise, and
            # would keep a thread open for hours)
            if counted.cusum > 0:
                return True
        elif det.score >= cfg.sustain_score:
            return True
        before = float(ep.get("baseline", {}).get(signal, det.expected))
        reference = max(min(det.expected, before), 1.0)
        return det.observed >= cfg.min_mentions and det.observed >= cfg.sustain_ratio * reference

    def _step(
        self, state: dict[str, Any], views: list[View], ctx: _Closing
    ) -> list[dict[str, Any]]:
        """One closed window (``views[0]``) and the wider ones closing with it: one episode
        machine for all widths. A trigger at any width opens (or keeps open) the thread; a
        negative surge wins over a volume spike, that over a coordinated campaign (only when
        the organic counts trigger nothing), then the narrowest width (its alert is the most
        precise)."""
        cfg = self.config
        expected_share, verdict = ctx.expected_share, ctx.verdict
        base = views[0]
        start = base.start
        triggers = [
            (v, kind)
            for v in views
            if (kind := self._trigger(v.detections, v.share, expected_share, v.scale)) is not None
        ]
        if not triggers and verdict is not None and verdict.coordinated:
            triggers.append((base, "coordinated"))
        triggers.sort(key=lambda vk: (KINDS.index(vk[1]), vk[0].scale))
        view, kind = triggers[0] if triggers else (base, None)
        ep = state["episode"]
        if ep is None:
            if kind is None:
                return []
            last = state.get("last_resolved")
            if last is not None and start - last["resolved_at"] < cfg.cooldown_seconds:
                ep = {**last["episode"], "quiet": 0, "since_update": 0, "resolved_at": None}
                event = "reopened"
            else:
                ep = {
                    "id": f"{ctx.brand}:{iso_utc(view.start)}",
                    "opened_at": view.start,
                    "sequence": 0,
                    "kind": kind,
                    "severity": "warning",
                    "peak_score": 0.0,
                    "windows": 0,
                    "quiet": 0,
                    "since_update": 0,
                    "samples": [],
                    "langs": {},
                    "resolved_at": None,
                    # each signal's expected level when the episode opened (at its width)
                    "baseline": {
                        sig: round(det.expected, 3) for sig, det in view.detections.items()
                    },
                }
                event = "opened"
            ep["scale"] = view.scale
            state["episode"] = ep
            self._absorb(ep, view, kind)
            return [self._emit(ep, event, view, ctx)]

        # an episode is open: a new trigger, or its signal still well above its baseline at
        # the width that opened it (judged when that width closes)
        scale = int(ep.get("scale", 1))
        own = next((v for v in views if v.scale == scale), None)
        if kind is None and own is not None and self._sustained(ep, own.detections):
            view, kind = own, ep["kind"]
        ep["since_update"] += 1
        if kind is not None:
            before = (ep["kind"], ep["severity"])
            self._absorb(ep, view, kind)
            ep["quiet"] = 0
            changed = (ep["kind"], ep["severity"]) != before
            if changed or ep["since_update"] >= cfg.update_windows:
                return [self._emit(ep, "updated", view, ctx)]
            return []
        if own is None:
            return []  # its width judges at its close
        ep["quiet"] += scale
        if ep["quiet"] < cfg.resolve_windows:
            return []
        ep["resolved_at"] = start + cfg.window_seconds
        alert = self._emit(ep, "resolved", own, ctx)
        state["last_resolved"] = {"resolved_at": ep["resolved_at"], "episode": ep}
        state["episode"] = None
        return [alert]

    def _absorb(self, ep: dict[str, Any], view: View, kind: str) -> None:
        """Fold a triggering window into the episode: kind escalates, severity only rises."""
        cfg = self.config
        if KINDS.index(kind) < KINDS.index(ep["kind"]):
            # escalated: a volume spike that turns negative, a campaign that turns organic
            ep["kind"] = kind
        signal = _signal(ep["kind"])
        det = view.detections[signal]
        sev = _severity(_observed(ep["kind"], view), det.expected)
        if SEVERITIES.index(sev) > SEVERITIES.index(ep["severity"]):
            ep["severity"] = sev
        ep["peak_score"] = max(float(ep["peak_score"]), float(det.score))
        ep["windows"] += 1
        pool = view.window.negative_samples if signal == "negative" else view.window.samples
        samples = ep["samples"]
        for s in pool:
            samples = keep_top(samples, s, cfg.samples)
        ep["samples"] = samples
        merge_langs(ep["langs"], view.window.langs)

    def _emit(
        self,
        ep: dict[str, Any],
        event: str,
        view: View,
        ctx: _Closing,
    ) -> dict[str, Any]:
        expected_share, insight, verdict = ctx.expected_share, ctx.insight, ctx.verdict
        ep["sequence"] += 1
        ep["since_update"] = 0
        signal = _signal(ep["kind"])
        d = view.detections
        det = d[signal]
        end = view.start + view.seconds
        share = view.share
        baseline = ep["baseline"][signal] if view.scale == ep.get("scale", 1) else None
        alert = {
            "id": ep["id"],
            "event": event,
            "status": "resolved" if event == "resolved" else "open",
            "sequence": ep["sequence"],
            "brand": ctx.brand,
            "brand_name": ctx.brand_name,
            "kind": ep["kind"],
            "severity": ep["severity"],
            "window": {
                "start": iso_utc(view.start),
                "end": iso_utc(end),
                "seconds": view.seconds,
            },
            "signal": f"{signal}_mentions" if signal == "negative" else "mentions",
            "observed": _observed(ep["kind"], view),
            "expected": round(det.expected, 3),
            "score": round(det.score, 4),
            "peak_score": round(float(ep["peak_score"]), 4),
            "baseline": baseline if baseline is not None else round(det.expected, 3),
            "volume": {
                "observed": view.window.mentions,
                "organic": d["volume"].observed,
                "expected": round(d["volume"].expected, 3),
            },
            "negative_share": {
                "observed": None if share is None else round(share, 4),
                "expected": None if expected_share is None else round(expected_share, 4),
            },
            "languages": dict(ep["langs"]),
            "samples": list(ep["samples"]),
            "windows": ep["windows"],
            "opened_at": iso_utc(ep["opened_at"]),
            "updated_at": iso_utc(end),
            "resolved_at": iso_utc(ep["resolved_at"]) if ep.get("resolved_at") else None,
            "sent_at": iso_utc(ctx.wall_now),
        }
        if insight is not None:
            mix = insight.window_mix(view.start, end)
            if event == "opened":  # the episode keeps its first post
                ep["first_post"] = insight.first_post(
                    mix, negative=signal == "negative", coordinated=ep["kind"] == "coordinated"
                )
            ex = insight.explain(
                mix,
                end,
                verdict=verdict,
                first_post=ep.get("first_post"),
                negative=signal == "negative",
                samples=alert["samples"],
            )
            _episode_terms(ep, ex, end)
            alert["explanation"] = ex
        return alert


def _episode_terms(ep: dict[str, Any], ex: dict[str, Any], end: float) -> None:
    """The first terms that rose in an episode stay with it: a later event whose terms no
    longer rise (the brand's baseline learns a lasting crisis's words within the hour) shows
    them, with ``terms_as_of`` the time they were found at (the end of their window, or
    later for a window that closed late before any had risen)."""
    if ex["terms"]:
        ex["terms_as_of"] = ex.get("terms_as_of") or iso_utc(end)
        if not ep.get("terms"):
            ep["terms"] = {"as_of": ex["terms_as_of"], "terms": ex["terms"][:5]}
    elif ep.get("terms"):
        ex["terms"] = list(ep["terms"]["terms"])
        ex["terms_as_of"] = ep["terms"]["as_of"]


def describe(alert: Mapping[str, Any]) -> str:
    """One line for logs and the demo: what was observed against what was expected."""
    unit = "negative mentions" if alert["signal"] == "negative_mentions" else "mentions"
    minutes = alert["window"]["seconds"] / 60
    span = f"{minutes:g} min" if minutes >= 1 else f"{alert['window']['seconds']} s"
    return (
        f"{alert['brand_name']} {alert['kind'].replace('_', ' ')} {alert['event']} "
        f"({alert['severity']}): {alert['observed']:g} {unit} in {span} "
        f"vs {alert['expected']:g} expected, score {alert['score']:.2f}"
    )


@dataclass(slots=True)
class BrandCrisis:
    """A brand's open crisis windows and its alerting state (``new_alerting_state``)."""

    windows: Buckets = field(default_factory=Buckets)
    alerting: dict[str, Any] = field(default_factory=new_alerting_state)

    def add(self, spec: Hopping, event: BrandEvent, top_k: int) -> bool:
        """Count ``event`` into its window; False when that window is closed already (late).

        The brand's first event opens its first window: nothing before it is closed.
        """
        if self.windows.last_end is None:
            self.windows.last_end = spec.bucket(event.ts)
        return self.windows.add(spec, event, top_k)

    def close_due(
        self,
        tracker: EpisodeTracker,
        watermark: float,
        limit: int,
        *,
        brand: str,
        brand_name: str,
        wall_now: float,
        insight: BrandInsight | None = None,
    ) -> list[ClosedWindow]:
        """Close, in order, up to ``limit`` windows that ``watermark`` has passed (``insight``:
        see ``EpisodeTracker.close``)."""
        spec = window_spec(tracker.config)
        if self.windows.last_end is None:
            return []
        closed = []
        for end in spec.closed_ends(self.windows.last_end, watermark)[:limit]:
            start = end - spec.size
            window = self.windows.pop(start)
            closed.append(
                tracker.close(
                    self.alerting,
                    window,
                    start,
                    brand=brand,
                    brand_name=brand_name,
                    wall_now=wall_now,
                    insight=insight,
                )
            )
            self.windows.last_end = end
        if insight is not None and closed:
            insight.release(self.windows.last_end)
        return closed

    def to_json(self) -> dict[str, Any]:
        return {"windows": self.windows.to_json(), "alerting": self.alerting}

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> BrandCrisis:
        if not data:
            return cls()
        return cls(Buckets.from_json(data.get("windows")), dict(data["alerting"]))


def window_spec(config: AlertConfig) -> Hopping:
    """The tumbling window of crisis detection."""
    return tumbling("crisis", config.window_seconds)
