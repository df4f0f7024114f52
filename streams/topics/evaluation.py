"""Measuring topic methods on a hand-labelled set: per-language macro-F1, and the e5 head's
threshold chosen by cross-validation (pure; used by ``benchmarks/topics_eval.py`` and the
tests).

- **Per-language macro-F1**: in each language, the F1 of every topic that occurs there, in the
  labels *or* in the predictions (a topic predicted but never labelled scores 0; one neither
  labelled nor predicted is left out), averaged over those topics.  "all" pools every post.
- **Held-out**: the head's threshold is never chosen on the posts it is scored on.  The set is
  cut into ``FOLDS`` folds (each language spread evenly, a fixed shuffle); for each fold the
  threshold that maximises the pooled macro-F1 of the *other* folds is applied to it.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from streams.topics.head import TopicHead
from streams.topics.keywords import KeywordClassifier
from streams.topics.taxonomy import Taxonomy

__all__ = [
    "FOLDS",
    "THRESHOLDS",
    "Labelled",
    "cross_validated",
    "evaluate",
    "folds",
    "load_labelled",
    "macro_f1",
    "per_language",
]

FOLDS = 5
#: The thresholds tried (probability of the e5 head).
THRESHOLDS = (0.02, 0.03, 0.04, *(round(0.05 * i, 2) for i in range(1, 20)))


@dataclass(frozen=True)
class Labelled:
    text: str
    lang: str
    topics: tuple[str, ...]
    source: str


def load_labelled(path: Path | str) -> list[Labelled]:
    """The JSON lines of a labelled set (``text``, ``lang``, ``topics``, ``source``)."""
    rows = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            d = json.loads(line)
            rows.append(Labelled(d["text"], d["lang"], tuple(d["topics"]), d["source"]))
    return rows


def _matrix(topics: Sequence[Sequence[str]], ids: Sequence[str]) -> np.ndarray:
    return np.array([[t in row for t in ids] for row in topics], dtype=bool).reshape(
        len(topics), len(ids)
    )


def macro_f1(
    gold: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]], ids: Sequence[str]
) -> float:
    """Macro-F1 over the topics that occur in ``gold`` or ``predicted`` (1.0 if none does)."""
    y = _matrix(gold, ids)
    p = _matrix(predicted, ids)
    tp = (y & p).sum(0)
    fp = (~y & p).sum(0)
    fn = (y & ~p).sum(0)
    seen = (tp + fp + fn) > 0
    if not seen.any():
        return 1.0
    f1 = 2 * tp[seen] / (2 * tp[seen] + fp[seen] + fn[seen])
    return float(f1.mean())


def per_language(
    rows: Sequence[Labelled], predicted: Sequence[Sequence[str]], ids: Sequence[str]
) -> dict[str, float]:
    """Macro-F1 of each language (sorted), and ``all`` for every post pooled."""
    out: dict[str, float] = {}
    for lang in sorted({r.lang for r in rows}):
        idx = [i for i, r in enumerate(rows) if r.lang == lang]
        out[lang] = macro_f1([rows[i].topics for i in idx], [predicted[i] for i in idx], ids)
    out["all"] = macro_f1([r.topics for r in rows], predicted, ids)
    return out


def folds(rows: Sequence[Labelled], k: int = FOLDS, seed: int = 18) -> list[int]:
    """The fold of each row: each language's rows shuffled (fixed seed) and dealt round."""
    fold = [0] * len(rows)
    rng = random.Random(seed)
    for lang in sorted({r.lang for r in rows}):
        idx = [i for i, r in enumerate(rows) if r.lang == lang]
        rng.shuffle(idx)
        for n, i in enumerate(idx):
            fold[i] = n % k
    return fold


def cross_validated(
    rows: Sequence[Labelled],
    predict: Callable[[float], list[list[str]]],
    ids: Sequence[str],
    thresholds: Sequence[float] = THRESHOLDS,
    k: int = FOLDS,
) -> tuple[list[list[str]], list[float]]:
    """Held-out predictions of a thresholded method, and the threshold each fold got.

    ``predict(threshold)`` gives every row's topics at that threshold (cheap: the e5 vectors
    are computed once by the caller)."""
    fold = folds(rows, k)
    by_threshold = {t: predict(t) for t in thresholds}
    out: list[list[str]] = [[] for _ in rows]
    chosen: list[float] = []
    for f in range(k):
        train = [i for i in range(len(rows)) if fold[i] != f]
        gold = [rows[i].topics for i in train]

        def score(t: float, train: list[int] = train, gold: list[tuple[str, ...]] = gold) -> float:
            return macro_f1(gold, [by_threshold[t][i] for i in train], ids)

        best = max(thresholds, key=lambda t: (score(t), -t))
        chosen.append(best)
        for i in range(len(rows)):
            if fold[i] == f:
                out[i] = by_threshold[best][i]
    return out, chosen


def evaluate(
    rows: list[Labelled], taxonomy: Taxonomy, embedder: Any
) -> tuple[dict[str, dict[str, float]], dict[str, Any]]:
    """Per-language macro-F1 of ``keywords``, ``e5`` and ``e5+keywords`` (the e5 thresholds
    held out), and the facts behind them: the thresholds chosen per fold and on the whole set,
    the milliseconds per post.  ``embedder.embed``: texts -> e5 vectors."""
    ids = taxonomy.ids
    texts = [r.text for r in rows]
    started = time.perf_counter()
    words = KeywordClassifier(taxonomy).classify(texts)
    keyword_s = (time.perf_counter() - started) / len(texts)
    head = TopicHead.fit(taxonomy, embedder.embed)
    started = time.perf_counter()
    vectors = embedder.embed(texts)
    embed_s = (time.perf_counter() - started) / len(texts)

    def e5(t: float) -> list[list[str]]:
        return head.topics(vectors, t)

    def union(t: float) -> list[list[str]]:
        return [
            sorted(set(a) | set(b)) for a, b in zip(head.topics(vectors, t), words, strict=True)
        ]

    e5_cv, e5_chosen = cross_validated(rows, e5, ids)
    union_cv, union_chosen = cross_validated(rows, union, ids)
    gold = [r.topics for r in rows]

    def best(predict: Callable[[float], list[list[str]]]) -> float:
        return max(THRESHOLDS, key=lambda t: (macro_f1(gold, predict(t), ids), -t))

    whole = {"e5": best(e5), "e5+keywords": best(union)}
    table = {
        "keywords": per_language(rows, words, ids),
        "e5": per_language(rows, e5_cv, ids),
        "e5+keywords": per_language(rows, union_cv, ids),
    }
    facts = {
        "thresholds_by_fold": {"e5": e5_chosen, "e5+keywords": union_chosen},
        "threshold_whole_set": whole,
        "ms_per_post": {"keywords": keyword_s * 1e3, "e5 vector": embed_s * 1e3},
    }
    return table, facts
