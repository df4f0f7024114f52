"""The bundled demo stream ``streams/data/sample_mentions.jsonl`` and its attribution file.

The sample is generated once by ``scripts/build_sample.py`` and committed. These tests read the
shipped file as the demo does and check it against its own attribution counts, the brands
file, the pipeline's validation and its brand matcher. When the development data is present
they also check that the script reproduces the shipped files exactly.
"""

from __future__ import annotations

import importlib.util
import json
import re
import statistics
import sys
from collections import Counter
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from streams.brands.catalog import load_brands
from streams.brands.matcher import BrandMatcher, fold
from streams.config import sample_stream_path
from streams.mentions.logic import InvalidMention, Limits, Reason, parse_mention
from tests.ci import SHARED, require_file

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "streams" / "data"
SAMPLE = DATA / "sample_mentions.jsonl"
ATTRIBUTION = DATA / "SAMPLE_ATTRIBUTION.md"
BRANDS = DATA / "brands.yaml"
SCRIPT = ROOT / "scripts" / "build_sample.py"
SOURCE = SHARED / "data" / "sentiment" / "train.jsonl"

LANGS = {"ar", "de", "en", "es", "fr", "hi", "it", "pt", "id", "lv", "hr"}
PLATFORM_PREFIX = {
    "twitter": "tw",
    "x": "x",
    "instagram": "ig",
    "facebook": "fb",
    "reddit": "rd",
    "tiktok": "tt",
    "news": "nw",
}
KEYS = {
    "id",
    "platform",
    "author",
    "text",
    "created_at",
    "url",
    "reply_to_handle",
    "reshare_of",
    "engagement",
}
WINDOW = (datetime(2026, 11, 1, 12, 0, tzinfo=UTC), datetime(2026, 11, 1, 14, 0, tzinfo=UTC))
# The dead-letter reason the pipeline gives each kind of broken line.
EXPECTED_REASON = {
    "not_json": Reason.NOT_JSON,
    "not_object": Reason.NOT_OBJECT,
    "missing_text": Reason.MISSING_FIELD,
    "missing_id": Reason.MISSING_FIELD,
    "missing_created_at": Reason.MISSING_FIELD,
    "future_created_at": Reason.FUTURE_TIMESTAMP,
    "bad_timestamp": Reason.INVALID_TIMESTAMP,
    "control_chars": Reason.BINARY_TEXT,
    "wrong_type": Reason.INVALID_FIELD,
    "huge_text": Reason.TEXT_TOO_LONG,
}
NEAR_MISSES = (
    "Acmeville",
    "x@acme.com",
    "@acme_fanclub",
    "acme looney",
    "wile e coyote",
    "Jadransko more",
    "#acmefailure",
)


# ---------------------------------------------------------------------------------------------
# reading the shipped files


@cache
def lines() -> tuple[str, ...]:
    text = SAMPLE.read_text(encoding="utf-8")
    assert text.endswith("\n")
    return tuple(text[:-1].split("\n"))


@cache
def stats() -> dict[str, Any]:
    found = re.search(r"```json\n(.*?)\n```", ATTRIBUTION.read_text(encoding="utf-8"), re.S)
    assert found, "SAMPLE_ATTRIBUTION.md has no machine-readable counts"
    return json.loads(found.group(1))


def classify(line: str) -> str | None:
    """The kind of a deliberately broken line, or None for a valid mention."""
    try:
        obj = json.loads(line)
    except json.JSONDecodeError:
        return "not_json"
    if not isinstance(obj, dict):
        return "not_object"
    for name in ("id", "text", "created_at"):
        if obj.get(name) in (None, ""):
            return f"missing_{name}"
    author, engagement = obj.get("author"), obj.get("engagement")
    if (
        not isinstance(obj["text"], str)
        or not isinstance(author, dict)
        or not isinstance(author.get("followers"), int)
        or not isinstance(engagement, dict)
    ):
        return "wrong_type"
    if len(obj["text"]) > 10_000:
        return "huge_text"
    if any(ord(ch) < 32 for ch in obj["text"]):
        return "control_chars"
    try:
        created = datetime.fromisoformat(obj["created_at"].replace("Z", "+00:00"))
    except ValueError:
        return "bad_timestamp"
    if created.year > 2030:
        return "future_created_at"
    return None


@cache
def valid() -> tuple[dict[str, Any], ...]:
    """Valid mentions in file order, re-deliveries included."""
    return tuple(json.loads(line) for line in lines() if classify(line) is None)


@cache
def unique() -> tuple[dict[str, Any], ...]:
    """Valid mentions, first delivery of each id only."""
    seen: set[str] = set()
    out = []
    for obj in valid():
        if obj["id"] not in seen:
            seen.add(obj["id"])
            out.append(obj)
    return tuple(out)


@cache
def matcher() -> BrandMatcher:
    return BrandMatcher(load_brands(BRANDS))


def brand_category(obj: dict[str, Any]) -> str:
    found = matcher().match(obj["text"], obj["reply_to_handle"])
    if len(found) >= 2:
        return "two_brands"
    if not found:
        return "none"
    return "tagged" if found[0].tagged else "untagged"


# ---------------------------------------------------------------------------------------------
# shape


def test_demo_uses_this_file() -> None:
    assert sample_stream_path().resolve() == SAMPLE.resolve()


def test_size_and_line_count() -> None:
    assert SAMPLE.stat().st_size < 2_000_000
    assert 2500 <= len(lines()) == stats()["lines"]
    assert all(line.strip() for line in lines()), "blank lines are skipped by replay"


def test_valid_lines_follow_the_schema() -> None:
    assert len(valid()) == stats()["valid_mentions"] + stats()["duplicate_lines"]
    for obj in valid():
        assert set(obj) == KEYS, obj["id"]  # no "lang": the pipeline detects it
        assert obj["platform"] in PLATFORM_PREFIX
        assert re.fullmatch(rf"{PLATFORM_PREFIX[obj['platform']]}-\d{{19}}", obj["id"])
        assert obj["url"] == f"https://example.social/{obj['platform']}/{obj['id']}"
        author = obj["author"]
        assert set(author) == {"id", "handle", "name", "followers"}
        assert re.fullmatch(r"u-\d+", author["id"])
        assert re.fullmatch(r"@\w+", author["handle"])
        assert isinstance(author["name"], str) and author["name"]
        assert type(author["followers"]) is int and author["followers"] >= 0
        assert isinstance(obj["text"], str) and 0 < len(obj["text"]) <= 2000
        assert re.fullmatch(r"2026-11-01T1[2-3]:\d\d:\d\dZ", obj["created_at"])
        assert obj["reply_to_handle"] is None or re.fullmatch(r"@\w+", obj["reply_to_handle"])
        assert obj["reshare_of"] is None or isinstance(obj["reshare_of"], str)
        assert set(obj["engagement"]) == {"likes", "shares", "replies"}
        assert all(type(v) is int and v >= 0 for v in obj["engagement"].values())


def test_broken_lines_are_present_spread_and_counted() -> None:
    kinds = [(i, classify(line)) for i, line in enumerate(lines())]
    bad = [(i, kind) for i, kind in kinds if kind]
    assert Counter(kind for _, kind in bad) == Counter(stats()["bad_by_kind"])
    assert set(stats()["bad_by_kind"]) == set(EXPECTED_REASON)
    assert 0.01 * len(lines()) <= len(bad) <= 0.03 * len(lines())
    assert sum(1 for _, kind in bad if kind == "huge_text") == 1
    positions = [i / len(lines()) for i, _ in bad]
    assert min(positions) < 0.2 and max(positions) > 0.8


def test_pipeline_accepts_valid_lines_and_dead_letters_broken_ones() -> None:
    now = WINDOW[1].timestamp()
    for line in lines():
        kind = classify(line)
        raw = line.encode("utf-8")
        if kind is None:
            parse_mention(raw, now=now, limits=Limits())
            continue
        with pytest.raises(InvalidMention) as caught:
            parse_mention(raw, now=now, limits=Limits())
        assert caught.value.reason == EXPECTED_REASON[kind], line[:200]


def test_redeliveries() -> None:
    ids = Counter(obj["id"] for obj in valid())
    repeated = {i: n for i, n in ids.items() if n > 1}
    assert sum(n - 1 for n in repeated.values()) == stats()["duplicate_lines"] >= 3
    exact = Counter(line for line in lines() if classify(line) is None)
    assert any(n > 1 for n in exact.values()), "no byte-identical re-delivery"
    by_id: dict[str, set[str]] = {}
    for line in lines():
        if classify(line) is None:
            by_id.setdefault(json.loads(line)["id"], set()).add(line)
    assert any(len(v) > 1 for v in by_id.values()), "no re-delivery with different bytes"


# ---------------------------------------------------------------------------------------------
# realism


def test_timeline_spans_two_hours_with_bursts() -> None:
    times = [datetime.fromisoformat(o["created_at"].replace("Z", "+00:00")) for o in unique()]
    assert times == sorted(times)
    assert WINDOW[0] <= times[0] and times[-1] <= WINDOW[1]
    assert (times[-1] - times[0]).total_seconds() > 100 * 60
    per_5min = Counter((t - WINDOW[0]).total_seconds() // 300 for t in times)
    assert max(per_5min.values()) >= 1.8 * statistics.median(per_5min.values())


def test_reach_is_heavy_tailed_and_drives_engagement() -> None:
    followers = sorted(o["author"]["followers"] for o in unique())
    assert followers[-1] >= 100 * statistics.median(followers)
    ranked = sorted(unique(), key=lambda o: o["author"]["followers"])
    quarter = len(ranked) // 4
    low = statistics.mean(o["engagement"]["likes"] for o in ranked[:quarter])
    high = statistics.mean(o["engagement"]["likes"] for o in ranked[-quarter:])
    assert high > 10 * max(low, 0.1)
    assert {o["platform"] for o in unique()} == set(PLATFORM_PREFIX)


def test_replies_and_reshares() -> None:
    earlier: set[str] = set()
    reshares = 0
    for obj in unique():
        if obj["reshare_of"] is not None:
            assert obj["reshare_of"] in earlier, obj["id"]
            reshares += 1
        earlier.add(obj["id"])
    assert reshares == stats()["reshares"] >= 20
    brands = yaml.safe_load(BRANDS.read_text(encoding="utf-8"))["brands"]
    handles = {fold(h) for b in brands for h in b["handles"]}
    to_brand = [o for o in unique() if fold(o["reply_to_handle"] or "") in handles]
    assert len(to_brand) == stats()["replies_to_brand"] >= 20


def test_all_languages_are_present() -> None:
    per_lang = stats()["languages"]
    assert set(per_lang) == LANGS
    assert min(per_lang.values()) >= 100
    assert sum(per_lang.values()) == stats()["valid_mentions"] == len(unique())
    # Independent spot checks on the texts themselves.
    arabic = sum(1 for o in unique() if re.search(r"[\u0600-\u06ff]{3}", o["text"]))
    latvian = sum(1 for o in unique() if re.search(r"[āēīūķļņģ]", o["text"]))
    assert arabic >= 100 and latvian >= 100


# ---------------------------------------------------------------------------------------------
# brands


def test_every_brand_of_the_brands_file_is_mentioned() -> None:
    texts = [fold(o["text"]) for o in unique()]
    replies = {fold(o["reply_to_handle"]) for o in unique() if o["reply_to_handle"]}
    for brand in yaml.safe_load(BRANDS.read_text(encoding="utf-8"))["brands"]:
        handle = fold(brand["handles"][0])
        assert any(handle in t for t in texts) or handle in replies, brand["id"]
        names = [fold(n) for n in (brand["name"], *brand.get("aliases", []))]
        assert sum(1 for t in texts if any(n in t for n in names)) >= 5, brand["id"]
    # Non-Latin aliases, undecorated spellings and case variants are all used.
    raw = "\n".join(o["text"] for o in unique())
    for spelling in ("أكمي", "Глобекс", "zelta piena", "ZELTĀ PIENA", "@ACME", "Cerveceria"):
        assert spelling.casefold() in raw.casefold(), spelling


def test_brand_mix_as_the_pipeline_sees_it() -> None:
    mix = Counter(brand_category(o) for o in unique())
    assert dict(mix) == {k: v for k, v in stats()["brand_mix"].items() if v}
    total = len(unique())
    for kind, share in (("tagged", 0.35), ("untagged", 0.35), ("two_brands", 0.05), ("none", 0.25)):
        assert abs(mix[kind] / total - share) < 0.06, (kind, mix[kind] / total)


def test_near_misses_do_not_match() -> None:
    for needle in NEAR_MISSES:
        hits = [o for o in unique() if needle.casefold() in o["text"].casefold()]
        assert hits, needle
        for obj in hits:
            assert matcher().match(obj["text"], obj["reply_to_handle"]) == [], obj["text"]


# ---------------------------------------------------------------------------------------------
# attribution and reproducibility


def test_attribution_names_sources_licences_and_how_to_regenerate() -> None:
    text = ATTRIBUTION.read_text(encoding="utf-8")
    for needle in (
        "cardiffnlp/xlm-t",
        "Apache-2.0",
        "IndoNLP/indonlu",
        "MIT",
        "Latvian Twitter Eater Corpus",
        "Mozetič",
        "Twitter/X terms",
        "synthetic",
        "python scripts/build_sample.py",
    ):
        assert needle in text, needle
    for lang, n in stats()["languages"].items():
        assert f"| {lang} | {n} |" in text


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_sample", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_script_reproduces_the_shipped_files() -> None:
    source = require_file(SOURCE, "the development data (../shared)")
    script = _load_script()
    assert source.resolve() == script.DEFAULT_SOURCE.resolve()
    built = script.build(script.read_source(source))
    assert tuple(built.lines) == lines()
    shipped = ATTRIBUTION.read_text(encoding="utf-8")
    assert (
        script.attribution(built.stats, seed=script.DEFAULT_SEED, count=script.DEFAULT_COUNT)
        == shipped
    )
    # The script's own language tags agree with the published per-language counts.
    tags = Counter(lang for lang in built.langs if lang)
    assert dict(tags) == stats()["languages"]
