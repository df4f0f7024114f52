"""Small builders of test inputs shared by the tests of streams."""

from __future__ import annotations

from typing import Any

from streams.kernel.timestamps import iso_utc
from streams.windowing.events import BrandEvent


def brand_event(mid: str, ts: float, sentiment: str = "neutral", **extra: Any) -> BrandEvent:
    """A brand event of ``acme`` (untagged, 10 followers) at ``ts``; ``extra`` overrides."""
    base = {
        "brand": "acme",
        "tagged": False,
        "id": mid,
        "ts": ts,
        "created_at": iso_utc(ts),
        "sentiment": sentiment,
        "lang": "en",
        "followers": 10,
        "engagement": 0,
        "author": "@a",
        "url": f"https://x/{mid}",
        "text": "t",
    }
    return BrandEvent.from_json({**base, **extra})
