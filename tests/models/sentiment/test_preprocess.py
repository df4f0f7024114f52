"""Behaviour tests for the sentiment text normalisation (models/sentiment/preprocess.py)."""

from __future__ import annotations

import time

import pytest

from models.sentiment.preprocess import normalize_for_sentiment as norm


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("@jenny_k thanks!", "@user thanks!"),
        ("RT @a_b: @c hi", "rt @user: @user hi"),
        ("mail me at anna@example.com", "mail me at anna@example.com"),
        ("@user already anonymised", "@user already anonymised"),
    ],
)
def test_handles(raw: str, expected: str) -> None:
    assert norm(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "look https://t.co/AbC123xyz now",
        "look http://bit.ly/3xYz now",
        "look www.example.com/a?b=c now",
        "look HTTPS://EXAMPLE.COM now",
        "look http now",
    ],
)
def test_links(raw: str) -> None:
    assert norm(raw) == "look http now"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("sooooo good", "soo good"),
        ("noooo!!!!!", "noo!!"),
        ("cool", "cool"),
        ("1000 euros", "1000 euros"),
        ("hahahahaha", "haha"),
        ("jajajaja que risa", "jaja que risa"),
        ("kkkkkk", "kk"),
    ],
)
def test_elongation(raw: str, expected: str) -> None:
    assert norm(raw) == expected


def test_emoji_kept_as_separate_tokens() -> None:
    out = norm("great😂😂😂 👍🏽 ❤️")
    assert out == "great 😂 😂 👍 ❤"


def test_emoji_zwj_sequence_stays_together() -> None:
    assert norm("fam 👨\u200d👩\u200d👧") == "fam 👨\u200d👩\u200d👧"


def test_whitespace_and_case() -> None:
    assert norm("  Hello\n\tWORLD \u200b ok  ") == "hello world ok"
    assert norm("Hello WORLD", lowercase=False) == "Hello WORLD"


def test_html_entities() -> None:
    assert norm("fish &amp; chips &lt;3") == "fish & chips <3"


def test_romanised_hindi_untouched() -> None:
    text = "yaar ye movie bahut achhi thi, mazaa aa gaya"
    assert norm(text) == text
    assert norm("Kya hua??? haar bardaash nahi hua") == "kya hua?? haar bardaash nahi hua"


@pytest.mark.parametrize(
    "text",
    [
        "Šodien Rīgā bija ļoti auksts",  # Latvian diacritics
        "Jučer smo šetali po gradu",  # Croatian
        "यह फ़िल्म बहुत अच्छी थी",  # Devanagari (with nukta)
        "क्\u200dष",  # Devanagari ZWJ must survive
        "Привет, как дела",  # Cyrillic
    ],
)
def test_scripts_preserved(text: str) -> None:
    assert norm(text) == text.lower()


def test_arabic_orthography_unified() -> None:
    assert norm("إلى أحمد مدرسة") == "الي احمد مدرسه"
    assert norm("جمـــيل") == "جميل"  # tatweel removed
    assert norm("إلى", arabic=False) == "إلى"


def test_pure_and_idempotent() -> None:
    raw = "RT @x: Sooo HAPPY 😍😍😍 https://t.co/x &amp; hahaha"
    once = norm(raw)
    assert norm(raw) == once
    assert norm(once) == once


def test_empty() -> None:
    assert norm("") == ""
    assert norm("   ") == ""


def test_fast() -> None:
    texts = ["RT @jenny_k: Sooooo excited for the concert!!! 🎉🎉 https://t.co/Ab #Live"] * 2000
    start = time.perf_counter()
    for t in texts:
        norm(t)
    per_text = (time.perf_counter() - start) / len(texts)
    assert per_text < 200e-6  # generous: typically ~5 microseconds
