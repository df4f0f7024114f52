# ruff: noqa: RUF001, RUF002, RUF003  (Unicode folding tables: confusable characters on purpose)
"""Brand matching: text normalisation and :class:`BrandMatcher` (pure logic, no Kafka).

Normalisation
-------------
The same functions are applied to catalog terms and to post text, so whatever they fold
away is folded away on both sides.

``fold(text)`` works character by character (cached per character, run through
``str.translate``):

* Unicode NFKD, ``casefold()``, NFKD again (compatibility forms such as fullwidth letters,
  ligatures and halfwidth katakana become their plain forms; ``ß`` -> ``ss``).
* Combining *diacritics* are removed: every mark with a non-zero canonical combining class
  except the script-essential ones (nukta/virama/kana voicing marks, ccc 7-9, and the Thai,
  Lao, Telugu and Tibetan vowel/tone classes, ccc 84-199 except the Hebrew/Arabic/Syriac
  points 10-36, which are removed). So ``Zeltā`` == ``zelta``, ``Phở`` == ``pho``, Arabic
  harakat and hamza seats fold (``أكمي`` == ``اكمي``), Hebrew niqqud fold; ``ガ`` stays ``ガ``.
* Letters that have no decomposition but are commonly typed without their stroke are folded:
  ``đ``->``d`` (Croatian), ``ł``->``l``, ``ø``->``o``, ``ħ``->``h``, ``ŧ``->``t``, ``ı``->``i``,
  ``æ``->``ae``, ``œ``->``oe``; Arabic ``ى``/Persian ``ی`` -> ``ي``, Persian ``ک`` -> ``ك``,
  ``ٱ`` -> ``ا``; tatweel, zero-width characters, soft hyphen and variation selectors are
  dropped; ``™ ℠`` become a space (so ``Acme™`` still ends at a word boundary).
* Hangul syllables are kept precomposed; any whitespace becomes a plain space.

``normalize(text)`` (the form used for names, aliases and exclude terms) is ``fold`` plus:
every Unicode punctuation character (category P*) except ``& # @ _`` becomes a space, runs
of spaces collapse to one and the ends are stripped. Multi-word terms are therefore
punctuation/whitespace-insensitive like a search-engine phrase query: ``Acme  Corp``,
``Acme-Corp``, ``acme.corp`` and ``Acme\\nCorp`` all equal ``acme corp``; ``Wile E. Coyote``
equals ``wile e coyote``; ``l'Acme`` contains the word ``acme``. Symbols (``+ $ © emoji``) are
kept, so ``AT&T`` only matches ``AT&T``.

Boundaries (checked on the normalised text)
-------------------------------------------
A word character is ``str.isalnum()``, ``_`` or a kept combining mark (Indic vowel signs...).
A term match must not be preceded or followed by a word character (only checked at ends of
the term that are themselves word characters), except:

* Scripts written without spaces (Han, Hiragana, Katakana, Thai, Lao, Khmer, Myanmar): a
  boundary is never required next to one of their characters, on either side of the match,
  so ``艾克美`` matches inside ``我喜欢艾克美的手机`` and ``Acme`` inside ``我喜欢Acme的``.
* Korean: no boundary is required *after* a Hangul syllable or before a following Hangul
  character (particles attach: ``기아는``, ``Acme는``); the left boundary is still required.
* Arabic: a term starting with an Arabic letter may be preceded by one of the attached
  proclitics: optional ``و``/``ف``, then optional ``ب``/``ل``/``ك``, then optional ``ال``
  (``ل``+``ال`` written ``لل``), e.g. ``وأكمي``, ``بأكمي``, ``والأكمي``, ``للأكمي``. Suffixes
  (pronouns) are not stripped, nor is the elided alif of a term that itself starts with ``ال``.

Handles, hashtags, URLs, e-mails
--------------------------------
On the folded text: URLs (``http(s)://…``, ``www.…``) and e-mail-like tokens (``x@acme.com``,
``x@acme``) are masked and never match anything. A handle token is ``@`` not preceded by a
word character/``@``/``#``, followed by word characters with inner dots (trailing dots are
punctuation); it matches a
brand handle exactly (case-insensitive), so ``@acme_uk``/``@acmes`` are not ``@acme``.
Handle tokens are masked before name matching (``@acme_uk`` is not a mention of *Acme*).
A hashtag token is ``#`` + word characters; it matches a listed hashtag exactly. Hashtag
tokens are *not* masked, so ``#Acme`` also matches the name ``Acme``.

Match rules
-----------
* a handle token or ``reply_to_handle`` equal to one of the brand's handles -> ``tagged=True``;
* a name/alias/hashtag -> the brand is mentioned (``tagged=False`` unless also tagged);
* if any of a brand's ``exclude`` terms occurs (same normalisation and boundaries) anywhere
  in the post, that brand's name/alias/hashtag matches are vetoed for the whole post;
  handle tags (and reply-to) still count, since tagging the brand's account is unambiguous;
* longest match wins across brands: a name match lying strictly inside a longer name match
  of another brand is dropped (``Initech Bank`` is not also a mention of a brand ``Bank``);
* one :class:`BrandMatch` per brand, ordered by first occurrence in the text (ties by catalog
  order); brands found only through ``reply_to_handle`` come last, in catalog order.

Everything is found with one Aho-Corasick automaton over all normalised names, aliases and
exclude terms, plus one regex pass and a dict lookup for handles/hashtags.
"""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING, NamedTuple

import ahocorasick

if TYPE_CHECKING:
    from streams.brands.catalog import BrandCatalog

__all__ = [
    "BrandMatch",
    "BrandMatcher",
    "fold",
    "is_word_char",
    "normalize",
    "normalize_handle",
    "normalize_hashtag",
    "token_end",
]

# ---------------------------------------------------------------------------------------------
# character classes

WORD = 1
NOSPACE = 2
HANGUL = 4
ARABIC = 8

_NOSPACE_RANGES = (
    (0x0E00, 0x0EFF),  # Thai, Lao
    (0x1000, 0x109F),  # Myanmar
    (0x1780, 0x17FF),  # Khmer
    (0x19E0, 0x19FF),  # Khmer symbols
    (0x2E80, 0x2FDF),  # CJK radicals, Kangxi radicals
    (0x3000, 0x30FF),  # CJK symbols (々 〆 〇), Hiragana, Katakana
    (0x31F0, 0x31FF),  # Katakana phonetic extensions
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xA9E0, 0xA9FF),  # Myanmar extended B
    (0xAA60, 0xAA7F),  # Myanmar extended A
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0xFF66, 0xFF9F),  # halfwidth katakana
    (0x1B000, 0x1B16F),  # kana supplement / extended
    (0x20000, 0x3FFFF),  # CJK extensions B..
)
_HANGUL_RANGES = (
    (0x1100, 0x11FF),
    (0x3130, 0x318F),
    (0xA960, 0xA97F),
    (0xAC00, 0xD7FF),
)
_ARABIC_RANGES = (
    (0x0600, 0x06FF),
    (0x0750, 0x077F),
    (0x0870, 0x08FF),
    (0xFB50, 0xFDFF),
    (0xFE70, 0xFEFF),
)


def _in(cp: int, ranges: tuple[tuple[int, int], ...]) -> bool:
    return any(lo <= cp <= hi for lo, hi in ranges)


def _classify(ch: str) -> int:
    flags = 0
    if ch.isalnum() or ch == "_" or unicodedata.category(ch) in ("Mn", "Mc"):
        flags |= WORD
    cp = ord(ch)
    if _in(cp, _NOSPACE_RANGES):
        flags |= NOSPACE
    elif _in(cp, _HANGUL_RANGES):
        flags |= HANGUL
    elif _in(cp, _ARABIC_RANGES):
        flags |= ARABIC
    return flags


class _ClassCache(dict[str, int]):
    def __missing__(self, ch: str) -> int:
        flags = _classify(ch)
        self[ch] = flags
        return flags


_CLS = _ClassCache()


def is_word_char(ch: str) -> bool:
    """True for letters/digits of any script, ``_`` and kept combining marks."""
    return bool(_CLS[ch] & WORD)


# ---------------------------------------------------------------------------------------------
# folding and normalisation

_PRE = {
    "™": " ",
    "℠": " ",
    "ʼ": "'",  # modifier letter apostrophe (a letter for isalnum)
    "ʹ": "'",
    "`": "'",
    "´": "'",
}
_POST = {
    "đ": "d",
    "ł": "l",
    "ø": "o",
    "ħ": "h",
    "ŧ": "t",
    "ı": "i",
    "æ": "ae",
    "œ": "oe",
    "ى": "ي",  # alef maksura -> yeh
    "ی": "ي",  # Farsi yeh -> Arabic yeh
    "ک": "ك",  # keheh -> kaf
    "ٱ": "ا",  # alef wasla -> alef
}
_DROP = frozenset(
    ["\u00ad", "\u0640", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"]
    + [chr(c) for c in range(0xFE00, 0xFE10)]
    + [chr(c) for c in range(0xE0100, 0xE01F0)]
)


def _drop_mark(ch: str) -> bool:
    ccc = unicodedata.combining(ch)
    if ccc == 0:
        return False
    return not (ccc in (7, 8, 9) or 84 <= ccc <= 199)


def _fold_char(ch: str) -> str:
    if ch in _DROP:
        return ""
    if ch in _PRE:
        return _PRE[ch]
    if ch.isspace():
        return " "
    if 0xAC00 <= ord(ch) <= 0xD7A3:  # precomposed Hangul: keep as is
        return ch
    s = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", ch).casefold())
    out = []
    for d in s:
        if d in _DROP or _drop_mark(d):
            continue
        d = _POST.get(d, d)
        out.append(" " if d.isspace() else d)
    return "".join(out)


class _FoldTable(dict[int, str]):
    def __missing__(self, cp: int) -> str:
        value = _fold_char(chr(cp))
        self[cp] = value
        return value


class _PunctTable(dict[int, str]):
    def __missing__(self, cp: int) -> str:
        ch = chr(cp)
        keep = ch in "&#@_" or not unicodedata.category(ch).startswith("P")
        value = ch if keep else " "
        self[cp] = value
        return value


_FOLD = _FoldTable()
_PUNCT = _PunctTable()
_SPACES = re.compile(" {2,}")


def fold(text: str) -> str:
    """Character-level folding (case, diacritics, compatibility forms, whitespace).

    Punctuation is kept; this is the form handles and hashtags are compared in.
    """
    return text.translate(_FOLD)


def normalize(text: str) -> str:
    """The comparison form of names, aliases and exclude terms (see the module docstring)."""
    return _SPACES.sub(" ", fold(text).translate(_PUNCT)).strip()


def normalize_handle(handle: str) -> str:
    """``'@Acme'``, ``'acme'`` and ``' @ACME '`` -> ``'@acme'``."""
    h = fold(handle.strip())
    return h if h.startswith("@") else "@" + h


def normalize_hashtag(tag: str) -> str:
    """``'#ZeltāPiens'`` -> ``'#zeltapiens'``."""
    return fold(tag.strip())


def token_end(s: str, start: int, allow_dots: bool) -> int:
    """End of the handle/hashtag body starting at ``s[start]``.

    The body is a run of word characters; with ``allow_dots`` (handles) single dots between
    word characters are included too.
    """
    cls = _CLS
    j = start
    n = len(s)
    while j < n:
        ch = s[j]
        inner_dot = allow_dots and ch == "." and j > start and j + 1 < n and cls[s[j + 1]] & WORD
        if not (cls[ch] & WORD or inner_dot):
            break
        j += 1
    return j


# ---------------------------------------------------------------------------------------------
# Arabic proclitics


def _arabic_proclitics() -> frozenset[str]:
    out: set[str] = set()
    for conj in ("", "و", "ف"):
        for prep in ("", "ب", "ل", "ك"):
            for art in ("", "ال"):
                prefix = conj + prep + art
                prefix = prefix.replace("لال", "لل")
                if prefix:
                    out.add(prefix)
    return frozenset(out)


ARABIC_PROCLITICS = _arabic_proclitics()
_MAX_PROCLITIC = max(len(p) for p in ARABIC_PROCLITICS)


def _proclitic_ok(s: str, start: int) -> bool:
    k = start - 1
    while k >= 0 and _CLS[s[k]] & WORD:
        if start - k > _MAX_PROCLITIC:
            return False
        k -= 1
    return s[k + 1 : start] in ARABIC_PROCLITICS


# ---------------------------------------------------------------------------------------------
# matcher


class BrandMatch(NamedTuple):
    """One brand found in a post. ``tagged``: the brand's own handle was tagged/replied to."""

    id: str
    tagged: bool


_URL = re.compile(r"(?:https?://|www\.)\S+")
_EMAIL = re.compile(r"\w[\w.+-]*@\w[\w-]*(?:\.[\w-]+)*")  # also user@host without TLD
_SIGIL = re.compile(r"[@#]")

# automaton value: (length, need_left, arabic_first, need_right, ((brand_index, is_exclude), ...))
_Term = tuple[int, bool, bool, bool, tuple[tuple[int, bool], ...]]


def _mask(s: str, spans: list[tuple[int, int]]) -> str:
    if not spans:
        return s
    parts: list[str] = []
    pos = 0
    for a, b in sorted(spans):
        if a < pos:
            a = pos
        if b <= a:
            continue
        parts.append(s[pos:a])
        parts.append(" " * (b - a))
        pos = b
    parts.append(s[pos:])
    return "".join(parts)


class BrandMatcher:
    """Finds the brands of a :class:`~streams.brands.catalog.BrandCatalog` in post texts.

    Build once (it compiles one Aho-Corasick automaton), then call :meth:`match` per post.
    Thread-safe for concurrent ``match`` calls.
    """

    def __init__(self, catalog: BrandCatalog) -> None:
        self.catalog = catalog
        brands = tuple(catalog.brands)
        self._ids: tuple[str, ...] = tuple(b.id for b in brands)
        handles: dict[str, list[int]] = {}
        hashtags: dict[str, list[int]] = {}
        terms: dict[str, dict[tuple[int, bool], None]] = {}
        for idx, brand in enumerate(brands):
            for h in brand.handles:
                handles.setdefault(normalize_handle(h), []).append(idx)
            for t in brand.hashtags:
                hashtags.setdefault(normalize_hashtag(t), []).append(idx)
            for term in (brand.name, *brand.aliases):
                key = normalize(term)
                if key:
                    terms.setdefault(key, {})[(idx, False)] = None
            for term in brand.exclude:
                key = normalize(term)
                if key:
                    terms.setdefault(key, {})[(idx, True)] = None
        self._handles = {k: tuple(dict.fromkeys(v)) for k, v in handles.items()}
        self._hashtags = {k: tuple(dict.fromkeys(v)) for k, v in hashtags.items()}
        self._automaton = ahocorasick.Automaton(ahocorasick.STORE_ANY, ahocorasick.KEY_STRING)
        for key, entries in terms.items():
            first, last = _CLS[key[0]], _CLS[key[-1]]
            value: _Term = (
                len(key),
                bool(first & WORD) and not first & NOSPACE,
                bool(first & ARABIC),
                bool(last & WORD) and not last & (NOSPACE | HANGUL),
                tuple(entries),
            )
            self._automaton.add_word(key, value)
        self._term_count = len(terms)
        if terms:
            self._automaton.make_automaton()

    @property
    def brand_ids(self) -> tuple[str, ...]:
        """Brand ids in catalog order."""
        return self._ids

    @property
    def term_count(self) -> int:
        """Number of distinct normalised names/aliases/exclude terms in the automaton."""
        return self._term_count

    def automaton_stats(self) -> dict[str, int]:
        """pyahocorasick's own statistics (``nodes_count``, ``total_size`` in bytes, ...)."""
        return dict(self._automaton.get_stats())

    def match(self, text: str, reply_to_handle: str | None = None) -> list[BrandMatch]:
        """Brands mentioned or tagged in ``text`` (see the module docstring for the rules)."""
        first: dict[int, float] = {}
        tagged: set[int] = set()
        excluded: set[int] = set()

        s1 = fold(text)
        handle_hits: list[tuple[int, int]] = []  # (position in s1, brand index)
        hashtag_hits: list[tuple[int, int]] = []
        handle_spans: list[tuple[int, int]] = []
        if "@" in s1 or "#" in s1 or "://" in s1 or "www." in s1:
            spans = [m.span() for m in _URL.finditer(s1)] if ("://" in s1 or "www." in s1) else []
            if "@" in s1:
                spans.extend(m.span() for m in _EMAIL.finditer(s1))
            s1 = _mask(s1, spans)
            for m in _SIGIL.finditer(s1):
                i = m.start()
                if i:
                    prev = s1[i - 1]
                    if prev in "@#&" or _CLS[prev] & WORD:
                        continue
                sigil = s1[i]
                j = token_end(s1, i + 1, allow_dots=sigil == "@")
                if j == i + 1:
                    continue
                token = s1[i:j]
                if sigil == "@":
                    handle_spans.append((i, j))
                    for idx in self._handles.get(token, ()):
                        handle_hits.append((i, idx))
                else:
                    for idx in self._hashtags.get(token, ()):
                        hashtag_hits.append((i, idx))

        s2 = _mask(s1, handle_spans).translate(_PUNCT)
        runs = [m.span() for m in _SPACES.finditer(s2)] if "  " in s2 else []
        s3 = _SPACES.sub(" ", s2) if runs else s2

        def to_s3(p: int) -> int:  # s1/s2 position -> s3 position (inside a run: its start)
            return p - sum(min(b - a - 1, max(0, p - a)) for a, b in runs)

        # names, aliases, exclude terms
        names: list[tuple[int, int, int]] = []  # (start, end, brand index)
        if self._term_count and s3:
            n = len(s3)
            cls = _CLS
            for end_idx, (length, need_left, arabic, need_right, entries) in self._automaton.iter(
                s3
            ):
                start = end_idx - length + 1
                if need_left and start > 0:
                    c = cls[s3[start - 1]]
                    if (
                        c & WORD
                        and not c & NOSPACE
                        and not (arabic and c & ARABIC and _proclitic_ok(s3, start))
                    ):
                        continue
                if need_right and end_idx + 1 < n:
                    c = cls[s3[end_idx + 1]]
                    if c & WORD and not c & (NOSPACE | HANGUL):
                        continue
                for idx, is_exclude in entries:
                    if is_exclude:
                        excluded.add(idx)
                    else:
                        names.append((start, end_idx + 1, idx))

        for start, end, idx in names:
            if idx in excluded:
                continue
            if any(
                o_idx != idx and o_start <= start and o_end >= end and o_end - o_start > end - start
                for o_start, o_end, o_idx in names
            ):
                continue
            if start < first.get(idx, start + 1):
                first[idx] = start
        for pos, idx in hashtag_hits:
            if idx not in excluded:
                p = to_s3(pos)
                if p < first.get(idx, p + 1):
                    first[idx] = p
        for pos, idx in handle_hits:
            tagged.add(idx)
            p = to_s3(pos)
            if p < first.get(idx, p + 1):
                first[idx] = p
        if reply_to_handle and reply_to_handle.strip():
            for idx in self._handles.get(normalize_handle(reply_to_handle), ()):
                tagged.add(idx)
                first.setdefault(idx, float("inf"))

        order = sorted(first, key=lambda i: (first[i], i))
        return [BrandMatch(self._ids[i], i in tagged) for i in order]
