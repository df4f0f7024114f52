"""Training the e5 sentiment model (models/sentiment/train_e5.py): data order, batches, learning
rates, losses, soups, and tiny end-to-end runs (1 layer, a few steps) with ``--extend`` and
``--teacher``.  Needs the torch extra (torch, transformers, onnx): without it a developer's run
skips this module, CI fails.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.ci import require_module
from tests.models.sentiment.checks import assert_valid

require_module("torch")
require_module("transformers")
require_module("onnx")

from models.sentiment import train_e5  # noqa: E402
from models.sentiment.base import LABELS  # noqa: E402
from models.sentiment.e5_onnx import ONNX_FILE, OnnxClassifier  # noqa: E402
from models.sentiment.e5_sentiment import E5Sentiment  # noqa: E402
from models.sentiment.loader import SHIPPED_E5  # noqa: E402


@pytest.fixture(scope="module")
def shipped_fp32() -> E5Sentiment:
    return E5Sentiment.load(SHIPPED_E5, quantize="none")


def rows_for(sources: dict[str, int]) -> list[dict[str, Any]]:
    out = []
    for source, n in sources.items():
        for i in range(n):
            out.append({"source": source, "text": f"{source} {i}", "label": LABELS[i % 3]})
    return out


def test_epoch_takes_all_umsab_and_caps_the_other_sources() -> None:
    rows = rows_for({"umsab": 30, "smsa": 100, "ltec": 5})
    a = train_e5.epoch_indices(rows, 20, random.Random(1))
    b = train_e5.epoch_indices(rows, 20, random.Random(2))
    by_source = Counter(rows[i]["source"] for i in a)
    assert by_source == {"umsab": 30, "smsa": 20, "ltec": 5}
    assert len(set(a)) == len(a)
    assert {i for i in a if rows[i]["source"] == "smsa"} != {
        i for i in b if rows[i]["source"] == "smsa"
    }  # a fresh sample each epoch


def test_batches_cover_every_index_once_with_little_padding() -> None:
    rng = random.Random(3)
    lengths = [rng.randint(3, 64) for _ in range(2000)]
    batches = train_e5.make_batches(range(2000), lengths, 32, random.Random(4))
    flat = [i for b in batches for i in b]
    assert sorted(flat) == list(range(2000))
    assert all(len(b) <= 32 for b in batches)
    padded = sum(len(b) * max(lengths[i] for i in b) for b in batches)
    assert padded < 1.1 * sum(lengths)  # random batches of 32 would pad to ~1.8x


def test_layer_wise_learning_rates(shipped_fp32: E5Sentiment) -> None:
    model: Any = shipped_fp32.model
    frozen = model.encoder.embeddings.word_embeddings.weight
    for p in model.parameters():
        p.requires_grad_(p is not frozen)
    try:
        groups = train_e5.param_groups(model, lr=1e-4, head_lr=1e-3, llrd=0.5, weight_decay=0.01)
    finally:
        model.requires_grad_(False)
    rate_of = {id(p): g["lr"] for g in groups for p in g["params"]}
    decay_of = {id(p): g["weight_decay"] for g in groups for p in g["params"]}
    top = model.encoder.encoder.layer[-1].attention.self.query.weight
    low = model.encoder.encoder.layer[0].attention.self.query.weight
    assert id(frozen) not in rate_of
    assert rate_of[id(model.head.weight)] == 1e-3
    assert rate_of[id(top)] == pytest.approx(1e-4)
    assert rate_of[id(low)] == pytest.approx(1e-4 * 0.5 ** (len(model.encoder.encoder.layer) - 1))
    assert decay_of[id(top)] == 0.01
    assert decay_of[id(model.encoder.encoder.layer[0].output.LayerNorm.weight)] == 0.0


def _tiny_data(folder: Path) -> Path:
    """A small labelled train/val set that a 1-layer model learns in a few steps."""
    folder.mkdir()
    rng = random.Random(0)
    words = {"positive": "love great", "negative": "hate awful", "neutral": "table monday"}
    for split, n in (("train", 96), ("val", 30)):
        with (folder / f"{split}.jsonl").open("w") as fh:
            for i in range(n):
                label = LABELS[i % 3]
                lang = rng.choice(["en", "es", "id"])
                source = "smsa" if lang == "id" else "umsab"
                text = f"{words[label]} {i}"
                fh.write(json.dumps({"text": text, "label": label, "lang": lang, "source": source}))
                fh.write("\n")
    return folder


TINY = ["--layers", "1", "--epochs", "1", "--batch", "16", "--evals-per-epoch", "1"]
TINY += ["--bf16", "off"]


@pytest.fixture(scope="module")
def tiny_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _tiny_data(tmp_path_factory.mktemp("tiny") / "data")


@pytest.fixture(scope="module")
def tiny_soup(tiny_data: Path) -> tuple[int, Path]:
    """A tiny two-seed training run: (exit code, its folder)."""
    out = tiny_data.parent / "soup-1-2"
    code = train_e5.main(["--data", str(tiny_data), "--out", str(out), *TINY, "--seeds", "1,2"])
    return code, out


def test_training_run_writes_a_loadable_model(tiny_soup: tuple[int, Path]) -> None:
    """A tiny run end to end: 1 layer, a few steps; files, card, and the model loads."""
    code, out = tiny_soup
    assert code == 0
    card = json.loads((out / "model_card.json").read_text())
    assert card["settings"]["num_layers"] == 1
    assert card["settings"]["seeds"] == [1, 2]
    steps = card["settings"]["total_steps"]
    assert [(h["seed"], h["step"]) for h in card["history"][:-1]] == [(1, steps), (2, steps)]
    assert card["history"][-1]["seed"] == "soup"
    assert card["history"][-1]["seeds"] == [1, 2]
    assert card["settings"]["bf16_by_seed"] == {"1": False, "2": False}
    assert "extended" not in card
    assert set(card["val"]) >= {"float32", "int8", "blend_weight", "blend_sweep_int8"}
    assert 0 <= card["val"]["blend_weight"] <= 0.6
    assert (out / ONNX_FILE).exists()
    config = json.loads((out / "config.json").read_text())
    assert config["int8"]["float_layers"] == card["int8"]["float_layers"]
    assert card["int8"]["calibration"]["texts"] == 96
    model = E5Sentiment.load(out)
    assert isinstance(model.model, OnnxClassifier)
    assert model.version.startswith(card["version"])
    assert_valid(model.predict(["love great", "hate awful"]), 2)


def test_extend_adds_seeds_to_a_soup_with_its_recipe(
    tiny_data: Path, tiny_soup: tuple[int, Path]
) -> None:
    """``--extend``: seed 2 added to a one-seed model gives the two-seed soup (up to float16
    rounding), trained with the first model's recipe whatever the command line says."""
    from safetensors.numpy import load_file

    assert tiny_soup[0] == 0
    one, two = tiny_data.parent / "seed-1", tiny_data.parent / "extended"
    assert train_e5.main(["--data", str(tiny_data), "--out", str(one), *TINY, "--seeds", "1"]) == 0
    with pytest.raises(SystemExit):  # a seed the folder has already
        train_e5.main(["--data", str(tiny_data), "--extend", str(one), "--seeds", "1"])
    code = train_e5.main(
        ["--data", str(tiny_data), "--out", str(two), "--extend", str(one), "--seeds", "2",
         "--epochs", "3", "--lr", "0.01", "--bf16", "off", "--evals-per-epoch", "1"]
    )  # fmt: skip
    assert code == 0
    first = json.loads((one / "model_card.json").read_text())
    card = json.loads((two / "model_card.json").read_text())
    assert card["settings"]["seeds"] == [1, 2]
    assert card["settings"]["epochs"] == 1 and card["settings"]["lr"] == first["settings"]["lr"]
    assert card["settings"]["total_steps"] == first["settings"]["total_steps"]
    assert card["extended"][0]["from_version"] == first["version"]
    assert card["extended"][0]["seeds_added"] == [2]
    assert [h["seed"] for h in card["history"]] == [1, 2, "soup"]
    assert card["history"][-1]["seeds"] == [1, 2]
    assert card["train_seconds"] > first["train_seconds"]
    extended = load_file(str(two / "weights.safetensors"))
    both = load_file(str(tiny_soup[1] / "weights.safetensors"))
    assert set(extended) == set(both)
    for name, value in both.items():
        np.testing.assert_allclose(extended[name], value, rtol=5e-3, atol=5e-4, err_msg=name)
    assert E5Sentiment.load(two).version.startswith(card["version"])


def test_row_losses_mix_gold_and_teacher_targets() -> None:
    """alpha 0 (or no teacher) is plain cross-entropy with the gold labels, alpha 1 is
    cross-entropy with the teacher's probabilities, and in between a linear mix of the two."""
    import torch

    logits = torch.tensor([[2.0, 0.5, -1.0], [0.0, 0.0, 3.0]])
    gold = torch.tensor([0, 1])
    soft = torch.tensor([[0.6, 0.3, 0.1], [0.1, 0.2, 0.7]])
    ce = torch.nn.functional.cross_entropy(logits, gold, reduction="none")
    logp = torch.log_softmax(logits, dim=-1)
    teacher_ce = -(soft * logp).sum(dim=-1)
    assert torch.allclose(train_e5.row_losses(logits, gold, None, 0.5), ce)
    assert torch.allclose(train_e5.row_losses(logits, gold, soft, 0.0), ce)
    assert torch.allclose(train_e5.row_losses(logits, gold, soft, 1.0), teacher_ce)
    mixed = train_e5.row_losses(logits, gold, soft, 0.25)
    assert torch.allclose(mixed, 0.75 * ce + 0.25 * teacher_ce)
    # The second row's gold label (neutral) disagrees with its teacher (positive): the teacher
    # term lowers that row's loss, since the logits favour positive.
    assert mixed[1] < ce[1]


def test_distilled_training_records_its_teacher_and_extends_only_with_it(
    tiny_data: Path, tiny_soup: tuple[int, Path]
) -> None:
    """``--teacher``: the card names the teacher's version and the distillation weight; a
    distilled folder is extended only with the same teacher, and the new seed is distilled."""
    assert tiny_soup[0] == 0
    teacher = tiny_soup[1]
    teacher_version = E5Sentiment.load(teacher).version
    one, two = tiny_data.parent / "distilled", tiny_data.parent / "distilled-2"
    args = ["--data", str(tiny_data), *TINY, "--teacher", str(teacher), "--distill", "0.7"]
    assert train_e5.main([*args, "--out", str(one), "--seeds", "3"]) == 0
    card = json.loads((one / "model_card.json").read_text())
    assert card["settings"]["distill"] == 0.7
    assert card["settings"]["teacher"]["version"] == teacher_version
    assert_valid(E5Sentiment.load(one).predict(["love great", "hate awful"]), 2)
    with pytest.raises(SystemExit):  # extending a distilled model without its teacher
        train_e5.main(["--data", str(tiny_data), "--extend", str(one), "--seeds", "4"])
    with pytest.raises(SystemExit):  # ... or with another one
        train_e5.main(
            ["--data", str(tiny_data), "--extend", str(one), "--seeds", "4", "--teacher", str(one)]
        )
    code = train_e5.main(
        ["--data", str(tiny_data), "--extend", str(one), "--seeds", "4", "--out", str(two),
         "--teacher", str(teacher), "--distill", "0.1"]
    )  # fmt: skip
    assert code == 0
    extended = json.loads((two / "model_card.json").read_text())
    assert extended["settings"]["seeds"] == [3, 4]
    assert extended["settings"]["distill"] == 0.7  # the recipe of the folder, not the flag
    assert extended["settings"]["teacher"] == card["settings"]["teacher"]
    # Folders trained without a teacher record none.
    plain = json.loads((teacher / "model_card.json").read_text())
    assert plain["settings"]["distill"] == 0.0 and plain["settings"]["teacher"] is None


def test_soup_with_a_prior_is_the_uniform_average_over_all_seeds() -> None:
    import torch

    a, b, c = (torch.tensor([1.0, 2.0]), torch.tensor([3.0, 6.0]), torch.tensor([8.0, 1.0]))
    prior = train_e5.soup([{"w": a}, {"w": b}])
    out = train_e5.soup([{"w": c}], prior=(prior, 2))
    assert torch.allclose(out["w"], (a + b + c) / 3)
    assert torch.equal(train_e5.soup([{"w": c}])["w"], c)


def test_soup_is_the_uniform_average() -> None:
    import torch

    a = {"w": torch.tensor([1.0, 2.0]), "b": torch.tensor([0.0], dtype=torch.float16)}
    b = {"w": torch.tensor([3.0, 6.0]), "b": torch.tensor([1.0], dtype=torch.float16)}
    out = train_e5.soup([a, b])
    assert torch.equal(out["w"], torch.tensor([2.0, 4.0]))
    assert torch.equal(out["b"], torch.tensor([0.5]))
