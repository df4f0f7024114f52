"""The observability stack in ``deploy/``, as code: a local Prometheus server, and the PromQL of
the Grafana dashboards and the Prometheus rule files.

Used by the end-to-end test (``tests/integration/test_prometheus.py``), by the structural tests
of ``deploy/`` and by ``scripts/render_dashboard.py``. Nothing here downloads anything: the
server is Debian's ``prometheus`` package (``apt-get install prometheus``), found on ``PATH``.

- :func:`deploy_expressions` is *the* list of PromQL expressions used anywhere in ``deploy/``
  (every dashboard target, every recording and alerting rule); the e2e test evaluates exactly
  these, and the structural tests check every panel against it.
- :func:`substitute` replaces Grafana variables (``$brand``, ``$window``, ``$__rate_interval``,
  ...) the way Grafana does for a Prometheus datasource; :func:`expand` evaluates a dashboard
  expression once per option of its custom variables.
- :class:`LocalPrometheus` runs a real server on a loopback port with its own storage dir,
  scraping the given targets with the ``deploy/prometheus/prometheus.yml`` job, rules loaded.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

#: ``deploy/`` of a source checkout.
DEPLOY_DIR = Path(__file__).resolve().parents[2] / "deploy"
PROMETHEUS_CONFIG = DEPLOY_DIR / "prometheus" / "prometheus.yml"
DASHBOARDS_DIR = DEPLOY_DIR / "grafana" / "dashboards"
#: uid of the Prometheus datasource provisioned for Grafana; every panel uses it.
DATASOURCE_UID = "buzzwire-prometheus"
#: the scrape job of the workers (alert rules select on it).
WORKER_JOB = "buzzwire"


# --------------------------------------------------------------------------- expressions


@dataclass(frozen=True)
class Expression:
    """One PromQL expression of ``deploy/`` and where it is used."""

    expr: str
    source: str  #: file name
    where: str  #: panel title (with refId) or rule name
    kind: str  #: "panel", "record" or "alert"

    @property
    def label(self) -> str:
        return f"{self.source}: {self.where}"


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


def dashboard_expressions(path: Path) -> list[Expression]:
    dashboard = json.loads(path.read_text())
    out = []
    for panel in panels(dashboard):
        for target in panel.get("targets", []):
            if target.get("expr"):
                where = f"{panel.get('title', '?')} [{target.get('refId', '?')}]"
                out.append(Expression(target["expr"], path.name, where, "panel"))
    return out


def rule_files(config_path: Path = PROMETHEUS_CONFIG) -> list[Path]:
    """The rule files a Prometheus config loads (relative names resolve from its folder)."""
    config = yaml.safe_load(config_path.read_text()) or {}
    return [(config_path.parent / name).resolve() for name in config.get("rule_files") or []]


def rule_expressions(path: Path) -> list[Expression]:
    doc = yaml.safe_load(path.read_text()) or {}
    out = []
    for group in doc.get("groups", []):
        for rule in group.get("rules", []):
            kind = "alert" if "alert" in rule else "record"
            name = rule.get("alert") or rule.get("record")
            out.append(Expression(str(rule["expr"]).strip(), path.name, str(name), kind))
    return out


def deploy_expressions(deploy_dir: Path = DEPLOY_DIR) -> list[Expression]:
    """Every PromQL expression of ``deploy/``: all dashboard targets, then all rules of the rule
    files that ``prometheus/prometheus.yml`` loads."""
    out: list[Expression] = []
    for path in sorted((deploy_dir / "grafana" / "dashboards").glob("*.json")):
        out.extend(dashboard_expressions(path))
    for path in rule_files(deploy_dir / "prometheus" / "prometheus.yml"):
        out.extend(rule_expressions(path))
    return out


# --------------------------------------------------------------------------- Grafana variables

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


# --------------------------------------------------------------------------- PromQL selectors

_TOKEN = re.compile(
    r"""
    (?P<string>"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'|`[^`]*`)
  | (?P<matchers>\{(?:"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'|[^{}"'])*\})
  | (?P<range>\[[^\]]*\])
  | (?P<number>(?<![\w:])(?:0x[0-9a-fA-F]+|\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+)
        (?:ms|s|m|h|d|w|y)?(?![\w:]))
  | (?P<ident>[a-zA-Z_:][a-zA-Z0-9_:]*)
  | (?P<space>\s+)
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)
_KEYWORDS = {
    "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset",
    "and", "or", "unless", "atan2", "inf", "nan", "start", "end",
}  # fmt: skip
_AGGREGATIONS = {
    "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values",
    "bottomk", "topk", "quantile", "limitk", "limit_ratio",
}  # fmt: skip
_LABEL_LIST_AFTER = {"by", "without", "on", "ignoring", "group_left", "group_right"}


def selectors(expr: str) -> list[str]:
    """The vector selectors of a PromQL expression (``name{matchers}``, ``name``,
    ``{matchers}``) in order, without duplicates: what must exist for it to have data.

    A small tokenizer, not a full parser: enough for the expressions in ``deploy/`` (the
    tests check it on each kind of construct they use).
    """
    tokens = [(m.lastgroup, m.group()) for m in _TOKEN.finditer(expr) if m.lastgroup != "space"]
    out: list[str] = []
    i = 0
    while i < len(tokens):
        kind, text = tokens[i]
        nxt = tokens[i + 1] if i + 1 < len(tokens) else (None, "")
        if kind == "ident" and text.lower() in _LABEL_LIST_AFTER:
            i += 1
            if tokens[i : i + 1] and tokens[i][1] == "(":  # skip the label list
                while i < len(tokens) and tokens[i][1] != ")":
                    i += 1
            i += 1
            continue
        if kind == "ident" and (
            text.lower() in _KEYWORDS or text in _AGGREGATIONS or nxt[1] == "("
        ):
            i += 1  # a keyword, an aggregation (`sum by (x) (...)`) or a function name
            continue
        if kind == "ident":
            sel = text + (nxt[1] if nxt[0] == "matchers" else "")
            i += 2 if nxt[0] == "matchers" else 1
        elif kind == "matchers":
            sel = text
            i += 1
        else:
            i += 1
            continue
        if sel not in out:
            out.append(sel)
    return out


# --------------------------------------------------------------------------- the server


class PrometheusError(RuntimeError):
    """The local Prometheus could not be started, or answered with an error."""


def binaries() -> tuple[str, str] | None:
    """``(prometheus, promtool)`` from ``PATH``, or None when either is missing."""
    server, tool = shutil.which("prometheus"), shutil.which("promtool")
    return (server, tool) if server and tool else None


def local_config(
    targets: Iterable[str],
    *,
    scrape_interval: str = "1s",
    base: Path = PROMETHEUS_CONFIG,
) -> dict[str, Any]:
    """The ``deploy/`` Prometheus config for a local run: the same worker job (name, path,
    relabelling), scraping ``targets`` (``host:port``) statically every ``scrape_interval``,
    with the same rule files (absolute paths) evaluated as often. Other jobs are left out."""
    config = yaml.safe_load(base.read_text())
    jobs = [job for job in config["scrape_configs"] if job["job_name"] == WORKER_JOB]
    if not jobs:
        raise PrometheusError(f"{base}: no scrape job {WORKER_JOB!r}")
    job = {k: v for k, v in jobs[0].items() if not k.endswith("_sd_configs")}
    job["static_configs"] = [{"targets": list(targets)}]
    job["scrape_interval"] = scrape_interval
    job.pop("scrape_timeout", None)
    return {
        "global": {"scrape_interval": scrape_interval, "evaluation_interval": scrape_interval},
        "rule_files": [str(p) for p in rule_files(base)],
        "scrape_configs": [job],
    }


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LocalPrometheus:
    """A Prometheus server on 127.0.0.1 with its own config and storage under ``home``.

    ``start()`` writes the config, launches the server in its own session and waits for
    ``/-/ready``; ``stop()`` (SIGTERM, then SIGKILL) always ends it; it is a context manager.
    """

    config: dict[str, Any]
    home: Path | None = None  #: None: a fresh temp dir, removed by stop()
    port: int = field(default_factory=_free_port)
    binary: str = "prometheus"
    proc: subprocess.Popen[bytes] | None = field(default=None, init=False)
    _own_home: bool = field(default=False, init=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        assert self.home is not None
        return self.home / "prometheus.log"

    def start(self, timeout: float = 60.0) -> None:
        if self.home is None:
            self.home = Path(tempfile.mkdtemp(prefix="buzzwire-prometheus-"))
            self._own_home = True
        self.home.mkdir(parents=True, exist_ok=True)
        config_file = self.home / "prometheus.yml"
        config_file.write_text(yaml.safe_dump(self.config, sort_keys=False))
        cmd = [
            self.binary,
            f"--config.file={config_file}",
            f"--storage.tsdb.path={self.home / 'data'}",
            f"--web.listen-address=127.0.0.1:{self.port}",
            "--storage.tsdb.retention.time=1d",
            "--log.level=warn",
        ]
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                cmd,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise PrometheusError(
                    f"prometheus exited with code {self.proc.returncode}:\n{self.log_tail()}"
                )
            try:
                with urllib.request.urlopen(f"{self.url}/-/ready", timeout=2) as resp:
                    if resp.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise PrometheusError(f"prometheus not ready after {timeout:.0f}s:\n{self.log_tail()}")

    def stop(self, timeout: float = 20.0) -> int | None:
        code = None
        if self.proc is not None:
            if self.proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGTERM)
                try:
                    self.proc.wait(timeout=timeout)
                except subprocess.TimeoutExpired:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(self.proc.pid, signal.SIGKILL)
                    self.proc.wait(timeout=10)
            code = self.proc.returncode
        if self._own_home and self.home is not None:
            shutil.rmtree(self.home, ignore_errors=True)
        return code

    def __enter__(self) -> LocalPrometheus:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except (OSError, AssertionError):
            return ""


# --------------------------------------------------------------------------- HTTP API


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
