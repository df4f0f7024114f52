"""Calibrates the "clearly positive" and "clearly negative" thresholds of the net sentiment
score (docs/trends.md) on the validation split.

    python benchmarks/sentiment_thresholds.py [--model e5|linear|...] [--limit N]

For each threshold it prints, for "clearly positive" (positive score >= t) and "clearly
negative" (negative score >= t): the precision (the share of those mentions whose label is
that class), the recall, and the share of all mentions above it. A mention counts towards the
score only when it clears the threshold, so a high precision means the score is not moved by
the model's doubtful calls.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import orjson

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
DEFAULT_DATA = REPO.parent / "shared" / "data" / "sentiment" / "val.jsonl"
THRESHOLDS = (0.4, 0.5, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95)


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--model", default="linear")
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--limit", type=int, default=0)
    args = ap.parse_args()
    from models.sentiment.loader import load_sentiment_model

    rows = [orjson.loads(line) for line in args.data.read_bytes().splitlines() if line.strip()]
    if args.limit:
        rows = rows[: args.limit]
    model = load_sentiment_model(args.model)
    scores: list[dict[str, float]] = []
    for i in range(0, len(rows), 64):
        batch = rows[i : i + 64]
        results = model.predict([r["text"] for r in batch], [r.get("lang") for r in batch])
        scores.extend(r.scores for r in results)
    labels = [r["label"] for r in rows]
    print(f"model {model.name} on {len(rows)} texts of {args.data.name}")
    print(f"{'threshold':>9}  {'class':<8} {'precision':>9} {'recall':>7} {'share':>6}")
    for cls in ("positive", "negative"):
        actual = sum(1 for label in labels if label == cls)
        for t in THRESHOLDS:
            hits = [label for s, label in zip(scores, labels, strict=True) if s[cls] >= t]
            right = sum(1 for label in hits if label == cls)
            precision = right / len(hits) if hits else float("nan")
            print(
                f"{t:>9.2f}  {cls:<8} {precision:>9.3f} {right / actual:>7.3f}"
                f" {len(hits) / len(rows):>6.3f}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
