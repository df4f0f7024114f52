#!/usr/bin/env python3
"""Render a Grafana dashboard of ``deploy/grafana/dashboards`` to one PNG, without Grafana.

Each panel becomes a subplot with its title: time series panels as lines over the range, bar
gauge and stat panels as horizontal bars of the latest values. The data come from a running
Prometheus (range and instant queries), with the dashboard's variables substituted as Grafana
would with "All" selected (``--var name=value`` sets a custom one, e.g. ``--var window=1h``).

    python scripts/render_dashboard.py --prometheus http://127.0.0.1:9090 \\
        --dashboard deploy/grafana/dashboards/brand-overview.json --out brand-overview.png

Prints a JSON line ``{"panels": N, "drawn": N, "with_data": M, "no_data": [titles]}`` last.
Needs matplotlib (a dev dependency).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from streams.devstack import grafana, prometheus_api

COLUMNS = 3
MAX_LEGEND = 8


def _scale(unit: str) -> tuple[float, str]:
    if unit == "percentunit":
        return 100.0, "%"
    if unit.startswith("suffix:"):
        return 1.0, unit.split(":", 1)[1]
    return 1.0, {"s": "s", "ms": "ms"}.get(unit, "")


def _number(v: float) -> str:
    return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.3g}"


def _panel_data(
    url: str,
    panel: dict[str, Any],
    values: dict[str, str | list[str]],
    start: float,
    end: float,
    step: float,
) -> list[tuple[str, list[float], list[float]]]:
    """``(series name, times, values)`` of every target of the panel."""
    out: list[tuple[str, list[float], list[float]]] = []
    instant = panel.get("type") in ("bargauge", "stat", "gauge")
    for target in panel.get("targets", []):
        expr = grafana.substitute(target["expr"], values)
        fmt = target.get("legendFormat")
        if instant:
            for series in prometheus_api.query(url, expr, at=end):
                t, v = series["value"]
                out.append((grafana.legend(fmt, series["metric"]), [float(t)], [float(v)]))
        else:
            for series in prometheus_api.query_range(url, expr, start, end, step):
                ts = [float(t) for t, _ in series["values"]]
                vs = [float(v) for _, v in series["values"]]
                out.append((grafana.legend(fmt, series["metric"]), ts, vs))
    return out


def render(
    url: str,
    dashboard_path: Path,
    out: Path,
    *,
    since: float = 3600.0,
    step: float | None = None,
    rate_interval: str | None = None,
    custom: dict[str, str] | None = None,
) -> dict[str, Any]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    dashboard = json.loads(dashboard_path.read_text())
    end = time.time()
    start = end - since
    step = step or max(1.0, since / 240)
    if rate_interval is None:
        rate_interval = f"{max(60, int(4 * step))}s"
    chosen = dict(custom or {})
    for name, options in grafana.custom_options(dashboard).items():
        if name not in chosen:
            current = next(
                (
                    v.get("current", {}).get("value")
                    for v in dashboard["templating"]["list"]
                    if v["name"] == name
                ),
                None,
            )
            chosen[name] = str(current or options[0])
    values = prometheus_api.variable_values(
        url, dashboard, rate_interval=rate_interval, custom=chosen
    )

    items = grafana.panels(dashboard)
    rows = max(1, math.ceil(len(items) / COLUMNS))
    fig, axes = plt.subplots(rows, COLUMNS, figsize=(6.4 * COLUMNS, 3.6 * rows), squeeze=False)
    first, last = datetime.fromtimestamp(start, UTC), datetime.fromtimestamp(end, UTC)
    span = f"{first:%Y-%m-%d %H:%M:%S} - {last:%H:%M:%S} UTC"
    shown = {k: v for k, v in values.items() if not k.startswith("__")}
    fig.suptitle(
        f"{dashboard['title']}  ({span};  "
        + ", ".join(f"{k}={grafana.format_value(v)}" for k, v in sorted(shown.items()))
        + ")",
        fontsize=13,
    )
    drawn = 0
    no_data: list[str] = []
    for ax, panel in zip(axes.flat, items, strict=False):
        title = grafana.substitute(panel.get("title", ""), values)
        unit = panel.get("fieldConfig", {}).get("defaults", {}).get("unit", "short")
        factor, suffix = _scale(unit)
        ax.set_title(title, fontsize=10)
        try:
            data = _panel_data(url, panel, values, start, end, step)
        except prometheus_api.PrometheusError as exc:
            data = []
            ax.text(0.5, 0.4, f"error: {exc}"[:80], ha="center", transform=ax.transAxes)
        data = [(name, ts, vs) for name, ts, vs in data if any(math.isfinite(v) for v in vs)]
        if not data:
            no_data.append(title)
            ax.text(0.5, 0.5, "no data", ha="center", va="center", color="grey",
                    fontsize=14, transform=ax.transAxes)  # fmt: skip
            ax.set_xticks([])
            ax.set_yticks([])
        elif panel.get("type") == "timeseries":
            for name, ts, vs in data[: MAX_LEGEND * 2]:
                ax.plot(
                    [datetime.fromtimestamp(t, UTC) for t in ts],
                    [v * factor for v in vs],
                    label=name,
                    linewidth=1.2,
                )
            ax.xaxis.set_major_formatter(mdates.DateFormatter("%H:%M:%S"))
            ax.tick_params(labelsize=8)
            if suffix:
                ax.set_ylabel(suffix, fontsize=8)
            ax.legend(fontsize=7, loc="upper left", ncol=2, framealpha=0.6)
            if len(data) > MAX_LEGEND * 2:
                ax.text(1.0, 1.0, f"+{len(data) - MAX_LEGEND * 2} more", ha="right",
                        va="bottom", fontsize=7, transform=ax.transAxes)  # fmt: skip
        else:
            data.sort(key=lambda d: d[2][-1], reverse=True)
            bars = data[:12]
            names = [name for name, _, _ in bars][::-1]
            vals = [vs[-1] * factor for _, _, vs in bars][::-1]
            ax.barh(names, vals, color="#3274d9")
            for y, v in enumerate(vals):
                ax.text(v, y, f" {_number(v)}{suffix}", va="center", fontsize=8)
            ax.tick_params(labelsize=8)
            ax.margins(x=0.2)
        ax.grid(alpha=0.3)
        drawn += 1
    for ax in list(axes.flat)[len(items) :]:
        ax.set_visible(False)
    fig.tight_layout(rect=(0, 0, 1, 0.97))
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=80)
    plt.close(fig)
    return {
        "panels": len(items),
        "drawn": drawn,
        "with_data": drawn - len(no_data),
        "no_data": no_data,
        "out": str(out),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--prometheus", required=True, help="Prometheus base URL")
    parser.add_argument("--dashboard", required=True, type=Path, help="dashboard JSON file")
    parser.add_argument("--out", required=True, type=Path, help="PNG to write")
    parser.add_argument("--since", type=float, default=3600.0, help="seconds back (default 1 h)")
    parser.add_argument("--step", type=float, default=None, help="range query step, seconds")
    parser.add_argument(
        "--rate-interval", default=None, help="value of $__rate_interval (default: 4 steps, >=60s)"
    )
    parser.add_argument(
        "--var", action="append", default=[], metavar="NAME=VALUE", help="a custom variable"
    )
    args = parser.parse_args(argv)
    custom = dict(v.split("=", 1) for v in args.var)
    report = render(
        args.prometheus,
        args.dashboard,
        args.out,
        since=args.since,
        step=args.step,
        rate_interval=args.rate_interval,
        custom=custom,
    )
    print(json.dumps(report, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
