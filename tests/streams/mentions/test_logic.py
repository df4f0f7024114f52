from __future__ import annotations

import base64
import hashlib
import time
from datetime import UTC, datetime

import orjson
import pytest

from streams.mentions.logic import (
    InvalidMention,
    Limits,
    Reason,
    choose_language,
    deadletter_record,
    enriched_dict,
    has_untagged,
    iso_utc,
    parse_created_at,
    parse_mention,
)

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC).timestamp()
LIMITS = Limits(max_message_bytes=64 * 1024, max_text_chars=1000, max_future_seconds=3600)


def good(**over: object) -> dict[str, object]:
    base: dict[str, object] = {
        "id": "tw-1",
        "platform": "twitter",
        "author": {"id": "u1", "handle": "@ana", "name": "Ana", "followers": 120},
        "text": "Acme, vaš internet opet ne radi",
        "created_at": "2026-11-01T11:59:00Z",
        "url": "https://example.social/tw-1",
        "engagement": {"likes": 3, "shares": 1, "replies": 0},
    }
    base.update(over)
    return base


def parse(obj: object) -> object:
    return parse_mention(orjson.dumps(obj), now=NOW, limits=LIMITS)


def reason_of(raw: bytes | None) -> Reason:
    with pytest.raises(InvalidMention) as info:
        parse_mention(raw, now=NOW, limits=LIMITS)
    return info.value.reason


def test_valid_mention_is_parsed_and_normalised() -> None:
    parsed = parse_mention(orjson.dumps(good()), now=NOW, limits=LIMITS)
    m = parsed.mention
    assert m.id == "tw-1"
    assert m.author is not None and m.author.followers == 120
    assert m.engagement is not None and m.engagement.likes == 3
    assert m.created_at == "2026-11-01T11:59:00.000Z"
    assert parsed.created_ts == NOW - 60


def test_only_id_text_created_at_are_required() -> None:
    parsed = parse_mention(
        orjson.dumps({"id": 42, "text": "hola", "created_at": int(NOW)}), now=NOW, limits=LIMITS
    )
    assert parsed.mention.id == "42"
    assert parsed.mention.platform == "unknown"
    out = enriched_dict(parsed.mention, "es", 0.9, [])
    assert out["author"] == {"id": None, "handle": None, "name": None, "followers": 0}
    assert out["engagement"] == {"likes": 0, "shares": 0, "replies": 0}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-01T12:00:00Z", NOW),
        ("2026-11-01T13:00:00+01:00", NOW),
        ("2026-11-01T12:00:00", NOW),  # naive = UTC
        (NOW, NOW),
        (int(NOW * 1000), NOW),  # epoch milliseconds
        (str(int(NOW)), NOW),
    ],
)
def test_created_at_formats(value: object, expected: float) -> None:
    assert parse_created_at(value) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (None, Reason.EMPTY),
        (b"", Reason.EMPTY),
        (b"\xff\xfe\x00garbage", Reason.NOT_UTF8),
        (b'{"id": "x", "text": ', Reason.NOT_JSON),
        (b"[1, 2, 3]", Reason.NOT_OBJECT),
        (orjson.dumps({"text": "hi", "created_at": "2026-11-01T00:00:00Z"}), Reason.MISSING_FIELD),
        (orjson.dumps({"id": "a", "created_at": "2026-11-01T00:00:00Z"}), Reason.MISSING_FIELD),
        (orjson.dumps({"id": "a", "text": "hi"}), Reason.MISSING_FIELD),
        (orjson.dumps(good(text="x" * 1001)), Reason.TEXT_TOO_LONG),
        (orjson.dumps(good(text="\x00\x01\x02\x03 binary")), Reason.BINARY_TEXT),
        (orjson.dumps(good(created_at="2100-01-01T00:00:00Z")), Reason.FUTURE_TIMESTAMP),
        (orjson.dumps(good(created_at="1970-01-02T00:00:00Z")), Reason.INVALID_TIMESTAMP),
        (orjson.dumps(good(created_at="yesterday")), Reason.INVALID_TIMESTAMP),
        (orjson.dumps(good(created_at="2026-11-01T12:00:00Z\x00")), Reason.INVALID_TIMESTAMP),
        # past the epoch-milliseconds threshold, but a date: far future, not "before 2000"
        (orjson.dumps(good(created_at="6000-01-01T00:00:00Z")), Reason.FUTURE_TIMESTAMP),
        (orjson.dumps(good(text=123)), Reason.INVALID_FIELD),
        (orjson.dumps(good(author={"followers": -5})), Reason.INVALID_FIELD),
        (orjson.dumps(good(author="bob")), Reason.INVALID_FIELD),
        (orjson.dumps(good(engagement={"likes": "many"})), Reason.INVALID_FIELD),
        (b"x" * (64 * 1024 + 1), Reason.TOO_LARGE),
    ],
)
def test_bad_input_is_rejected_with_a_reason(raw: bytes | None, reason: Reason) -> None:
    assert reason_of(raw) is reason


def test_a_few_controls_in_long_text_are_not_binary() -> None:
    text = "Loving the new Acme phone " * 10 + "\x1b"
    parsed = parse_mention(orjson.dumps(good(text=text)), now=NOW, limits=LIMITS)
    assert parsed.mention.text == text


def test_near_future_within_tolerance_is_accepted() -> None:
    parsed = parse_mention(orjson.dumps(good(created_at=NOW + 600)), now=NOW, limits=LIMITS)
    assert parsed.created_ts == NOW + 600


def test_collector_lang_kept_only_when_it_looks_like_a_code() -> None:
    tagged = parse_mention(orjson.dumps(good(lang="HR")), now=NOW, limits=LIMITS).mention
    assert tagged.lang == "hr"
    junk = parse_mention(orjson.dumps(good(lang="croatian!")), now=NOW, limits=LIMITS).mention
    assert junk.lang is None


class _Guess:
    def __init__(self, lang: str, confidence: float) -> None:
        self.lang = lang
        self.confidence = confidence


def test_choose_language_prefers_collector_tag() -> None:
    m = parse_mention(orjson.dumps(good(lang="hr")), now=NOW, limits=LIMITS).mention
    assert choose_language(m.lang, _Guess("bs", 0.6)) == ("hr", 1.0)
    m2 = parse_mention(orjson.dumps(good()), now=NOW, limits=LIMITS).mention
    assert choose_language(m2.lang, _Guess("hr", 0.8)) == ("hr", 0.8)
    assert choose_language("und", _Guess("es", 0.7)) == ("es", 0.7)


def test_deadletter_keeps_original_bytes_reason_and_source() -> None:
    raw = b"\xffnot utf8 {"
    value = deadletter_record(
        raw=raw,
        key=b"k1",
        reason=Reason.NOT_UTF8,
        detail="bad byte",
        topic="mentions.raw",
        partition=3,
        offset=17,
        now=NOW,
    )
    obj = orjson.loads(value)
    assert base64.b64decode(obj["original_b64"]) == raw
    assert obj["original_text"] is None
    assert obj["reason"] == "not_utf8"
    assert obj["error"] == "bad byte"
    assert obj["source"] == {"topic": "mentions.raw", "partition": 3, "offset": 17}
    assert base64.b64decode(obj["key_b64"]) == b"k1"


@pytest.mark.parametrize(
    "raw",
    [
        b"\x01" * 180_000,  # control bytes: 6 bytes each as escaped JSON text
        b"\x01" * 700_000,
        orjson.dumps(good(text="x" * 500_000)),
        b"\xff" * 1_200_000,  # not UTF-8, over the broker's default record limit
    ],
)
def test_a_hostile_original_makes_a_dead_letter_that_fits(raw: bytes) -> None:
    limit = 256 * 1024
    value = deadletter_record(
        raw=raw,
        key=b"k" * 5000,
        reason=Reason.TOO_LARGE,
        detail="e" * 50_000,
        topic="mentions.raw",
        partition=1,
        offset=99,
        now=NOW,
        max_bytes=limit,
    )
    assert len(value) <= limit
    obj = orjson.loads(value)
    assert obj["original_truncated"] is True and obj["key_truncated"] is True
    assert obj["original_bytes"] == len(raw)
    assert obj["original_sha256"] == hashlib.sha256(raw).hexdigest()
    kept = base64.b64decode(obj["original_b64"])
    assert kept and raw.startswith(kept)
    assert obj["source"] == {"topic": "mentions.raw", "partition": 1, "offset": 99}


def test_a_small_original_is_kept_whole() -> None:
    raw = orjson.dumps(good(text="x" * 1000))
    obj = orjson.loads(
        deadletter_record(
            raw=raw,
            key=b"k",
            reason=Reason.TEXT_TOO_LONG,
            detail="long",
            topic="t",
            partition=0,
            offset=1,
            now=NOW,
        )
    )
    assert obj["original_truncated"] is False
    assert base64.b64decode(obj["original_b64"]) == raw
    assert obj["original_text"] == raw.decode()


def test_enriched_dict_shape_and_untagged() -> None:
    class Hit:
        def __init__(self, id: str, tagged: bool) -> None:
            self.id, self.tagged = id, tagged

    m = parse_mention(orjson.dumps(good()), now=NOW, limits=LIMITS).mention
    out = enriched_dict(m, "hr", 0.91234, [Hit("acme", False), Hit("globex", True)])
    assert out["brands"] == [{"id": "acme", "tagged": False}, {"id": "globex", "tagged": True}]
    assert out["lang"] == "hr" and out["lang_confidence"] == 0.9123
    assert has_untagged(out["brands"])
    assert not has_untagged([{"id": "globex", "tagged": True}])
    assert not has_untagged([])
    assert out["topics"] == [] and out["departments"] == []
    with_topics = enriched_dict(m, "hr", 0.9, [], None, None, ("delivery",), ("operations",))
    assert with_topics["topics"] == ["delivery"]
    assert with_topics["departments"] == ["operations"]


def test_iso_utc_roundtrip() -> None:
    now = time.time()
    assert parse_created_at(iso_utc(now)) == pytest.approx(now, abs=1e-3)
