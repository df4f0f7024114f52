"""Crisis detection, pure functions: per-brand windows, the stream clock, alert episodes.

Everything here works on plain JSON-able dicts (they live in Faust tables with changelogs) and
takes the time as an argument, so it is tested without Kafka and replayed deterministically.

The flow for one brand:

1. every brand match of an enriched mention becomes a compact *brand event* (``brand_events``),
   keyed by brand, so that all of a brand's mentions meet on one partition;
2. the event is added to the brand's event-time window (``add_to_window``) unless that window is
   already closed (then it is *late* and counted, not added);
3. a window closes once the partition's *stream time* (``stream_time``: the newest event time
   seen, moved on by the wall clock while nothing arrives) is past its end plus the lateness
   tolerance. Closed windows feed two detectors (``streams.crisis.detector``): mention volume and
   negative mentions. A window with no mentions is a window of zeros;
4. ``EpisodeTracker.step`` turns the detections into alert events: one crisis is one alert
   thread (``opened`` -> ``updated`` ... -> ``resolved``; a trigger within the cooldown after a
   resolve ``reopened`` the same thread).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from streams.crisis.detector import DEFAULT_CONFIG, Detection, Detector, DetectorConfig
from streams.mentions.logic import iso_utc

#: Longest text kept in a brand event (alert samples show a snippet; the full post has a link).
SAMPLE_TEXT_CHARS = 500
#: Languages kept per window and per alert (the rest are summed as "other").
MAX_LANGS = 8
SIGNALS = ("volume", "negative")
SEVERITIES = ("warning", "major", "critical")


# ----------------------------------------------------------------------------- brand events
def brand_events(
    enriched: Mapping[str, Any], created_ts: float
) -> list[tuple[str, dict[str, Any]]]:
    """One compact event per brand matched in an enriched mention: ``(brand_id, event)``."""
    author = enriched.get("author") or {}
    engagement = enriched.get("engagement") or {}
    eng = sum(int(engagement.get(k) or 0) for k in ("likes", "shares", "replies"))
    text = enriched.get("text") or ""
    out = []
    for match in enriched.get("brands") or ():
        out.append(
            (
                match["id"],
                {
                    "brand": match["id"],
                    "tagged": bool(match["tagged"]),
                    "id": enriched["id"],
                    "ts": float(created_ts),
                    "created_at": enriched["created_at"],
                    "sentiment": enriched.get("sentiment"),
                    "lang": enriched.get("lang") or "und",
                    "followers": int(author.get("followers") or 0),
                    "engagement": eng,
                    "author": author.get("handle"),
                    "url": enriched.get("url"),
                    "text": text[:SAMPLE_TEXT_CHARS],
                },
            )
        )
    return out


def parse_brand_event(value: bytes | None) -> dict[str, Any]:
    """A message of ``mentions.by-brand``: a brand event or a clock tick ``{"tick": ts}``.

    Raises ValueError (or orjson's JSONDecodeError, a ValueError) on anything else.
    """
    data = orjson.loads(value or b"")
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    if "tick" in data:
        float(data["tick"])
        return data
    for name in ("brand", "id", "ts"):
        if name not in data:
            raise ValueError(f"brand event without {name!r}")
    data["ts"] = float(data["ts"])
    return data


def reach(event: Mapping[str, Any]) -> int:
    """How many people a post may have reached: its author's followers plus its engagement."""
    return int(event.get("followers") or 0) + int(event.get("engagement") or 0)


# ----------------------------------------------------------------------------- windows
def window_start(ts: float, width: int) -> int:
    return int(math.floor(ts / width) * width)


def new_window() -> dict[str, Any]:
    return {
        "mentions": 0,
        "negative": 0,
        "neutral": 0,
        "positive": 0,
        "untagged": 0,
        "followers": 0,
        "engagement": 0,
        "langs": {},
        "samples": [],
        "negative_samples": [],
    }


def _sample(event: Mapping[str, Any]) -> dict[str, Any]:
    keys = ("id", "url", "text", "author", "followers", "engagement", "sentiment", "lang")
    sample = {k: event.get(k) for k in keys}
    sample["created_at"] = event.get("created_at")
    sample["reach"] = reach(event)
    return sample


def _keep_top(samples: list[dict[str, Any]], new: dict[str, Any], k: int) -> list[dict[str, Any]]:
    """The ``k`` samples of highest reach (ties: earlier first), one per mention id."""
    if any(s["id"] == new["id"] for s in samples):
        return samples
    merged = [*samples, new]
    merged.sort(key=lambda s: (-int(s["reach"]), str(s.get("created_at") or "")))
    return merged[:k]


def add_to_window(window: dict[str, Any], event: Mapping[str, Any], top_k: int) -> None:
    """Count one brand event into ``window`` (in place) and keep it if it is a top sample."""
    window["mentions"] += 1
    sentiment = event.get("sentiment")
    if sentiment in ("negative", "neutral", "positive"):
        window[sentiment] += 1
    if not event.get("tagged"):
        window["untagged"] += 1
    window["followers"] += int(event.get("followers") or 0)
    window["engagement"] += int(event.get("engagement") or 0)
    langs = window["langs"]
    lang = str(event.get("lang") or "und")
    langs[lang] = langs.get(lang, 0) + 1
    sample = _sample(event)
    window["samples"] = _keep_top(window["samples"], sample, top_k)
    if sentiment == "negative":
        window["negative_samples"] = _keep_top(window["negative_samples"], sample, top_k)


def merge_langs(into: dict[str, int], langs: Mapping[str, int], limit: int = MAX_LANGS) -> None:
    for lang, n in langs.items():
        into[lang] = into.get(lang, 0) + int(n)
    if len(into) > limit:
        ranked = sorted(into.items(), key=lambda kv: (-kv[1], kv[0]))
        kept = dict(ranked[: limit - 1])
        kept["other"] = kept.get("other", 0) + sum(n for _, n in ranked[limit - 1 :])
        into.clear()
        into.update(kept)


# ----------------------------------------------------------------------------- stream clock
def advance_clock(
    clock: Mapping[str, float] | None, event_ts: float, wall_now: float, max_skew: float = 60.0
) -> dict[str, float]:
    """The partition clock after seeing an event at ``event_ts`` (epoch seconds).

    An event stamped further in the future than ``max_skew`` does not move the clock (one bad
    timestamp must not close every open window).
    """
    ts = min(event_ts, wall_now + max_skew)
    if clock is None or ts > clock["event_ts"]:
        return {"event_ts": ts, "wall": wall_now}
    return dict(clock)


def stream_time(clock: Mapping[str, float], wall_now: float) -> float:
    """Newest event time seen, moved on by the wall-clock time since it was seen.

    Live, that is the wall clock; replaying history, it follows the events.
    """
    return clock["event_ts"] + max(0.0, wall_now - clock["wall"])


def due_windows(cursor: int, width: int, lateness: float, now_stream: float, limit: int) -> int:
    """How many windows from ``cursor`` on are closed at stream time ``now_stream``."""
    if now_stream < cursor + width + lateness:
        return 0
    return min(limit, int((now_stream - lateness - cursor) // width))


# ----------------------------------------------------------------------------- episodes
#: The detector as the stream runs it on mention counts: the shipped default, as in the
#: backtest (``BUZZWIRE_ALERT_DETECTOR_THRESHOLD`` changes its threshold; see
#: ``benchmarks/crisis.py`` for what that does to detection and false alerts).
STREAM_DETECTOR = DEFAULT_CONFIG


@dataclass(frozen=True)
class AlertConfig:
    """How detections become alert threads (the stream's settings; see the README)."""

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


def new_brand_state(cursor: int) -> dict[str, Any]:
    return {
        "cursor": cursor,
        "detectors": {},
        "neg_share": None,
        "episode": None,
        "last_resolved": None,
        "last": {},
    }


def _severity(observed: float, expected: float) -> str:
    ratio = observed / max(expected, 1.0)
    if ratio >= 6:
        return "critical"
    if ratio >= 3:
        return "major"
    return "warning"


def _rise(det: Detection, cfg: AlertConfig) -> bool:
    """A rise that opens an alert: at least ``min_mentions`` and ``min_ratio`` times the
    expected value (bursty social volumes often double by chance; a crisis does more), that
    the detector scores as an anomaly -- or, once it is warm, that is ``obvious_ratio`` times
    the expected value whatever its score (the detector scores a burst low while it is no
    bigger than the last one it saw: a second crisis the same day must still be heard)."""
    if det.observed < cfg.min_mentions:
        return False
    ratio = det.observed / max(det.expected, 1.0)
    if ratio < cfg.min_ratio:
        return False
    return det.alert or (det.warm and ratio >= cfg.obvious_ratio)


def _share(window: Mapping[str, Any]) -> float | None:
    return window["negative"] / window["mentions"] if window["mentions"] else None


@dataclass(frozen=True)
class ClosedWindow:
    """A closed window's outcome: what the stream exports as metrics, and any alert events."""

    start: int
    detections: dict[str, Detection]
    negative_share: float | None
    expected_share: float | None
    alerts: list[dict[str, Any]]


class EpisodeTracker:
    """Turns a brand's closed windows into detections and alert events (pure, deterministic)."""

    def __init__(self, config: AlertConfig) -> None:
        self.config = config

    def close(
        self,
        state: dict[str, Any],
        window: Mapping[str, Any],
        *,
        brand: str,
        brand_name: str,
        wall_now: float,
    ) -> ClosedWindow:
        """Close the window at ``state['cursor']`` (in place: state moves to the next window)."""
        cfg = self.config
        start = int(state["cursor"])
        detections: dict[str, Detection] = {}
        values = {"volume": float(window["mentions"]), "negative": float(window["negative"])}
        for signal in SIGNALS:
            saved = state["detectors"].get(signal)
            det = (
                Detector.from_state(saved, cfg.detector)
                if saved is not None
                else Detector(cfg.detector)
            )
            detections[signal] = det.update(float(start), values[signal])
            state["detectors"][signal] = det.to_state()
        share = _share(window)
        expected_share = state.get("neg_share")
        alerts = self._step(state, window, detections, share, brand, brand_name, wall_now)
        if state["episode"] is None and share is not None:
            # the baseline share learns from windows outside an episode only
            prev = share if expected_share is None else expected_share
            state["neg_share"] = prev + cfg.share_alpha * (share - prev)
        state["cursor"] = start + cfg.window_seconds
        return ClosedWindow(start, detections, share, expected_share, alerts)

    # -- the episode state machine
    def _trigger(
        self,
        d: Mapping[str, Detection],
        share: float | None,
        expected_share: float | None,
    ) -> str | None:
        cfg = self.config
        neg, vol = d["negative"], d["volume"]
        share_up = share is not None and share >= (expected_share or 0.0) + cfg.share_margin
        # only rises are crises (the detector scores drops too)
        if _rise(neg, cfg) and share_up:
            return "negative_surge"
        if _rise(vol, cfg):
            return "volume_spike"
        return None

    def _sustained(self, ep: Mapping[str, Any], d: Mapping[str, Detection]) -> bool:
        """Still anomalous though not a new peak (the detector scores only new peaks high):
        the episode's signal at least ``sustain_ratio`` times its level before the episode.

        The detector's baseline learns the crisis level within tens of windows; measured
        against it alone, a long crisis would look over while it is still going on."""
        cfg = self.config
        signal = "negative" if ep["kind"] == "negative_surge" else "volume"
        det = d[signal]
        if det.score >= cfg.sustain_score:
            return True
        before = float(ep.get("baseline", {}).get(signal, det.expected))
        reference = max(min(det.expected, before), 1.0)
        return det.observed >= cfg.min_mentions and det.observed >= cfg.sustain_ratio * reference

    def _step(
        self,
        state: dict[str, Any],
        window: Mapping[str, Any],
        d: Mapping[str, Detection],
        share: float | None,
        brand: str,
        brand_name: str,
        wall_now: float,
    ) -> list[dict[str, Any]]:
        cfg = self.config
        start = int(state["cursor"])
        expected_share = state.get("neg_share")
        kind = self._trigger(d, share, expected_share)
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
                    "id": f"{brand}:{iso_utc(start)}",
                    "opened_at": start,
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
                    # each signal's expected level when the episode opened
                    "baseline": {sig: round(det.expected, 3) for sig, det in d.items()},
                }
                event = "opened"
            state["episode"] = ep
            self._absorb(ep, window, d, kind)
            return [
                self._emit(
                    ep, event, window, d, share, expected_share, brand, brand_name, start, wall_now
                )
            ]

        # an episode is open: a new trigger, or the signal still well above its baseline
        if kind is None and self._sustained(ep, d):
            kind = ep["kind"]
        if kind is not None:
            before = (ep["kind"], ep["severity"])
            self._absorb(ep, window, d, kind)
            ep["quiet"] = 0
            ep["since_update"] += 1
            changed = (ep["kind"], ep["severity"]) != before
            if changed or ep["since_update"] >= cfg.update_windows:
                return [
                    self._emit(
                        ep,
                        "updated",
                        window,
                        d,
                        share,
                        expected_share,
                        brand,
                        brand_name,
                        start,
                        wall_now,
                    )
                ]
            return []
        ep["quiet"] += 1
        ep["since_update"] += 1
        if ep["quiet"] < cfg.resolve_windows:
            return []
        ep["resolved_at"] = start + cfg.window_seconds
        alert = self._emit(
            ep, "resolved", window, d, share, expected_share, brand, brand_name, start, wall_now
        )
        state["last_resolved"] = {"resolved_at": ep["resolved_at"], "episode": ep}
        state["episode"] = None
        return [alert]

    def _absorb(
        self, ep: dict[str, Any], window: Mapping[str, Any], d: Mapping[str, Detection], kind: str
    ) -> None:
        """Fold a triggering window into the episode: kind escalates, severity only rises."""
        cfg = self.config
        if kind == "negative_surge":
            ep["kind"] = "negative_surge"  # a volume spike that turns negative is escalated
        signal = "negative" if ep["kind"] == "negative_surge" else "volume"
        det = d[signal]
        sev = _severity(det.observed, det.expected)
        if SEVERITIES.index(sev) > SEVERITIES.index(ep["severity"]):
            ep["severity"] = sev
        ep["peak_score"] = max(float(ep["peak_score"]), float(det.score))
        ep["windows"] += 1
        pool = window["negative_samples"] if signal == "negative" else window["samples"]
        samples = ep["samples"]
        for s in pool:
            samples = _keep_top(samples, s, cfg.samples)
        ep["samples"] = samples
        merge_langs(ep["langs"], window["langs"])

    def _emit(
        self,
        ep: dict[str, Any],
        event: str,
        window: Mapping[str, Any],
        d: Mapping[str, Detection],
        share: float | None,
        expected_share: float | None,
        brand: str,
        brand_name: str,
        start: int,
        wall_now: float,
    ) -> dict[str, Any]:
        cfg = self.config
        ep["sequence"] += 1
        ep["since_update"] = 0
        signal = "negative" if ep["kind"] == "negative_surge" else "volume"
        det = d[signal]
        return {
            "id": ep["id"],
            "event": event,
            "status": "resolved" if event == "resolved" else "open",
            "sequence": ep["sequence"],
            "brand": brand,
            "brand_name": brand_name,
            "kind": ep["kind"],
            "severity": ep["severity"],
            "window": {
                "start": iso_utc(start),
                "end": iso_utc(start + cfg.window_seconds),
                "seconds": cfg.window_seconds,
            },
            "signal": f"{signal}_mentions" if signal == "negative" else "mentions",
            "observed": det.observed,
            "expected": round(det.expected, 3),
            "score": round(det.score, 4),
            "peak_score": round(float(ep["peak_score"]), 4),
            "baseline": ep["baseline"][signal],
            "volume": {
                "observed": d["volume"].observed,
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
            "updated_at": iso_utc(start + cfg.window_seconds),
            "resolved_at": iso_utc(ep["resolved_at"]) if ep.get("resolved_at") else None,
            "sent_at": iso_utc(wall_now),
        }


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
