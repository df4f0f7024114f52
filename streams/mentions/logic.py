"""Pure functions of the mentions domain: validate raw bytes, enrich, build outputs.

Nothing here touches Kafka or Faust's runtime, so all of it is tested without a broker.
"""

from __future__ import annotations

import base64
import hashlib
import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, NamedTuple, Protocol

import orjson

from streams.kernel.timestamps import iso_utc, parse_timestamp
from streams.mentions.records import (
    Author,
    Engagement,
    Mention,
    author_to_dict,
    engagement_to_dict,
)

# Earliest plausible post time: anything before is a broken clock or a unit mix-up.
MIN_CREATED_AT = datetime(2000, 1, 1, tzinfo=UTC).timestamp()
MAX_ID_CHARS = 256
MAX_SHORT_FIELD_CHARS = 2048
MAX_COUNT = 10**12
# A text is treated as binary when it has a NUL or this share of control characters.
BINARY_CONTROL_SHARE = 0.02
_ALLOWED_CONTROLS = frozenset("\t\n\r\f\v")
_LANG_CODE = re.compile(r"[a-z]{2,3}(-[a-z0-9]{2,8})?")


class Reason(StrEnum):
    """Why a message went to the dead-letter topic. A fixed list: it is a metric label."""

    EMPTY = "empty_message"
    TOO_LARGE = "message_too_large"
    NOT_UTF8 = "not_utf8"
    NOT_JSON = "not_json"
    NOT_OBJECT = "not_object"
    MISSING_FIELD = "missing_field"
    INVALID_FIELD = "invalid_field"
    TEXT_TOO_LONG = "text_too_long"
    BINARY_TEXT = "binary_text"
    FUTURE_TIMESTAMP = "future_timestamp"
    INVALID_TIMESTAMP = "invalid_timestamp"
    PROCESSING_ERROR = "processing_error"
    OUTPUT_REJECTED = "output_rejected"


class InvalidMention(Exception):
    def __init__(self, reason: Reason, detail: str) -> None:
        super().__init__(f"{reason.value}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class Limits:
    max_message_bytes: int = 1_048_576
    max_text_chars: int = 40_000
    max_future_seconds: float = 3600.0


class ParsedMention(NamedTuple):
    mention: Mention
    created_ts: float  # epoch seconds, UTC


# --------------------------------------------------------------------------------------------
# validation


def parse_created_at(value: Any) -> float:
    """Event time as epoch seconds. Accepts ISO 8601 strings and epoch seconds or ms."""
    try:
        return parse_timestamp(value, "created_at")
    except ValueError as exc:
        raise InvalidMention(Reason.INVALID_TIMESTAMP, str(exc)) from None


def _is_binary(text: str) -> bool:
    if "\x00" in text:
        return True
    controls = 0
    for ch in text:
        if ch < " " or "\x7f" <= ch <= "\x9f":
            if ch not in _ALLOWED_CONTROLS:
                controls += 1
        elif unicodedata.category(ch) == "Cs":  # lone surrogate
            return True
    return controls > 0 and controls >= max(1.0, BINARY_CONTROL_SHARE * len(text))


def _opt_str(obj: Mapping[str, Any], field: str, where: str = "") -> str | None:
    value = obj.get(field)
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise InvalidMention(
            Reason.INVALID_FIELD, f"{where}{field} must be a string, not {type(value).__name__}"
        )
    if len(value) > MAX_SHORT_FIELD_CHARS:
        raise InvalidMention(
            Reason.INVALID_FIELD, f"{where}{field} is longer than {MAX_SHORT_FIELD_CHARS} chars"
        )
    return value


def _count(obj: Mapping[str, Any], field: str, where: str) -> int:
    value = obj.get(field)
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidMention(Reason.INVALID_FIELD, f"{where}{field} must be a number")
    if not math.isfinite(value) or value < 0 or value > MAX_COUNT or value != int(value):
        raise InvalidMention(
            Reason.INVALID_FIELD, f"{where}{field}={value!r} is not a count in 0..{MAX_COUNT}"
        )
    return int(value)


def _sub_object(obj: Mapping[str, Any], field: str) -> Mapping[str, Any] | None:
    value = obj.get(field)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise InvalidMention(Reason.INVALID_FIELD, f"{field} must be an object")
    return value


def validate_mention(obj: Any, *, now: float, limits: Limits) -> ParsedMention:
    """Check a decoded JSON value and build the Mention record, or raise InvalidMention."""
    if not isinstance(obj, dict):
        raise InvalidMention(Reason.NOT_OBJECT, f"expected a JSON object, got {type(obj).__name__}")
    missing = [f for f in ("id", "text", "created_at") if obj.get(f) in (None, "")]
    if missing:
        raise InvalidMention(
            Reason.MISSING_FIELD, "missing required field(s): " + ", ".join(missing)
        )

    mention_id = obj["id"]
    if isinstance(mention_id, int) and not isinstance(mention_id, bool):
        mention_id = str(mention_id)
    if not isinstance(mention_id, str):
        raise InvalidMention(Reason.INVALID_FIELD, "id must be a string or an integer")
    if len(mention_id) > MAX_ID_CHARS:
        raise InvalidMention(Reason.INVALID_FIELD, f"id is longer than {MAX_ID_CHARS} chars")

    text = obj["text"]
    if not isinstance(text, str):
        raise InvalidMention(
            Reason.INVALID_FIELD, f"text must be a string, not {type(text).__name__}"
        )
    if len(text) > limits.max_text_chars:
        raise InvalidMention(
            Reason.TEXT_TOO_LONG,
            f"text has {len(text)} chars; the limit is {limits.max_text_chars}",
        )
    if _is_binary(text):
        raise InvalidMention(Reason.BINARY_TEXT, "text contains binary control characters")

    created_ts = parse_created_at(obj["created_at"])
    if created_ts > now + limits.max_future_seconds:
        raise InvalidMention(
            Reason.FUTURE_TIMESTAMP,
            f"created_at {iso_utc(created_ts) if created_ts < 2.5e11 else created_ts} is more "
            f"than {limits.max_future_seconds:.0f}s in the future",
        )
    if created_ts < MIN_CREATED_AT:
        raise InvalidMention(Reason.INVALID_TIMESTAMP, "created_at is before the year 2000")

    author_obj = _sub_object(obj, "author")
    author = None
    if author_obj is not None:
        author = Author(
            id=_opt_str(author_obj, "id", "author."),
            handle=_opt_str(author_obj, "handle", "author."),
            name=_opt_str(author_obj, "name", "author."),
            followers=_count(author_obj, "followers", "author."),
        )
    engagement_obj = _sub_object(obj, "engagement")
    engagement = None
    if engagement_obj is not None:
        engagement = Engagement(
            likes=_count(engagement_obj, "likes", "engagement."),
            shares=_count(engagement_obj, "shares", "engagement."),
            replies=_count(engagement_obj, "replies", "engagement."),
        )
    lang = _opt_str(obj, "lang")
    if lang is not None:
        lang = lang.strip().lower()
        # A collector's language tag is kept only when it looks like a language code.
        if not _LANG_CODE.fullmatch(lang):
            lang = None
    mention = Mention(
        id=mention_id,
        text=text,
        created_at=iso_utc(created_ts),
        platform=_opt_str(obj, "platform") or "unknown",
        author=author,
        url=_opt_str(obj, "url"),
        reply_to_handle=_opt_str(obj, "reply_to_handle"),
        reshare_of=_opt_str(obj, "reshare_of"),
        engagement=engagement,
        lang=lang,
    )
    return ParsedMention(mention, created_ts)


def parse_mention(raw: bytes | None, *, now: float, limits: Limits) -> ParsedMention:
    """Decode one Kafka message value into a mention, or raise InvalidMention with the reason."""
    if raw is None or len(raw) == 0:
        raise InvalidMention(Reason.EMPTY, "message has no value")
    if len(raw) > limits.max_message_bytes:
        raise InvalidMention(
            Reason.TOO_LARGE,
            f"message has {len(raw)} bytes; the limit is {limits.max_message_bytes}",
        )
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidMention(
            Reason.NOT_UTF8, f"not UTF-8: {exc.reason} at byte {exc.start}"
        ) from None
    try:
        obj = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise InvalidMention(Reason.NOT_JSON, f"not JSON: {exc}") from None
    return validate_mention(obj, now=now, limits=limits)


# --------------------------------------------------------------------------------------------
# dead letters


#: Largest dead letter by default: far below the broker's default record limit (1 MiB), whatever
#: the original (a JSON-escaped control byte takes six bytes, base64 four for three).
DEADLETTER_MAX_BYTES = 256 * 1024
#: Longest error message kept in a dead letter.
DEADLETTER_ERROR_CHARS = 2000
#: Longest key kept in a dead letter (its hash and size are kept too).
DEADLETTER_KEY_BYTES = 1024


def deadletter_record(
    *,
    raw: bytes | None,
    key: bytes | None,
    reason: Reason | str,
    detail: str,
    topic: str,
    partition: int,
    offset: int,
    now: float,
    max_bytes: int = DEADLETTER_MAX_BYTES,
) -> bytes:
    """The JSON value sent to the dead-letter topic: the reason, the source, the original bytes.

    The original is kept as base64 (``original_b64``) and, when it is UTF-8, also as text
    (``original_text``) so a person can read it, with its size and SHA-256. The whole record
    stays within ``max_bytes``: a larger original is cut (``original_truncated``; the source
    offset finds the whole of it in the input topic while the topic keeps it), so that a hostile
    message can never make a dead letter the broker refuses.
    """
    original_text: str | None = None
    if raw is not None:
        try:
            original_text = raw.decode("utf-8")
        except UnicodeDecodeError:
            original_text = None
    key_kept = key[:DEADLETTER_KEY_BYTES] if key is not None else None
    payload: dict[str, Any] = {
        "reason": reason if isinstance(reason, str) else reason.value,
        "error": detail[:DEADLETTER_ERROR_CHARS],
        "source": {"topic": topic, "partition": partition, "offset": offset},
        "key_b64": base64.b64encode(key_kept).decode("ascii") if key_kept is not None else None,
        "key_truncated": key is not None and len(key) > DEADLETTER_KEY_BYTES,
        "original_bytes": len(raw) if raw is not None else None,
        "original_sha256": hashlib.sha256(raw).hexdigest() if raw is not None else None,
        "original_truncated": False,
        "original_b64": base64.b64encode(raw).decode("ascii") if raw is not None else None,
        "original_text": original_text,
        "dead_lettered_at": iso_utc(now),
    }
    value = orjson.dumps(payload)
    if raw is None or len(value) <= max_bytes:
        return value
    # Too big: keep a prefix of the original. The text form takes up to 6 bytes a byte (JSON
    # escapes), the base64 form 4 for 3; shrink until the record fits.
    payload["original_truncated"] = True
    payload["original_b64"] = ""
    payload["original_text"] = "" if original_text is not None else None
    room = max(0, max_bytes - len(orjson.dumps(payload)))
    # bytes of output per byte kept: 4/3 for base64, up to 6 more for escaped text
    keep = room * 3 // (4 + (18 if original_text is not None else 0))
    while True:
        head = raw[:keep]
        payload["original_b64"] = base64.b64encode(head).decode("ascii")
        if original_text is not None:
            payload["original_text"] = head.decode("utf-8", "ignore")
        value = orjson.dumps(payload)
        if len(value) <= max_bytes or keep == 0:
            return value
        keep = keep * 9 // 10


# --------------------------------------------------------------------------------------------
# enrichment


class LangGuess(Protocol):
    @property
    def lang(self) -> str: ...
    @property
    def confidence(self) -> float: ...


class SentimentLike(Protocol):
    @property
    def label(self) -> str: ...
    @property
    def scores(self) -> Mapping[str, float]: ...


class BrandHit(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def tagged(self) -> bool: ...


def enriched_dict(
    mention: Mention,
    lang: str,
    lang_confidence: float,
    brands: Sequence[BrandHit],
    sentiment: SentimentLike | None = None,
    sentiment_model: str | None = None,
    topics: Sequence[str] = (),
    departments: Sequence[str] = (),
) -> dict[str, Any]:
    """The JSON object written to ``mentions.enriched`` for one mention.

    ``topics`` are topic ids of the taxonomy (``streams.topics``), ``departments`` the
    departments owning them; both lists, empty when none applies or topics are off."""
    return {
        "id": mention.id,
        "platform": mention.platform,
        "author": author_to_dict(mention.author),
        "text": mention.text,
        "created_at": mention.created_at,
        "url": mention.url,
        "reply_to_handle": mention.reply_to_handle,
        "reshare_of": mention.reshare_of,
        "engagement": engagement_to_dict(mention.engagement),
        "lang": lang,
        "lang_confidence": round(float(lang_confidence), 4),
        "brands": [{"id": b.id, "tagged": bool(b.tagged)} for b in brands],
        "sentiment": sentiment.label if sentiment is not None else None,
        "sentiment_scores": (
            {k: round(float(v), 4) for k, v in sentiment.scores.items()}
            if sentiment is not None
            else None
        ),
        "sentiment_model": sentiment_model,
        "topics": list(topics),
        "departments": list(departments),
    }


def choose_language(collector_lang: str | None, detected: LangGuess) -> tuple[str, float]:
    """A collector-supplied ``lang`` wins over detection (platform metadata is reliable)."""
    if collector_lang and collector_lang != "und":
        return collector_lang, 1.0
    return detected.lang, float(detected.confidence)


def has_untagged(brands: Sequence[Mapping[str, Any]]) -> bool:
    """True when the enriched ``brands`` list names a brand without tagging it."""
    return any(not b["tagged"] for b in brands)
