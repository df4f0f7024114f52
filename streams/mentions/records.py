"""The mention record: what arrives on ``mentions.raw`` and what leaves on ``mentions.enriched``.

Input is JSON. Only ``id``, ``text`` and ``created_at`` are required; everything else has a
default. ``created_at`` may be ISO 8601 (``2026-11-01T12:00:03Z``, any offset) or epoch seconds or
milliseconds; it is normalised to ISO 8601 UTC on output.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Author:
    id: str | None = None
    handle: str | None = None
    name: str | None = None
    followers: int = 0


@dataclass(frozen=True, slots=True)
class Engagement:
    likes: int = 0
    shares: int = 0
    replies: int = 0


@dataclass(frozen=True, slots=True)
class Mention:
    """A validated input mention (``streams.mentions.logic.validate_mention`` builds it)."""

    id: str
    text: str
    created_at: str
    platform: str = "unknown"
    author: Author | None = None
    url: str | None = None
    reply_to_handle: str | None = None
    reshare_of: str | None = None
    engagement: Engagement | None = None
    lang: str | None = None


def author_to_dict(author: Author | None) -> dict[str, Any]:
    if author is None:
        return {"id": None, "handle": None, "name": None, "followers": 0}
    return {
        "id": author.id,
        "handle": author.handle,
        "name": author.name,
        "followers": author.followers,
    }


def engagement_to_dict(engagement: Engagement | None) -> dict[str, int]:
    if engagement is None:
        return {"likes": 0, "shares": 0, "replies": 0}
    return {"likes": engagement.likes, "shares": engagement.shares, "replies": engagement.replies}
