"""Grafana dashboards as Grafana reads them: their panels, and their template variables
(``$brand``, ``$window``, ``$__rate_interval``, ...) substituted the way Grafana does for a
Prometheus datasource; :func:`expand` evaluates an expression once per option of its custom
variables. :func:`expand_sql` does the same for the SQL of a PostgreSQL datasource (its time
macros and the ``sqlstring`` format)."""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = [
    "custom_options",
    "expand",
    "expand_sql",
    "format_value",
    "legend",
    "panels",
    "query_variables",
    "sql_quote",
    "substitute",
    "variables_in",
]


def panels(dashboard: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every panel of a dashboard, those nested in collapsed rows included (rows themselves
    are not panels with queries and are left out)."""
    out: list[dict[str, Any]] = []
    for panel in dashboard.get("panels", []):
        if panel.get("type") == "row":
            out.extend(panel.get("panels", []))
        else:
            out.append(panel)
    return out


_VARIABLE = re.compile(r"\$\{(\w+)(?::\w+)?\}|\[\[(\w+)\]\]|\$(\w+)")


def format_value(value: str | Sequence[str]) -> str:
    """A variable's value as Grafana writes it into a Prometheus query: one value as it is,
    several as a regex alternation ``(a|b)`` of regex-escaped values."""
    if isinstance(value, str):
        return value
    if len(value) == 1:
        return value[0]
    return "(" + "|".join(re.escape(v) for v in value) + ")"


def substitute(text: str, values: Mapping[str, str | Sequence[str]]) -> str:
    """Replace ``$name``, ``${name}``, ``${name:fmt}`` and ``[[name]]`` by ``values[name]``.

    Raises ``KeyError`` naming a variable that ``values`` lacks, so an expression can never be
    evaluated with a variable left in it.
    """

    def repl(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2) or match.group(3)
        if name not in values:
            raise KeyError(f"no value for Grafana variable ${name} in {text!r}")
        return format_value(values[name])

    return _VARIABLE.sub(repl, text)


def variables_in(text: str) -> set[str]:
    return {m.group(1) or m.group(2) or m.group(3) for m in _VARIABLE.finditer(text)}


def custom_options(dashboard: Mapping[str, Any]) -> dict[str, list[str]]:
    """The options of the dashboard's ``custom`` variables (e.g. ``window``: 1h, 24h, 7d)."""
    out: dict[str, list[str]] = {}
    for var in dashboard.get("templating", {}).get("list", []):
        if var.get("type") == "custom":
            out[var["name"]] = [v.strip() for v in str(var["query"]).split(",") if v.strip()]
    return out


_LABEL_VALUES = re.compile(r"^\s*label_values\(\s*([^,]+?)\s*,\s*(\w+)\s*\)\s*$")


def query_variables(dashboard: Mapping[str, Any]) -> dict[str, tuple[str, str]]:
    """``name -> (series selector, label)`` of the dashboard's ``label_values`` variables."""
    out: dict[str, tuple[str, str]] = {}
    for var in dashboard.get("templating", {}).get("list", []):
        if var.get("type") != "query":
            continue
        query = var.get("query")
        text = query.get("query") if isinstance(query, dict) else query
        match = _LABEL_VALUES.match(str(text or var.get("definition", "")))
        if match is None:
            raise ValueError(f"variable {var['name']}: only label_values(...) is supported")
        out[var["name"]] = (match.group(1), match.group(2))
    return out


def expand(
    expr: str,
    fixed: Mapping[str, str | Sequence[str]],
    options: Mapping[str, Sequence[str]],
) -> list[str]:
    """``expr`` with its variables substituted: ``fixed`` ones by their value, and once per
    combination of the ``options`` of the others that it uses."""
    used = sorted(name for name in variables_in(expr) if name in options and name not in fixed)
    out = []
    for combo in itertools.product(*(options[name] for name in used)):
        out.append(substitute(expr, {**fixed, **dict(zip(used, combo, strict=True))}))
    return out


def legend(fmt: str | None, labels: Mapping[str, str]) -> str:
    """A series name from a Grafana ``legendFormat`` (``{{brand}} ...``)."""
    if not fmt or fmt == "__auto":
        inner = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()) if k != "__name__")
        return f"{labels.get('__name__', '')}{{{inner}}}"
    return re.sub(r"\{\{\s*(\w+)\s*\}\}", lambda m: labels.get(m.group(1), ""), fmt)


# --------------------------------------------------------------------------- SQL datasources

_MACRO = re.compile(r"\$__(timeFilter|timeFrom|timeTo)\(\s*([^)]*?)\s*\)")


def sql_quote(value: str) -> str:
    """A value as Grafana's ``sqlstring`` format writes it: quoted, ``'`` doubled."""
    return "'" + value.replace("'", "''") + "'"


def _sql_value(value: str | Sequence[str], fmt: str | None) -> str:
    values = [value] if isinstance(value, str) else list(value)
    if fmt == "sqlstring":
        return ",".join(sql_quote(v) for v in values)
    if fmt == "raw":
        return ",".join(values)
    if fmt == "csv":
        return ",".join(values)
    if fmt is not None:
        raise ValueError(f"variable format {fmt!r} is not supported")
    # Grafana's default for SQL datasources: one value of a single-value variable as it is,
    # the values of a multi-value one quoted and comma-separated
    return values[0] if isinstance(value, str) else ",".join(sql_quote(v) for v in values)


def expand_sql(
    text: str,
    values: Mapping[str, str | Sequence[str]],
    *,
    time_from: str,
    time_to: str,
) -> str:
    """A Grafana SQL query (PostgreSQL datasource) as Grafana sends it to the server.

    The macros ``$__timeFrom()``, ``$__timeTo()`` and ``$__timeFilter(column)`` become the
    dashboard's time range (``time_from``, ``time_to``: RFC 3339 UTC, as Grafana writes them:
    ``'2026-11-01T00:00:00Z'``, ``column BETWEEN '...' AND '...'``); then ``$name``,
    ``${name}`` and ``${name:sqlstring|raw|csv}`` become ``values[name]`` (a list for a
    multi-value variable), as Grafana formats them. Raises ``KeyError`` for a variable that
    ``values`` lacks, ``ValueError`` for another macro or format.
    """

    def macro(match: re.Match[str]) -> str:
        name, arg = match.group(1), match.group(2)
        if name == "timeFrom":
            return sql_quote(time_from)
        if name == "timeTo":
            return sql_quote(time_to)
        if not arg:
            raise ValueError("$__timeFilter needs a column")
        return f"{arg} BETWEEN {sql_quote(time_from)} AND {sql_quote(time_to)}"

    text = _MACRO.sub(macro, text)
    if "$__" in text:
        raise ValueError(f"a Grafana macro this test does not expand: {text!r}")

    def repl(match: re.Match[str]) -> str:
        whole = match.group(0)
        name = match.group(1) or match.group(2) or match.group(3)
        if name not in values:
            raise KeyError(f"no value for Grafana variable ${name} in {text!r}")
        fmt = None
        if whole.startswith("${") and ":" in whole:
            fmt = whole[2:-1].split(":", 1)[1]
        return _sql_value(values[name], fmt)

    return _VARIABLE.sub(repl, text)
