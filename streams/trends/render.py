"""A report (the plain data of ``streams.reporting.report``) as JSON, CSV or one self-contained
HTML file whose charts are inline SVG drawn here: no script, no font, no image to fetch, so it
can be mailed as it is. Every text from the store is escaped."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

import orjson

_NONE = "\u2013"  # an en dash: no value

__all__ = ["LABELS", "format_change", "format_value", "to_csv", "to_html", "to_json"]

LABELS = {
    "volume": "Mentions",
    "negative_share": "Negative share",
    "net_sentiment": "Net sentiment",
    "net_sentiment_score": "Net sentiment score (NPS scale)",
    "untagged_share": "Untagged share",
    "answered_share": "Untagged answered",
    "median_hours_to_first_action": "Median hours to first action",
    "backlog": "Backlog (no action by period end)",
    "share_of_voice": "Share of voice",
}


def to_json(report: Mapping[str, Any]) -> bytes:
    return orjson.dumps(report, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS)


def format_value(measure: Mapping[str, Any], value: float | None = None) -> str:
    v = measure["value"] if value is None else value
    if v is None:
        return _NONE
    kind = measure["kind"]
    if kind == "volume":
        return f"{v:,.0f}"
    if kind == "share" and measure["name"] != "net_sentiment":
        return f"{v:.1f} %"
    if kind == "plain" and measure["name"] == "backlog":
        return f"{v:,.0f}"
    return f"{v:+.1f}" if kind in ("score", "share") else f"{v:.1f}"


def format_change(measure: Mapping[str, Any], against: str) -> str:
    c = measure[against]
    if c["change"] is None:
        return _NONE
    if measure["kind"] == "volume":
        text = f"{100 * c['change']:+.1f} %"
    elif measure["kind"] == "plain":
        text = f"{c['change']:+.1f}"
    else:
        text = f"{c['change']:+.1f} pts"
    if c["noise"] is True:
        return f"{text} (noise)"
    if c["noise"] is False:
        return f"{text} *"
    return text


_CSV_HEADER = [
    "scope",
    "measure",
    "value",
    "n",
    "interval_low",
    "interval_high",
    "previous_value",
    "previous_n",
    "previous_change",
    "previous_p",
    "previous_noise",
    "year_ago_value",
    "year_ago_n",
    "year_ago_change",
    "year_ago_p",
    "year_ago_noise",
]


def _csv_row(scope: str, m: Mapping[str, Any]) -> list[Any]:
    interval = m.get("interval") or [None, None]
    row: list[Any] = [scope, m["name"], m["value"], m["n"], *interval]
    for against in ("previous", "year_ago"):
        c = m[against]
        row += [c["value"], c["n"], c["change"], c["p_value"], c["noise"]]
    return ["" if v is None else v for v in row]


def to_csv(report: Mapping[str, Any]) -> str:
    """One row per measure: the brand's, each share of voice, each topic's and department's;
    a header names the period and its comparison periods."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(
        [
            "brand",
            report["brand"],
            "period",
            report["span"]["label"],
            "previous",
            report["previous"]["label"],
            "year_ago",
            report["year_ago"]["label"],
            "timezone",
            report["timezone"],
        ]
    )
    w.writerow(_CSV_HEADER)
    for m in report["measures"]:
        w.writerow(_csv_row("brand", m))
    for s in report["share_of_voice"]:
        for member, m in s["shares"].items():
            w.writerow(_csv_row(f"share_of_voice:{s['set']}:{member}", m))
    for t in report["topics"]:
        for m in t["measures"]:
            w.writerow(_csv_row(f"topic:{t['topic']}", m))
    for d in report["departments"]:
        for m in d["measures"]:
            w.writerow(_csv_row(f"department:{d['department']}", m))
    return out.getvalue()


# --------------------------------------------------------------------------------- SVG charts
_W, _H, _PAD = 560, 200, 36
_INK, _ACCENT, _NEG, _POS, _MUTED = "#1f2937", "#2563eb", "#dc2626", "#16a34a", "#9ca3af"


def _svg(body: str, title: str, height: int = _H) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_W} {height}" width="{_W}" '
        f'height="{height}" role="img" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title>{body}</svg>"
    )


def bar_chart(labels: Sequence[str], values: Sequence[float | None], title: str) -> str:
    """Vertical bars, the last one (the report's period) highlighted."""
    top = max([v for v in values if v is not None] + [1.0])
    n = max(len(values), 1)
    slot = (_W - 2 * _PAD) / n
    parts = [
        f'<line x1="{_PAD}" y1="{_H - _PAD}" x2="{_W - _PAD}" y2="{_H - _PAD}" stroke="{_MUTED}"/>'
    ]
    for i, (label, v) in enumerate(zip(labels, values, strict=True)):
        h = 0.0 if v is None else (_H - 2 * _PAD) * v / top
        x = _PAD + i * slot + slot * 0.15
        colour = _ACCENT if i == n - 1 else _MUTED
        parts.append(
            f'<rect x="{x:.1f}" y="{_H - _PAD - h:.1f}" width="{slot * 0.7:.1f}" '
            f'height="{h:.1f}" fill="{colour}"><title>{escape(label)}: '
            f"{_NONE if v is None else f'{v:,.0f}'}</title></rect>"
        )
        parts.append(
            f'<text x="{x + slot * 0.35:.1f}" y="{_H - _PAD + 14}" font-size="10" '
            f'text-anchor="middle" fill="{_INK}">{escape(label)}</text>'
        )
        if v is not None:
            parts.append(
                f'<text x="{x + slot * 0.35:.1f}" y="{_H - _PAD - h - 4:.1f}" font-size="10" '
                f'text-anchor="middle" fill="{_INK}">{v:,.0f}</text>'
            )
    return _svg("".join(parts), title)


def line_chart(
    labels: Sequence[str],
    series: Mapping[str, Sequence[float | None]],
    title: str,
    *,
    low: float,
    high: float,
) -> str:
    """Lines between ``low`` and ``high`` (a zero line when it is in range)."""
    n = max(len(labels), 1)
    step = (_W - 2 * _PAD) / max(n - 1, 1)

    def y(v: float) -> float:
        return _H - _PAD - (_H - 2 * _PAD) * (v - low) / ((high - low) or 1)

    parts = []
    if low < 0 < high:
        parts.append(
            f'<line x1="{_PAD}" y1="{y(0):.1f}" x2="{_W - _PAD}" y2="{y(0):.1f}" '
            f'stroke="{_MUTED}" stroke-dasharray="4 3"/>'
        )
    for v in (low, high):
        parts.append(
            f'<text x="{_PAD - 4}" y="{y(v) + 4:.1f}" font-size="10" text-anchor="end" '
            f'fill="{_INK}">{v:g}</text>'
        )
    colours = [_ACCENT, _NEG, _POS, "#7c3aed", "#d97706", _INK]
    for k, (name, values) in enumerate(series.items()):
        colour = colours[k % len(colours)]
        points = [(i, v) for i, v in enumerate(values) if v is not None]
        if len(points) > 1:
            path = " ".join(f"{_PAD + i * step:.1f},{y(v):.1f}" for i, v in points)
            parts.append(
                f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>'
            )
        for i, v in points:
            parts.append(
                f'<circle cx="{_PAD + i * step:.1f}" cy="{y(v):.1f}" r="3" fill="{colour}">'
                f"<title>{escape(name)} {escape(labels[i])}: {v:.1f}</title></circle>"
            )
        parts.append(
            f'<text x="{_W - _PAD}" y="{14 + 12 * k}" font-size="10" text-anchor="end" '
            f'fill="{colour}">{escape(name)}</text>'
        )
    for i, label in enumerate(labels):
        parts.append(
            f'<text x="{_PAD + i * step:.1f}" y="{_H - _PAD + 14}" font-size="10" '
            f'text-anchor="middle" fill="{_INK}">{escape(label)}</text>'
        )
    return _svg("".join(parts), title)


def hbar_chart(rows: Sequence[tuple[str, float | None, float | None]], title: str) -> str:
    """Horizontal bars of percentages: (label, value, negative part) per row."""
    height = 24 * len(rows) + 20
    width = _W - 240
    parts = []
    for i, (label, v, neg) in enumerate(rows):
        yy = 10 + 24 * i
        w = 0.0 if v is None else width * min(v, 100.0) / 100.0
        parts.append(
            f'<text x="150" y="{yy + 13}" font-size="11" text-anchor="end" '
            f'fill="{_INK}">{escape(label)}</text>'
            f'<rect x="156" y="{yy}" width="{w:.1f}" height="16" fill="{_ACCENT}"/>'
        )
        if neg is not None and v:
            parts.append(
                f'<rect x="156" y="{yy}" width="{w * neg / 100.0:.1f}" height="16" fill="{_NEG}"/>'
            )
        parts.append(
            f'<text x="{160 + w:.1f}" y="{yy + 13}" font-size="11" fill="{_INK}">'
            f"{_NONE if v is None else f'{v:.1f} %'}</text>"
        )
    return _svg("".join(parts), title, height=height)


# --------------------------------------------------------------------------------------- HTML
_CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#1f2937;
max-width:960px;margin:24px auto;padding:0 16px}
h1{font-size:22px;margin-bottom:4px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid
#e5e7eb;padding-bottom:4px}table{border-collapse:collapse;width:100%;margin:8px 0}
th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #f3f4f6;vertical-align:top}
td.num{text-align:right;white-space:nowrap}.noise{color:#9ca3af}.sig{font-weight:600}
.meta{color:#6b7280}.quote{margin:6px 0;padding:6px 10px;border-left:3px solid #dc2626}
.quote.positive{border-color:#16a34a}figure{margin:12px 0}figcaption{color:#6b7280;font-size:12px}
"""


def _change_cell(m: Mapping[str, Any], against: str) -> str:
    c = m[against]
    css = "noise" if c["noise"] is True else "sig" if c["noise"] is False else ""
    other = format_value(m, c["value"]) if c["value"] is not None else _NONE
    return (
        f'<td class="num">{escape(other)}<br><span class="meta">n={c["n"]:,}</span></td>'
        f'<td class="num {css}">{escape(format_change(m, against))}</td>'
    )


def _measure_table(measures: Sequence[Mapping[str, Any]], report: Mapping[str, Any]) -> str:
    head = (
        f"<tr><th>measure</th><th>{escape(report['span']['label'])}</th>"
        f"<th>{escape(report['previous']['label'])}</th><th>change</th>"
        f"<th>{escape(report['year_ago']['label'])}</th><th>change</th></tr>"
    )
    rows = []
    for m in measures:
        label = LABELS.get(m["name"], m["name"])
        rows.append(
            f"<tr><td>{escape(label)}</td><td class='num'>{escape(format_value(m))}<br>"
            f"<span class='meta'>n={m['n']:,}</span></td>"
            f"{_change_cell(m, 'previous')}{_change_cell(m, 'year_ago')}</tr>"
        )
    return f"<table>{head}{''.join(rows)}</table>"


def _quotes(statements: Mapping[str, Sequence[Mapping[str, Any]]]) -> str:
    parts = []
    for kind in ("negative", "positive"):
        for s in statements.get(kind, []):
            who = escape(s.get("author_handle") or "")
            link = (
                f' · <a href="{escape(s["url"])}">link</a>'
                if s.get("url", "").startswith(("https://", "http://"))
                else ""
            )
            parts.append(
                f'<div class="quote {kind}">{escape(s["text"])}<br><span class="meta">'
                f"{escape(kind)} {s['score']:.2f} · reach {s['reach']:,} · {who} · "
                f"{escape(s['platform'])} · {escape(s['created_at'][:16])}{link}</span></div>"
            )
    return "".join(parts) or '<p class="meta">none in this period</p>'


def to_html(report: Mapping[str, Any]) -> str:
    """The report as one self-contained HTML page (inline CSS and SVG, no script)."""
    history = report["history"]["periods"]
    labels = [h["label"] for h in history]
    volume = bar_chart(labels, [h["mentions"] for h in history], "Mentions per period")
    nss = line_chart(
        labels,
        {"net sentiment score": [h["net_sentiment_score"] for h in history]},
        "Net sentiment score per period",
        low=-100,
        high=100,
    )
    sov_series = {
        f"set {s}": [h["share_of_voice"].get(s) for h in history]
        for s in sorted({k for h in history for k in h["share_of_voice"]})
    }
    sections = [
        f"<h1>{escape(report['name'])}: {escape(report['span']['label'])}</h1>",
        f"<p class='meta'>{escape(report['span']['first_day'])} to "
        f"{escape(report['span']['last_day'])} ({escape(report['timezone'])}), against "
        f"{escape(report['previous']['label'])} and {escape(report['year_ago']['label'])}. "
        "A change marked * is beyond noise at its sample size (5 % test); (noise) is not. "
        f"Generated {escape(report['generated_at'][:16])} UTC.</p>",
        "<h2>Headline</h2>",
        _measure_table(report["measures"], report),
        f"<figure>{volume}<figcaption>Mentions per {escape(report['period'])}"
        "</figcaption></figure>",
        f"<figure>{nss}<figcaption>Net sentiment score: clearly positive minus clearly "
        "negative, per 100 mentions</figcaption></figure>",
    ]
    if report["share_of_voice"]:
        sections.append("<h2>Share of voice</h2>")
        for s in report["share_of_voice"]:
            rows = [(member, m["value"], None) for member, m in s["shares"].items()]
            sections.append(
                f"<figure>{hbar_chart(rows, 'Share of voice in the set of ' + s['set'])}"
                f"<figcaption>the set of {escape(s['set'])}: "
                f"{escape(', '.join(s['members']))}</figcaption></figure>"
            )
            sections.append(
                _measure_table(
                    [{**m, "name": f"{member}"} for member, m in s["shares"].items()], report
                )
            )
        if sov_series:
            sections.append(
                f"<figure>{line_chart(labels, sov_series, 'Share of voice', low=0, high=100)}"
                f"<figcaption>{escape(report['name'])}'s share of voice per period"
                "</figcaption></figure>"
            )
    if report["departments"]:
        sections.append("<h2>Departments</h2>")
        rows = []
        for d in report["departments"]:
            vol, neg = d["measures"][0], d["measures"][1]
            total = sum(x["measures"][0]["value"] or 0 for x in report["departments"]) or 1
            rows.append((d["department"], 100.0 * (vol["value"] or 0) / total, neg["value"]))
        sections.append(
            f"<figure>{hbar_chart(rows, 'Departments')}<figcaption>each department's share of "
            "topic mentions; red: its negative part</figcaption></figure>"
        )
        for d in report["departments"]:
            vol = d["measures"][0]
            if not (vol["n"] or vol["previous"]["n"] or vol["year_ago"]["n"]):
                continue  # nothing of its topics in any of the three periods
            sections.append(f"<h3>{escape(d['department'])}</h3>")
            sections.append(
                f"<p class='meta'>topics: {escape(', '.join(d['topics']))}</p>"
                + _measure_table(d["measures"], report)
                + _quotes(d["statements"])
            )
    if report["topics"]:
        sections.append("<h2>Topics</h2>")
        rows_t = []
        for t in report["topics"]:
            vol, neg = t["measures"]
            rows_t.append(
                f"<tr><td>{escape(t['topic'])}</td><td>{escape(t['department'] or '')}</td>"
                f"<td class='num'>{escape(format_value(vol))}</td>"
                f"<td class='num'>{escape(format_change(vol, 'previous'))}</td>"
                f"<td class='num'>{escape(format_change(vol, 'year_ago'))}</td>"
                f"<td class='num'>{escape(format_value(neg))}</td></tr>"
            )
        sections.append(
            "<table><tr><th>topic</th><th>department</th><th>mentions</th><th>vs previous</th>"
            "<th>vs a year ago</th><th>negative</th></tr>" + "".join(rows_t) + "</table>"
        )
    sections.append("<h2>Most important statements</h2>")
    sections.append(_quotes(report["statements"]))
    title = f"{report['name']} {report['span']['label']}"
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>"
        + "".join(sections)
        + "</body></html>\n"
    )
