"""How the stream's crisis alerts behave on synthetic days: detection, delay, false alerts.

    python benchmarks/crisis.py [--days N] [--window 60x1,300x1,60x1+5+15]
                                [--sizes 60,150,600,3000] [--set detector.FIELD=VALUE ...]
                                [--set count_test.FIELD=VALUE | count_test=none]
                                [--seed0 1000] [--quick] [--markdown]

Each simulated run is two days of two brands with seasonal, overdispersed traffic
(``streams.devstack.synthetic.crisis_day``) at a given size (mentions per hour), and for one
of them a negative crisis of a given strength (extra angry posts per hour, as a multiple of its
normal rate) at a random hour of the second day (the first is the detector's cold start).
Sentiment is drawn (20% negative normally; crisis posts negative), the windows, detectors and
alert threads run exactly as in the worker (``EpisodeTracker``). Printed per window width,
brand size and crisis strength: the share of crises detected (a thread opened while the crisis
lasted), the share detected within two 5-minute windows of onset (the alert sent by the end of
the 5-minute window after the one of the onset, whatever the width watched), the median and
worst time from onset to the end of the window that opened the thread (when the alert can be
sent), threads per crisis, alert events per thread, false threads per brand-day (opened outside
any crisis, on either brand, over both days: cold start included) and precision (threads on a
crisis / all threads). A width is ``SECONDSxSCALES``: ``60x1+5+15`` is one-minute windows
watched also at 5 and 15 minutes (``AlertConfig.scales``). The ``--set`` overrides are how the
stream's defaults were chosen: on these many days, never on one. The runs start at seed
``--seed0`` (1000): the count test's settings were chosen on other simulated days, so these
report held-out figures. Every width of a run judges the same simulated mentions.
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from streams.crisis import alert_threads, count_test  # noqa: E402
from streams.crisis.alert_threads import AlertConfig, EpisodeTracker  # noqa: E402
from streams.devstack.synthetic import crisis_day  # noqa: E402
from streams.mentions.logic import parse_created_at  # noqa: E402
from streams.windowing.events import BrandEvent  # noqa: E402

DAY0 = 1_790_000_000 - 1_790_000_000 % 86400
HOURS = 48
#: the share of a brand's normal posts that are negative (a crisis's posts all are)
NEGATIVE_SHARE = 0.2
#: the crisis starts this many hours into the second day, uniformly
CRISIS_HOURS = (6.0, 20.0)
#: and lasts one of these many minutes
CRISIS_MINUTES = (20, 45, 90)


def simulate(config: AlertConfig, per_hour: float, strength: float, seed: int) -> dict[str, Any]:
    return simulate_all([config], per_hour, strength, seed)[0]


def simulate_all(
    configs: list[AlertConfig], per_hour: float, strength: float, seed: int
) -> list[dict[str, Any]]:
    """One simulated run (the same mentions) through the alert threads of each config."""
    rng = random.Random(seed)
    at_hour = 24 + rng.uniform(*CRISIS_HOURS)
    minutes = rng.choice(list(CRISIS_MINUTES))
    day = crisis_day(
        start_ts=DAY0,
        hours=HOURS,
        per_hour=per_hour,
        crisis_at_hour=at_hour,
        crisis_minutes=minutes,
        crisis_per_hour=strength * per_hour,
        seed=seed,
    )
    specs = [alert_threads.window_spec(config) for config in configs]
    states = [
        {"acme": alert_threads.BrandCrisis(), "globex": alert_threads.BrandCrisis()}
        for _ in configs
    ]
    for crises in states:
        for crisis in crises.values():
            crisis.windows.last_end = DAY0
    for m in day.mentions:
        ts = parse_created_at(m["created_at"])
        brand = m["id"].split("-")[-3]
        negative = m["id"] in day.crisis_ids or rng.random() < NEGATIVE_SHARE
        ev = BrandEvent.from_json(
            {
                "brand": brand,
                "id": m["id"],
                "ts": ts,
                "created_at": m["created_at"],
                "sentiment": "negative" if negative else rng.choice(["positive", "neutral"]),
                "lang": "en",
                "followers": m["author"]["followers"],
                "engagement": 0,
                "url": m["url"],
                "text": "",
                "tagged": False,
            }
        )
        for spec, config, crises in zip(specs, configs, states, strict=True):
            crises[brand].add(spec, ev, config.samples)
    return [_outcome(config, crises, day) for config, crises in zip(configs, states, strict=True)]


def _outcome(
    config: AlertConfig, crises: dict[str, alert_threads.BrandCrisis], day: Any
) -> dict[str, Any]:
    width = config.window_seconds
    tracker = EpisodeTracker(config)
    alerts: dict[str, list[dict[str, Any]]] = {"acme": [], "globex": []}
    for brand in alerts:
        closed = crises[brand].close_due(
            tracker,
            DAY0 + HOURS * 3600,
            int(HOURS * 3600) // width,
            brand=brand,
            brand_name=brand,
            wall_now=0,
        )
        for window in closed:
            alerts[brand].extend(window.alerts)
    onset = day.onset_ts
    end = day.end_ts
    # (brand, the end of the window that opened the thread: when it is sent, thread id)
    opened = [
        (b, parse_created_at(a["window"]["end"]), a["id"])
        for b, evs in alerts.items()
        for a in evs
        if a["event"] == "opened"
    ]
    seconds = {
        a["id"]: a["window"]["seconds"]
        for evs in alerts.values()
        for a in evs
        if a["event"] == "opened"
    }
    # on the crisis: the window that opened the thread overlaps it
    true = [o for o in opened if o[0] == "acme" and onset < o[1] < end + seconds[o[2]]]
    false = [o for o in opened if o not in true]
    threads = {a["id"] for a in alerts["acme"]} | {a["id"] for a in alerts["globex"]}
    events = sum(len(v) for v in alerts.values())
    return {
        "detected": bool(true),
        "delay": (true[0][1] - onset) / 60 if true else None,
        # sent by the end of the second 5-minute window from the one of the onset
        "in_two": bool(true) and true[0][1] <= onset - onset % 300 + 600,
        "threads": len(true),
        "false": len(false),
        "events_per_thread": events / len(threads) if threads else 0.0,
        # (brand, hours since the start, width in seconds) of each false thread
        "false_at": [(b, round((t - DAY0) / 3600, 2), seconds[i]) for b, t, i in false],
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--days", type=int, default=20, help="simulated runs (of two days) per cell")
    ap.add_argument(
        "--window",
        default="60x1,300x1,60x1+5+15",
        help="widths: SECONDS (one scale) or SECONDSxSCALES (60x1+5+15), comma-separated",
    )
    ap.add_argument("--sizes", default="60,150,600,3000", help="brand sizes (mentions per hour)")
    ap.add_argument("--strengths", default="1,3", help="crisis strength (x normal rate)")
    ap.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE")
    ap.add_argument(
        "--seed0",
        type=int,
        default=1000,
        help="first seed (the settings were chosen on other simulated days: hold-out)",
    )
    ap.add_argument("--quick", action="store_true", help="3 runs a cell, the default width only")
    ap.add_argument("--markdown", action="store_true", help="the rows as a Markdown table")
    args = ap.parse_args()
    if args.quick:
        args.days, args.window = 3, "60x1+5+15"

    started = time.perf_counter()
    header = (
        "| width | brand size | crisis | detected | within two 5-min windows "
        "| minutes to alert, median / worst | false threads per brand-day | precision |\n"
        + "|---" * 8
        + "|"
    )
    print(
        header
        if args.markdown
        else f"{'width':>10} {'size/h':>6} {'crisis':>6} {'detected':>8} {'<=2x5min':>8} "
        f"{'p50 min':>7} {'max min':>7} {'thr/cr':>6} {'ev/thr':>6} {'false/brand-day':>15} "
        f"{'precision':>9}"
    )
    widths = args.window.split(",")
    configs = []
    for item in widths:
        seconds, _, scales = item.partition("x")
        scaled = tuple(int(k) for k in (scales or "1").split("+"))
        configs.append(_config(int(seconds), scaled, args.set))
    rows: dict[str, list[str]] = {item: [] for item in widths}
    for size in (float(s) for s in args.sizes.split(",")):
        for strength in (float(s) for s in args.strengths.split(",")):
            seeds = range(args.seed0, args.seed0 + args.days)
            runs = [simulate_all(configs, size, strength, seed) for seed in seeds]
            for i, item in enumerate(widths):
                cells = [r[i] for r in runs]
                row = _markdown if args.markdown else _row
                rows[item].append(row(item, size, strength, cells))
    for item in widths:
        print("\n".join(rows[item]))
    print(f"run time: {time.perf_counter() - started:.1f} s")
    return 0


def _row(width: str, size: float, strength: float, runs: list[dict[str, Any]]) -> str:
    delays = [r["delay"] for r in runs if r["delay"] is not None]
    detected = sum(r["detected"] for r in runs) / len(runs)
    fast = sum(r["in_two"] for r in runs) / len(runs)
    thr = [r["threads"] for r in runs if r["detected"]]
    true = sum(r["threads"] for r in runs)
    false = sum(r["false"] for r in runs)
    precision = true / (true + false) if true + false else float("nan")
    nan = float("nan")
    return (
        f"{width:>10} {size:>6.0f} {strength:>5.0f}x {100 * detected:>7.0f}% {100 * fast:>7.0f}% "
        f"{statistics.median(delays) if delays else nan:>7.1f} "
        f"{max(delays) if delays else nan:>7.1f} "
        f"{statistics.mean(thr) if thr else nan:>6.2f} "
        f"{statistics.mean(r['events_per_thread'] for r in runs):>6.1f} "
        f"{false / (2 * HOURS / 24 * len(runs)):>15.3f} {precision:>9.2f}"
    )


def _markdown(width: str, size: float, strength: float, runs: list[dict[str, Any]]) -> str:
    """| width | brand size | crisis | detected | within two 5-min windows | minutes to alert,
    median / worst | false threads per brand-day | precision |"""
    delays = [r["delay"] for r in runs if r["delay"] is not None]
    true = sum(r["threads"] for r in runs)
    false = sum(r["false"] for r in runs)
    minutes = f"{statistics.median(delays):.0f} / {max(delays):.0f}" if delays else "\u2013"
    precision = f"{true / (true + false):.2f}" if true + false else "\u2013"
    n = len(runs)
    return (
        f"| {width} | {size:.0f}/h | {strength:.0f}x "
        f"| {100 * sum(r['detected'] for r in runs) / n:.0f}% "
        f"| {100 * sum(r['in_two'] for r in runs) / n:.0f}% | {minutes} "
        f"| {false / (2 * HOURS / 24 * n):.3f} | {precision} |"
    )


def _config(width: int, scales: tuple[int, ...], overrides: list[str]) -> AlertConfig:
    config = AlertConfig(window_seconds=width, scales=scales)
    det: dict[str, Any] = {}
    top: dict[str, Any] = {}
    for item in overrides:
        key, _, value = item.partition("=")
        if key.startswith("count_test."):
            name = key.split(".", 1)[1]
            counts = top.get("count_test", config.count_test) or count_test.DEFAULT_COUNT_TEST
            value_of = type(getattr(counts, name))(value)
            top["count_test"] = dataclasses.replace(counts, **{name: value_of})
        elif key == "count_test" and value.lower() == "none":
            top["count_test"] = None
        elif key.startswith("detector."):
            name = key.split(".", 1)[1]
            det[name] = type(getattr(config.detector, name))(value)
        else:
            current = getattr(config, key)
            top[key] = float(value) if current is None else type(current)(value)
    if det:
        top["detector"] = dataclasses.replace(config.detector, **det)
    return dataclasses.replace(config, **top)


if __name__ == "__main__":
    raise SystemExit(main())
