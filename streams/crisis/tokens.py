"""Multilingual tokens of a post, for alert explanations and near-duplicate detection (pure).

A post is NFKC-normalised (Arabic presentation forms become plain letters, full-width Latin
becomes ASCII) and case-folded; links are dropped. A *word* is a run of Unicode letters, digits
and combining marks (Devanagari vowel signs and Arabic harakat stay inside their word; Python's
``\\w`` alone would cut words at them), with the zero-width (non-)joiner kept inside Persian and
Indic words. Arabic diacritics and the tatweel are removed so that spellings with and without
them meet. Words are then:

- ``#tag``: a hashtag, kept with its ``#``;
- ``@handle``: a handle, kept with its ``@``;
- a term: any other word of at least two characters that is not only digits.

:func:`terms` gives the tokens an explanation counts (stopwords of the languages buzzwire
samples removed); :func:`dup_words` gives the words near-duplicate detection compares (no
hashtags, handles or numbers: campaigns vary those first; stopwords kept, they are part of a
text's identity).
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["STOPWORDS", "dup_words", "normalise", "terms", "terms_of", "words"]


def _mark_ranges() -> str:
    """The combining marks (Mn, Mc, Me) of the Basic Multilingual Plane as a character-class
    body (``\\w`` already holds every letter and digit, in every plane)."""
    ranges: list[tuple[int, int]] = []
    for cp in range(0x300, 0x10000):
        if unicodedata.category(chr(cp))[0] != "M":
            continue
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1] = (ranges[-1][0], cp)
        else:
            ranges.append((cp, cp))
    return "".join(
        re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}"
        for a, b in ranges
    )


_WORD_CHARS = rf"\w{_mark_ranges()}\u200c\u200d"
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_TOKEN = re.compile(rf"([#@]?)([{_WORD_CHARS}]+(?:[.'\u2019][{_WORD_CHARS}]+)*)")
_ARABIC = re.compile(r"[\u0600-\u06ff]")
# harakat, superscript alef, Quranic marks and the tatweel
_ARABIC_DIACRITICS = re.compile(r"[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")

# A few dozen of the commonest function words of the languages buzzwire samples; an
# explanation that names "the" or "yang" says nothing. Not exhaustive: the log-odds ranking
# against the brand's own baseline already keeps common words down.
_STOP_TEXT = {
    "en": "the a an and or but of to in on at for with from by is are was were be been it its "
    "this that these those i me my we our you your he she they them their his her not no so "
    "just have has had do does did will would can could about as if what when how all rt "
    "get got im i'm it's don't dont",
    "es": "el la los las un una unos unas y o pero de del a al en con por para es son fue "
    "ser estar está esta este esto eso lo le les se me mi mis tu te su sus que qué no sí "
    "muy más ya hay como cuando yo nos",
    "pt": "o a os as um uma e ou mas de do da dos das em no na nos nas com por para é são "
    "foi ser estar está isso esse essa que não sim muito mais já eu você ele ela se me meu "
    "minha meus minhas",
    "fr": "le la les un une des et ou mais de du au aux en dans sur avec pour par est sont "
    "être été ce cet cette ces que qui ne pas plus je tu il elle nous vous ils elles on se "
    "mon ma mes son sa ses c'est",
    "de": "der die das den dem des ein eine einen einem und oder aber von zu im in an auf "
    "mit für ist sind war waren sein nicht kein keine ich du er sie es wir ihr mein dein "
    "auch noch schon so wie was",
    "it": "il lo la i gli le un uno una e o ma di del della dei delle a al in con per su "
    "da è sono era essere che non sì molto più già io tu lui lei noi voi mi ti si mio mia "
    "miei mie solo",
    "id": "yang dan di ke dari ini itu untuk dengan pada adalah ada tidak tak ya aku saya "
    "kamu dia kami kita mereka juga sudah udah akan bisa jadi atau karena kalau lagi aja "
    "sih nya gak ga nggak",
    "ms": "yang dan di ke dari ini itu untuk dengan pada adalah ada tidak saya awak dia kami",
    "lv": "un ir bija būs es tu viņš viņa mēs jūs viņi ar par no uz pie ka kas to tas tā "
    "ne arī bet vai kā jau tikai vēl šis šī",
    "hr": "i u na je su sam si smo ste biti da ne se za od do s sa iz to taj ta ovo ono "
    "kao ali ili što šta koji koja koje ja ti on ona mi vi oni već još samo",
    "ar": "في من على إلى الى عن مع هذا هذه ذلك التي الذي هو هي أن ان لا ما لم كل و يا "
    "أو او ثم قد كان",
    "hi": "और का की के है हैं में से को पर यह वह था थे थी भी नहीं तो हो एक",
}
STOPWORDS: frozenset[str] = frozenset(w for text in _STOP_TEXT.values() for w in text.split())


def normalise(text: str) -> str:
    """NFKC, links removed, Arabic diacritics and tatweel removed (case is kept)."""
    text = unicodedata.normalize("NFKC", text)
    text = _URL.sub(" ", text)
    if _ARABIC.search(text):
        text = _ARABIC_DIACRITICS.sub("", text)
    return text


def words(text: str) -> list[tuple[str, str]]:
    """``(prefix, word)`` pairs of a post, in order; ``prefix`` is ``"#"``, ``"@"`` or ``""``,
    ``word`` case-folded."""
    pairs: list[tuple[str, str]] = _TOKEN.findall(normalise(text).casefold())
    return pairs


def terms(text: str) -> list[str]:
    """The distinct tokens an explanation counts: ``#tag``, ``@handle`` and terms (two
    characters or more, not only digits, not a stopword), in order of first appearance."""
    return terms_of(words(text))


def terms_of(pairs: list[tuple[str, str]]) -> list[str]:
    """:func:`terms` of ``words(text)``."""
    seen: dict[str, None] = {}
    for prefix, word in pairs:
        if prefix:
            seen[prefix + word] = None
        elif len(word) >= 2 and not word.isdigit() and word not in STOPWORDS:
            seen[word] = None
    return list(seen)


def dup_words(pairs: list[tuple[str, str]]) -> set[str]:
    """The distinct plain words of ``words(text)`` that near-duplicate detection compares."""
    return {w for p, w in pairs if not p and not w.isdigit()}
