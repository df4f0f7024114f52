"""The int8 ONNX export of the e5 classifier (models/sentiment/e5_onnx_export.py) and how its
files load (models/sentiment/e5_onnx.py).  Needs the torch extra (torch, transformers, onnx).

Exports a 2-layer classifier (the first two e5 layers, a random head): fast, and the same
graph as the shipped 12-layer one.  The shipped file itself is tested in test_e5_sentiment.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.ci import require_module

torch = require_module("torch")
onnx = require_module("onnx")

from models.sentiment import e5_onnx, e5_onnx_export  # noqa: E402
from models.sentiment.batching import pad_ids_np  # noqa: E402
from models.sentiment.e5_tokenizer import E5Tokenizer  # noqa: E402
from models.sentiment.e5_torch import build_classifier, pad_ids  # noqa: E402

TEXTS = [
    "I love this!",
    "Pelayanan sangat buruk, makanan dingin dan mahal.",
    "ok",
    "Ovo je katastrofa, nikad više ne kupujem kod njih. " * 3,
    "خدمة سيئة جدا",
    "😂😂 @user http",
]


@pytest.fixture(scope="module")
def small() -> tuple[Any, Any, np.ndarray]:
    model, tokenizer = build_classifier(2, dropout=0.0)
    with torch.no_grad():
        model.head.weight.normal_(0.0, 0.5, generator=torch.Generator().manual_seed(1))
    model.eval().requires_grad_(False)
    words = model.encoder.embeddings.word_embeddings.weight.detach().numpy()
    return model, tokenizer, words


def ids_of(tokenizer: E5Tokenizer, texts: list[str]) -> list[list[int]]:
    return tokenizer.encode(texts, 64)


def torch_probs(model: Any, ids: list[list[int]], pad: int) -> np.ndarray:
    with torch.inference_mode():
        return torch.softmax(model(*pad_ids(ids, pad)), dim=-1).numpy()


def test_float_graph_matches_torch_at_any_batch_and_length(
    small: tuple[Any, Any, np.ndarray], tmp_path: Path
) -> None:
    model, tokenizer, words = small
    path = tmp_path / "fp32.onnx"
    fused = e5_onnx_export._export_float(model, path)
    # each layer's attention fused into one op (the reason for exporting with eager attention)
    assert fused["Attention"] == 2
    assert model.encoder.config._attn_implementation != "eager"  # restored after the export
    runner = e5_onnx.OnnxClassifier(e5_onnx.session(path, 1), words)
    ids = ids_of(tokenizer, TEXTS)
    pad = tokenizer.pad_id
    for group in (ids, ids[:1], ids[2:5]):  # batch and sequence sizes other than the export's
        got = runner(*e5_onnx_pad(group, pad))
        np.testing.assert_allclose(got, torch_probs(model, group, pad), atol=1e-4)
    assert sorted(e5_onnx_export.ffn_out_nodes(path)) == [0, 1]


def e5_onnx_pad(ids: list[list[int]], pad: int) -> tuple[np.ndarray, np.ndarray]:
    return pad_ids_np(ids, pad)


def op_of(path: Path) -> dict[str, str]:
    return {n.name: n.op_type for n in onnx.load(str(path)).graph.node}


def test_int8_export_keeps_the_chosen_layers_float(
    small: tuple[Any, Any, np.ndarray], tmp_path: Path
) -> None:
    model, tokenizer, words = small
    out = tmp_path / "int8.onnx"
    report = e5_onnx_export.export_int8(
        model, out, source_version="1.abc", word_embeddings=words, float_layers=[1]
    )
    assert report["float_layers"] == [1]
    ops = op_of(out)
    float_ffn_out = sorted(e5_onnx_export.ffn_out_nodes(out))
    assert float_ffn_out == [1]  # layer 0's FFN output replaced by its int8 version
    assert ops[e5_onnx_export.ffn_out_nodes(out)[1]] == "MatMul"
    assert sum(op in ("MatMulInteger", "DynamicQuantizeMatMul") for op in ops.values()) >= 3
    runner = e5_onnx.OnnxClassifier.load(out, words, threads=1)
    assert runner.source_version == "1.abc"
    assert runner.float_layers == (1,)
    ids = ids_of(tokenizer, TEXTS)
    pad = tokenizer.pad_id
    got = runner(*e5_onnx_pad(ids, pad))
    ref = torch_probs(model, ids, pad)
    np.testing.assert_allclose(got.sum(axis=1), 1.0, atol=1e-5)
    assert float(np.abs(got - ref).max()) < 0.1  # int8, 2 layers: close, not equal
    # 7-bit weights: uint8 x int8 pair sums fit int16, so CPUs without VNNI do not saturate
    weights = [
        onnx.numpy_helper.to_array(t)
        for t in onnx.load(str(out)).graph.initializer
        if t.data_type == onnx.TensorProto.INT8 and t.name.endswith("_quantized")
    ]
    assert len(weights) >= 3
    widest = max(int(np.abs(w.astype(np.int32)).max()) for w in weights)
    assert 2 * 255 * widest <= np.iinfo(np.int16).max  # full range (127) would be 64,770
    assert widest >= 60  # the 7-bit range is used
    with pytest.raises(ValueError, match="no FFN output MatMul for layers"):
        e5_onnx_export.export_int8(
            model, tmp_path / "x.onnx", source_version="1", word_embeddings=words, float_layers=[5]
        )


def test_calibration_records_its_choice(small: tuple[Any, Any, np.ndarray], tmp_path: Path) -> None:
    model, tokenizer, words = small
    ids = ids_of(tokenizer, TEXTS * 4)
    report = e5_onnx_export.export_int8(
        model,
        tmp_path / "int8.onnx",
        source_version="1",
        word_embeddings=words,
        calibration_ids=ids,
        pad=tokenizer.pad_id,
        min_gain=0.0,
        max_float_layers=1,
    )
    cal = report["calibration"]
    assert cal["texts"] == len(ids)
    assert len(report["float_layers"]) <= 1
    assert cal["steps"][0] == {"float_layers": [], "kl": cal["all_int8"]["kl"]}
    assert cal["chosen"]["kl"] <= cal["all_int8"]["kl"]
    assert 0.0 <= cal["chosen"]["argmax_agreement"] <= 1.0


def test_a_file_that_is_not_ours_is_refused(
    small: tuple[Any, Any, np.ndarray], tmp_path: Path
) -> None:
    model, _, words = small
    path = tmp_path / "fp32.onnx"
    e5_onnx_export._export_float(model, path)  # no buzzwire metadata
    with pytest.raises(ValueError, match="not a buzzwire e5 int8 file"):
        e5_onnx.OnnxClassifier.load(path, words)


def test_greedy_choice_of_float_layers() -> None:
    # layer 4 removes most of the divergence, layer 1 a little more, the rest nothing
    gains = {4: 0.6, 1: 0.15, 7: 0.02}

    def divergence(kept: tuple[int, ...]) -> float:
        return 1.0 - sum(gains.get(k, 0.0) for k in kept)

    kept, trace = e5_onnx_export.choose_float_layers(
        divergence, range(12), max_layers=3, min_gain=0.1
    )
    assert kept == (1, 4)
    assert [t["float_layers"] for t in trace] == [[], [4], [1, 4]]
    assert trace[-1]["kl"] == pytest.approx(0.25)
    assert e5_onnx_export.choose_float_layers(divergence, range(12), max_layers=1)[0] == (4,)
    assert e5_onnx_export.choose_float_layers(divergence, range(12), min_gain=0.7)[0] == ()
    assert e5_onnx_export.choose_float_layers(divergence, [], max_layers=2)[0] == ()


def test_a_file_of_an_older_format_is_refused_with_the_command_that_redoes_it(
    small: tuple[Any, Any, np.ndarray], tmp_path: Path
) -> None:
    model, _, words = small
    path = tmp_path / "weights" / e5_onnx.ONNX_FILE
    e5_onnx_export.export_int8(model, path, source_version="1.abc", word_embeddings=words)
    e5_onnx.OnnxClassifier.load(path, words)  # the current format loads
    doc = onnx.load(str(path))
    for prop in doc.metadata_props:
        if prop.key == "buzzwire.format":
            prop.value = "1"  # full-range int8 weights, saturating on CPUs without VNNI
    onnx.save(doc, str(path))
    with pytest.raises(ValueError, match=r"older buzzwire \(format '1'.*--export-int8 .*weights"):
        e5_onnx.OnnxClassifier.load(path, words)
