"""Kafka records to table rows (pure: no database, no Kafka).

The sink and ``buzzwire import`` store what the pipeline writes: enriched mentions, alert
events, benchmark records, near-duplicate clusters. A record that cannot become a row raises
:class:`RowError` with a reason (dead-lettered by the sink, reported by the import). Text is
made safe for PostgreSQL first: its ``text`` type cannot hold NUL, and UTF-8 cannot encode a
lone surrogate, so both become U+FFFD and the row is flagged ``sanitized``; everything else
(emoji, right-to-left text, quotes, backslashes, SQL metacharacters) is stored as it came,
since every value is a bound parameter.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from streams.inbox.priority import static_priority
from streams.kernel.timestamps import parse_timestamp
from streams.mentions.signals import asks_question, reports_problem

__all__ = [
    "AlertRows",
    "MentionRows",
    "RowError",
    "alert_rows",
    "benchmark_row",
    "duplicate_row",
    "mention_rows",
    "safe_text",
]

#: NUL and lone (unpaired) surrogates: what a PostgreSQL text value cannot hold.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_REPLACEMENT = "\ufffd"
#: Longest id, brand, platform, language or handle kept (a longer one is a broken record).
MAX_KEY_CHARS = 512
#: Timestamps outside these years are refused (the pipeline refuses mentions before 2000).
MIN_YEAR, MAX_YEAR = 2000, 2200


class RowError(ValueError):
    """A record that cannot be stored; ``reason`` is a short machine-readable word."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def safe_text(value: str) -> tuple[str, bool]:
    """``value`` with NUL and lone surrogates replaced by U+FFFD, and whether any was."""
    cleaned, count = _UNSTORABLE.subn(_REPLACEMENT, value)
    return cleaned, count > 0


@dataclass
class _Cleaner:
    """Collects whether any string of a record had to be made safe."""

    sanitized: bool = False

    def text(self, value: Any, name: str, *, required: bool = False, max_chars: int = 0) -> Any:
        if value is None:
            if required:
                raise RowError("missing_field", f"{name} is missing")
            return None
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise RowError("invalid_field", f"{name} has type {type(value).__name__}")
        cleaned, changed = safe_text(str(value))
        self.sanitized |= changed
        if required and not cleaned:
            raise RowError("invalid_field", f"{name} is empty")
        if max_chars and len(cleaned) > max_chars:
            raise RowError("invalid_field", f"{name} is longer than {max_chars} characters")
        return cleaned

    def key(self, value: Any, name: str, *, required: bool = True) -> Any:
        return self.text(value, name, required=required, max_chars=MAX_KEY_CHARS)


def _count(value: Any, name: str) -> int:
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RowError("invalid_field", f"{name} has type {type(value).__name__}")
    if value != value or value < 0 or value >= 2**63:  # NaN, negative, beyond bigint
        raise RowError("invalid_field", f"{name} is out of range")
    return int(value)


def _score(value: Any, name: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise RowError("invalid_field", f"{name} is not a number between 0 and 1")
    return float(value)


def _time(value: Any, name: str) -> datetime:
    try:
        ts = parse_timestamp(value, name)
        when = datetime.fromtimestamp(ts, tz=UTC)
    except (ValueError, OverflowError, OSError) as exc:
        raise RowError("invalid_timestamp", str(exc)) from None
    if not MIN_YEAR <= when.year < MAX_YEAR:
        # a month partition is made for every month a row names: keep those plausible
        raise RowError("invalid_timestamp", f"{name} is not between {MIN_YEAR} and {MAX_YEAR}")
    return when


def _mapping(value: Any, name: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise RowError("invalid_field", f"{name} is not an object")
    return value


def _record(record: Any) -> Mapping[str, Any]:
    if not isinstance(record, Mapping):
        raise RowError("not_object", f"a record must be a JSON object, not {type(record).__name__}")
    return record


@dataclass(frozen=True, slots=True)
class MentionRows:
    """The ``mentions`` row of one enriched mention and its ``mention_brands`` rows."""

    mention: dict[str, Any]
    brands: list[dict[str, Any]] = field(default_factory=list)


def mention_rows(record: Any) -> MentionRows:
    """The rows of one enriched mention (the ``mentions.enriched`` record). The mention row
    carries what its text says of itself (``asks_question``, ``reports_problem``:
    ``streams.mentions.signals``), each brand row the item's static inbox ``priority``
    (``streams.inbox.priority.static_priority``)."""
    record = _record(record)
    clean = _Cleaner()
    mention_id = clean.key(record.get("id"), "id")
    created_at = _time(record.get("created_at"), "created_at")
    author = _mapping(record.get("author"), "author")
    engagement = _mapping(record.get("engagement"), "engagement")
    scores = _mapping(record.get("sentiment_scores"), "sentiment_scores")
    platform = clean.key(record.get("platform") or "unknown", "platform")
    sentiment = clean.key(record.get("sentiment"), "sentiment", required=False)
    lang = clean.key(record.get("lang"), "lang", required=False)
    followers = _count(author.get("followers"), "author.followers")
    likes = _count(engagement.get("likes"), "engagement.likes")
    shares = _count(engagement.get("shares"), "engagement.shares")
    replies = _count(engagement.get("replies"), "engagement.replies")
    brand_list = record.get("brands") or []
    if not isinstance(brand_list, list):
        raise RowError("invalid_field", "brands is not a list")
    tagged_by_brand: dict[str, bool] = {}
    for i, hit in enumerate(brand_list):
        hit = _mapping(hit, f"brands[{i}]")
        brand = clean.key(hit.get("id"), f"brands[{i}].id")
        tagged_by_brand[brand] = tagged_by_brand.get(brand, False) or bool(hit.get("tagged"))
    topic_list = record.get("topics") or []
    if not isinstance(topic_list, list):
        raise RowError("invalid_field", "topics is not a list")
    topics = sorted({clean.key(t, f"topics[{i}]") for i, t in enumerate(topic_list)})
    lang_confidence = record.get("lang_confidence")
    text = clean.text(record.get("text"), "text", required=False) or ""
    question = asks_question(text, lang)
    problem = reports_problem(text, lang)
    sentiment_scores = {
        "negative": _score(scores.get("negative"), "sentiment_scores.negative"),
        "neutral": _score(scores.get("neutral"), "sentiment_scores.neutral"),
        "positive": _score(scores.get("positive"), "sentiment_scores.positive"),
    }
    mention = {
        "id": mention_id,
        "created_at": created_at,
        "platform": platform,
        "author_id": clean.key(author.get("id"), "author.id", required=False),
        "author_handle": clean.key(author.get("handle"), "author.handle", required=False),
        "author_name": clean.text(author.get("name"), "author.name"),
        "author_followers": followers,
        "url": clean.text(record.get("url"), "url"),
        "reply_to_handle": clean.key(record.get("reply_to_handle"), "reply", required=False),
        "reshare_of": clean.key(record.get("reshare_of"), "reshare_of", required=False),
        "likes": likes,
        "shares": shares,
        "replies": replies,
        "text": text,
        "lang": lang,
        "lang_confidence": _score(lang_confidence, "lang_confidence"),
        "sentiment": sentiment,
        "sentiment_negative": sentiment_scores["negative"],
        "sentiment_neutral": sentiment_scores["neutral"],
        "sentiment_positive": sentiment_scores["positive"],
        "sentiment_model": clean.key(record.get("sentiment_model"), "model", required=False),
        "brands": sorted(tagged_by_brand),
        "tagged_brands": sorted(b for b, tagged in tagged_by_brand.items() if tagged),
        "untagged": any(not tagged for tagged in tagged_by_brand.values()),
        "sanitized": clean.sanitized,
        "asks_question": question,
        "reports_problem": problem,
        "topics": topics,
    }
    reach = followers + likes + shares + replies
    priority = static_priority(
        followers, likes + shares + replies, sentiment_scores, question, problem
    )
    brands = [
        {
            "brand": brand,
            "mention_id": mention_id,
            "created_at": created_at,
            "tagged": tagged,
            "sentiment": sentiment,
            "lang": lang,
            "platform": platform,
            "reach": min(reach, 2**63 - 1),
            "priority": priority,
        }
        for brand, tagged in sorted(tagged_by_brand.items())
    ]
    return MentionRows(mention=mention, brands=brands)


@dataclass(frozen=True, slots=True)
class AlertRows:
    """An alert event's ``alert_events`` row and the ``alert_threads`` state it implies."""

    thread: dict[str, Any]
    event: dict[str, Any]


def _json_safe(value: Any) -> Any:
    """``value`` with every string made safe (JSONB cannot hold NUL either)."""
    if isinstance(value, str):
        return safe_text(value)[0]
    if isinstance(value, Mapping):
        return {safe_text(str(k))[0]: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    return value


def alert_rows(record: Any) -> AlertRows:
    """The rows of one alert event (the ``alerts`` record)."""
    record = _record(record)
    clean = _Cleaner()
    thread_id = clean.key(record.get("id"), "id")
    sequence = record.get("sequence")
    if isinstance(sequence, bool) or not isinstance(sequence, int) or not 0 < sequence < 2**31:
        raise RowError("invalid_field", "sequence is not a positive integer")
    brand = clean.key(record.get("brand"), "brand")
    event = clean.key(record.get("event"), "event")
    body = _json_safe(dict(record))
    opened_at = _time(record.get("opened_at"), "opened_at")
    updated_at = _time(record.get("updated_at") or record.get("opened_at"), "updated_at")
    resolved = record.get("resolved_at")
    thread = {
        "id": thread_id,
        "brand": brand,
        "kind": clean.key(record.get("kind") or "unknown", "kind"),
        "severity": clean.key(record.get("severity") or "unknown", "severity"),
        "status": clean.key(record.get("status") or "open", "status"),
        "sequence": sequence,
        "opened_at": opened_at,
        "updated_at": updated_at,
        "resolved_at": _time(resolved, "resolved_at") if resolved else None,
        "latest": body,
    }
    sent = record.get("sent_at") or record.get("updated_at") or record.get("opened_at")
    row = {
        "thread_id": thread_id,
        "sequence": sequence,
        "event": event,
        "brand": brand,
        "sent_at": _time(sent, "sent_at"),
        "body": body,
    }
    return AlertRows(thread=thread, event=row)


def benchmark_row(record: Any) -> dict[str, Any]:
    """The ``benchmark_snapshots`` row of one benchmark record (the ``benchmarks`` record)."""
    record = _record(record)
    clean = _Cleaner()
    kind = clean.key(record.get("type"), "type")
    if kind == "brand":
        subject = clean.key(record.get("brand"), "brand")
        end = record.get("end_ts", record.get("end"))
        complete = bool(record.get("complete", True))
    elif kind == "share_of_voice":
        subject = clean.key(record.get("competitor_set"), "competitor_set")
        end = record.get("end")
        complete = True
    else:
        raise RowError("invalid_field", f"unknown benchmark type {str(kind)[:40]!r}")
    return {
        "type": kind,
        "subject": subject,
        "window": clean.key(record.get("window"), "window"),
        "window_end": _time(end, "end"),
        "complete": complete,
        "body": _json_safe(dict(record)),
    }


#: The largest cluster id or size kept (PostgreSQL ``bigint``; ids count up per brand).
_MAX_BIGINT = 2**63 - 1


def _flag(record: Mapping[str, Any], name: str) -> bool:
    value = record.get(name)
    if not isinstance(value, bool):
        raise RowError("invalid_field", f"{name} is not true or false")
    return value


def duplicate_row(record: Any) -> dict[str, Any]:
    """The ``mention_duplicates`` row of one ``mentions.duplicates`` record: what the brand's
    insight state made of one of its mentions (``streams.crisis.cluster_records``)."""
    record = _record(record)
    clean = _Cleaner()
    cluster = record.get("duplicate_cluster")
    if cluster is not None and (
        isinstance(cluster, bool) or not isinstance(cluster, int) or not 0 < cluster <= _MAX_BIGINT
    ):
        raise RowError("invalid_field", "duplicate_cluster is not a positive integer or null")
    size = record.get("duplicate_size", 0)
    if isinstance(size, bool) or not isinstance(size, int) or not 0 <= size <= _MAX_BIGINT:
        raise RowError("invalid_field", "duplicate_size is not a count")
    if (cluster is None) != (size == 0):
        raise RowError("invalid_field", "duplicate_size must be 0 exactly when there is no cluster")
    copy = _flag(record, "copy")
    if copy and (cluster is None or size < 2):
        raise RowError("invalid_field", "a copy must be a later member of a cluster (size 2 on)")
    capped = _flag(record, "capped")
    organic = _flag(record, "organic")
    if organic != (not copy and not capped):
        raise RowError("invalid_field", "organic must be true exactly when neither copy nor capped")
    return {
        "brand": clean.key(record.get("brand"), "brand"),
        "mention_id": clean.key(record.get("id"), "id"),
        "created_at": _time(record.get("created_at"), "created_at"),
        "duplicate_cluster": cluster,
        "duplicate_size": size,
        "copy": copy,
        "capped": capped,
        "organic": organic,
    }
