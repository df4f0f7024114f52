"""Prometheus's HTTP API (``/api/v1``) over ``urllib``: instant and range queries, label values,
scrape targets and loaded rules, and the values Grafana would give a dashboard's variables."""

from __future__ import annotations

import contextlib
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping
from typing import Any

from streams.devstack.grafana import query_variables

__all__ = [
    "PrometheusError",
    "api",
    "iter_results",
    "label_values",
    "query",
    "query_range",
    "rule_groups",
    "scrape_targets",
    "variable_values",
    "wait_for",
]


class PrometheusError(RuntimeError):
    """The local Prometheus could not be started, or answered with an error."""


def api(base_url: str, path: str, params: Mapping[str, Any] | None = None) -> Any:
    """GET ``/api/v1/<path>`` and return ``data``; raises PrometheusError on an error answer."""
    query = urllib.parse.urlencode(list((params or {}).items()), doseq=True)
    url = f"{base_url.rstrip('/')}/api/v1/{path}" + (f"?{query}" if query else "")
    try:
        with urllib.request.urlopen(url, timeout=30) as resp:
            body = json.loads(resp.read())
    except urllib.error.HTTPError as exc:  # 400/422 carry the PromQL error
        try:
            body = json.loads(exc.read())
        except ValueError:
            raise PrometheusError(f"{url}: HTTP {exc.code}") from None
    if body.get("status") != "success":
        raise PrometheusError(f"{body.get('errorType')}: {body.get('error')}")
    return body["data"]


def query(base_url: str, expr: str, at: float | None = None) -> list[dict[str, Any]]:
    """An instant query: the result's series (``metric``, ``value``); scalars as one series."""
    params: dict[str, Any] = {"query": expr}
    if at is not None:
        params["time"] = f"{at:.3f}"
    data = api(base_url, "query", params)
    if data["resultType"] in ("scalar", "string"):
        return [{"metric": {}, "value": data["result"]}]
    return list(data["result"])


def query_range(
    base_url: str, expr: str, start: float, end: float, step: float
) -> list[dict[str, Any]]:
    """A range query: the result's series (``metric``, ``values``)."""
    data = api(
        base_url,
        "query_range",
        {"query": expr, "start": f"{start:.3f}", "end": f"{end:.3f}", "step": f"{step:g}"},
    )
    return list(data["result"])


def label_values(base_url: str, selector: str, label: str) -> list[str]:
    """What Grafana's ``label_values(selector, label)`` lists."""
    return sorted(api(base_url, f"label/{label}/values", {"match[]": selector}))


def variable_values(
    base_url: str,
    dashboard: Mapping[str, Any],
    *,
    rate_interval: str,
    custom: Mapping[str, str] | None = None,
) -> dict[str, str | list[str]]:
    """Values for a dashboard's variables as Grafana would use them with "All" selected: every
    ``label_values`` variable as the list of all its values, the custom ones as given in
    ``custom`` (else left out, for :func:`expand`), and Grafana's built-in intervals."""
    values: dict[str, str | list[str]] = {
        "__rate_interval": rate_interval,
        "__interval": rate_interval,
        "__range": "1h",
    }
    for name, (selector, label) in query_variables(dashboard).items():
        found = label_values(base_url, selector, label)
        values[name] = found or [".+"]
    values.update(custom or {})
    return values


def scrape_targets(base_url: str) -> list[dict[str, Any]]:
    return list(api(base_url, "targets")["activeTargets"])


def rule_groups(base_url: str) -> list[dict[str, Any]]:
    return list(api(base_url, "rules")["groups"])


def wait_for(
    predicate: Any, timeout: float, interval: float = 0.5, what: str = "condition"
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError, PrometheusError):
            if predicate():
                return
        time.sleep(interval)
    raise TimeoutError(f"{what} not met after {timeout:.0f}s")


def iter_results(series: list[dict[str, Any]]) -> Iterator[tuple[dict[str, str], float]]:
    for s in series:
        yield s["metric"], float(s["value"][1])
