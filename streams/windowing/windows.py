"""Tumbling and hopping event-time windows, built from buckets of typed counts.

A :class:`Hopping` window ``1h:5m`` is one hour wide and hops every five minutes: events are
counted once, into the five-minute *bucket* that holds their time, and the window ending at a
bucket boundary ``T`` is the sum of the buckets in ``[T - size, T)``. A tumbling window is a
hopping one whose hop is its size (one bucket a window).

:class:`Buckets` holds one key's open buckets for one window spec and ``last_end``, the end of
the last window closed: an event whose bucket starts before it is *late*. Which windows close
is decided by the partition's watermark (:mod:`.clock`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from streams.kernel.durations import parse_hopping
from streams.windowing.events import BrandEvent


@dataclass(frozen=True, slots=True)
class Hopping:
    """A window ``size`` seconds wide that hops every ``hop`` seconds (the bucket width)."""

    name: str  # as written: "1h", "24h", "7d"
    size: int
    hop: int

    @property
    def buckets(self) -> int:
        """Buckets in one window."""
        return self.size // self.hop

    def bucket(self, ts: float) -> int:
        """Start of the bucket that holds event time ``ts``."""
        return int(ts // self.hop * self.hop)

    def starts(self, end: int, periods_back: int = 0) -> range:
        """Bucket starts of the window ending at ``end`` (``periods_back`` whole windows
        earlier)."""
        first = end - (periods_back + 1) * self.size
        return range(first, first + self.size, self.hop)

    def closed_ends(self, last_end: int | None, watermark: float) -> range:
        """Ends of the windows closed by ``watermark`` since ``last_end``, oldest first.

        With no window closed yet, only the latest one.
        """
        latest = self.bucket(watermark)
        if last_end is None:
            return range(latest, latest + 1)
        return range(last_end + self.hop, latest + 1, self.hop)


def tumbling(name: str, width: int) -> Hopping:
    return Hopping(name, width, width)


def parse_specs(text: str) -> tuple[Hopping, ...]:
    """``"1h:5m,24h:1h,7d:6h"`` -> hopping windows (size:hop; the size a multiple of the hop)."""
    return tuple(Hopping(name, size, hop) for name, size, hop in parse_hopping(text))


def keep_top(samples: list[dict[str, Any]], new: dict[str, Any], k: int) -> list[dict[str, Any]]:
    """The ``k`` samples of highest reach (ties: earlier first), one per mention id."""
    if any(s["id"] == new["id"] for s in samples):
        return samples
    merged = [*samples, new]
    merged.sort(key=lambda s: (-int(s["reach"]), str(s.get("created_at") or "")))
    return merged[:k]


def sample_of(event: BrandEvent) -> dict[str, Any]:
    """What an alert shows of a post (with its near-duplicate cluster, when it is in one)."""
    out = {
        "id": event.id,
        "url": event.url,
        "text": event.text,
        "author": event.author,
        "followers": event.followers,
        "engagement": event.engagement,
        "sentiment": event.sentiment,
        "lang": event.lang,
        "created_at": event.created_at,
        "reach": event.reach,
    }
    if event.duplicate_cluster is not None:
        out["duplicate_cluster"] = event.duplicate_cluster
        out["duplicate_size"] = event.duplicate_size
    return out


@dataclass(slots=True)
class Tally:
    """The counts of a bucket or window, and (when asked for) its top posts by reach.

    ``inauthentic`` / ``inauthentic_negative``: how many of its mentions (negative ones) were
    copies of one text or an author's posts beyond the cap (``streams.crisis.campaigns``), set
    when a crisis window closes; ``organic`` is the rest."""

    mentions: int = 0
    negative: int = 0
    neutral: int = 0
    positive: int = 0
    untagged: int = 0
    followers: int = 0
    engagement: int = 0
    langs: dict[str, int] = field(default_factory=dict)
    samples: list[dict[str, Any]] = field(default_factory=list)
    negative_samples: list[dict[str, Any]] = field(default_factory=list)
    inauthentic: int = 0
    inauthentic_negative: int = 0

    @property
    def organic(self) -> int:
        return self.mentions - min(self.inauthentic, self.mentions)

    @property
    def organic_negative(self) -> int:
        return self.negative - min(self.inauthentic_negative, self.negative)

    def add(self, event: BrandEvent, top_k: int = 0) -> None:
        """Count one event; keep it among the ``top_k`` samples if it reaches far enough."""
        self.mentions += 1
        if event.sentiment == "negative":
            self.negative += 1
        elif event.sentiment == "neutral":
            self.neutral += 1
        elif event.sentiment == "positive":
            self.positive += 1
        if not event.tagged:
            self.untagged += 1
        self.followers += event.followers
        self.engagement += event.engagement
        self.langs[event.lang] = self.langs.get(event.lang, 0) + 1
        if top_k > 0:
            sample = sample_of(event)
            self.samples = keep_top(self.samples, sample, top_k)
            if event.sentiment == "negative":
                self.negative_samples = keep_top(self.negative_samples, sample, top_k)

    @classmethod
    def total(cls, tallies: Iterable[Tally | None]) -> Tally:
        """The counts of several buckets summed (samples are not merged)."""
        out = cls()
        for t in tallies:
            if t is None:
                continue
            out.mentions += t.mentions
            out.negative += t.negative
            out.neutral += t.neutral
            out.positive += t.positive
            out.untagged += t.untagged
            out.followers += t.followers
            out.engagement += t.engagement
            out.inauthentic += t.inauthentic
            out.inauthentic_negative += t.inauthentic_negative
            for lang, n in t.langs.items():
                out.langs[lang] = out.langs.get(lang, 0) + n
        return out

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "mentions": self.mentions,
            "negative": self.negative,
            "neutral": self.neutral,
            "positive": self.positive,
            "untagged": self.untagged,
            "followers": self.followers,
            "engagement": self.engagement,
            "langs": dict(self.langs),
        }
        if self.inauthentic or self.inauthentic_negative:
            out["inauthentic"] = self.inauthentic
            out["inauthentic_negative"] = self.inauthentic_negative
        if self.samples or self.negative_samples:
            out["samples"] = list(self.samples)
            out["negative_samples"] = list(self.negative_samples)
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Tally:
        return cls(
            mentions=int(data.get("mentions", 0)),
            negative=int(data.get("negative", 0)),
            neutral=int(data.get("neutral", 0)),
            positive=int(data.get("positive", 0)),
            untagged=int(data.get("untagged", 0)),
            followers=int(data.get("followers", 0)),
            engagement=int(data.get("engagement", 0)),
            langs={str(k): int(v) for k, v in (data.get("langs") or {}).items()},
            samples=list(data.get("samples") or ()),
            negative_samples=list(data.get("negative_samples") or ()),
            inauthentic=int(data.get("inauthentic", 0)),
            inauthentic_negative=int(data.get("inauthentic_negative", 0)),
        )


@dataclass(slots=True)
class Buckets:
    """One key's open buckets for one window spec, and the end of the last window closed."""

    last_end: int | None = None
    open: dict[int, Tally] = field(default_factory=dict)

    def is_late(self, bucket_start: int) -> bool:
        return self.last_end is not None and bucket_start < self.last_end

    def add(self, spec: Hopping, event: BrandEvent, top_k: int = 0) -> bool:
        """Count ``event`` into its bucket; False (nothing counted) when it is late."""
        start = spec.bucket(event.ts)
        if self.is_late(start):
            return False
        tally = self.open.get(start)
        if tally is None:
            tally = self.open[start] = Tally()
        tally.add(event, top_k)
        return True

    def window(self, spec: Hopping, end: int, periods_back: int = 0) -> Tally:
        """The counts of the window ending at ``end`` (``periods_back`` windows earlier)."""
        return Tally.total(self.open.get(s) for s in spec.starts(end, periods_back))

    def pop(self, start: int) -> Tally:
        """The bucket at ``start``, removed (an empty one if nothing was counted there)."""
        return self.open.pop(start, None) or Tally()

    def forget_before(self, start: int) -> None:
        for s in [s for s in self.open if s < start]:
            del self.open[s]

    def to_json(self) -> dict[str, Any]:
        return {
            "last_end": self.last_end,
            "open": {str(s): t.to_json() for s, t in sorted(self.open.items())},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> Buckets:
        if not data:
            return cls()
        last_end = data.get("last_end")
        return cls(
            last_end=None if last_end is None else int(last_end),
            open={int(s): Tally.from_json(t) for s, t in (data.get("open") or {}).items()},
        )
