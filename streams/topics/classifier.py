"""Topics of a batch of posts by the configured method, and the departments owning them (pure).

Methods (``BUZZWIRE_TOPICS_METHOD``; docs/topics.md compares them):

- ``keywords``: the taxonomy's keywords (``streams.topics.keywords``); pure Python, ~0.1 ms a
  post, and the best measured on the labelled set;
- ``e5``: the head on multilingual-e5 vectors (``streams.topics.head``); works in every
  language e5 knows, one more encoder pass per post;
- ``e5+keywords``: both, a post gets the union;
- ``off``: no topics.

The e5 vectors come from a function passed in (the worker passes
``models.embeddings.E5Embedder.embed``): this domain never loads a model itself.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Literal, get_args

import numpy as np

from streams.topics.head import TopicHead
from streams.topics.keywords import KeywordClassifier
from streams.topics.taxonomy import Taxonomy

__all__ = ["METHODS", "THRESHOLDS", "Method", "TopicClassifier"]

Method = Literal["keywords", "e5", "e5+keywords", "off"]
METHODS: tuple[str, ...] = get_args(Method)

#: The e5 head's threshold per method, chosen on the whole labelled set by
#: ``benchmarks/topics_eval.py`` (its held-out F1 comes from 5-fold cross-validation).
THRESHOLDS: dict[str, float] = {"e5": 0.1, "e5+keywords": 0.15}

Embed = Callable[[Sequence[str]], np.ndarray]


class TopicClassifier:
    """``classify(texts)``: each text's topic ids, in taxonomy order."""

    def __init__(
        self,
        taxonomy: Taxonomy,
        method: Method = "keywords",
        *,
        embed: Embed | None = None,
        threshold: float | None = None,
    ) -> None:
        if method not in METHODS:
            raise ValueError(f"unknown topics method {method!r} (one of {', '.join(METHODS)})")
        self.taxonomy = taxonomy
        self.method = method
        self.keywords = KeywordClassifier(taxonomy)
        self.head: TopicHead | None = None
        self._embed = embed
        if method in ("e5", "e5+keywords"):
            if embed is None:
                raise ValueError(f"the topics method {method!r} needs an e5 embedder")
            cut = THRESHOLDS[method] if threshold is None else threshold
            self.head = TopicHead.fit(taxonomy, embed, threshold=cut)

    @property
    def name(self) -> str:
        return self.method

    @property
    def releases_gil(self) -> bool:
        """True when the work is an encoder pass (run it in a thread, off the event loop)."""
        return self.head is not None

    def classify(self, texts: Sequence[str]) -> list[list[str]]:
        if self.method == "off" or not texts:
            return [[] for _ in texts]
        by_head: list[list[str]] = [[] for _ in texts]
        if self.head is not None and self._embed is not None:
            by_head = self.head.topics(self._embed(texts))
        if self.method == "e5":
            return by_head
        by_words = self.keywords.classify(texts)
        order = {t: i for i, t in enumerate(self.taxonomy.ids)}
        return [
            sorted(set(a) | set(b), key=order.__getitem__)
            for a, b in zip(by_head, by_words, strict=True)
        ]

    def departments(self, topics: Sequence[str]) -> list[str]:
        return self.taxonomy.departments_of(topics)
