"""Behaviour tests for the linear sentiment model (models/sentiment/linear.py)."""

from __future__ import annotations

import json
import pickle
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from models.sentiment.linear import LABELS, FeatureConfig, LinearSentiment, SentimentResult
from tests.ci import require_file

SHIPPED = Path(__file__).resolve().parents[3] / "models" / "sentiment" / "weights" / "linear"

TINY = [
    ("I love this, it is wonderful and amazing", "positive", "en"),
    ("great job, really happy with it", "positive", "en"),
    ("I hate this, it is terrible and awful", "negative", "en"),
    ("worst service ever, very angry", "negative", "en"),
    ("the meeting is at 10 tomorrow", "neutral", "en"),
    ("the train leaves from platform 3", "neutral", "en"),
    ("me encanta, es maravilloso", "positive", "es"),
    ("qué asco, es horrible y terrible", "negative", "es"),
    ("la reunión es mañana a las diez", "neutral", "es"),
    ("makanannya enak sekali, sangat puas", "positive", "id"),
    ("pelayanan buruk, sangat kecewa", "negative", "id"),
    ("toko buka jam sembilan pagi", "neutral", "id"),
    ("bahut accha laga, maza aa gaya 😍", "positive", "hi"),
    ("bakwas movie, bilkul bekar 😡", "negative", "hi"),
]


def assert_valid(results: list[SentimentResult], n: int) -> None:
    assert len(results) == n
    for r in results:
        assert isinstance(r, SentimentResult)
        assert set(r.scores) == set(LABELS)
        assert all(0.0 <= v <= 1.0 for v in r.scores.values())
        assert sum(r.scores.values()) == pytest.approx(1.0, abs=1e-6)
        assert r.label == max(r.scores, key=r.scores.__getitem__)


@pytest.fixture(scope="module")
def tiny_model() -> LinearSentiment:
    texts, labels, _ = zip(*TINY, strict=True)
    cfg = FeatureConfig(char_bits=16, word_bits=14)
    return LinearSentiment.fit(list(texts), list(labels), config=cfg, C=100.0)


def test_tiny_model_fits_its_training_examples(tiny_model: LinearSentiment) -> None:
    texts = [t for t, _, _ in TINY]
    results = tiny_model.predict(texts)
    assert_valid(results, len(texts))
    assert [r.label for r in results] == [lab for _, lab, _ in TINY]


def test_predict_edge_cases(tiny_model: LinearSentiment) -> None:
    assert tiny_model.predict([]) == []
    assert_valid(tiny_model.predict(["", "   ", "😂", "http", "@user"]), 5)
    with pytest.raises(TypeError):
        tiny_model.predict("a single string")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        tiny_model.predict(["a", "b"], langs=["en"])


def test_batch_independent(tiny_model: LinearSentiment) -> None:
    texts = [t for t, _, _ in TINY]
    batch = tiny_model.predict_proba(texts)
    single = np.vstack([tiny_model.predict_proba([t]) for t in texts])
    np.testing.assert_allclose(batch, single, rtol=1e-6, atol=1e-9)


def test_save_load_round_trip(tiny_model: LinearSentiment, tmp_path: Path) -> None:
    tiny_model.save(tmp_path / "m")
    files = sorted(p.name for p in (tmp_path / "m").iterdir())
    assert files == ["config.json", "weights.safetensors"]
    loaded = LinearSentiment.load(tmp_path / "m")
    texts = [t for t, _, _ in TINY] + ["something new entirely", "¿qué tal?"]
    assert np.array_equal(tiny_model.predict_proba(texts), loaded.predict_proba(texts))
    assert loaded.predict(texts) == tiny_model.predict(texts)
    assert loaded.version == tiny_model.version
    assert loaded.name == tiny_model.name


def test_lang_feature_model_round_trip(tmp_path: Path) -> None:
    texts, labels, langs = (list(x) for x in zip(*TINY, strict=True))
    cfg = FeatureConfig(char_bits=16, word_bits=14, langs=("en", "es", "hi", "id"))
    model = LinearSentiment.fit(texts, labels, langs=langs, config=cfg, C=100.0)
    assert [r.label for r in model.predict(texts, langs)] == labels
    assert_valid(model.predict(texts), len(texts))  # language unknown: still valid
    assert_valid(model.predict(texts, ["xx"] * len(texts)), len(texts))
    model.save(tmp_path)
    loaded = LinearSentiment.load(tmp_path)
    assert np.array_equal(model.predict_proba(texts, langs), loaded.predict_proba(texts, langs))


def test_two_class_training_data_gives_three_scores() -> None:
    texts = ["super dobro, volim to", "odlično, hvala", "užasno loše", "grozno, mrzim to"]
    labels = ["positive", "positive", "negative", "negative"]
    model = LinearSentiment.fit(
        texts, labels, config=FeatureConfig(char_bits=14, word_bits=12), C=100.0
    )
    results = model.predict(texts)
    assert_valid(results, len(texts))
    assert [r.label for r in results] == labels
    assert all(r.scores["neutral"] < 1e-6 for r in results)


def test_corrupt_version_rejected(tiny_model: LinearSentiment, tmp_path: Path) -> None:
    tiny_model.save(tmp_path)
    doc = json.loads((tmp_path / "config.json").read_text())
    doc["version"] = "1.000000000000"
    (tmp_path / "config.json").write_text(json.dumps(doc))
    with pytest.raises(ValueError):
        LinearSentiment.load(tmp_path)


def test_load_never_unpickles(
    tiny_model: LinearSentiment, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tiny_model.save(tmp_path)

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("pickle used while loading")

    monkeypatch.setattr(pickle, "load", forbidden)
    monkeypatch.setattr(pickle, "loads", forbidden)
    monkeypatch.setattr(np, "load", forbidden)
    assert_valid(LinearSentiment.load(tmp_path).predict(["ok"]), 1)
    # and the weights file is safetensors, not a pickle
    head = (tmp_path / "weights.safetensors").read_bytes()[:2]
    assert head != b"\x80\x04" and head[:1] != b"\x80"


# ---------------------------------------------------------------- the shipped model
@pytest.fixture(scope="module")
def shipped_weights() -> Path:
    """The shipped weights: git tracks them, so a missing file fails (never skips)."""
    return require_file(SHIPPED / "weights.safetensors", "the shipped linear model")


shipped = pytest.mark.usefixtures("shipped_weights")

KNOWN_WEAK = "I hate waiting two hours for a cold pizza, awful service, never again."
CLEAR = [
    (
        "I absolutely love this phone, the camera is amazing and the battery lasts forever!",
        "positive",
        "en",
    ),
    ("Best concert of my life, thank you so much, I'm so happy!", "positive", "en"),
    (
        "This is the worst airline ever, they lost my luggage and nobody helped. Terrible.",
        "negative",
        "en",
    ),
    (KNOWN_WEAK, "negative", "en"),
    (
        "Me encanta este restaurante, la comida es deliciosa y el servicio excelente.",
        "positive",
        "es",
    ),
    ("¡Qué día tan maravilloso! Gracias a todos, estoy muy feliz.", "positive", "es"),
    ("Qué asco de servicio, el peor banco del mundo, nunca más.", "negative", "es"),
    (
        "Estoy harto, el tren otra vez tarde y nadie da explicaciones, una vergüenza.",
        "negative",
        "es",
    ),
    (
        "Makanannya enak sekali, pelayanannya ramah dan tempatnya nyaman. Sangat puas!",
        "positive",
        "id",
    ),
    ("Pelayanan sangat buruk, makanan dingin dan mahal. Saya kecewa sekali.", "negative", "id"),
    ("Aplikasi ini jelek, sering error dan lambat, sangat mengecewakan.", "negative", "id"),
]


@pytest.fixture(scope="module")
def shipped_model(shipped_weights: Path) -> LinearSentiment:
    return LinearSentiment.load(SHIPPED)


@shipped
def test_shipped_files_small_and_documented() -> None:
    size = sum(p.stat().st_size for p in SHIPPED.iterdir())
    assert size < 30 * 2**20
    card = json.loads((SHIPPED / "model_card.json").read_text())
    for key in ("date", "data", "settings", "val", "version"):
        assert key in card
    assert len(card["data"]["train"]["sha256"]) == 64
    assert set(card["val"]["macro_f1"]) >= {"ar", "de", "en", "es", "fr", "hi", "it", "pt"}
    assert not any(p.suffix in {".pkl", ".pickle", ".joblib", ".npy"} for p in SHIPPED.iterdir())


@shipped
def test_shipped_version_matches_card(shipped_model: LinearSentiment) -> None:
    card = json.loads((SHIPPED / "model_card.json").read_text())
    assert card["version"] == shipped_model.version


@shipped
@pytest.mark.parametrize(("text", "label", "lang"), CLEAR)
def test_shipped_clear_sentences(
    shipped_model: LinearSentiment, text: str, label: str, lang: str, request: Any
) -> None:
    if text == KNOWN_WEAK:
        # Known weakness of the shipped linear model (English val macro-F1 52.9): it scores
        # this positive. Strict: the day a model gets it right, this marker must go.
        request.applymarker(
            pytest.mark.xfail(strict=True, reason="linear model weak on English complaints")
        )
    (with_lang,) = shipped_model.predict([text], [lang])
    (without,) = shipped_model.predict([text])
    assert with_lang.label == label, with_lang
    assert without.label == label, without


@shipped
def test_shipped_valid_distributions(shipped_model: LinearSentiment) -> None:
    texts = [t for t, _, _ in CLEAR] + ["", "ok", "😂😂", "http", "المطعم جميل", "लेकिन"]
    assert_valid(shipped_model.predict(texts), len(texts))
