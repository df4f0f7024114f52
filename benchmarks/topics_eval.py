"""Per-language macro-F1 of the topic methods on the hand-labelled set (docs/topics.md).

Reads ``tests/data/topics_eval.jsonl`` (real posts from the sentiment data, labelled by hand
with the default taxonomy), runs the keyword method, the e5 head and both together, and prints
one row per language.  The e5 head's threshold is held out: chosen by 5-fold cross-validation
(``streams.topics.evaluation``), never on the posts it is scored on; the threshold chosen on
the whole set is printed too (the shipped ``streams.topics.classifier.THRESHOLDS``).  Also
prints the cost per post of each method on this machine.

    nice -n 10 .venv/bin/python -m benchmarks.topics_eval [--set FILE] [--compare-sentiment]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from models.embeddings import E5Embedder
from streams.topics.evaluation import evaluate, load_labelled
from streams.topics.taxonomy import load_topics

DEFAULT_SET = Path(__file__).resolve().parents[1] / "tests" / "data" / "topics_eval.jsonl"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--set", type=Path, default=DEFAULT_SET)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument(
        "--compare-sentiment",
        action="store_true",
        help="also time the shipped int8 e5 sentiment model on the same posts (for scale)",
    )
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
    if args.compare_sentiment:
        from models.sentiment.loader import load_e5

        model = load_e5(threads=args.threads)
        texts = [r.text for r in rows]
        started = time.perf_counter()
        model.predict(texts)
        took = (time.perf_counter() - started) / len(texts)
        print(f"int8 e5 sentiment model, same posts: {took * 1e3:.1f} ms per post")


if __name__ == "__main__":
    main()
