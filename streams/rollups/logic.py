"""Rolling benchmarks per brand, pure: hopping event-time windows and share of voice.

A window spec such as ``1h:5m`` is a window of one hour that hops every five minutes
(``streams.windowing.windows.Hopping``). Every brand event is counted once per spec, into the
spec's bucket that holds its ``created_at``. When the partition's watermark passes a bucket
boundary ``T``, the window ``[T - size, T)`` is the sum of its buckets and the previous period
``[T - 2 size, T - size)`` the sum of the ones before: volume, net sentiment
``(positive - negative) / (positive + negative)``, negative share, untagged share, velocity
(volume / previous volume) and top languages. Buckets older than two periods are dropped.
Share of voice needs the volumes of the brand's competitors, which live on other partitions:
each brand's volume goes to every competitor set it belongs to (``sets_of``), and
``share_of_voice`` divides within a set.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from streams.kernel.timestamps import iso_utc
from streams.windowing.events import BrandEvent
from streams.windowing.windows import Buckets, Hopping, parse_specs

__all__ = ["MAX_BACKFILL", "TOP_LANGS", "BrandRollups", "benchmark", "parse_specs"]

#: Languages kept per benchmark (gauge cardinality stays bounded).
TOP_LANGS = 5
#: Most window ends emitted at once per spec after a gap (history replays, restarts): only the
#: latest are worth emitting.
MAX_BACKFILL = 3


def _ratio(num: float, den: float) -> float | None:
    return num / den if den else None


def benchmark(
    brand: str, spec: Hopping, end: int, buckets: Buckets, first_seen: float
) -> dict[str, Any]:
    """The benchmark record of ``brand`` for the window ``[end - size, end)``.

    ``complete`` is false while the brand has been seen for less than a whole window.
    """
    current = buckets.window(spec, end)
    previous = buckets.window(spec, end, periods_back=1)
    volume, prev = current.mentions, previous.mentions
    polar = current.positive + current.negative
    langs = sorted(current.langs.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_LANGS]
    return {
        "type": "brand",
        "brand": brand,
        "window": spec.name,
        "start": iso_utc(end - spec.size),
        "end": iso_utc(end),
        "end_ts": end,
        "complete": first_seen <= end - spec.size,
        "mentions": volume,
        "previous_mentions": prev,
        "velocity": _ratio(volume, prev),
        "net_sentiment": _ratio(current.positive - current.negative, polar),
        "negative_share": _ratio(current.negative, volume),
        "untagged_share": _ratio(current.untagged, volume),
        "sentiment": {
            "negative": current.negative,
            "neutral": current.neutral,
            "positive": current.positive,
        },
        "top_languages": dict(langs),
    }


@dataclass(slots=True)
class BrandRollups:
    """A brand's open buckets per window spec, and when it was first seen."""

    first_seen: float | None = None
    specs: dict[str, Buckets] = field(default_factory=dict)

    def add(self, specs: Sequence[Hopping], event: BrandEvent) -> None:
        """Count ``event`` into its bucket of every spec whose window it is not too late for."""
        self.first_seen = event.ts if self.first_seen is None else min(self.first_seen, event.ts)
        for spec in specs:
            self.specs.setdefault(spec.name, Buckets()).add(spec, event)

    def emit_due(
        self, brand: str, specs: Sequence[Hopping], watermark: float
    ) -> list[dict[str, Any]]:
        """Benchmark records of the windows ``watermark`` has closed (the latest
        ``MAX_BACKFILL`` per spec), oldest first per spec; old buckets are dropped."""
        if self.first_seen is None:
            return []
        out: list[dict[str, Any]] = []
        for spec in specs:
            buckets = self.specs.setdefault(spec.name, Buckets())
            ends = spec.closed_ends(buckets.last_end, watermark)[-MAX_BACKFILL:]
            if not ends:
                continue
            out.extend(benchmark(brand, spec, end, buckets, self.first_seen) for end in ends)
            buckets.last_end = ends[-1]
            buckets.forget_before(ends[-1] - 2 * spec.size)
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "first_seen": self.first_seen,
            "specs": {name: b.to_json() for name, b in self.specs.items()},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> BrandRollups:
        if not data:
            return cls()
        first = data.get("first_seen")
        return cls(
            first_seen=None if first is None else float(first),
            specs={n: Buckets.from_json(b) for n, b in (data.get("specs") or {}).items()},
        )


# ----------------------------------------------------------------------------- competitor sets
def competitor_sets(competitors: Mapping[str, Sequence[str]]) -> dict[str, tuple[str, ...]]:
    """Set id (a brand) -> its members: the brand and its competitors."""
    return {b: tuple(dict.fromkeys([b, *others])) for b, others in competitors.items()}


def sets_of(brand: str, sets: Mapping[str, Sequence[str]]) -> list[str]:
    """The competitor sets ``brand`` belongs to (its own, and those of brands competing with it)."""
    return sorted(s for s, members in sets.items() if brand in members)


def share_of_voice(
    members: Sequence[str], volumes: Mapping[str, Mapping[str, int]], end: int
) -> dict[str, float] | None:
    """Each member's share of the set's volume for the window ending at ``end``.

    ``volumes`` maps a member to its recent reports, window end (as a string: table values are
    JSON) -> mentions.  Members report from their own partitions, whose clocks differ: a
    member that has reported before but not yet up to ``end`` holds the shares back (None), so
    that a gauge never reads 0 for a brand whose partition is merely behind.  A member that
    never reported counts 0, and so does one that has reported a later end but not this one
    (it skipped it after a gap).  None also while the set has no volume.
    """
    for m in members:
        reports = volumes.get(m)
        if reports and str(end) not in reports and max(int(k) for k in reports) < end:
            return None
    counts = {m: int(volumes.get(m, {}).get(str(end), 0)) for m in members}
    total = sum(counts.values())
    if not total:
        return None
    return {m: n / total for m, n in counts.items()}


def record_volume(
    reports: dict[str, int], end: int, mentions: int, keep: int = 4
) -> dict[str, int]:
    """A member's recent reports with this one added (the ``keep`` latest window ends)."""
    merged = {**reports, str(end): int(mentions)}
    latest = sorted(merged, key=int)[-keep:]
    return {k: merged[k] for k in latest}
