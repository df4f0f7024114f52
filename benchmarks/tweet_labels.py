"""How far NAB's labelled tweet bursts stand out by volume from the unlabelled ones.

For each tweet series of ``shared/data/spikes/realTweets`` (5-minute counts), every row gets a
causal burst ratio: the count of the last hour over the median hourly count of the day before
it (both plus 5, so that a quiet hour is not a burst of infinity). Each labelled window is one
burst (its largest ratio); outside the windows, the largest ratios a day apart are the
unlabelled bursts. Printed per file, largest first: ``W2`` is the file's second window, a bare
number an unlabelled burst; in brackets, how long the burst stayed above half its peak ratio
(and above 2), in hours.

Why: a detector that reads only the volume cannot rank a labelled window above an unlabelled
burst that is larger, and with twelve windows each one missed or paid for with false detections
moves the NAB score by several points. This is the evidence behind "what is left" for the NAB
target in docs/crisis-detection.md; it reads only the four series in ``shared``.

    .venv/bin/python benchmarks/tweet_labels.py [--data DIR] [--top 10]
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from streams.crisis.backtest import parse_timestamp  # noqa: E402

DEFAULT_DATA = REPO.parent / "shared" / "data" / "spikes"
FOLDER = "realTweets"
HOUR = 12  # rows of 5 minutes
DAY = 288
PSEUDO = 5.0


def burst_ratios(values: list[float]) -> list[float]:
    """Per row: (count of the last hour + 5) / (median hourly count of the day before + 5);
    0 for the first day and hour, which have no day before."""
    hourly = [sum(values[max(0, i - HOUR + 1) : i + 1]) for i in range(len(values))]
    out = [0.0] * len(values)
    for i in range(DAY + HOUR, len(values)):
        base = statistics.median(hourly[i - DAY - HOUR : i - HOUR : HOUR])
        out[i] = (hourly[i] + PSEUDO) / (base + PSEUDO)
    return out


def hours_above_half(ratios: list[float], peak: int) -> float:
    """How long the burst peaking at row ``peak`` stays above half its ratio (and above 2)."""
    floor = max(2.0, ratios[peak] / 2)
    lo = hi = peak
    while lo > 0 and ratios[lo - 1] > floor:
        lo -= 1
    while hi < len(ratios) - 1 and ratios[hi + 1] > floor:
        hi += 1
    return (hi - lo + 1) / HOUR


def bursts(
    times: list[float], ratios: list[float], windows: list[tuple[float, float]], top: int
) -> list[tuple[float, str, int]]:
    """The labelled windows' bursts (``W1``...) and the ``top`` largest unlabelled ones (``""``),
    largest first: (ratio, label, row of the peak)."""
    out = []
    for k, (a, b) in enumerate(windows, 1):
        inside = [i for i, t in enumerate(times) if a <= t <= b]
        peak = max(inside, key=lambda i: ratios[i])
        out.append((ratios[peak], f"W{k}", peak))
    outside = [i for i, t in enumerate(times) if not any(a <= t <= b for a, b in windows)]
    taken: list[int] = []
    for i in sorted(outside, key=lambda i: -ratios[i]):
        if all(abs(i - j) > DAY for j in taken):
            taken.append(i)
            if len(taken) >= top:
                break
    out += [(ratios[i], "", i) for i in taken]
    return sorted(out, reverse=True)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", type=Path, default=DEFAULT_DATA)
    p.add_argument("--top", type=int, default=10, help="bursts printed per file")
    args = p.parse_args(argv)
    labels_path = args.data / "windows.json"
    if not labels_path.is_file():
        print(f"tweet_labels: no windows.json under {args.data}", file=sys.stderr)
        return 2
    labels: dict[str, list[list[str]]] = json.loads(labels_path.read_text())
    names = sorted(n for n in labels if n.split("/")[0] == FOLDER)
    print("burst ratio (last hour / median hour of the day before), largest first;")
    print("Wk: the file's k-th labelled window, else an unlabelled burst;")
    print("(h): hours the burst stayed above half its peak ratio")
    beaten = 0
    for name in names:
        with (args.data / name).open(newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        times = [parse_timestamp(r["timestamp"]) for r in rows]
        values = [float(r["value"]) for r in rows]
        windows = [(parse_timestamp(a), parse_timestamp(b)) for a, b in labels[name]]
        ratios = burst_ratios(values)
        ranked = bursts(times, ratios, windows, args.top)
        cells = ", ".join(
            f"{r:.1f}{' ' + label if label else ''} ({hours_above_half(ratios, i):.1f} h)"
            for r, label, i in ranked[: args.top]
        )
        missing = [label for _, label, _ in ranked[args.top :] if label]
        if missing:
            cells += f"; {', '.join(missing)} below"
        print(f"{Path(name).stem.removeprefix('Twitter_volume_'):<6} {cells}")
        largest_unlabelled = max((r for r, label, _ in ranked if not label), default=0.0)
        beaten += sum(1 for r, label, _ in ranked if label and r < largest_unlabelled)
    total = sum(len(labels[n]) for n in names)
    print(f"labelled windows below their file's largest unlabelled burst: {beaten} of {total}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
