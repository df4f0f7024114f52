"""Spam, bots and copy-paste campaigns: what of a window is organic, and whether a rise is a
coordinated campaign (pure).

A mention is *inauthentic* when it is

- a **copy**: a later member of a near-duplicate cluster (``streams.crisis.duplicates``); the
  cluster's first post is organic, and a reshare (retweet) is amplification, not a copy;
- **capped**: its author's post beyond ``author_cap`` in the current author period (one author
  posting many times counts ``author_cap`` times).

The rest is *organic*. :class:`Mix` sums a bucket's or window's mentions so; the crisis
detector is meant to see the organic counts only, so that a burst of copies does not open a
``negative_surge`` or ``volume_spike``; :func:`classify` says whether a window's rise is a
coordinated campaign (its own alert kind, ``coordinated``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["AuthorCap", "CampaignConfig", "Mix", "Verdict", "classify"]

#: clusters (and their sample posts) kept per bucket
MAX_CLUSTERS = 3
MAX_KEYS = 12


@dataclass(frozen=True)
class CampaignConfig:
    """When a rise is coordinated, and how many posts an author counts."""

    #: fewest inauthentic mentions (copies + capped posts) in a window for a campaign
    min_copies: int = 8
    #: the inauthentic mentions must make up at least this share of the window's excess over
    #: its expected volume (of all its mentions when no expectation is given)
    min_share: float = 0.6
    #: an author counts at most this many posts per author period
    author_cap: int = 3
    author_period_seconds: int = 300
    #: authors counted per period (beyond, one-post authors are forgotten: never a false cap)
    max_authors: int = 256


class AuthorCap:
    """Posts per author in the current author period (bounded; JSON state)."""

    __slots__ = ("counts", "period")

    def __init__(self, period: int | None = None, counts: dict[str, int] | None = None) -> None:
        self.period = period
        self.counts: dict[str, int] = counts or {}

    def capped(self, author: str | None, ts: float, config: CampaignConfig) -> bool:
        """Count a post of ``author`` at ``ts``; True when it is beyond the cap."""
        if not author:
            return False
        period = int(ts // config.author_period_seconds * config.author_period_seconds)
        if self.period is None or period > self.period:
            self.period = period
            self.counts = {}
        elif period < self.period:
            return False  # a late post of an earlier period: not counted, never capped
        n = self.counts.get(author, 0) + 1
        self.counts[author] = n
        if len(self.counts) > config.max_authors:
            # forget the authors seen once: a repeat poster stays, and a forgotten author
            # who posts again starts from one (a cap can come late, never falsely)
            self.counts = {a: c for a, c in self.counts.items() if c > 1}
        return n > config.author_cap

    def to_json(self) -> dict[str, Any]:
        return {"p": self.period, "c": dict(self.counts)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> AuthorCap:
        if not data:
            return cls()
        period = data.get("p")
        return cls(
            None if period is None else int(period),
            {str(a): int(n) for a, n in (data.get("c") or {}).items()},
        )


def _inc(into: dict[str, int], key: str, n: int = 1) -> None:
    into[key] = into.get(key, 0) + n


def _top(counts: Mapping[str, int], n: int) -> dict[str, int]:
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:n])


@dataclass(slots=True)
class Mix:
    """The organic and inauthentic make-up of a bucket or window."""

    mentions: int = 0
    organic: int = 0
    negative: int = 0
    organic_negative: int = 0
    positive: int = 0
    copies: int = 0
    capped: int = 0
    reshares: int = 0
    langs: dict[str, int] = field(default_factory=dict)
    platforms: dict[str, int] = field(default_factory=dict)
    #: copies per cluster id (as a string: JSON keys)
    clusters: dict[str, int] = field(default_factory=dict)
    #: a post of each cluster with copies here (the first copy seen)
    cluster_samples: dict[str, dict[str, Any]] = field(default_factory=dict)
    first: dict[str, Any] | None = None
    first_negative: dict[str, Any] | None = None

    @property
    def inauthentic(self) -> int:
        return self.mentions - self.organic

    def count(
        self,
        *,
        sentiment: str | None,
        lang: str,
        platform: str,
        copy: bool,
        capped: bool,
        reshare: bool,
        cluster: int | None,
        sample: Callable[[], dict[str, Any]],
        ts: float,
    ) -> None:
        """Count one mention (``sample()``: what an alert shows of it, with ``ts``; made only
        when kept)."""
        self.mentions += 1
        organic = not (copy or capped)
        negative = sentiment == "negative"
        if organic:
            self.organic += 1
            if negative:
                self.organic_negative += 1
        if negative:
            self.negative += 1
        elif sentiment == "positive":
            self.positive += 1
        self.copies += copy
        self.capped += capped and not copy
        self.reshares += reshare
        _inc(self.langs, lang)
        _inc(self.platforms, platform)
        if copy and cluster is not None:
            key = str(cluster)
            _inc(self.clusters, key)
            if key not in self.cluster_samples:
                self.cluster_samples[key] = sample()
        if self.first is None or ts < float(self.first["ts"]):
            self.first = sample()
        if negative and (self.first_negative is None or ts < float(self.first_negative["ts"])):
            self.first_negative = self.first if self.first["ts"] == ts else sample()

    def merge(self, other: Mix) -> None:
        self.mentions += other.mentions
        self.organic += other.organic
        self.negative += other.negative
        self.organic_negative += other.organic_negative
        self.positive += other.positive
        self.copies += other.copies
        self.capped += other.capped
        self.reshares += other.reshares
        for key, n in other.langs.items():
            _inc(self.langs, key, n)
        for key, n in other.platforms.items():
            _inc(self.platforms, key, n)
        for key, n in other.clusters.items():
            _inc(self.clusters, key, n)
        for key, s in other.cluster_samples.items():
            self.cluster_samples.setdefault(key, s)
        for name in ("first", "first_negative"):
            mine, theirs = getattr(self, name), getattr(other, name)
            if theirs is not None and (mine is None or theirs["ts"] < mine["ts"]):
                setattr(self, name, theirs)

    def top_clusters(self, n: int = 3) -> list[tuple[str, int]]:
        return sorted(self.clusters.items(), key=lambda kv: (-kv[1], int(kv[0])))[:n]

    def to_json(self) -> dict[str, Any]:
        clusters = dict(self.top_clusters(MAX_CLUSTERS))
        first = self.first

        def ref(post: dict[str, Any] | None) -> dict[str, Any] | str | None:
            # the same post as ``first`` is written once
            same = post is not None and first is not None and post["id"] == first["id"]
            return "first" if same else post

        return {
            "mentions": self.mentions,
            "organic": self.organic,
            "negative": self.negative,
            "organic_negative": self.organic_negative,
            "positive": self.positive,
            "copies": self.copies,
            "capped": self.capped,
            "reshares": self.reshares,
            "langs": _top(self.langs, MAX_KEYS),
            "platforms": _top(self.platforms, MAX_KEYS),
            "clusters": clusters,
            "cluster_samples": {
                k: ref(s) for k, s in self.cluster_samples.items() if k in clusters
            },
            "first": first,
            "first_negative": ref(self.first_negative),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Mix:
        def counts(name: str) -> dict[str, int]:
            return {str(k): int(v) for k, v in (data.get(name) or {}).items()}

        first = data.get("first")

        def deref(post: Any) -> Any:
            return first if post == "first" else post

        return cls(
            mentions=int(data.get("mentions", 0)),
            organic=int(data.get("organic", 0)),
            negative=int(data.get("negative", 0)),
            organic_negative=int(data.get("organic_negative", 0)),
            positive=int(data.get("positive", 0)),
            copies=int(data.get("copies", 0)),
            capped=int(data.get("capped", 0)),
            reshares=int(data.get("reshares", 0)),
            langs=counts("langs"),
            platforms=counts("platforms"),
            clusters=counts("clusters"),
            cluster_samples={
                str(k): deref(v) for k, v in (data.get("cluster_samples") or {}).items()
            },
            first=first,
            first_negative=deref(data.get("first_negative")),
        )


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether a window's rise is a coordinated campaign, and its organic counts."""

    coordinated: bool
    organic: int
    organic_negative: int
    inauthentic: int
    #: the inauthentic share of the window's mentions
    share: float
    top_cluster: int | None
    top_cluster_copies: int


def classify(
    mix: Mix,
    expected: float | None = None,
    config: CampaignConfig | None = None,
    usual_share: float = 0.0,
) -> Verdict:
    """Coordinated when the window's inauthentic mentions (copies and capped posts) exceed
    what is usual for the brand (``usual_share`` of ``expected``, its expected volume; of its
    mentions without one) by at least ``min_copies``, that excess makes up at least
    ``min_share`` of the window's excess over ``expected``, and the copies of its three
    largest clusters plus the capped posts are at least ``min_copies`` (copies of a few texts,
    not one repeat each of many).

    The window closer calls it on the last few minutes (``BrandInsight.campaign_mix``): the
    crisis detector sees ``organic`` / ``organic_negative``; when those do not trigger a
    crisis and the verdict is coordinated, the thread is a ``coordinated`` one.
    """
    cfg = config or CampaignConfig()
    bad = mix.inauthentic
    base = float(mix.mentions) if expected is None else max(float(expected), 0.0)
    extra = bad - usual_share * base
    excess = mix.mentions - base if expected is not None else float(bad)
    top = mix.top_clusters(3)
    # copies of a few texts (or a few authors), not a scatter of single repeats
    concentrated = sum(n for _, n in top) + mix.capped >= cfg.min_copies
    coordinated = (
        concentrated and extra >= cfg.min_copies and extra >= cfg.min_share * max(excess, 0.0)
    )
    return Verdict(
        coordinated=coordinated,
        organic=mix.organic,
        organic_negative=mix.organic_negative,
        inauthentic=bad,
        share=bad / mix.mentions if mix.mentions else 0.0,
        top_cluster=int(top[0][0]) if top else None,
        top_cluster_copies=top[0][1] if top else 0,
    )
