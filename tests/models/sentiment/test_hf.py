"""The Hugging Face backend on a tiny model built here and saved to a local folder (no hub)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ci import require_module

# The torch extra: a developer without it skips this module; in CI it is a failure.
torch = require_module("torch")
transformers = require_module("transformers")

from models.sentiment.base import SentimentModel  # noqa: E402
from models.sentiment.hf import HuggingFaceSentiment, infer_label_map, parse_label_map  # noqa: E402


def tiny_model(folder: Path, id2label: dict[int, str], favour: int) -> Path:
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import BertConfig, BertForSequenceClassification, PreTrainedTokenizerFast

    words = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "good", "bad", "service", "the", "is"]
    tok = Tokenizer(models.WordLevel({w: i for i, w in enumerate(words)}, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
    )
    config = BertConfig(
        vocab_size=len(words),
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=64,
        num_labels=len(id2label),
        id2label=id2label,
        label2id={v: k for k, v in id2label.items()},
    )
    torch.manual_seed(0)
    model = BertForSequenceClassification(config)
    with torch.no_grad():
        model.classifier.weight.zero_()
        model.classifier.bias.zero_()
        model.classifier.bias[favour] = 8.0
    model.save_pretrained(folder)
    fast.save_pretrained(folder)
    return folder


def test_loads_a_local_model_and_maps_its_labels(tmp_path: Path) -> None:
    path = tiny_model(tmp_path / "m", {0: "NEG", 1: "NEU", 2: "POS"}, favour=2)
    model = HuggingFaceSentiment(str(path), device="cpu")
    assert isinstance(model, SentimentModel)
    out = model.predict(["the service is good", "bad", "unknown words only here"])
    assert len(out) == 3
    for result in out:
        assert result.label == "positive"
        assert result.scores["positive"] > 0.99
        assert sum(result.scores.values()) == pytest.approx(1.0)


def test_label_map_overrides_and_binary_models_get_zero_neutral(tmp_path: Path) -> None:
    path = tiny_model(tmp_path / "m", {0: "LABEL_0", 1: "LABEL_1"}, favour=0)
    with pytest.raises(ValueError, match="label map"):
        HuggingFaceSentiment(str(path), device="cpu")
    model = HuggingFaceSentiment(
        str(path), device="cpu", label_map="LABEL_0=negative,LABEL_1=positive"
    )
    (result,) = model.predict(["bad service"])
    assert result.label == "negative"
    assert result.scores["neutral"] == 0.0


def test_star_ratings_and_label_map_errors() -> None:
    stars = {i: f"{i + 1} stars" for i in range(5)}
    assert infer_label_map(stars) == {
        0: "negative",
        1: "negative",
        2: "neutral",
        3: "positive",
        4: "positive",
    }
    with pytest.raises(ValueError, match="not one of"):
        parse_label_map("LABEL_0=angry", {0: "LABEL_0"})
    with pytest.raises(ValueError, match="does not cover"):
        parse_label_map("LABEL_0=negative", {0: "LABEL_0", 1: "LABEL_1"})
