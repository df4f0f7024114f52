"""The sentiment model interface: a batch of texts in, a label and three scores per text out."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple, Protocol, runtime_checkable

LABELS: tuple[str, str, str] = ("negative", "neutral", "positive")


class SentimentResult(NamedTuple):
    label: str  # one of LABELS
    scores: dict[str, float]  # negative/neutral/positive, summing to 1


@runtime_checkable
class SentimentModel(Protocol):
    """Any sentiment backend. Loaded once when a worker starts; called with batches."""

    name: str
    version: str

    def predict(
        self, texts: Sequence[str], langs: Sequence[str | None] | None = None
    ) -> list[SentimentResult]:
        """One result per text, in order. ``langs`` (detected languages) may be ignored."""
        ...


def result_from_probs(probs: Sequence[float]) -> SentimentResult:
    """(negative, neutral, positive) probabilities -> a result with the arg-max label."""
    total = float(sum(probs)) or 1.0
    scores = {label: float(p) / total for label, p in zip(LABELS, probs, strict=True)}
    return SentimentResult(max(scores, key=scores.__getitem__), scores)


def check_batch(texts: Sequence[str], langs: Sequence[str | None] | None) -> None:
    """The argument checks every ``predict`` shares: a sequence of texts, one lang per text."""
    if isinstance(texts, str):
        raise TypeError("predict expects a sequence of texts, not a single string")
    if langs is not None and len(langs) != len(texts):
        raise ValueError("langs must have one entry per text")
