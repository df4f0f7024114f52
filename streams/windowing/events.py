"""What flows into the windows: one compact *brand event* per brand match, and clock ticks.

Every brand match of an enriched mention becomes a brand event on ``mentions.by-brand``, keyed
by brand id, so that all of a brand's mentions meet on one partition (and its windows). The
leader also sends a ``{"tick": ts}`` to every partition now and then, so that windows close on a
quiet partition too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import orjson

#: Longest text kept in a brand event (alert samples show a snippet; the full post has a link).
SAMPLE_TEXT_CHARS = 500


@dataclass(frozen=True, slots=True)
class BrandEvent:
    """One brand match of one mention (the JSON of ``mentions.by-brand``)."""

    brand: str
    id: str
    ts: float  # created_at as epoch seconds
    created_at: str | None = None
    tagged: bool = False
    sentiment: str | None = None
    lang: str = "und"
    followers: int = 0
    engagement: int = 0
    author: str | None = None
    url: str | None = None
    text: str = ""
    platform: str | None = None
    #: the id of the post this one reshares (a retweet): amplification, not a copy
    reshare_of: str | None = None
    #: set by the brand's insight state when the post joined a near-duplicate cluster of
    #: others (``streams.crisis.duplicates``): its id and size then; not on the topic
    duplicate_cluster: int | None = None
    duplicate_size: int = 0

    @property
    def reach(self) -> int:
        """How many people the post may have reached: followers plus engagement."""
        return self.followers + self.engagement

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        if self.duplicate_cluster is None:
            del out["duplicate_cluster"], out["duplicate_size"]
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> BrandEvent:
        """Raises ValueError (or TypeError) on a value that is not a brand event."""
        for name in ("brand", "id", "ts"):
            if name not in data:
                raise ValueError(f"brand event without {name!r}")
        return cls(
            brand=str(data["brand"]),
            id=str(data["id"]),
            ts=float(data["ts"]),
            created_at=_opt_str(data.get("created_at")),
            tagged=bool(data.get("tagged")),
            sentiment=_opt_str(data.get("sentiment")),
            lang=str(data.get("lang") or "und"),
            followers=int(data.get("followers") or 0),
            engagement=int(data.get("engagement") or 0),
            author=_opt_str(data.get("author")),
            url=_opt_str(data.get("url")),
            text=str(data.get("text") or ""),
            platform=_opt_str(data.get("platform")),
            reshare_of=_opt_str(data.get("reshare_of")),
        )


@dataclass(frozen=True, slots=True)
class Tick:
    """A clock tick: moves the partition's windows on while no mention arrives."""

    ts: float


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)


def brand_events(enriched: Mapping[str, Any], created_ts: float) -> list[BrandEvent]:
    """One brand event per brand matched in an enriched mention."""
    author = enriched.get("author") or {}
    engagement = enriched.get("engagement") or {}
    eng = sum(int(engagement.get(k) or 0) for k in ("likes", "shares", "replies"))
    text = enriched.get("text") or ""
    return [
        BrandEvent(
            brand=match["id"],
            id=enriched["id"],
            ts=float(created_ts),
            created_at=enriched["created_at"],
            tagged=bool(match["tagged"]),
            sentiment=enriched.get("sentiment"),
            lang=enriched.get("lang") or "und",
            followers=int(author.get("followers") or 0),
            engagement=eng,
            author=author.get("handle"),
            url=enriched.get("url"),
            text=text[:SAMPLE_TEXT_CHARS],
            platform=enriched.get("platform"),
            reshare_of=enriched.get("reshare_of"),
        )
        for match in enriched.get("brands") or ()
    ]


def parse_message(value: bytes | None) -> BrandEvent | Tick:
    """A message of ``mentions.by-brand``.

    Raises ValueError (orjson's JSONDecodeError is one) or TypeError on anything else: the
    caller dead-letters it.
    """
    data = orjson.loads(value or b"")
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    if "tick" in data:
        return Tick(float(data["tick"]))
    return BrandEvent.from_json(data)
