"""Choose and load a sentiment model from configuration."""

from __future__ import annotations

from pathlib import Path

from models.sentiment.base import SentimentModel

WEIGHTS = Path(__file__).resolve().parent / "weights"
#: The fine-tuned e5 model trained by ``python -m models.sentiment.train_e5`` (the default).
SHIPPED_E5 = WEIGHTS / "e5"
#: The linear model trained by ``python -m models.sentiment.train_linear`` (the fallback).
SHIPPED_LINEAR = WEIGHTS / "linear"


def load_linear(path: Path | None = None) -> SentimentModel:
    from models.sentiment.linear import LinearSentiment

    return LinearSentiment.load(path or SHIPPED_LINEAR)


def load_e5(
    path: Path | None = None, *, quantize: str = "int8", threads: int | None = None
) -> SentimentModel:
    from models.sentiment.e5_sentiment import E5Sentiment

    return E5Sentiment.load(
        path or SHIPPED_E5,
        quantize=quantize,  # type: ignore[arg-type]
        threads=threads,
    )


def load_sentiment_model(
    spec: str,
    *,
    label_map: str | None = None,
    device: str | None = None,
    quantize: str = "int8",
    threads: int | None = None,
) -> SentimentModel:
    """``e5`` (the shipped fine-tuned e5 model), ``e5:FOLDER`` (one trained with
    ``models.sentiment.train_e5``), ``linear`` (the shipped linear model), ``linear:FOLDER``
    (one trained with ``models.sentiment.train_linear``), or a Hugging Face model name or
    local folder.  ``quantize`` applies to the e5 models, ``threads`` (torch's intra-op
    threads for this process, and ONNX Runtime's for the int8 e5 model) to every torch
    model."""
    if spec == "linear":
        return load_linear()
    if spec.startswith("linear:"):
        return load_linear(Path(spec.split(":", 1)[1]))
    if threads is not None:
        import torch

        torch.set_num_threads(threads)
    if spec == "e5":
        return load_e5(quantize=quantize, threads=threads)
    if spec.startswith("e5:"):
        return load_e5(Path(spec.split(":", 1)[1]), quantize=quantize, threads=threads)
    from models.sentiment.hf import HuggingFaceSentiment

    return HuggingFaceSentiment(spec, label_map=label_map, device=device)
