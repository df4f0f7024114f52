"""Rolling benchmarks per brand, pure functions: hopping event-time windows built from buckets.

A window spec such as ``1h:5m`` is a window of one hour that hops every five minutes. Every
brand event is counted once per spec, into the spec's bucket (five minutes wide here) that holds
its ``created_at``. When the partition's stream clock (see ``streams.crisis.logic``) passes a
bucket boundary ``T`` plus the lateness tolerance, the window ``[T - size, T)`` is the sum of its
buckets and the previous period ``[T - 2 size, T - size)`` the sum of the ones before: volume,
net sentiment ``(positive - negative) / (positive + negative)``, negative share, untagged share,
velocity (volume / previous volume) and top languages. Buckets older than two periods are
dropped. Share of voice needs the volumes of the brand's competitors, which live on other
partitions: each brand's volume goes to every competitor set it belongs to (``sets_of``), and
``share_of_voice`` divides within a set.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from streams.mentions.logic import iso_utc

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_DURATION = re.compile(r"^(\d+)([smhdw])$")
#: Languages kept per benchmark (gauge cardinality stays bounded).
TOP_LANGS = 5


def parse_duration(text: str) -> int:
    match = _DURATION.match(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not a duration like 90s, 5m, 1h, 7d")
    return int(match.group(1)) * _UNITS[match.group(2)]


@dataclass(frozen=True)
class WindowSpec:
    name: str  # as written: "1h", "24h", "7d"
    size: int  # seconds
    hop: int  # seconds; also the bucket width

    @property
    def buckets(self) -> int:
        return self.size // self.hop


def parse_specs(text: str) -> tuple[WindowSpec, ...]:
    """``"1h:5m,24h:1h,7d:6h"`` -> window specs (size:hop; the size must be a multiple)."""
    specs = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        name, _, hop_text = part.partition(":")
        size = parse_duration(name)
        hop = parse_duration(hop_text) if hop_text else max(1, size // 12)
        if size % hop:
            raise ValueError(f"window {part!r}: the size must be a multiple of the hop")
        specs.append(WindowSpec(name.strip(), size, hop))
    if not specs:
        raise ValueError("no benchmark window given")
    if len({s.name for s in specs}) != len(specs):
        raise ValueError(f"benchmark windows repeat a name: {text!r}")
    return tuple(specs)


def bucket_start(ts: float, hop: int) -> int:
    return int(ts // hop * hop)


def new_bucket() -> dict[str, Any]:
    return {"mentions": 0, "negative": 0, "neutral": 0, "positive": 0, "untagged": 0, "langs": {}}


def add_to_bucket(bucket: dict[str, Any], event: Mapping[str, Any]) -> None:
    bucket["mentions"] += 1
    sentiment = event.get("sentiment")
    if sentiment in ("negative", "neutral", "positive"):
        bucket[sentiment] += 1
    if not event.get("tagged"):
        bucket["untagged"] += 1
    lang = str(event.get("lang") or "und")
    bucket["langs"][lang] = bucket["langs"].get(lang, 0) + 1


def _sum(buckets: Iterable[Mapping[str, Any] | None]) -> dict[str, Any]:
    total = new_bucket()
    for b in buckets:
        if not b:
            continue
        for key in ("mentions", "negative", "neutral", "positive", "untagged"):
            total[key] += int(b[key])
        for lang, n in b["langs"].items():
            total["langs"][lang] = total["langs"].get(lang, 0) + int(n)
    return total


def _ratio(num: float, den: float) -> float | None:
    return num / den if den else None


def benchmark(
    brand: str,
    spec: WindowSpec,
    end: int,
    buckets: Mapping[int, Mapping[str, Any]],
    first_seen: float,
) -> dict[str, Any]:
    """The benchmark record of ``brand`` for the window ``[end - size, end)``.

    ``buckets`` maps bucket starts to bucket counts (missing = no mentions). ``complete`` is
    false while the brand has been seen for less than a whole window.
    """
    current = _sum(buckets.get(end - spec.size + i * spec.hop) for i in range(spec.buckets))
    previous = _sum(buckets.get(end - 2 * spec.size + i * spec.hop) for i in range(spec.buckets))
    volume, prev = current["mentions"], previous["mentions"]
    polar = current["positive"] + current["negative"]
    langs = sorted(current["langs"].items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_LANGS]
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
        "net_sentiment": _ratio(current["positive"] - current["negative"], polar),
        "negative_share": _ratio(current["negative"], volume),
        "untagged_share": _ratio(current["untagged"], volume),
        "sentiment": {k: current[k] for k in ("negative", "neutral", "positive")},
        "top_languages": dict(langs),
    }


def due_ends(last_end: int | None, spec: WindowSpec, clock_ts: float, lateness: float) -> list[int]:
    """Window ends (bucket boundaries) the clock has passed since ``last_end``, oldest first.

    Only the latest is worth emitting after a long gap; callers emit the last one (and at most
    a few before it, see ``MAX_BACKFILL``).
    """
    latest = bucket_start(clock_ts - lateness, spec.hop)
    if last_end is None:
        return [latest]
    if latest <= last_end:
        return []
    first = max(last_end + spec.hop, latest - (MAX_BACKFILL - 1) * spec.hop)
    return list(range(first, latest + 1, spec.hop))


#: Most window ends emitted at once per spec after a gap (history replays, restarts).
MAX_BACKFILL = 3


def expired(bucket_starts: Iterable[int], spec: WindowSpec, end: int) -> list[int]:
    """Bucket starts no window from ``end`` on will read (older than two periods)."""
    horizon = end - 2 * spec.size
    return [b for b in bucket_starts if b < horizon]


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
