"""Sentiment benchmark: quality on the validation split and speed at several batch sizes.

    python benchmarks/sentiment.py [--model e5|e5:DIR|linear|linear:DIR|HF-NAME-OR-DIR]
                                   [--quantize int8|none] [--threads 2]
                                   [--batches 1,32,64,128] [--limit 2048] [--no-eval]

Prints per-language macro-F1 (x100) on ``shared/data/sentiment/val.jsonl``, the UMSAB-8 average
and the mean over all languages, then texts/s per batch size (best of ``--repeat`` passes;
the machine may be shared) on CPU with ``--threads`` threads, or on the GPU when the model
runs there (``BUZZWIRE_SENTIMENT_DEVICE`` / auto).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
DEFAULT_DATA = REPO.parent / "shared" / "data" / "sentiment" / "val.jsonl"


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--model", default="e5")
    ap.add_argument("--quantize", choices=("int8", "none"), default="int8", help="e5 models")
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batches", default="1,32,64,128")
    ap.add_argument("--limit", type=int, default=2048, help="texts per speed pass")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-eval", action="store_true")
    args = ap.parse_args()
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(args.threads)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    from models.sentiment.evaluation import evaluate
    from models.sentiment.fileio import read_jsonl
    from models.sentiment.loader import load_sentiment_model

    # The loader sets torch's threads for the torch models only: the int8 e5 and linear models
    # run (and are measured) without importing torch.
    started = time.perf_counter()
    model = load_sentiment_model(
        args.model,
        device=os.environ.get("BUZZWIRE_SENTIMENT_DEVICE"),
        quantize=args.quantize,
        threads=args.threads,
    )
    load_s = time.perf_counter() - started
    device = str(getattr(model, "device", "cpu"))
    rows = read_jsonl(args.data)
    print(
        f"model {model.name} (version {model.version}); loaded in {load_s:.1f}s; "
        f"{args.threads} CPU threads; device {device}"
    )

    if not args.no_eval:
        report = evaluate(model, rows, use_langs=True)  # type: ignore[arg-type]
        per_lang = report["macro_f1"]
        print(
            "val macro-F1 by language: "
            + "  ".join(f"{k} {v:.1f}" for k, v in sorted(per_lang.items()))
        )
        print(
            f"UMSAB-8 average: {report['umsab8_avg']:.2f}   "
            f"all-language mean: {report['all_avg']:.2f}"
        )

    texts = [r["text"] for r in rows[: args.limit]]
    langs = [r["lang"] for r in rows[: args.limit]]
    print(f"speed on {len(texts)} val texts ({device}):")
    for size in (int(b) for b in args.batches.split(",")):
        rates = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            for i in range(0, len(texts), size):
                model.predict(texts[i : i + size], langs[i : i + size])
            rates.append(len(texts) / (time.perf_counter() - t0))
        print(
            f"  batch {size:4d}: best {max(rates):8.0f} texts/s, "
            f"median {statistics.median(rates):8.0f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
