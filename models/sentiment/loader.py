"""Choose and load a sentiment model from configuration."""

from __future__ import annotations

from pathlib import Path

from models.sentiment.base import SentimentModel

#: The linear model trained by ``python -m models.sentiment.train_linear`` and shipped here.
SHIPPED_LINEAR = Path(__file__).resolve().parent / "weights" / "linear"


def load_linear(path: Path | None = None) -> SentimentModel:
    from models.sentiment.linear import LinearSentiment

    return LinearSentiment.load(path or SHIPPED_LINEAR)


def load_sentiment_model(
    spec: str, *, label_map: str | None = None, device: str | None = None
) -> SentimentModel:
    """``linear`` (the shipped linear model), ``linear:FOLDER`` (one trained with
    ``models.sentiment.train_linear``), or a Hugging Face model name or local folder."""
    if spec == "linear":
        return load_linear()
    if spec.startswith("linear:"):
        return load_linear(Path(spec.split(":", 1)[1]))
    from models.sentiment.hf import HuggingFaceSentiment

    return HuggingFaceSentiment(spec, label_map=label_map, device=device)
