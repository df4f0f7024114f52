"""NAB evaluation of the crisis detector on the labelled series of ``shared/data/spikes``.

Runs the backtest (:func:`streams.crisis.backtest.run`, the code behind ``buzzwire backtest``,
in process) over every file listed in ``windows.json`` and scores it with the rules of the
Numenta Anomaly Benchmark (:mod:`streams.crisis.nab`: probation, scaled-sigmoid weighting,
the rows of all files pooled, threshold optimised per profile, normalised to null / perfect).
Prints the standard / reward_low_FP / reward_low_FN scores of the ``anomaly_score`` column
(threshold optimised per profile) and of the shipped ``alert`` column (0/1 detections), next
to published detectors, and the run time.

    .venv/bin/python -m benchmarks.spikes [--data DIR] [--folders A,B] [--set clip=3.5 ...]
                                          [--by-folder] [--leave-out]

Scores are taken as OUT.csv writes them (6 decimals). As in NAB's code, the probation is
``min(floor(0.15 * rows), 750)`` rows.

``--leave-out``: for each folder, the threshold is optimised on the other folders and the
folder is scored with it (a check that one global threshold generalises).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from streams.crisis import nab  # noqa: E402
from streams.crisis.backtest import DECIMALS, parse_timestamp, run  # noqa: E402
from streams.crisis.detector import (  # noqa: E402
    DEFAULT_CONFIG,
    DetectorConfig,
    config_from_overrides,
)

DEFAULT_DATA = REPO.parent / "shared" / "data" / "spikes"

PUBLISHED: dict[str, tuple[float, float, float]] = {
    "ARTime": (72.1, 63.2, 77.4),
    "Numenta HTM": (70.9, 65.0, 75.0),
    "CAD OSE": (68.1, 64.5, 71.9),
    "Twitter ADVec": (42.1, 32.7, 47.3),
}


@dataclass
class FileResult:
    name: str
    rows: int
    score_points: list[nab.Point]
    alert_points: list[nab.Point]
    n_windows: int


def evaluate_file(
    path: Path, name: str, windows: list[list[str]], cfg: DetectorConfig
) -> FileResult:
    times: list[float] = []
    scores: list[float] = []
    alerts: list[float] = []
    with path.open(newline="", encoding="utf-8") as f:
        for row in run(f, cfg):
            times.append(row.epoch)
            scores.append(float(f"{row.score:.{DECIMALS}f}"))  # as OUT.csv has it
            alerts.append(1.0 if row.alert else 0.0)
    limits = [(parse_timestamp(a), parse_timestamp(b)) for a, b in windows]
    idx = nab.window_indices(times, limits)
    return FileResult(
        name,
        len(times),
        nab.sweep_points(scores, idx, name),
        nab.sweep_points(alerts, idx, name),
        len(windows),
    )


def evaluate(data: Path, cfg: DetectorConfig, folders: set[str] | None = None) -> list[FileResult]:
    labels: dict[str, list[list[str]]] = json.loads((data / "windows.json").read_text())
    out = []
    for name in sorted(labels):
        if folders is not None and name.split("/")[0] not in folders:
            continue
        out.append(evaluate_file(data / name, name, labels[name], cfg))
    return out


def corpus_scores(
    results: list[FileResult], thresholds: dict[str, float] | None = None
) -> dict[str, tuple[nab.ProfileResult, nab.ProfileResult]]:
    """Per profile: (anomaly_score column, alert column) results."""
    s_points = [p for r in results for p in r.score_points]
    a_points = [p for r in results for p in r.alert_points]
    n_windows = sum(r.n_windows for r in results)
    out = {}
    for prof in nab.PROFILES:
        th = None if thresholds is None else thresholds[prof.name]
        out[prof.name] = (
            nab.score_corpus(s_points, n_windows, prof, th),
            nab.score_corpus(a_points, n_windows, prof, 1.0),
        )
    return out


def _fmt(values: tuple[float, ...]) -> str:
    return " ".join(f"{v:>13.1f}" for v in values)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", type=Path, default=DEFAULT_DATA)
    p.add_argument("--folders", default="", help="comma-separated folders (default: all)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    p.add_argument("--by-folder", action="store_true", help="also print per-folder scores")
    p.add_argument("--leave-out", action="store_true", help="leave-one-folder-out thresholds")
    p.add_argument(
        "--cv",
        action="store_true",
        help="cross-validated scores: leave-one-file-out on realTweets, "
        "leave-one-folder-out on the other folders",
    )
    p.add_argument(
        "--grid",
        action="append",
        default=[],
        metavar="KEY=V1,V2",
        help="with --cv: settings chosen per held-out fold among these (nested selection)",
    )
    args = p.parse_args(argv)

    if not (args.data / "windows.json").is_file():
        print(f"spikes: no windows.json under {args.data}", file=sys.stderr)
        return 2
    try:
        overrides = dict(kv.split("=", 1) for kv in args.set)
        cfg = config_from_overrides(overrides) if overrides else DEFAULT_CONFIG
    except ValueError as exc:
        print(
            f"spikes: bad --set ({exc}); use KEY=VALUE with a DetectorConfig field", file=sys.stderr
        )
        return 2
    folders = {f for f in args.folders.split(",") if f} or None

    t0 = time.perf_counter()
    results = evaluate(args.data, cfg, folders)
    t_detect = time.perf_counter() - t0
    scores = corpus_scores(results)
    elapsed = time.perf_counter() - t0
    rows = sum(r.rows for r in results)
    n_windows = sum(r.n_windows for r in results)

    print(f"NAB scores on {args.data} ({len(results)} files, {rows} rows, {n_windows} windows)")
    if overrides:
        print(f"settings overridden: {overrides}")
    print(f"{'detector':<36} {'standard':>13} {'reward_low_FP':>13} {'reward_low_FN':>13}")
    names = [pr.name for pr in nab.PROFILES]
    print(
        f"{'buzzwire anomaly_score (opt. thr.)':<36} "
        + _fmt(tuple(scores[n][0].score for n in names))
    )
    print(f"{'  thresholds':<36} " + " ".join(f"{scores[n][0].threshold:>13.6f}" for n in names))
    print(
        f"{'buzzwire alert (shipped default)':<36} "
        + _fmt(tuple(scores[n][1].score for n in names))
    )
    for name, pub in PUBLISHED.items():
        print(f"{name + ' (published)':<36} " + _fmt(pub))
    us = rows and t_detect / rows * 1e6
    print(f"run time: {elapsed:.1f} s ({t_detect:.1f} s detection, {us:.1f} us/update)")

    if args.by_folder:
        print("\nper folder (threshold optimised on all folders):")
        thr = {n: scores[n][0].threshold for n in names}
        _print_folders(results, thr)
    if args.leave_out:
        print("\nleave-one-folder-out (threshold optimised on the other folders):")
        _leave_out(results)
    if args.cv:
        grid = _grid(args.grid, overrides)
        cache = {cfg_key: results for cfg_key in [_key(cfg)]}
        print("\ncross-validated (settings and threshold chosen without the held-out fold):")
        print_cv(args.data, grid, cache, folders)
    return 0


TWEETS = "realTweets"


def _key(cfg: DetectorConfig) -> tuple[tuple[str, object], ...]:
    return tuple(sorted(dataclasses.asdict(cfg).items()))


def _grid(items: list[str], base: dict[str, str]) -> list[DetectorConfig]:
    """Every combination of the ``KEY=V1,V2`` values, over the ``--set`` settings."""
    combos: list[dict[str, str]] = [dict(base)]
    for item in items:
        key, _, values = item.partition("=")
        combos = [{**c, key: v} for c in combos for v in values.split(",")]
    return [config_from_overrides(c) for c in combos]


def folds_of(results: list[FileResult]) -> dict[str, list[FileResult]]:
    """The CV folds: each realTweets file alone, each other folder (files of no window out)."""
    out: dict[str, list[FileResult]] = {}
    for r in results:
        folder = r.name.split("/")[0]
        out.setdefault(r.name if folder == TWEETS else folder, []).append(r)
    return out


def nested_cv(
    by_config: list[dict[str, list[FileResult]]], profile: nab.CostProfile, alert: bool
) -> tuple[float, list[tuple[str, int, float]]]:
    """Leave-one-fold-out over ``by_config`` (each: fold -> results of one config).

    For each held-out fold the config (and, for the score column, the threshold) that
    scores best on the other folds is chosen, then the held-out fold is scored with it.
    Returns the normalised held-out score and, per fold, (fold, config index, threshold).
    """
    names = sorted(by_config[0])
    raw = null = perfect = 0.0
    chosen = []
    for held in names:
        best: tuple[float, int, float] | None = None
        for i, folds in enumerate(by_config):
            rest = [p for f in names if f != held for r in folds[f] for p in _pts(r, alert)]
            if alert:
                th, score = 1.0, nab.raw_score_at(rest, profile, 1.0)
            else:
                th, score = nab.optimize_threshold(rest, profile)
            if best is None or score > best[0] + 1e-9:
                best = (score, i, th)
        assert best is not None
        _, i, th = best
        pts = [p for r in by_config[i][held] for p in _pts(r, alert)]
        raw += nab.raw_score_at(pts, profile, th)
        null += nab.null_score(pts, profile)
        perfect += sum(r.n_windows for r in by_config[i][held]) * profile.tp_weight
        chosen.append((held, i, th))
    return nab.normalize(raw, null, perfect), chosen


def _pts(r: FileResult, alert: bool) -> list[nab.Point]:
    return r.alert_points if alert else r.score_points


def print_cv(
    data: Path,
    grid: list[DetectorConfig],
    cache: dict[tuple[tuple[str, object], ...], list[FileResult]],
    folders: set[str] | None = None,
) -> None:
    runs = []
    for cfg in grid:
        key = _key(cfg)
        if key not in cache:
            cache[key] = evaluate(data, cfg, folders)
        runs.append(cache[key])
    names = [pr.name for pr in nab.PROFILES]
    print(f"{'':<44} " + " ".join(f"{n:>13}" for n in names))
    for label, select in (
        ("realTweets, leave one file out", lambda f: f.startswith(TWEETS)),
        ("other folders, leave one folder out", lambda f: not f.startswith(TWEETS)),
    ):
        by_config = [{f: g for f, g in folds_of(rs).items() if select(f)} for rs in runs]
        if not by_config[0]:
            continue
        for alert in (False, True):
            row, picks = [], []
            for prof in nab.PROFILES:
                score, chosen = nested_cv(by_config, prof, alert)
                row.append(score)
                picks.append(chosen)
            col = "alert" if alert else "anomaly_score"
            print(f"{label + ': ' + col:<44} " + _fmt(tuple(row)))
            if len(grid) > 1:
                for held, i, th in picks[0]:
                    diff = {
                        k: v
                        for k, v in dataclasses.asdict(grid[i]).items()
                        if v != getattr(DEFAULT_CONFIG, k)
                    }
                    print(f"    {held:<40} thr {th:.4f} {diff}")


def _by_folder(results: list[FileResult]) -> dict[str, list[FileResult]]:
    groups: dict[str, list[FileResult]] = {}
    for r in results:
        groups.setdefault(r.name.split("/")[0], []).append(r)
    return groups


def _print_folders(results: list[FileResult], thr: dict[str, float]) -> None:
    names = [pr.name for pr in nab.PROFILES]
    for folder, group in sorted(_by_folder(results).items()):
        if not sum(r.n_windows for r in group):
            s = corpus_scores(group, thr)
            raw = tuple(s[n][0].raw for n in names)
            print(f"  {folder:<34} raw {' '.join(f'{v:>8.2f}' for v in raw)} (no windows)")
            continue
        s = corpus_scores(group, thr)
        print(f"  {folder:<34} " + _fmt(tuple(s[n][0].score for n in names)))


def _leave_out(results: list[FileResult]) -> None:
    names = [pr.name for pr in nab.PROFILES]
    groups = _by_folder(results)
    raw_total = {n: 0.0 for n in names}
    for folder, group in sorted(groups.items()):
        rest = [r for f, g in groups.items() if f != folder for r in g]
        thr = {n: corpus_scores(rest)[n][0].threshold for n in names}
        s = corpus_scores(group, thr)
        for n in names:
            raw_total[n] += s[n][0].raw
        print(f"  {folder:<34} thresholds " + " ".join(f"{thr[n]:.4f}" for n in names))
    n_windows = sum(r.n_windows for r in results)
    pts = [p for r in results for p in r.score_points]
    line = []
    for prof in nab.PROFILES:
        null = nab.null_score(pts, prof)
        line.append(nab.normalize(raw_total[prof.name], null, n_windows * prof.tp_weight))
    print(f"  {'total with held-out thresholds':<34} " + _fmt(tuple(line)))


if __name__ == "__main__":
    raise SystemExit(main())
