"""Records as the pipeline writes them, for the store's tests."""

from __future__ import annotations

from typing import Any


def enriched(
    mention_id: str,
    text: str = "a post",
    *,
    created_at: str | float = "2026-11-01T12:00:00.000Z",
    brands: list[tuple[str, bool]] | None = None,
    sentiment: str = "neutral",
    lang: str = "en",
    followers: int = 10,
    **extra: Any,
) -> dict[str, Any]:
    scores = {"negative": 0.1, "neutral": 0.8, "positive": 0.1}
    if sentiment == "negative":
        scores = {"negative": 0.9, "neutral": 0.05, "positive": 0.05}
    elif sentiment == "positive":
        scores = {"negative": 0.05, "neutral": 0.05, "positive": 0.9}
    record = {
        "id": mention_id,
        "platform": "twitter",
        "author": {"id": "u1", "handle": "@ana", "name": "Ana", "followers": followers},
        "text": text,
        "created_at": created_at,
        "url": f"https://example.social/{mention_id}",
        "reply_to_handle": None,
        "reshare_of": None,
        "engagement": {"likes": 1, "shares": 2, "replies": 3},
        "lang": lang,
        "lang_confidence": 0.97,
        "brands": [{"id": b, "tagged": t} for b, t in (brands or [("acme", False)])],
        "sentiment": sentiment,
        "sentiment_scores": scores,
        "sentiment_model": "e5-small-sentiment",
    }
    record.update(extra)
    return record


def alert(thread: str, sequence: int, event: str = "updated", **extra: Any) -> dict[str, Any]:
    record = {
        "id": thread,
        "event": event,
        "status": "resolved" if event == "resolved" else "open",
        "sequence": sequence,
        "brand": "acme",
        "kind": "negative_surge",
        "severity": "major",
        "opened_at": "2026-11-01T14:00:00.000Z",
        "updated_at": f"2026-11-01T14:{sequence:02d}:00.000Z",
        "resolved_at": "2026-11-01T15:00:00.000Z" if event == "resolved" else None,
        "sent_at": f"2026-11-01T14:{sequence:02d}:05.000Z",
        "observed": 34.0,
        "expected": 2.2,
    }
    record.update(extra)
    return record


def brand_benchmark(end_ts: int, mentions: int, complete: bool = True) -> dict[str, Any]:
    return {
        "type": "brand",
        "brand": "acme",
        "window": "1h",
        "end_ts": end_ts,
        "complete": complete,
        "mentions": mentions,
    }


def duplicate(
    mention_id: str,
    cluster: int | None,
    size: int,
    *,
    copy: bool = False,
    capped: bool = False,
    brand: str = "acme",
    created_at: str | float = "2026-11-01T12:00:00.000Z",
) -> dict[str, Any]:
    """A ``mentions.duplicates`` record (``streams.crisis.cluster_records``)."""
    return {
        "id": mention_id,
        "brand": brand,
        "created_at": created_at,
        "duplicate_cluster": cluster,
        "duplicate_size": size,
        "copy": copy,
        "capped": capped,
        "organic": not (copy or capped),
    }
