"""Synthetic crisis days: varied texts (few near-duplicates), a nameable crisis theme, seeds."""

from __future__ import annotations

import math
import random

import pytest

from streams.crisis import tokens
from streams.crisis.insight import BrandInsight
from streams.devstack.synthetic import (
    BRANDS,
    CRISIS_THEME,
    GRAMMAR,
    SENTENCES,
    CrisisDay,
    crisis_day,
    post_text,
)
from streams.mentions.logic import parse_created_at
from streams.windowing.events import brand_events

DAY0 = 1_790_000_000 - 1_790_000_000 % 86400
THEMES = {lang: word.casefold() for lang, word in CRISIS_THEME.items()}


def plain_words(text: str) -> set[str]:
    return {w for prefix, w in tokens.words(text) if not prefix}


def copy_shares(day: CrisisDay, brand: str = "acme") -> tuple[float, float, int]:
    """The shares of the brand's normal and crisis posts that ``BrandInsight`` calls copies,
    and how many crisis posts there were."""
    insight = BrandInsight()
    copies = {False: 0, True: 0}
    seen = {False: 0, True: 0}
    for m in day.mentions:
        if m["id"].split("-")[-3] != brand:
            continue
        enriched = {**m, "lang": "und", "brands": [{"id": brand, "tagged": False}]}
        (event,) = brand_events(enriched, parse_created_at(m["created_at"]))
        crisis = m["id"] in day.crisis_ids
        seen[crisis] += 1
        copies[crisis] += insight.observe(event).copy
    return copies[False] / seen[False], copies[True] / max(seen[True], 1), seen[True]


@pytest.mark.parametrize(
    "kwargs",
    [
        # a small brand over a day: the 128 clusters compared span most of an hour
        {"hours": 24, "per_hour": 150.0, "crisis_per_hour": 450.0},
        # a big brand: 50-80 posts a minute
        {"hours": 3, "per_hour": 3000.0, "crisis_at_hour": 1, "crisis_per_hour": 9000.0},
        # the demo's crisis: 40 posts a minute, nearly all of them angry ones about the outage
        {
            "hours": 3,
            "per_hour": 300.0,
            "crisis_at_hour": 1,
            "crisis_minutes": 40,
            "crisis_per_hour": 2400.0,
        },
    ],
)
def test_few_posts_of_a_crisis_day_count_as_copies(kwargs: dict[str, float]) -> None:
    day = crisis_day(start_ts=DAY0, brands=("acme", "globex"), **kwargs)  # type: ignore[arg-type]
    normal, crisis, n_crisis = copy_shares(day)
    assert n_crisis > 300
    assert normal <= 0.03
    assert crisis <= 0.05


def test_every_crisis_post_names_the_outage_and_no_normal_post_does() -> None:
    day = crisis_day(start_ts=DAY0, hours=6, crisis_at_hour=2)
    themes = set(THEMES.values())
    for m in day.mentions:
        held = plain_words(m["text"]) & themes
        if m["id"] in day.crisis_ids:
            assert len(held) == 1, m["text"]
        else:
            assert not held, m["text"]
    # every language's theme is there: the crisis speaks all the languages of normal traffic
    found = {w for m in day.mentions if m["id"] in day.crisis_ids for w in plain_words(m["text"])}
    assert themes <= found


@pytest.mark.parametrize("lang", sorted(SENTENCES))
def test_the_grammar_of_each_language(lang: str) -> None:
    grammar = GRAMMAR[lang]
    assert grammar.keys() == GRAMMAR["en"].keys()
    theme = THEMES[lang]
    other_themes = set(THEMES.values())
    for key, slot in grammar.items():
        assert math.prod(len(part) for part in slot) >= 6, key
        for i, part in enumerate(slot):
            assert len(part) >= 3 and len(set(part)) == len(part), (key, i)
            for phrase in part:
                words = plain_words(phrase)
                if key == "outage":
                    assert theme in words, phrase
                else:
                    assert not words & other_themes, phrase
                # the brand goes once into the first part of the first slot of a post
                brand_slot = key in ("problem", "topic") and i == 0
                assert phrase.count("{b}") == (1 if brand_slot else 0), phrase
    rng = random.Random(1)
    for crisis in (True, False):
        for _ in range(50):
            text = post_text(rng, lang, crisis=crisis)
            assert text.count("{b}") == 1
            assert (theme in plain_words(text)) == crisis


def test_a_crisis_day_is_the_same_for_a_seed_and_names_its_brands() -> None:
    a = crisis_day(start_ts=DAY0, hours=4, crisis_at_hour=1, seed=3)
    b = crisis_day(start_ts=DAY0, hours=4, crisis_at_hour=1, seed=3)
    c = crisis_day(start_ts=DAY0, hours=4, crisis_at_hour=1, seed=4)
    assert a == b
    assert [m["text"] for m in a.mentions] != [m["text"] for m in c.mentions]
    refs = {brand: (handle, names) for brand, handle, names in BRANDS}
    for m in a.mentions:
        handle, names = refs[m["id"].split("-")[-3]]
        assert handle in m["text"] or any(name in m["text"] for name in names)
        assert set(m) == {
            "id",
            "platform",
            "author",
            "text",
            "created_at",
            "url",
            "engagement",
            "reply_to_handle",
        }
    # posts differ: hardly any text comes twice in a few hours
    texts = [m["text"] for m in a.mentions]
    assert len(set(texts)) >= 0.97 * len(texts)
