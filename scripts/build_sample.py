#!/usr/bin/env python3
"""Build the bundled demo stream ``streams/data/sample_mentions.jsonl``.

Run once, by hand, and commit the output (the demo must not need the development data):

    python scripts/build_sample.py [--source PATH] [--seed N] [--count N]

The texts are real public posts from the development sentiment data (UMSAB tweets in eight
languages, Indonesian SmSA reviews, Latvian and Croatian tweets), lightly cleaned: real
``@handles`` are replaced by synthetic ones. Brand names from ``streams/data/brands.yaml`` are
woven in; authors, ids, urls, timestamps and engagement are synthetic. About 1.5% of the lines
are broken on purpose (dead letters) and a few are re-deliveries (duplicates). The counts are
written to ``streams/data/SAMPLE_ATTRIBUTION.md``. The output depends only on the source file,
the brands file, ``--seed`` and ``--count``.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = REPO.parent / "shared" / "data" / "sentiment" / "train.jsonl"
DEFAULT_OUT = REPO / "streams" / "data" / "sample_mentions.jsonl"
DEFAULT_ATTRIBUTION = REPO / "streams" / "data" / "SAMPLE_ATTRIBUTION.md"
BRANDS_FILE = REPO / "streams" / "data" / "brands.yaml"
DEFAULT_SEED = 20261101
DEFAULT_COUNT = 3000

LANGS = ("ar", "de", "en", "es", "fr", "hi", "it", "pt", "id", "lv", "hr")
START = datetime(2026, 11, 1, 12, 0, 0, tzinfo=UTC)
DURATION_S = 2 * 3600 - 60
BAD_SHARE = 0.015
HUGE_TEXT_CHARS = 60_000
MIN_TEXT_CHARS = 12

# (platform, id prefix, weight among people's accounts); "news" accounts are outlets.
PLATFORMS = (
    ("twitter", "tw", 0.30),
    ("x", "x", 0.22),
    ("instagram", "ig", 0.16),
    ("facebook", "fb", 0.12),
    ("reddit", "rd", 0.10),
    ("tiktok", "tt", 0.10),
)
NEWS = ("news", "nw")
PREFIX = {name: prefix for name, prefix, _ in PLATFORMS} | {NEWS[0]: NEWS[1]}
NEWS_SHARE = 0.07

# Brand mix: tagged, untagged, two brands (a brand and a competitor), none.
CATEGORY_WEIGHTS = (("tagged", 0.35), ("untagged", 0.35), ("two_brands", 0.05), ("none", 0.25))
RESHARE_SHARE = 0.035
REPLY_SHARE_OF_TAGGED = 0.3
REPLY_TO_PERSON_SHARE = 0.03

# Bad lines: kind -> share of the bad lines ("huge_text" is always exactly one line).
BAD_KINDS = (
    ("not_json", 6),
    ("not_object", 4),
    ("missing_text", 5),
    ("missing_id", 5),
    ("missing_created_at", 5),
    ("future_created_at", 5),
    ("control_chars", 5),
    ("wrong_type", 4),
    ("bad_timestamp", 5),
)
DUPLICATE_KINDS = (
    ("exact_line", 4),
    ("same_id_reserialised", 2),
    ("same_id_engagement_updated", 1),
)

SOURCES = {
    "umsab": "UMSAB (cardiffnlp/xlm-t)",
    "smsa": "SmSA (IndoNLP/indonlu)",
    "ltec": "Latvian Twitter Eater Corpus",
    "mozetic": "Mozetič et al. 2016, Croatian",
}

# Brands per language: (brand id, weight). Untagged Arabic/Cyrillic aliases come from brands.yaml.
LANG_BRANDS: dict[str, tuple[tuple[str, float], ...]] = {
    "id": (("nusantara", 0.6), ("garudaya", 0.4)),
    "lv": (("zelta", 0.85), ("acme", 0.05), ("globex", 0.07), ("initech", 0.03)),
    "hr": (("jadran", 0.85), ("acme", 0.06), ("globex", 0.05), ("initech", 0.04)),
    "es": (("solmar", 0.8), ("acme", 0.1), ("globex", 0.05), ("initech", 0.05)),
}
DEFAULT_BRANDS = (("acme", 0.45), ("globex", 0.3), ("initech", 0.25))
PAIRS_FALLBACK = (("acme", "globex"), ("acme", "initech"), ("globex", "initech"))
CRISIS_BRAND = "acme"
CRISIS_LANGS = ("ar", "de", "en", "fr", "hi", "it", "pt")

# Frames for untagged mentions, per language; {b} is the brand reference, {t} the text.
FRAMES_COMMON = ("{b}: {t}", "{t} — {b}", "{t} {b}")
FRAMES: dict[str, tuple[str, ...]] = {
    "en": ("{t} (re {b})", "so {b} again… {t}", "anyone else with {b}? {t}"),
    "de": ("{t} (zu {b})", "Schon wieder {b}… {t}"),
    "fr": ("{t} (à propos de {b})", "Encore {b}… {t}"),
    "es": ("{t} (sobre {b})", "Otra vez {b}… {t}"),
    "it": ("{t} (a proposito di {b})", "Di nuovo {b}… {t}"),
    "pt": ("{t} (sobre a {b})", "De novo {b}… {t}"),
    "ar": ("{t} ({b})", "{b} مرة أخرى… {t}"),
    "hi": ("{t} ({b} ke baare mein)", "{b} phir se… {t}"),
    "id": ("{t} (soal {b})", "{b} lagi… {t}"),
    "lv": ("{t} (par {b})", "Atkal {b}… {t}"),
    "hr": ("{t} (o {b})", "Opet {b}… {t}"),
}
TWO_BRAND_FRAMES = ("{a} vs {b}: {t}", "{t} — {a} > {b}", "{t} {a} {b}", "{t} ({a} / {b})")

# Near-misses: texts that look like a brand but must not match one. (languages, frame)
NEAR_MISSES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("en",), "{t} — greetings from Acmeville!"),
    (("en",), "{t} (wrote to x@acme.com, still no answer)"),
    (("en", "de", "it"), "{t} @acme_fanclub"),
    (("en", "pt"), "{t} #acmefailure"),
    (("en", "fr"), "acme looney tunes marathon tonight. {t}"),
    (("en",), "{t} — wile e coyote ordering from acme again"),
    (("de",), "{t} (Paket kam mit Globexpress)"),
    (("fr", "it"), "{t} #initechnologie"),
    (("id",), "{t} #pesonanusantara"),
    (("lv",), "{t} Zelta kāzas jau nākamnedēļ!"),
    (("hr",), "{t} Jadransko more je danas mirno."),
    (("es",), "{t} Hotel Solmarina, nunca más."),
)

NAMES: dict[str, list[tuple[list[str], list[str]]]] = {
    "en": [
        (
            ["James", "Emma", "Olivia", "Liam", "Noah", "Ava", "Mia", "Ethan", "Chloe", "Jack"],
            ["Carter", "Hughes", "Patel", "Brooks", "Reed", "Turner", "Ward", "Kelly", "Price"],
        )
    ],
    "de": [
        (
            ["Lukas", "Anna", "Jonas", "Lea", "Felix", "Marie", "Paul", "Sophie", "Tim", "Laura"],
            ["Müller", "Schneider", "Fischer", "Weber", "Becker", "Hoffmann", "Schäfer", "Koch"],
        )
    ],
    "fr": [
        (
            ["Lucas", "Chloé", "Hugo", "Léa", "Louis", "Manon", "Jules", "Camille", "Théo"],
            ["Martin", "Bernard", "Dubois", "Moreau", "Laurent", "Lefèvre", "Girard", "Roux"],
        )
    ],
    "es": [
        (
            ["Alejandro", "Lucía", "Pablo", "Sofía", "Javier", "Carmen", "Diego", "Elena"],
            ["García", "Martínez", "López", "Sánchez", "Romero", "Navarro", "Torres", "Ruiz"],
        )
    ],
    "it": [
        (
            ["Luca", "Giulia", "Marco", "Chiara", "Matteo", "Sara", "Andrea", "Francesca"],
            ["Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci"],
        )
    ],
    "pt": [
        (
            ["João", "Ana", "Pedro", "Beatriz", "Lucas", "Mariana", "Rafael", "Camila"],
            ["Silva", "Santos", "Oliveira", "Souza", "Pereira", "Costa", "Almeida", "Ferreira"],
        )
    ],
    "hi": [
        (
            ["Aarav", "Priya", "Rahul", "Ananya", "Vikram", "Neha", "Arjun", "Pooja", "Rohan"],
            ["Sharma", "Verma", "Gupta", "Singh", "Mehta", "Iyer", "Reddy", "Kapoor", "Joshi"],
        )
    ],
    "id": [
        (
            ["Budi", "Siti", "Agus", "Dewi", "Rizky", "Putri", "Andi", "Ayu", "Dimas", "Rina"],
            ["Santoso", "Wijaya", "Saputra", "Lestari", "Hidayat", "Pratama", "Kusuma"],
        )
    ],
    "lv": [
        (
            ["Jānis", "Mārtiņš", "Andris", "Kristaps", "Edgars", "Raivis"],
            ["Bērziņš", "Kalniņš", "Ozoliņš", "Jansons", "Vītols", "Kļaviņš"],
        ),
        (
            ["Anna", "Līga", "Ilze", "Laura", "Elīna", "Dace"],
            ["Bērziņa", "Kalniņa", "Ozoliņa", "Liepiņa", "Krūmiņa", "Zariņa"],
        ),
    ],
    "hr": [
        (
            ["Ivan", "Ana", "Marko", "Petra", "Luka", "Ivana", "Josip", "Marija", "Lucija"],
            ["Horvat", "Kovačević", "Babić", "Marić", "Jurić", "Novak", "Knežević", "Vuković"],
        )
    ],
}
# Arabic display names with a Latin spelling for the handle.
AR_FIRST = (
    ("محمد", "mohammed"),
    ("أحمد", "ahmed"),
    ("فاطمة", "fatima"),
    ("نور", "nour"),
    ("عمر", "omar"),
    ("ليلى", "layla"),
    ("يوسف", "youssef"),
    ("سارة", "sara"),
    ("خالد", "khaled"),
    ("مريم", "maryam"),
)
AR_LAST = (
    ("العلي", "alali"),
    ("الحسن", "alhassan"),
    ("الشمري", "alshammari"),
    ("المصري", "almasri"),
    ("حداد", "haddad"),
    ("الزهراني", "alzahrani"),
    ("سليمان", "suleiman"),
    ("الخطيب", "alkhatib"),
)
# Fictional news outlets per language: (name, handle).
OUTLETS: dict[str, tuple[tuple[str, str], ...]] = {
    "en": (("The Daily Ledger", "@dailyledger"), ("Metro Wire", "@metrowire_news")),
    "de": (("Rheinblatt", "@rheinblatt"),),
    "fr": (("Le Quotidien du Sud", "@quotidiendusud"),),
    "es": (("Diario Levante Sur", "@diariolevantesur"),),
    "it": (("Corriere del Lago", "@corrieredellago"),),
    "pt": (("Jornal da Serra", "@jornaldaserra"),),
    "ar": (("أخبار الواحة", "@akhbar_alwaha"),),
    "hi": (("Desh Samachar Live", "@deshsamacharlive"),),
    "id": (("Kabar Harian Kita", "@kabarhariankita"),),
    "lv": (("Rīgas Vēstis", "@rigasvestis"),),
    "hr": (("Jutarnji Glasnik", "@jutarnjiglasnik"),),
}

_REAL_HANDLE = re.compile(r"(?<![\w@.])@(?!user\b)\w+")
_PLACEHOLDER = re.compile(r"(?<![\w@.])@user\b")
_UNSAFE_LINE_CHARS = {"\u2028": "\\u2028", "\u2029": "\\u2029", "\x85": "\\u0085"}


# ---------------------------------------------------------------------------------------------
# brands and a reference matcher (used to check what was woven in and to count it)


def fold(text: str) -> str:
    """Case- and diacritic-insensitive form ("Zeltā" -> "zelta", "أكمي" -> "اكمي")."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


@dataclass(frozen=True)
class Brand:
    id: str
    name: str
    aliases: tuple[str, ...]
    handles: tuple[str, ...]
    hashtags: tuple[str, ...]
    exclude: tuple[str, ...]
    competitors: tuple[str, ...]


def load_brands(path: Path = BRANDS_FILE) -> dict[str, Brand]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    brands = {}
    for item in data["brands"]:
        brands[item["id"]] = Brand(
            id=item["id"],
            name=item["name"],
            aliases=tuple(item.get("aliases") or ()),
            handles=tuple(item.get("handles") or ()),
            hashtags=tuple(item.get("hashtags") or ()),
            exclude=tuple(item.get("exclude") or ()),
            competitors=tuple(item.get("competitors") or ()),
        )
    return brands


_URL_OR_EMAIL = re.compile(r"(?:https?://|www\.)\S+|[\w.+-]+@\w[\w-]*(?:\.[\w-]+)+")


def _normalize(text: str) -> str:
    """Folded, punctuation (except ``& # @ _``) as spaces, runs of spaces collapsed."""
    chars = (
        " " if unicodedata.category(ch).startswith("P") and ch not in "&#@_" else ch
        for ch in fold(text)
    )
    return re.sub(r"\s+", " ", "".join(chars)).strip()


class Matcher:
    """Whole-word, case-, diacritic- and punctuation-insensitive brand matcher.

    Self-contained so that the script needs nothing but PyYAML; it follows the rules of
    ``streams.brands.matcher`` (URLs and e-mails never match, exclude terms veto name matches,
    handles and replies tag) and the tests check that both agree on the shipped sample.
    """

    def __init__(self, brands: dict[str, Brand]) -> None:
        self._rules = []
        for brand in brands.values():
            names = sorted({_normalize(t) for t in (brand.name, *brand.aliases)}, key=len)
            words = "|".join(re.escape(n) for n in reversed(names))
            tags = "|".join(re.escape(fold(h)) for h in brand.hashtags)
            handles = "|".join(re.escape(fold(h)) for h in brand.handles)
            excludes = "|".join(re.escape(_normalize(e)) for e in brand.exclude)
            self._rules.append(
                (
                    brand.id,
                    re.compile(rf"(?<![\w@])(?:{words})(?!\w)"),
                    re.compile(rf"(?<![\w#@])(?:{tags})(?!\w)") if tags else None,
                    re.compile(rf"(?<![\w@#])(?:{handles})(?![\w]|\.\w)") if handles else None,
                    {fold(h) for h in brand.handles},
                    re.compile(rf"(?<!\w)(?:{excludes})(?!\w)") if excludes else None,
                )
            )

    def match(self, text: str, reply_to: str | None = None) -> dict[str, bool]:
        """Brand id -> tagged (by @handle in the text or by replying to the brand)."""
        folded = _URL_OR_EMAIL.sub(lambda m: " " * len(m.group()), fold(text))
        # Handle tokens are not names: "@acme_fanclub" does not mention Acme.
        plain = _normalize(re.sub(r"(?<![\w@#])@\w+(?:\.\w+)*", " ", folded))
        reply = fold(reply_to.strip()) if reply_to else None
        found: dict[str, bool] = {}
        for brand_id, words, tags, handles, handle_set, exclude in self._rules:
            tagged = bool(handles and handles.search(folded)) or reply in handle_set
            named = bool(words.search(plain) or (tags and tags.search(folded)))
            if named and exclude and exclude.search(plain):
                named = False
            if tagged or named:
                found[brand_id] = tagged
        return found


def category_of(found: dict[str, bool]) -> str:
    if len(found) >= 2:
        return "two_brands"
    if not found:
        return "none"
    return "tagged" if next(iter(found.values())) else "untagged"


# ---------------------------------------------------------------------------------------------
# source texts


@dataclass(frozen=True)
class Source:
    text: str
    label: str
    lang: str
    source: str


def read_source(path: Path) -> list[Source]:
    rows = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                obj = json.loads(line)
                rows.append(Source(obj["text"], obj["label"], obj["lang"], obj["source"]))
    return rows


def clean(text: str) -> str:
    """Anonymise real handles (UMSAB already writes ``@user``) and normalise white space."""
    text = _REAL_HANDLE.sub("@user", text)
    text = text.replace("\u200b", "")
    return re.sub(r"\s+", " ", text).strip()


def pools(rows: Iterable[Source], matcher: Matcher) -> dict[str, list[Source]]:
    """Usable texts per language: cleaned, unique, long enough, not naming a brand already."""
    out: dict[str, list[Source]] = defaultdict(list)
    seen: set[tuple[str, str]] = set()
    for row in rows:
        if row.lang not in LANGS:
            continue
        text = clean(row.text)
        key = (row.lang, text)
        if len(text) < MIN_TEXT_CHARS or key in seen or any(ord(c) < 32 for c in text):
            continue
        if matcher.match(text):
            continue
        seen.add(key)
        out[row.lang].append(Source(text, row.label, row.lang, row.source))
    return out


# ---------------------------------------------------------------------------------------------
# authors


@dataclass
class Author:
    id: str
    handle: str
    name: str
    followers: int
    platform: str
    lang: str


def _ascii(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", fold(text))


def make_authors(rng: random.Random, brands: dict[str, Brand]) -> dict[str, list[Author]]:
    """Per language: about 70 people (Zipf-weighted when picked) and one or two outlets."""
    reserved = {_ascii(b.id) for b in brands.values()}
    reserved |= {_ascii(h) for b in brands.values() for h in b.handles}
    reserved |= {_ascii(b.name)[:5] for b in brands.values()}
    used: set[str] = set()
    next_id = 1000
    authors: dict[str, list[Author]] = {}
    for lang in LANGS:
        people: list[Author] = []
        while len(people) < 70:
            if lang == "ar":
                (f_disp, f_lat), (l_disp, l_lat) = rng.choice(AR_FIRST), rng.choice(AR_LAST)
                display, first, last = f"{f_disp} {l_disp}", f_lat, l_lat
            else:
                firsts, lasts = rng.choice(NAMES[lang])
                first, last = rng.choice(firsts), rng.choice(lasts)
                display = f"{first} {last}"
                first, last = _ascii(first), _ascii(last)
            style = rng.randrange(6)
            base = (
                f"{first}{last}",
                f"{first}_{last}",
                f"{first[0]}{last}",
                f"{last}{rng.randrange(10, 99)}",
                f"{first}{rng.randrange(1970, 2008)}",
                f"{first}.{last}"[:15].replace(".", "_"),
            )[style]
            handle = "@" + base[:15]
            if handle in used or any(base.startswith(r) for r in reserved if r):
                continue
            if rng.random() < 0.12:  # some people do not show their real name
                display = rng.choice((base, base.title(), f"{first.title()} ✨", f"{last.upper()}"))
            used.add(handle)
            weights = [w for _, _, w in PLATFORMS]
            platform = rng.choices([p for p, _, _ in PLATFORMS], weights=weights)[0]
            if rng.random() < 0.04:  # a few influencers
                followers = int(8000 * rng.paretovariate(1.1))
            else:
                followers = int(rng.lognormvariate(5.0, 1.7))
            people.append(Author(f"u-{next_id}", handle, display, followers, platform, lang))
            next_id += rng.randrange(1, 400)
        for name, handle in OUTLETS[lang]:
            followers = int(rng.lognormvariate(11.3, 1.0))
            people.append(Author(f"u-{next_id}", handle, name, followers, NEWS[0], lang))
            next_id += rng.randrange(1, 400)
        authors[lang] = people
    return authors


def pick_author(rng: random.Random, people: Sequence[Author], *, news: bool) -> Author:
    if news:
        return rng.choice([a for a in people if a.platform == NEWS[0]])
    persons = [a for a in people if a.platform != NEWS[0]]
    weights = [1.0 / (rank + 1) ** 0.7 for rank in range(len(persons))]
    return rng.choices(persons, weights=weights)[0]


def engagement(rng: random.Random, followers: int, *, boost: float = 1.0) -> dict[str, int]:
    """Heavy-tailed, and correlated with followers (reach)."""
    base = 0.06 * (followers + 5) ** 0.85 * rng.lognormvariate(0.0, 1.0) * boost
    likes = int(base)
    shares = int(base * rng.uniform(0.02, 0.25))
    replies = int(base * rng.uniform(0.02, 0.15) * boost) + (rng.random() < 0.25)
    return {"likes": likes, "shares": shares, "replies": replies}


# ---------------------------------------------------------------------------------------------
# timeline


def timeline(rng: random.Random, n: int, crisis: range) -> list[float]:
    """Offsets in seconds from START: Markov-modulated bursts plus one scripted crisis burst."""
    gaps = []
    bursting = False
    for i in range(n):
        if i in crisis:
            mean = 0.15
        else:
            if bursting and rng.random() < 0.1:
                bursting = False
            elif not bursting and rng.random() < 0.015:
                bursting = True
            mean = 0.2 if bursting else 1.0
        gaps.append(rng.expovariate(1.0 / mean))
    scale = DURATION_S / sum(gaps)
    offsets, t = [], 3.0
    for gap in gaps:
        t += gap * scale
        offsets.append(t)
    return offsets


def iso(offset: float) -> str:
    return (START + timedelta(seconds=int(offset))).strftime("%Y-%m-%dT%H:%M:%SZ")


# ---------------------------------------------------------------------------------------------
# weaving


@dataclass
class Event:
    index: int
    offset: float
    lang: str = ""
    category: str = "none"  # intended
    near_miss: str | None = None  # the frame of a near-miss
    crisis: bool = False
    reshare_of: int | None = None  # event index
    record: dict[str, Any] = field(default_factory=dict)
    source: str = ""
    bad: str | None = None


def vary_case(rng: random.Random, text: str) -> str:
    roll = rng.random()
    if roll < 0.6:
        return text
    if roll < 0.9:
        return text.lower()
    return text.upper()


def strip_marks(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return unicodedata.normalize(
        "NFC", "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    )


def is_script(text: str, start: int, end: int) -> bool:
    return any(start <= ord(ch) <= end for ch in text)


def is_latin(text: str) -> bool:
    return all(ord(ch) < 0x250 or not ch.isalpha() for ch in text)


def brand_reference(rng: random.Random, brand: Brand, lang: str) -> str:
    """An untagged reference: name, alias or hashtag, with varied case and diacritics."""
    latin = [t for t in (brand.name, *brand.aliases) if is_latin(t)]
    arabic = [t for t in brand.aliases if is_script(t, 0x0600, 0x06FF)]
    cyrillic = [t for t in brand.aliases if is_script(t, 0x0400, 0x04FF)]
    roll = rng.random()
    if arabic and lang == "ar" and roll < 0.45:
        return rng.choice(arabic)
    if cyrillic and roll < 0.15:
        return vary_case(rng, rng.choice(cyrillic))
    if brand.hashtags and roll > 0.72:
        tag = rng.choice(brand.hashtags)
        return tag if rng.random() < 0.7 else "#" + tag[1:].title()
    ref = brand.name if rng.random() < 0.6 else rng.choice(latin)
    if ref != strip_marks(ref) and rng.random() < 0.5:
        ref = strip_marks(ref)
    return vary_case(rng, ref)


def brand_handle(rng: random.Random, brand: Brand) -> str:
    handle = brand.handles[0] if rng.random() < 0.75 else rng.choice(brand.handles)
    roll = rng.random()
    if roll < 0.08:
        return "@" + handle[1:].title()
    if roll < 0.12:
        return handle.upper()
    return handle


def with_placeholder(rng: random.Random, text: str, handle: str) -> str | None:
    spots = list(_PLACEHOLDER.finditer(text))
    if not spots:
        return None
    spot = spots[0] if rng.random() < 0.6 else rng.choice(spots)
    return text[: spot.start()] + handle + text[spot.end() :]


def tag(rng: random.Random, text: str, handle: str) -> str:
    replaced = with_placeholder(rng, text, handle) if rng.random() < 0.8 else None
    if replaced is not None:
        return replaced
    frame = rng.choice(("{h} {t}", "{h} {t}", "{t} {h}", "{t} cc {h}"))
    return frame.format(h=handle, t=text)


def name(rng: random.Random, text: str, ref: str, lang: str) -> str:
    if ref.startswith("#"):
        return f"{text} {ref}" if rng.random() < 0.8 else f"{ref} {text}"
    frame = rng.choice(FRAMES_COMMON + FRAMES[lang] + FRAMES[lang])
    return frame.format(b=ref, t=text)


def fill_placeholders(rng: random.Random, text: str, people: Sequence[Author]) -> str:
    persons = [a.handle for a in people if a.platform != NEWS[0]]
    return _PLACEHOLDER.sub(lambda _m: rng.choice(persons), text)


def choose_brand(rng: random.Random, lang: str) -> str:
    options = LANG_BRANDS.get(lang, DEFAULT_BRANDS)
    return rng.choices([b for b, _ in options], weights=[w for _, w in options])[0]


def choose_pair(rng: random.Random, lang: str, brands: dict[str, Brand]) -> tuple[str, str]:
    first = choose_brand(rng, lang)
    rivals = [c for c in brands[first].competitors if c in brands]
    if not rivals:
        return rng.choice(PAIRS_FALLBACK)
    return first, rng.choice(rivals)


# ---------------------------------------------------------------------------------------------
# the build


@dataclass
class Build:
    lines: list[str]
    stats: dict[str, Any]
    langs: list[str | None]  # per line: the source language of a valid mention, else None


def _allocate(total: int, kinds: Sequence[tuple[str, int]]) -> list[str]:
    """``total`` kind names in proportion to the weights (largest remainder)."""
    weight = sum(w for _, w in kinds)
    raw = [(k, total * w / weight) for k, w in kinds]
    counts = {k: math.floor(x) for k, x in raw}
    rest = total - sum(counts.values())
    for k, _ in sorted(raw, key=lambda kx: kx[1] - math.floor(kx[1]), reverse=True)[:rest]:
        counts[k] += 1
    return [k for k, _ in kinds for _ in range(counts[k])]


def dumps(obj: Any, *, sort_keys: bool = False, compact: bool = False) -> str:
    separators = (",", ":") if compact else (", ", ": ")
    line = json.dumps(obj, ensure_ascii=False, sort_keys=sort_keys, separators=separators)
    for ch, escaped in _UNSAFE_LINE_CHARS.items():
        line = line.replace(ch, escaped)
    return line


def build(
    rows: Sequence[Source],
    *,
    seed: int = DEFAULT_SEED,
    count: int = DEFAULT_COUNT,
    brands: dict[str, Brand] | None = None,
) -> Build:
    """The sample's lines and counts; pure apart from reading the brands file."""
    brands = brands or load_brands()
    needed = {b for options in LANG_BRANDS.values() for b, _ in options}
    needed |= {b for b, _ in DEFAULT_BRANDS} | {CRISIS_BRAND}
    for brand_id in sorted(needed):
        if brand_id not in brands:
            raise SystemExit(f"brands file has no brand {brand_id!r}; update LANG_BRANDS")
    rng = random.Random(seed)
    matcher = Matcher(brands)
    pool = pools(rows, matcher)
    for lang in LANGS:
        rng.shuffle(pool[lang])
    used: dict[str, int] = Counter()

    def take(lang: str, *, negative: bool = False) -> Source:
        candidates = pool[lang]
        for i in range(used[lang], len(candidates)):
            if not negative or candidates[i].label == "negative":
                candidates[used[lang]], candidates[i] = candidates[i], candidates[used[lang]]
                used[lang] += 1
                return candidates[used[lang] - 1]
        raise SystemExit(f"ran out of {lang} source texts")

    n_bad = max(len(BAD_KINDS) + 1, round(count * BAD_SHARE))
    dup_kinds = _allocate(sum(w for _, w in DUPLICATE_KINDS), DUPLICATE_KINDS)
    n_events = count - len(dup_kinds)
    crisis_start = int(n_events * 0.62)
    crisis = range(crisis_start, crisis_start + max(40, n_events // 22))
    offsets = timeline(rng, n_events, crisis)
    events = [Event(i, off, crisis=i in crisis) for i, off in enumerate(offsets)]
    authors = make_authors(rng, brands)

    # Reshares point back at a recent event; the rest get balanced languages.
    for ev in events[50:]:
        share = RESHARE_SHARE * (4 if ev.crisis else 1)
        if rng.random() < share:
            target = rng.randrange(max(0, ev.index - 300), ev.index)
            while (parent := events[target].reshare_of) is not None:
                target = parent  # a reshare of a reshare points at the original
            ev.reshare_of = target
    originals = [ev for ev in events if ev.reshare_of is None]
    langs = [LANGS[i % len(LANGS)] for i in range(len(originals))]
    rng.shuffle(langs)
    for ev, lang in zip(originals, langs, strict=True):
        ev.lang = lang
        if ev.crisis and lang in CRISIS_LANGS:
            ev.category = "tagged" if rng.random() < 0.5 else "untagged"
        else:
            ev.category = rng.choices(
                [k for k, _ in CATEGORY_WEIGHTS], weights=[w for _, w in CATEGORY_WEIGHTS]
            )[0]

    # Near-misses go to "none" events of a fitting language, spread over the stream.
    for langs_ok, frame in NEAR_MISSES:
        fitting = [
            ev
            for ev in originals
            if ev.category == "none" and not ev.near_miss and not ev.crisis and ev.lang in langs_ok
        ]
        rng.choice(fitting).near_miss = frame

    handles_by_lang: dict[str, list[str]] = {lang: [] for lang in LANGS}
    for ev in events:
        expected = ev.category
        if ev.reshare_of is not None:
            _reshare(rng, ev, events[ev.reshare_of], authors)
            found = matcher.match(ev.record["text"], ev.record["reply_to_handle"])
        else:
            src = take(ev.lang, negative=ev.crisis and ev.lang in CRISIS_LANGS)
            for _attempt in range(10):  # a frame can clash with the text (an exclude term...)
                _original(rng, ev, src, brands, authors[ev.lang], handles_by_lang[ev.lang])
                found = matcher.match(ev.record["text"], ev.record["reply_to_handle"])
                if category_of(found) == expected:
                    break
            else:
                raise SystemExit(f"event {ev.index}: meant {expected}, got {found}: {ev.record}")
        ev.category = category_of(found)
        handles_by_lang[ev.lang].append(ev.record["author"]["handle"])

    # Bad lines: spread through the stream, never a reshare target, never in the crisis.
    targets = {ev.reshare_of for ev in events if ev.reshare_of is not None}
    eligible = [ev for ev in events[20:] if ev.index not in targets and not ev.crisis]
    bad_kinds = ["huge_text", *_allocate(n_bad - 1, BAD_KINDS)]
    rng.shuffle(bad_kinds)
    chosen_bad = sorted(rng.sample(eligible, len(bad_kinds)), key=lambda ev: ev.index)
    for ev, kind in zip(chosen_bad, bad_kinds, strict=True):
        ev.bad = kind

    lines: list[str] = []
    line_langs: list[str | None] = []
    for ev in events:
        if ev.bad:
            lines.append(_bad_line(rng, ev))
            line_langs.append(None)
        else:
            lines.append(dumps(ev.record))
            line_langs.append(ev.lang)

    # Re-deliveries: a copy of an earlier valid line, a little later in the stream.
    good = [i for i, ev in enumerate(events) if not ev.bad and i > 30]
    dup_sources = sorted(rng.sample(good, len(dup_kinds)))
    rng.shuffle(dup_kinds)
    inserts = []
    for at, kind in zip(dup_sources, dup_kinds, strict=True):
        record = events[at].record
        if kind == "exact_line":
            copy = lines[at]
        elif kind == "same_id_reserialised":
            copy = dumps(record, sort_keys=True, compact=True)
        else:
            updated = json.loads(json.dumps(record))
            updated["engagement"]["likes"] += 1 + rng.randrange(20)
            updated["engagement"]["replies"] += rng.randrange(3)
            copy = dumps(updated)
        inserts.append((at + rng.randrange(3, 250), copy, kind))
    for pos, copy, _kind in sorted(inserts, key=lambda x: x[0], reverse=True):
        pos = min(pos, len(lines))
        lines.insert(pos, copy)
        line_langs.insert(pos, None)

    brand_handles = {fold(h) for b in brands.values() for h in b.handles}
    stats = _stats(events, lines, dup_kinds, brand_handles)
    return Build(lines, stats, line_langs)


def _original(
    rng: random.Random,
    ev: Event,
    src: Source,
    brands: dict[str, Brand],
    people: Sequence[Author],
    recent_handles: Sequence[str],
) -> None:
    lang = ev.lang
    ev.source = src.source
    text = src.text
    reply_to = None
    if ev.crisis and lang in CRISIS_LANGS:
        brand = brands[CRISIS_BRAND]
        if ev.category == "tagged":
            text = tag(rng, text, brand_handle(rng, brand))
            if rng.random() < 0.5:
                text += " " + rng.choice(brand.hashtags)
        elif rng.random() < 0.4:
            text = name(rng, text, brand_reference(rng, brand, lang), lang)
        else:
            text = f"{text} {brand.hashtags[-1]}"
    elif ev.near_miss:
        text = ev.near_miss.format(t=text)
    elif ev.category == "tagged":
        brand = brands[choose_brand(rng, lang)]
        if rng.random() < REPLY_SHARE_OF_TAGGED:
            reply_to = brand.handles[0] if rng.random() < 0.8 else rng.choice(brand.handles)
            if rng.random() < 0.5:
                text = f"{reply_to} {text}"
        else:
            text = tag(rng, text, brand_handle(rng, brand))
    elif ev.category == "untagged":
        brand = brands[choose_brand(rng, lang)]
        text = name(rng, text, brand_reference(rng, brand, lang), lang)
    elif ev.category == "two_brands":
        first, second = choose_pair(rng, lang, brands)
        refs = [
            brand_handle(rng, brands[first])
            if rng.random() < 0.35
            else brand_reference(rng, brands[first], lang),
            brand_reference(rng, brands[second], lang),
        ]
        if any(r.startswith("#") for r in refs):
            frame = "{t} {a} {b}"
        else:
            frame = rng.choice(TWO_BRAND_FRAMES)
        text = frame.format(a=refs[0], b=refs[1], t=text)
    author = pick_author(rng, people, news=rng.random() < NEWS_SHARE)
    if reply_to is None and rng.random() < REPLY_TO_PERSON_SHARE:
        others = [h for h in recent_handles[-200:] if h != author.handle]
        if others:
            reply_to = rng.choice(others)
            text = f"{reply_to} {text}"
    text = fill_placeholders(rng, text, people)
    eng = engagement(rng, author.followers, boost=3.0 if ev.crisis else 1.0)
    ev.record = _record(rng, ev, author, text, reply_to, None, eng)


def _reshare(
    rng: random.Random, ev: Event, original: Event, authors: dict[str, list[Author]]
) -> None:
    ev.lang = original.lang
    ev.source = original.source
    orig = original.record
    people = [
        a
        for a in authors[ev.lang]
        if a.platform == orig["platform"] and a.handle != orig["author"]["handle"]
    ]
    if not people:
        people = [a for a in authors[ev.lang] if a.handle != orig["author"]["handle"]]
    author = (
        pick_author(rng, people, news=False)
        if any(a.platform != NEWS[0] for a in people)
        else rng.choice(people)
    )
    text = orig["text"]
    if author.platform in ("twitter", "x"):
        text = f"RT {orig['author']['handle']}: {text}"
    eng = engagement(rng, author.followers, boost=0.3)
    ev.record = _record(rng, ev, author, text, None, orig["id"], eng)


def _record(
    rng: random.Random,
    ev: Event,
    author: Author,
    text: str,
    reply_to: str | None,
    reshare_of: str | None,
    eng: dict[str, int],
) -> dict[str, Any]:
    snowflake = 1790000000000000000 + (int(ev.offset * 1000) << 22) + rng.getrandbits(22)
    mention_id = f"{PREFIX[author.platform]}-{snowflake}"
    return {
        "id": mention_id,
        "platform": author.platform,
        "author": {
            "id": author.id,
            "handle": author.handle,
            "name": author.name,
            "followers": author.followers,
        },
        "text": text,
        "created_at": iso(ev.offset),
        "url": f"https://example.social/{author.platform}/{mention_id}",
        "reply_to_handle": reply_to,
        "reshare_of": reshare_of,
        "engagement": eng,
    }


def _bad_line(rng: random.Random, ev: Event) -> str:
    record = json.loads(json.dumps(ev.record))
    kind = ev.bad
    if kind == "not_json":
        line = dumps(record)
        return line[: int(len(line) * rng.uniform(0.35, 0.8))]
    if kind == "not_object":
        return dumps([record]) if rng.random() < 0.5 else dumps([record["id"], record["text"]])
    if kind == "missing_text":
        if rng.random() < 0.3:
            record["text"] = ""
        else:
            del record["text"]
    elif kind == "missing_id":
        del record["id"]
    elif kind == "missing_created_at":
        del record["created_at"]
    elif kind == "future_created_at":
        record["created_at"] = iso(ev.offset).replace("2026-", "2100-", 1)
    elif kind == "control_chars":
        junk = "".join(chr(c) for c in rng.sample((0, 1, 2, 3, 7, 8, 11, 14, 16, 27, 31), 6))
        cut = rng.randrange(len(record["text"]) + 1)
        record["text"] = record["text"][:cut] + "\x00" + junk + record["text"][cut:]
    elif kind == "wrong_type":
        choice = rng.randrange(3)
        if choice == 0:
            record["text"] = rng.randrange(10**6)
        elif choice == 1:
            record["author"]["followers"] = f"{record['author']['followers']:,} followers"
        else:
            record["engagement"] = f"{record['engagement']['likes']} likes"
    elif kind == "bad_timestamp":
        record["created_at"] = rng.choice(
            ("yesterday", "01/11/2026 12:07", "2026-13-45T25:61:00Z", "soon", "Nov 1st, noon")
        )
    elif kind == "huge_text":
        body = record["text"]
        filler = " ".join([body] * (HUGE_TEXT_CHARS // (len(body) + 1) + 1))
        record["text"] = filler[:HUGE_TEXT_CHARS]
    return dumps(record)


def _stats(
    events: Sequence[Event], lines: Sequence[str], dup_kinds: Sequence[str], brand_handles: set[str]
) -> dict[str, Any]:
    valid = [ev for ev in events if not ev.bad]
    near = [ev for ev in valid if ev.near_miss]
    followers = sorted(ev.record["author"]["followers"] for ev in valid)
    replies = [ev.record["reply_to_handle"] for ev in valid if ev.record["reply_to_handle"]]
    return {
        "lines": len(lines),
        "valid_mentions": len(valid),
        "bad_lines": len([ev for ev in events if ev.bad]),
        "duplicate_lines": len(dup_kinds),
        "languages": dict(sorted(Counter(ev.lang for ev in valid).items())),
        "sources": dict(sorted(Counter(ev.source for ev in valid).items())),
        "brand_mix": {
            name: sum(1 for ev in valid if ev.category == name) for name, _ in CATEGORY_WEIGHTS
        },
        "near_misses": len(near),
        "crisis_burst_mentions": sum(1 for ev in valid if ev.crisis and ev.category != "none"),
        "replies_to_brand": sum(1 for r in replies if fold(r) in brand_handles),
        "replies_to_people": sum(1 for r in replies if fold(r) not in brand_handles),
        "reshares": sum(1 for ev in valid if ev.reshare_of is not None),
        "platforms": dict(sorted(Counter(ev.record["platform"] for ev in valid).items())),
        "bad_by_kind": dict(sorted(Counter(ev.bad for ev in events if ev.bad).items())),
        "duplicates_by_kind": dict(sorted(Counter(dup_kinds).items())),
        "followers": {
            "median": followers[len(followers) // 2],
            "p99": followers[int(len(followers) * 0.99)],
            "max": followers[-1],
        },
        "first_created_at": valid[0].record["created_at"],
        "last_created_at": valid[-1].record["created_at"],
    }


# ---------------------------------------------------------------------------------------------
# attribution


def _table(header: tuple[str, str], rows: Iterable[tuple[str, Any]]) -> str:
    out = [f"| {header[0]} | {header[1]} |", "|---|---:|"]
    out += [f"| {k} | {v} |" for k, v in rows]
    return "\n".join(out)


def attribution(stats: dict[str, Any], *, seed: int, count: int) -> str:
    s = stats
    mix = s["brand_mix"]
    valid = s["valid_mentions"]

    def pct(n: int) -> str:
        return f"{n} ({100 * n / valid:.0f}%)"

    source_rows = [
        (
            "umsab",
            "ar de en es fr hi it pt",
            "UMSAB, the Unified Multilingual Sentiment Analysis Benchmark: tweets, `hi` in "
            "romanised Hindi",
            "[cardiffnlp/xlm-t](https://github.com/cardiffnlp/xlm-t), `data/sentiment`",
            "Apache-2.0; the tweets remain subject to the Twitter/X terms",
        ),
        (
            "smsa",
            "id",
            "SmSA: Indonesian reviews and posts",
            "[IndoNLP/indonlu](https://github.com/IndoNLP/indonlu), `smsa_doc-sentiment-prosa`",
            "Apache-2.0",
        ),
        (
            "ltec",
            "lv",
            "Latvian Twitter Eater Corpus: Latvian tweets",
            "[Usprogis/Latvian-Twitter-Eater-Corpus]"
            "(https://github.com/Usprogis/Latvian-Twitter-Eater-Corpus)",
            "MIT",
        ),
        (
            "mozetic",
            "hr",
            "Croatian tweets annotated by Mozetič, Grčar and Smailović, *Multilingual Twitter "
            "Sentiment Classification: The Role of Human Annotators*, PLoS ONE 11(5), 2016",
            "annotations (tweet ids and labels): CLARIN.SI, hdl:11356/1054; texts retrieved by "
            "[joemzhao/tweets-retriever](https://github.com/joemzhao/tweets-retriever), "
            "`retrieved_dataset/hrv.txt`",
            "as published with the annotations (see the CLARIN.SI record); the tweets remain "
            "subject to the Twitter/X terms",
        ),
    ]
    sources = "\n".join(
        f"| `{key}` | {langs} | {what} | {origin} | {licence} | {s['sources'].get(key, 0)} |"
        for key, langs, what, origin, licence in source_rows
    )
    return f"""# The bundled sample stream

`sample_mentions.jsonl` is the stream that `buzzwire demo` replays: {s["lines"]:,} lines, one
mention a line, about two hours of posts ({s["first_created_at"]} to {s["last_created_at"]}) in
11 languages, with bursts (one of them a complaint storm about Acme), brand mentions tagged and
untagged, near-misses that must not match a brand, about 1.5% broken lines for the dead-letter
topic, and a few re-deliveries that the pipeline must process once.

## Where the texts come from

The texts are real public posts from the project's development sentiment data. They are used
lightly cleaned: white space collapsed, zero-width spaces removed, and every real `@handle`
replaced by a synthetic one (UMSAB had already replaced them with `@user`). Brand references are
then woven in at the start or the end of a text, or in place of an `@user` placeholder. Sentiment
labels are not shipped.

| source | lang | what | origin | licence | mentions here |
|---|---|---|---|---|---:|
{sources}

Everything else is **synthetic**: the brands (fictional, from `streams/data/brands.yaml`) and the
way they are mentioned, the authors (names, handles, ids, follower counts), the news outlets,
the mention ids, urls (`example.social`), timestamps, replies, reshares and engagement. Any
resemblance of a synthetic author to a real account is accidental.

## Regenerating

```
python scripts/build_sample.py            # --source PATH --seed {seed} --count {count}
```

The script needs the development data (`sentiment/train.jsonl`, default
`../shared/data/sentiment/train.jsonl` beside the repository) and PyYAML; the demo needs
neither. The output is deterministic for a given source, brands file, seed and count, so
regenerate it whenever `streams/data/brands.yaml` changes: `tests/streams/test_sample_data.py`
rebuilds the sample and fails if the shipped files differ (in CI; a developer without the
development data gets a skip).

## Counts

Lines: **{s["lines"]}** — valid mentions: **{valid}**, broken on purpose: **{s["bad_lines"]}**,
re-deliveries: **{s["duplicate_lines"]}**.

Valid mentions per language (all 11 languages):

{_table(("lang", "mentions"), s["languages"].items())}

Brand mix of the valid mentions (tagged: a brand `@handle` in the text or a reply to one;
untagged: name, alias or hashtag only; two brands: a brand and a competitor):

{
        _table(
            ("kind", "mentions"),
            [
                ("tagged", pct(mix["tagged"])),
                ("untagged", pct(mix["untagged"])),
                ("two brands", pct(mix["two_brands"])),
                ("no brand", pct(mix["none"])),
                ("of which near-misses (must not match)", s["near_misses"]),
                ("branded mentions in the crisis burst", s["crisis_burst_mentions"]),
                ("replies to a brand handle", s["replies_to_brand"]),
                ("replies to a person", s["replies_to_people"]),
                ("reshares (`reshare_of` set)", s["reshares"]),
            ],
        )
    }

Platforms:

{_table(("platform", "mentions"), s["platforms"].items())}

Followers: median {s["followers"]["median"]}, 99th percentile {s["followers"]["p99"]:,},
max {s["followers"]["max"]:,}.

Broken lines, by kind (spread through the file):

{_table(("kind", "lines"), s["bad_by_kind"].items())}

- `not_json`: a truncated object; `not_object`: a JSON array;
- `missing_text` (absent or empty), `missing_id`, `missing_created_at`;
- `future_created_at`: the year 2100; `bad_timestamp`: an unparseable `created_at`;
- `control_chars`: a text with NUL and other C0 control characters;
- `wrong_type`: a number as `text`, a string as `author.followers` or as `engagement`;
- `huge_text`: one text of {HUGE_TEXT_CHARS:,} characters.

Re-deliveries, by kind (each repeats the id of an earlier valid line):

{_table(("kind", "lines"), s["duplicates_by_kind"].items())}

<details><summary>The same counts, machine-readable</summary>

```json
{json.dumps(s, ensure_ascii=False, indent=2)}
```

</details>
"""


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="sentiment train.jsonl")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--count", type=int, default=DEFAULT_COUNT, help="lines to write")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--attribution", type=Path, default=DEFAULT_ATTRIBUTION)
    args = parser.parse_args(argv)
    if args.count < 500:
        parser.error("--count must be at least 500")
    result = build(read_source(args.source), seed=args.seed, count=args.count)
    args.out.write_text("\n".join(result.lines) + "\n", encoding="utf-8")
    args.attribution.write_text(
        attribution(result.stats, seed=args.seed, count=args.count), encoding="utf-8"
    )
    size = args.out.stat().st_size
    print(f"wrote {args.out} ({len(result.lines)} lines, {size / 1e6:.2f} MB)")
    print(f"wrote {args.attribution}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
