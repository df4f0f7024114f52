"""The e5 method: a small head on multilingual-e5 sentence vectors, fitted on the taxonomy (pure).

No labelled posts are needed, in any language: the head is fitted when the worker starts, on
the e5 vectors of the taxonomy's own example phrases (each topic's examples against every other
topic's and against ``BACKGROUND``, off-topic posts in ten languages).  e5 places a post near
the examples of its topic whatever the language, so a head fitted on a dozen examples per topic
applies to posts in every language e5 knows.

- vectors are centred on the mean of all examples (e5's vectors share a large common
  component), normalised and scaled by ``SCALE``;
- one logistic regression per topic (one-vs-rest, L2 penalty ``L2``, ``STEPS`` steps of full
  gradient descent from zero: deterministic, a few milliseconds);
- a post gets every topic whose probability reaches ``threshold`` (zero, one or several).

The threshold per method is in ``streams.topics.classifier.THRESHOLDS`` (chosen by
``benchmarks/topics_eval.py`` on the hand-labelled set; docs/topics.md).  numpy only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from streams.topics.taxonomy import Taxonomy

__all__ = ["BACKGROUND", "DEFAULT_THRESHOLD", "L2", "SCALE", "STEPS", "TopicHead"]

#: The probability from which a post gets a topic, unless told otherwise.
DEFAULT_THRESHOLD = 0.1
SCALE = 10.0
L2 = 1.0
STEPS = 500
_RATE = 0.5

#: Off-topic posts (politics, sport, weather, daily life, TV) in the languages of the default
#: taxonomy: the "none of them" side of every topic's regression.
BACKGROUND: tuple[str, ...] = (
    "The president gave a speech about the election today",
    "What a goal! Great match last night, the team played well",
    "Happy birthday to my best friend, love you",
    "I can't sleep, tomorrow is my exam",
    "The weather is so hot today, going to the beach",
    "Watching the new episode tonight, can't wait",
    "El gobierno anunció nuevas medidas políticas",
    "Qué partidazo, el equipo ganó en el último minuto",
    "Pemilu tahun depan, partai mana yang akan menang",
    "Selamat ulang tahun sahabatku, semoga sehat selalu",
    "Der Minister hat im Parlament gesprochen",
    "Morgen regnet es den ganzen Tag",
    "Le gouvernement veut réformer les retraites",
    "Quel match incroyable hier soir",
    "O jogo de ontem foi emocionante",
    "Que saudade da minha família",
    "Il governo ha approvato la nuova legge",
    "Stasera guardo la partita con gli amici",
    "Vlada je najavila nove mjere",
    "Sutra će biti sunčano i toplo",
    "Valdība pieņēma jaunu likumu",
    "Šodien ir skaista diena, eju pastaigāties",
    "الرئيس يلقي خطابا حول الانتخابات",
    "مباراة رائعة والفريق فاز",
)


def _unit(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.maximum(norms, 1e-12)


def _logistic(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    w = np.zeros(x.shape[1])
    b = 0.0
    n = len(y)
    for _ in range(STEPS):
        p = 1.0 / (1.0 + np.exp(-(x @ w + b)))
        g = p - y
        w -= _RATE * (x.T @ g / n + L2 * w / n)
        b -= _RATE * float(g.mean())
    return w, b


@dataclass(frozen=True)
class TopicHead:
    """Per-topic logistic regressions on centred e5 vectors."""

    topic_ids: tuple[str, ...]
    weights: np.ndarray  # (topics, dim)
    bias: np.ndarray  # (topics,); -inf for a topic without examples
    center: np.ndarray  # (dim,)
    threshold: float = DEFAULT_THRESHOLD

    @classmethod
    def fit(
        cls,
        taxonomy: Taxonomy,
        embed: Callable[[Sequence[str]], np.ndarray],
        *,
        threshold: float = DEFAULT_THRESHOLD,
        background: Sequence[str] = BACKGROUND,
    ) -> TopicHead:
        """Fit on the taxonomy's examples (``embed``: texts -> e5 vectors)."""
        texts: list[str] = []
        owner: list[int] = []
        for k, topic in enumerate(taxonomy):
            texts.extend(topic.examples)
            owner.extend([k] * len(topic.examples))
        texts.extend(background)
        owner.extend([-1] * len(background))
        vectors = np.asarray(embed(texts), dtype=np.float64)
        center = vectors.mean(axis=0)
        x = _unit(vectors - center) * SCALE
        labels = np.asarray(owner)
        weights = np.zeros((len(taxonomy), x.shape[1]))
        bias = np.full(len(taxonomy), -np.inf)
        for k, topic in enumerate(taxonomy):
            if topic.examples:
                weights[k], bias[k] = _logistic(x, (labels == k).astype(np.float64))
        return cls(taxonomy.ids, weights, bias, center, threshold)

    def probabilities(self, vectors: np.ndarray) -> np.ndarray:
        """``(n, topics)``: the probability of each topic for each vector."""
        x = _unit(np.asarray(vectors, dtype=np.float64) - self.center) * SCALE
        with np.errstate(over="ignore"):
            return np.asarray(1.0 / (1.0 + np.exp(-(x @ self.weights.T + self.bias))))

    def topics(self, vectors: np.ndarray, threshold: float | None = None) -> list[list[str]]:
        """The topics of each vector: every one whose probability reaches the threshold."""
        cut = self.threshold if threshold is None else threshold
        probs = self.probabilities(vectors)
        return [[t for t, p in zip(self.topic_ids, row, strict=True) if p >= cut] for row in probs]
