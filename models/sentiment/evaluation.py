"""Scoring a sentiment model on labelled rows: per-language macro-F1 and the UMSAB-8 average.

Used by both trainers (validation during and after training), the tests and
``benchmarks/sentiment.py``.  Rows are ``{"text", "label", "lang", ...}`` dicts
(``fileio.read_jsonl`` of ``shared/data/sentiment/*.jsonl``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from models.sentiment.base import LABELS, SentimentModel

__all__ = ["UMSAB_LANGS", "evaluate", "macro_f1", "score_labels"]

#: The eight languages of the UMSAB benchmark, whose mean macro-F1 is the headline figure.
UMSAB_LANGS = ("ar", "de", "en", "es", "fr", "hi", "it", "pt")


def macro_f1(gold: Sequence[str], pred: Sequence[str], labels: Iterable[str]) -> float:
    """Macro-F1 over ``labels`` (the classes present in the gold data of that language)."""
    scores = []
    for lab in labels:
        tp = sum(g == lab and p == lab for g, p in zip(gold, pred, strict=True))
        fp = sum(g != lab and p == lab for g, p in zip(gold, pred, strict=True))
        fn = sum(g == lab and p != lab for g, p in zip(gold, pred, strict=True))
        scores.append(0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn))
    return float(np.mean(scores))


def evaluate(
    model: SentimentModel, rows: Sequence[dict[str, Any]], *, use_langs: bool
) -> dict[str, Any]:
    """Per-language macro-F1 (x100) on ``rows``, the UMSAB-8 average and the mean of all."""
    texts = [r["text"] for r in rows]
    langs = [r["lang"] for r in rows] if use_langs else None
    return score_labels(rows, [r.label for r in model.predict(texts, langs)])


def score_labels(rows: Sequence[dict[str, Any]], pred: Sequence[str]) -> dict[str, Any]:
    """``evaluate``'s figures for predicted labels (one per row)."""
    by_lang: dict[str, tuple[list[str], list[str]]] = defaultdict(lambda: ([], []))
    for r, p in zip(rows, pred, strict=True):
        by_lang[r["lang"]][0].append(r["label"])
        by_lang[r["lang"]][1].append(p)
    per_lang = {}
    for lang in sorted(by_lang):
        gold, guess = by_lang[lang]
        present = [lab for lab in LABELS if lab in set(gold)]
        per_lang[lang] = round(100 * macro_f1(gold, guess, present), 2)
    umsab = [per_lang[lang] for lang in UMSAB_LANGS if lang in per_lang]
    return {
        "macro_f1": per_lang,
        "umsab8_avg": round(float(np.mean(umsab)), 2) if umsab else None,
        "all_avg": round(float(np.mean(list(per_lang.values()))), 2),
        "n": len(rows),
    }
