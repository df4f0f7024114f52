"""Batches of token ids: padding to a rectangle, and running a model over length-sorted chunks.

numpy only; shared by the int8 runtime (``e5_sentiment``), the float32 torch model
(``e5_torch``) and the int8 export's calibration (``e5_onnx_export``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from models.sentiment.base import LABELS

__all__ = ["pad_ids_np", "probs_by_length"]


def pad_ids_np(ids: Sequence[Sequence[int]], pad: int) -> tuple[np.ndarray, np.ndarray]:
    """Token id lists -> (ids, attention mask) as int64 arrays, padded to the longest."""
    width = max(len(x) for x in ids)
    batch = np.full((len(ids), width), pad, dtype=np.int64)
    mask = np.zeros((len(ids), width), dtype=np.int64)
    for row, x in enumerate(ids):
        batch[row, : len(x)] = x
        mask[row, : len(x)] = 1
    return batch, mask


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
