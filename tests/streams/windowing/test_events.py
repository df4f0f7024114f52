"""Brand events: one per brand match, with reach and a bounded snippet; parsing of the topic."""

from __future__ import annotations

import orjson
import pytest

from streams.windowing.events import (
    SAMPLE_TEXT_CHARS,
    BrandEvent,
    Tick,
    brand_events,
    parse_message,
)


def test_brand_events_one_per_brand_with_reach_and_snippet() -> None:
    enriched = {
        "id": "m1",
        "text": "x" * 2000,
        "created_at": "2026-11-01T12:00:00.000Z",
        "author": {"handle": "@ana", "followers": 120},
        "engagement": {"likes": 3, "shares": 2, "replies": 1},
        "url": "https://x/m1",
        "lang": "hr",
        "sentiment": "negative",
        "brands": [{"id": "acme", "tagged": True}, {"id": "globex", "tagged": False}],
    }
    out = brand_events(enriched, 1_790_000_000.5)
    assert [e.brand for e in out] == ["acme", "globex"]
    acme, globex = out
    assert acme.tagged is True and globex.tagged is False
    assert acme.ts == 1_790_000_000.5 and acme.engagement == 6
    assert acme.reach == 126
    assert len(acme.text) == SAMPLE_TEXT_CHARS
    assert brand_events({**enriched, "brands": []}, 0.0) == []
    # the wire format round-trips
    assert parse_message(orjson.dumps(acme.to_json())) == acme


def test_ticks_and_broken_messages() -> None:
    assert parse_message(b'{"tick": 12.5}') == Tick(12.5)
    for bad in (b"", b"not json", b"[1]", b'{"brand": "acme"}', b'{"tick": "soon"}'):
        with pytest.raises((ValueError, TypeError)):
            parse_message(bad)
    with pytest.raises(ValueError, match="'ts'"):
        BrandEvent.from_json({"brand": "acme", "id": "m1"})
