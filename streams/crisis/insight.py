"""A brand's insight state: near-duplicates, authors, term trends and the organic make-up of
its recent buckets; per mention and at window close (pure; one JSON value per brand).

The stream calls, per brand:

- ``observe(event)`` for every brand event (in the order of the brand's partition): it returns
  the mention's :class:`Observation` (its ``duplicate_cluster`` id and size, whether it is a
  copy or capped, so organic or not) and counts it into the bucket of ``bucket_seconds`` that
  holds its time;
- ``window_mix(start, end)`` when a crisis window ``[start, end)`` closes (any width that is a
  multiple of ``bucket_seconds``): the window's :class:`~streams.crisis.campaigns.Mix`. The
  detector takes ``mix.organic`` / ``mix.organic_negative``;
  ``campaigns.classify(mix, expected)`` says whether a rise is coordinated;
- ``explain(mix, ts, ...)`` when an alert is emitted: its ``explanation``;
- ``release(ts)`` once the crisis windows that end at or before ``ts`` are closed: buckets
  no closing window reads any more are dropped. Buckets older than ``keep_seconds`` before the
  newest mention are dropped on their own, but never one that a window not yet closed still
  needs (while windows are being closed; at most ``hold_seconds``): a batch of a backlog can
  run an hour of mentions ahead of the windows it closes at its end.

Terms as of the window. A window closes up to the allowed lateness after its end, when the
term counts hold the posts since (and the baseline has learnt from them): a crisis window
closed half an hour late would be explained by the half hour after it. So whenever the
brand's newest bucket moves on, the state first takes a *snapshot* of the terms that rose and
of the baseline sentiment as of the end of the bucket before (a few numbers; the terms only
while some rise), and ``explain`` reads the newest snapshot at or before the window's end;
live counts only when no later mention has been seen (the window is the newest thing).

``to_json`` / ``from_json``: the whole state, bounded (see ``benchmarks/campaigns.py`` for its
size per brand).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from streams.crisis import tokens
from streams.crisis.campaigns import AuthorCap, CampaignConfig, Mix, Verdict, classify
from streams.crisis.duplicates import DuplicateConfig, NearDuplicates
from streams.crisis.explain import ExplainConfig, RisingTerm, TermTrends, top_terms
from streams.kernel.timestamps import iso_utc
from streams.windowing.events import BrandEvent

__all__ = ["BrandInsight", "InsightConfig", "Observation"]


@dataclass(frozen=True)
class InsightConfig:
    bucket_seconds: int = 60
    #: buckets kept (the widest crisis window, plus the lateness allowed)
    keep_seconds: int = 600
    #: how far before its end a closing window reads buckets (its widest width, the
    #: campaign span)
    lookback_seconds: int = 300
    #: buckets of windows not yet closed are held at most this long before the newest mention
    hold_seconds: int = 3 * 3600
    #: a campaign is judged on this many seconds of mentions (``campaign_mix``)
    campaign_seconds: int = 300
    sample_chars: int = 160
    #: rising terms kept per snapshot (what an explanation can name for a late-closed window)
    snapshot_terms: int = 12
    duplicates: DuplicateConfig = field(default_factory=DuplicateConfig)
    campaigns: CampaignConfig = field(default_factory=CampaignConfig)
    explain: ExplainConfig = field(default_factory=ExplainConfig)


@dataclass(frozen=True, slots=True)
class Observation:
    """What the insight state made of one mention."""

    duplicate_cluster: int | None
    duplicate_size: int
    copy: bool
    capped: bool
    reshare: bool

    @property
    def organic(self) -> bool:
        return not (self.copy or self.capped)

    def to_json(self) -> dict[str, Any]:
        return {
            "duplicate_cluster": self.duplicate_cluster,
            "duplicate_size": self.duplicate_size,
            "copy": self.copy,
            "capped": self.capped,
            "organic": self.organic,
        }


def _platform(event: BrandEvent) -> str:
    return event.platform or "unknown"


def _reshare(event: BrandEvent) -> bool:
    return bool(event.reshare_of)


def sample(event: BrandEvent, chars: int) -> dict[str, Any]:
    """What an explanation shows of a post (``ts`` to order them)."""
    return {
        "id": event.id,
        "url": event.url,
        "text": event.text[:chars],
        "author": event.author,
        "reach": event.reach,
        "sentiment": event.sentiment,
        "lang": event.lang,
        "platform": _platform(event),
        "created_at": event.created_at,
        "ts": event.ts,
    }


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


class BrandInsight:
    """One brand's insight state (see the module docstring for the calls)."""

    def __init__(self, config: InsightConfig | None = None) -> None:
        self.config = config or InsightConfig()
        self.duplicates = NearDuplicates(self.config.duplicates)
        self.authors = AuthorCap()
        self.trends = TermTrends(self.config.explain)
        self.buckets: dict[int, Mix] = {}
        #: end of a bucket -> the terms and baseline sentiment as of then (see the module doc)
        self.snapshots: dict[int, dict[str, Any]] = {}
        #: the crisis windows that end at or before this are closed (``release``)
        self.closed_until: int | None = None

    # -- per mention
    def observe(self, event: BrandEvent) -> Observation:
        cfg = self.config
        pairs = tokens.words(event.text)
        reshare = _reshare(event)
        if reshare:
            cluster, size, copy = None, 0, False
        else:
            match = self.duplicates.observe(tokens.dup_words(pairs), event.ts)
            cluster, size, copy = match.cluster, match.size, match.copy
        capped = self.authors.capped(event.author, event.ts, cfg.campaigns)
        bad = copy or capped
        start = int(event.ts // cfg.bucket_seconds * cfg.bucket_seconds)
        newest = max(self.buckets, default=None)
        if newest is not None and start > newest:
            self._snapshot(newest + cfg.bucket_seconds)
        self.trends.add(
            () if bad else tokens.terms_of(pairs), event.lang, event.ts, event.sentiment, bad
        )
        bucket = self.buckets.get(start)
        if bucket is None:
            bucket = self.buckets[start] = Mix()
            self._expire(start)
        bucket.count(
            sentiment=event.sentiment,
            lang=event.lang,
            platform=_platform(event),
            copy=copy,
            capped=capped,
            reshare=reshare,
            cluster=cluster,
            sample=lambda: sample(event, cfg.sample_chars),
            ts=event.ts,
        )
        return Observation(cluster, size, copy, capped, reshare)

    def _expire(self, newest: int) -> None:
        cfg = self.config
        cutoff = newest - cfg.keep_seconds
        if self.closed_until is not None:
            # a window not closed yet still reads its buckets (up to hold_seconds)
            needed = self.closed_until - cfg.lookback_seconds
            cutoff = max(min(cutoff, needed), newest - cfg.hold_seconds)
        self.forget_before(cutoff)

    def release(self, ts: float) -> None:
        """The crisis windows that end at or before ``ts`` are closed: drop the buckets that
        no later window reads."""
        closed = int(ts)
        if self.closed_until is None or closed > self.closed_until:
            self.closed_until = closed
        newest = max(self.buckets, default=None)
        if newest is not None:
            self._expire(newest)

    def _snapshot(self, ts: int) -> None:
        """Keep the rising terms and the baseline sentiment as of ``ts`` (a bucket's end)."""
        rising = self.trends.rising(ts)[: self.config.snapshot_terms]
        sentiment = {k: _round(v) for k, v in self.trends.sentiment(ts).items()}
        snap: dict[str, Any] = {"sentiment": sentiment}
        if rising:
            snap["terms"] = [r.to_row() for r in rising]
        self.snapshots[ts] = snap

    def _as_of(self, ts: float) -> tuple[float, list[RisingTerm], dict[str, float | None]]:
        """The time of the terms, the rising terms and the baseline sentiment that explain a
        window ending at ``ts``.

        When later mentions have been counted since, the window's snapshot: its terms and
        the baseline as they were then. If no term had risen yet (a crisis that began in the
        window's last seconds), the terms rising now, as of the newest mention: a window
        closing late is explained by what came since rather than by nothing."""
        newest = self.trends.newest
        now = max(ts, newest or ts)
        if newest is not None and newest >= ts:
            taken = [k for k in self.snapshots if k <= ts]
            if taken:
                k = max(taken)
                snap = self.snapshots[k]
                before = dict(snap["sentiment"])
                if snap.get("terms"):
                    return float(k), [RisingTerm.from_row(r) for r in snap["terms"]], before
                return now, self.trends.rising(now), before
        return now, self.trends.rising(now), self.trends.sentiment(now)

    # -- at window close
    def window_mix(self, start: float, end: float) -> Mix:
        """The make-up of the window ``[start, end)``."""
        out = Mix()
        for bucket_start in sorted(self.buckets):
            if start <= bucket_start < end:
                out.merge(self.buckets[bucket_start])
        return out

    def forget_before(self, ts: float) -> None:
        for start in [s for s in self.buckets if s < ts]:
            del self.buckets[start]
        # the newest snapshot before ``ts`` still explains a window after a quiet spell
        old = sorted(k for k in self.snapshots if k < ts)
        for k in old[:-1]:
            del self.snapshots[k]

    def campaign_mix(self, end: float) -> Mix:
        """The make-up of the last ``campaign_seconds`` before ``end``: what
        :meth:`classify` judges (a campaign of copies spread over minutes is seen whole
        by minute windows too)."""
        return self.window_mix(end - self.config.campaign_seconds, end)

    def classify(
        self, mix: Mix, expected: float | None = None, *, ts: float | None = None
    ) -> Verdict:
        """``campaigns.classify`` with the brand's usual share of inauthentic mentions (as
        of ``ts``, the window's end; by default the newest bucket's); ``expected``: the
        expected volume over the mix's span."""
        if ts is None:
            newest = max(self.buckets, default=None)
            ts = newest + self.config.bucket_seconds if newest is not None else 0.0
        usual = self.trends.usual_inauthentic_share(ts)
        return classify(mix, expected, self.config.campaigns, usual)

    def explain(
        self,
        mix: Mix,
        ts: float,
        *,
        verdict: Verdict | None = None,
        first_post: Mapping[str, Any] | None = None,
        negative: bool = False,
        samples: Sequence[Mapping[str, Any]] = (),
        terms: int = 5,
    ) -> dict[str, Any]:
        """The ``explanation`` of an alert about ``mix`` (its window), as of ``ts`` (the
        window's end): see docs/crisis-detection.md#explanations for its fields.

        ``first_post``: the episode's first post, when the episode keeps it (else the window's
        earliest post, negative one when ``negative``); ``samples``: the alert's top posts by
        reach, listed by id under ``top_posts``.
        """
        verdict = verdict or self.classify(mix, ts=ts)
        as_of, rising_all, before = self._as_of(ts)
        rising, by_lang = top_terms(rising_all, mix.langs, n=terms)
        n = mix.mentions
        first = first_post or self.first_post(
            mix, negative=negative, coordinated=verdict.coordinated
        )
        clusters = []
        for key, copies in mix.top_clusters(3):
            post = mix.cluster_samples.get(key) or {}
            size = self.duplicates.size_of(int(key))
            clusters.append(
                {
                    "id": int(key),
                    "copies": copies,
                    "size": max(size, copies + 1),
                    "text": post.get("text"),
                    "author": post.get("author"),
                    "url": post.get("url"),
                }
            )
        return {
            "coordinated": verdict.coordinated,
            "terms": [r.to_json() for r in rising],
            "terms_by_language": by_lang,
            "terms_as_of": iso_utc(as_of) if rising else None,
            "first_post": _public(first),
            "top_posts": [str(s.get("id")) for s in samples if isinstance(s, Mapping)],
            "sentiment": {
                "negative_share": {
                    "before": _round(before["negative_share"]),
                    "now": _round(mix.negative / n if n else None),
                },
                "net": {
                    "before": _round(before["net"]),
                    "now": _round((mix.positive - mix.negative) / n if n else None),
                },
            },
            "languages": dict(sorted(mix.langs.items(), key=lambda kv: (-kv[1], kv[0]))[:5]),
            "platforms": dict(sorted(mix.platforms.items(), key=lambda kv: (-kv[1], kv[0]))[:5]),
            "duplicates": {
                "share": round(mix.copies / n, 4) if n else 0.0,
                "copies": mix.copies,
                "clusters": clusters,
            },
            "authors": {"capped": mix.capped, "cap": self.config.campaigns.author_cap},
            "organic": {
                "mentions": mix.organic,
                "negative": mix.organic_negative,
                "share": round(mix.organic / n, 4) if n else 1.0,
            },
        }

    def first_post(
        self, mix: Mix, *, negative: bool = False, coordinated: bool = False
    ) -> dict[str, Any] | None:
        """The first post of ``mix``: the first copy of its largest cluster for a coordinated
        campaign, else its earliest post (negative one when ``negative``)."""
        first = (mix.first_negative if negative else None) or mix.first
        top = mix.top_clusters(1)
        if coordinated and top:
            first = mix.cluster_samples.get(top[0][0]) or first
        return _public(first)

    # -- state
    def to_json(self) -> dict[str, Any]:
        return {
            "dup": self.duplicates.to_json(),
            "authors": self.authors.to_json(),
            "trends": self.trends.to_json(),
            "buckets": {str(s): m.to_json() for s, m in sorted(self.buckets.items())},
            "snapshots": {str(k): v for k, v in sorted(self.snapshots.items())},
            "closed_until": self.closed_until,
        }

    @classmethod
    def from_json(
        cls, data: Mapping[str, Any] | None, config: InsightConfig | None = None
    ) -> BrandInsight:
        out = cls(config)
        if not data:
            return out
        out.duplicates = NearDuplicates.from_json(data.get("dup"), out.config.duplicates)
        out.authors = AuthorCap.from_json(data.get("authors"))
        out.trends = TermTrends.from_json(data.get("trends"), out.config.explain)
        out.buckets = {int(s): Mix.from_json(m) for s, m in (data.get("buckets") or {}).items()}
        out.snapshots = {int(k): dict(v) for k, v in (data.get("snapshots") or {}).items()}
        closed = data.get("closed_until")
        out.closed_until = None if closed is None else int(closed)
        return out


def _public(post: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """A sample post without its internal ``ts``."""
    if post is None:
        return None
    return {k: v for k, v in post.items() if k != "ts"}
