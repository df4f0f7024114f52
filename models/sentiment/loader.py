"""Choose and load a sentiment model from configuration.

Only what the chosen model needs is imported: ``linear`` and the default ``e5`` (int8 on ONNX
Runtime) never import torch or transformers; the float32 e5 model (``quantize="none"``) and
Hugging Face models do, and fail with ``torch_extra.TorchExtraMissing`` (which names
``pip install 'buzzwire[torch]'``) where that extra is not installed.
"""

from __future__ import annotations

from pathlib import Path

from models.sentiment.base import SentimentModel
from models.sentiment.shipped import SHIPPED_E5, SHIPPED_LINEAR, WEIGHTS

__all__ = [
    "SHIPPED_E5",
    "SHIPPED_LINEAR",
    "WEIGHTS",
    "load_e5",
    "load_linear",
    "load_sentiment_model",
]


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
    local folder.  ``quantize`` applies to the e5 models; ``threads`` is ONNX Runtime's
    intra-op threads for the int8 e5 model and torch's (for this process) for the torch
    models (float32 e5, Hugging Face)."""
    from models.sentiment.torch_extra import set_torch_threads

    if spec == "linear":
        return load_linear()
    if spec.startswith("linear:"):
        return load_linear(Path(spec.split(":", 1)[1]))
    if spec == "e5" or spec.startswith("e5:"):
        folder = Path(spec.split(":", 1)[1]) if spec.startswith("e5:") else None
        if quantize == "none":
            set_torch_threads(threads, "the float32 e5 model (quantize='none')")
        return load_e5(folder, quantize=quantize, threads=threads)
    set_torch_threads(threads, f"the Hugging Face model {spec!r}")
    from models.sentiment.hf import HuggingFaceSentiment

    return HuggingFaceSentiment(spec, label_map=label_map, device=device)
