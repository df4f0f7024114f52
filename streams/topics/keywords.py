"""The keyword method: a topic is found when one of its keywords is in the post (pure).

The baseline the e5 prototypes are measured against (docs/topics.md), and what runs when the
topics method is ``keywords``.  Matching folds case and accents (``entrega`` matches
``ENTREGA``, ``qualite`` matches ``qualité``); a keyword matches a whole word or phrase, one
ending in ``*`` the start of a word; Arabic keywords match inside words (its articles and
conjunctions attach to the word: ``التوصيل``, ``والتوصيل``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from streams.topics.taxonomy import Taxonomy

__all__ = ["KeywordClassifier", "fold"]

_ARABIC = re.compile(r"[\u0600-\u06ff]")
_WORD = re.compile(r"\w+")


def fold(text: str) -> str:
    """Lowercased, without accents (``Qualité`` -> ``qualite``; Arabic and others kept)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


class KeywordClassifier:
    """Topics of a post by the keywords of each topic of a taxonomy.

    A post is folded and cut into words once; single words are looked up in a dict, prefixes
    by the lengths that occur, phrases and Arabic keywords as substrings of the folded text
    (phrases between word boundaries): about a tenth of a millisecond a post.
    """

    name = "keywords"

    def __init__(self, taxonomy: Taxonomy) -> None:
        self.taxonomy = taxonomy
        self._order = {t.id: i for i, t in enumerate(taxonomy)}
        self._words: dict[str, set[str]] = {}
        self._prefixes: dict[str, set[str]] = {}
        self._phrases: list[tuple[str, str]] = []  # (" folded phrase ", topic)
        self._inside: list[tuple[str, str]] = []  # Arabic: (folded, topic)
        for topic in taxonomy:
            for keyword in topic.keywords:
                prefix = keyword.endswith("*")
                words = _WORD.findall(fold(keyword.rstrip("*")))
                if not words:
                    continue
                folded = " ".join(words)
                if _ARABIC.search(folded):
                    self._inside.append((folded, topic.id))
                elif len(words) > 1:
                    self._phrases.append((f" {folded}{'' if prefix else ' '}", topic.id))
                elif prefix:
                    self._prefixes.setdefault(folded, set()).add(topic.id)
                else:
                    self._words.setdefault(folded, set()).add(topic.id)
        self._lengths = sorted({len(p) for p in self._prefixes})

    def topics(self, text: str) -> list[str]:
        """The ids of the topics whose keywords ``text`` holds, in taxonomy order."""
        folded = fold(text)
        words = _WORD.findall(folded)
        found: set[str] = set()
        for word in words:
            hit = self._words.get(word)
            if hit:
                found |= hit
            for n in self._lengths:
                if n > len(word):
                    break
                hit = self._prefixes.get(word[:n])
                if hit:
                    found |= hit
        if self._phrases:
            joined = f" {' '.join(words)} "
            found.update(topic for phrase, topic in self._phrases if phrase in joined)
        found.update(topic for needle, topic in self._inside if needle in folded)
        return sorted(found, key=self._order.__getitem__)

    def classify(self, texts: Sequence[str]) -> list[list[str]]:
        return [self.topics(t) for t in texts]
