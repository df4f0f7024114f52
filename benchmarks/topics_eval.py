"""Per-language macro-F1 of the topic methods on the hand-labelled set (docs/topics.md).

Reads ``tests/data/topics_eval.jsonl`` (real posts from the sentiment data, labelled by hand
with the default taxonomy), runs the keyword method, the e5 head and both together, and prints
one row per language.  The e5 head's threshold is held out: chosen by 5-fold cross-validation
(``streams.topics.evaluation``), never on the posts it is scored on; the threshold chosen on
the whole set is printed too (the shipped ``DEFAULT_THRESHOLD``).  Also prints the cost per
post of each method on this machine.

    nice -n 10 .venv/bin/python -m benchmarks.topics_eval [--set tests/data/topics_eval.jsonl]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from models.embeddings import E5Embedder
from streams.topics.evaluation import (
    THRESHOLDS,
    Labelled,
    cross_validated,
    load_labelled,
    macro_f1,
    per_language,
)
from streams.topics.head import TopicHead
from streams.topics.keywords import KeywordClassifier
from streams.topics.taxonomy import Taxonomy, load_topics

DEFAULT_SET = Path(__file__).resolve().parents[1] / "tests" / "data" / "topics_eval.jsonl"


def evaluate(
    rows: list[Labelled], taxonomy: Taxonomy, embedder: Any
) -> tuple[dict[str, dict[str, float]], dict[str, Any]]:
    """Per-language macro-F1 of each method, and the facts behind it (thresholds, timings)."""
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
    whole = {
        name: max(THRESHOLDS, key=lambda t, f=f: (macro_f1(gold, f(t), ids), -t))
        for name, f in (("e5", e5), ("e5+keywords", union))
    }
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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--set", type=Path, default=DEFAULT_SET)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    rows = load_labelled(args.set)
    taxonomy = load_topics()
    table, facts = evaluate(rows, taxonomy, E5Embedder(threads=args.threads))
    langs = list(table["keywords"])
    counts = {lang: sum(r.lang == lang for r in rows) for lang in langs[:-1]}
    counts["all"] = len(rows)
    positives = {
        lang: sum(bool(r.topics) for r in rows if lang in ("all", r.lang)) for lang in langs
    }
    print(f"{len(rows)} posts, {len(counts) - 1} languages; per-language macro-F1 (held out)\n")
    print(f"| {'lang':5} | posts | with a topic | " + " | ".join(f"{m:>11}" for m in table) + " |")
    print("|-------|------:|-------------:|" + "|".join("-" * 12 + ":" for _ in table) + "|")
    for lang in langs:
        cells = " | ".join(f"{table[m][lang]:11.3f}" for m in table)
        print(f"| {lang:5} | {counts[lang]:5} | {positives[lang]:12} | {cells} |")
    mean = {m: sum(v for k, v in table[m].items() if k != "all") / (len(langs) - 1) for m in table}
    print(
        f"| {'mean':5} |       |              | "
        + " | ".join(f"{mean[m]:11.3f}" for m in table)
        + " |"
    )
    print()
    for key, value in facts.items():
        print(f"{key}: {value}")


if __name__ == "__main__":
    main()
