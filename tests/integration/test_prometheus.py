"""The observability stack of ``deploy/`` end to end: a real `buzzwire worker` on the real broker,
a real Prometheus (Debian's package) scraping it with the job and rules of
``deploy/prometheus/``, and every PromQL expression of the dashboards and rule files evaluated
through Prometheus's HTTP API: no dead panel, no rule on a missing metric.

The data behind them: a compressed crisis history (alerts opened and resolved, delivered to a
webhook and failing on a second route), then the bundled sample stream (malformed lines: dead
letters), then a few mentions too late for their windows.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pytest
import yaml

from streams.config import Settings, sample_stream_path
from streams.devstack import deploy_files, grafana, prometheus_api, prometheus_server, promql
from streams.devstack.synthetic import crisis_day
from streams.devstack.workerproc import WorkerProcess
from streams.replay import replay, replay_history
from streams.windowing.windows import tumbling
from tests.integration.conftest import WebhookServer, running_worker, webhook_routes

ROOT = Path(__file__).resolve().parents[2]
WIDTH = 300  # five-minute crisis windows: six hours of history are 72 of them
RATE_INTERVAL = "10s"  # $__rate_interval with a 1 s scrape interval: ~10 samples
LATE = 5  # mentions sent after the live sample with a created_at two hours back


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


_MISSING = (
    "prometheus / promtool not found on PATH: `apt-get install prometheus` "
    "(scripts/bootstrap.sh does it when run as root)"
)
# Outside CI a machine without Prometheus skips (before the session's broker starts); in CI
# the stack fixture fails instead.
pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(prometheus_server.binaries() is None and not _in_ci(), reason=_MISSING),
]


def require_prometheus() -> tuple[str, str]:
    """``(prometheus, promtool)``; fails in CI (bootstrap installs them), skips elsewhere."""
    found = prometheus_server.binaries()
    if found is None:
        if _in_ci():
            pytest.fail(_MISSING)
        pytest.skip(_MISSING)
    return found


@dataclass
class Stack:
    settings: Settings
    worker: WorkerProcess
    prometheus: prometheus_server.LocalPrometheus
    started: float  # when Prometheus started scraping
    sent: int


def _metric_sum(metrics: dict[str, float], name: str, **labels: str) -> float:
    total = 0.0
    for key, value in metrics.items():
        named = key == name or key.startswith(name + "{")
        if named and all(f'{k}="{v}"' in key for k, v in labels.items()):
            total += value
    return total


async def _feed(settings: Settings, now: float) -> int:
    """History with a crisis (window by window), the live sample, then late mentions."""
    day = crisis_day(
        start_ts=tumbling("w", WIDTH).bucket(now - 6 * 3600),
        hours=6.0,
        per_hour=150.0,
        crisis_at_hour=3.5,
        crisis_minutes=40.0,
        crisis_per_hour=1200.0,
        id_prefix=f"itp{now:.0f}",
    )
    # Initech a day and a week back too: the benchmarks' previous 24 h and 7 d periods have
    # data, so every velocity ratio exists.  The posts 30 h back are polar: they are inside the
    # newest 7 d window at any time of day, so its net sentiment exists even in the first hour
    # after a 6 h boundary, when that window (due an hour of lateness after its end) ends
    # before the six hours of history begin.
    polar = (
        "@initech thank you, great help with my account, I love it",
        "@initech terrible service, my account is broken again, awful",
    )
    old = [
        {
            "id": f"itp-old-{now:.0f}-{back}-{i}",
            "text": polar[i]
            if back == 30 and i < 2
            else f"@initech question number {i} about my account",
            "created_at": now - back * 3600 - i * 60,
        }
        for back in (8 * 24, 30)
        for i in range(3)
    ]
    sent = await replay_history(
        old + day.mentions,
        bootstrap_servers=settings.bootstrap_servers,
        topic=settings.topic("mentions.raw"),
        window_seconds=WIDTH,
        pause_seconds=0.1,
    )
    stats = await replay(
        sample_stream_path(),
        bootstrap_servers=settings.bootstrap_servers,
        topic=settings.topic("mentions.raw"),
        live=True,
        progress=False,
    )
    sent += stats.sent
    from aiokafka import AIOKafkaProducer

    producer = AIOKafkaProducer(bootstrap_servers=settings.bootstrap_servers)
    await producer.start()
    try:
        for i in range(LATE):
            mention = {
                "id": f"itp-late-{now:.0f}-{i}",
                "text": f"@acme late post number {i}, still waiting for an answer",
                "created_at": now - 2 * 3600 + i,
            }
            await producer.send_and_wait(
                settings.topic("mentions.raw"),
                key=str(mention["id"]).encode(),
                value=orjson.dumps(mention),
            )
    finally:
        await producer.stop()
    return sent + LATE


@pytest.fixture(scope="module")
def stack(kafka_broker: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    prometheus_bin = require_prometheus()[0]
    tmp = tmp_path_factory.mktemp("prometheus-stack")
    with WebhookServer(failing=frozenset({"/down"})) as hooks:
        routes = webhook_routes(
            tmp / "routes.yaml",
            {"it-hook": f"{hooks.base}/ok", "it-down": f"{hooks.base}/down"},
            "IT_HOOK_SECRET",
        )
        env = {
            "BUZZWIRE_CRISIS_WINDOW_SECONDS": str(WIDTH),
            # six hours of history in ~10 s: an hour of event time is well over the skew
            # between input partitions
            "BUZZWIRE_WINDOW_LATENESS_SECONDS": "3600",
            "BUZZWIRE_CRISIS_TICK_SECONDS": "1",
            "BUZZWIRE_ALERT_ROUTES": str(routes),
            "BUZZWIRE_ALERT_DELIVERY_ATTEMPTS": "2",
            "BUZZWIRE_ALERT_DELIVERY_BACKOFF_SECONDS": "0.1",
            "IT_HOOK_SECRET": "it-secret",
            # windows, alerts and metrics are the subject here, replayed far faster than one
            # worker's e5 rate: score with the linear model (test_pipeline runs the default e5)
            "BUZZWIRE_SENTIMENT_MODEL": "linear",
        }
        with running_worker(kafka_broker, tmp, "itp", env) as (settings, worker):
            prometheus = prometheus_server.LocalPrometheus(
                prometheus_server.local_config(
                    [f"127.0.0.1:{worker.web_port}"], scrape_interval="1s"
                ),
                home=tmp / "prometheus",
                binary=prometheus_bin,
            )
            prometheus.start()
            try:
                started = time.time()
                sent = asyncio.run(_feed(settings, time.time()))
                yield from _settle(settings, worker, prometheus, started, sent)
            finally:
                prometheus_code = prometheus.stop()
    assert prometheus_code == 0, f"prometheus did not stop cleanly:\n{prometheus.log_tail()}"


def _settle(
    settings: Settings,
    worker: WorkerProcess,
    prometheus: prometheus_server.LocalPrometheus,
    started: float,
    sent: int,
) -> Iterator[Stack]:
    """Wait until the worker has processed everything, then hand the stack to the tests."""

    def progress() -> dict[str, float]:
        m = worker.metrics()
        return {
            "received": _metric_sum(m, "buzzwire_mentions_received_total"),
            "alerts opened": _metric_sum(m, "buzzwire_alerts_total", event="opened"),
            "deliveries failed": _metric_sum(
                m, "buzzwire_alert_deliveries_total", outcome="failed"
            ),
            "late mentions": _metric_sum(m, "buzzwire_crisis_late_mentions_total"),
        }

    def settled() -> bool:
        now = progress()
        return now.pop("received") >= sent and all(v >= 1 for v in now.values())

    try:
        prometheus_api.wait_for(settled, timeout=90, what="worker processed everything")
    except TimeoutError as exc:
        raise AssertionError(f"{exc} (sent {sent}): {progress()}\n{worker.log_tail()}") from None
    # a few more scrapes, so every rate() window of RATE_INTERVAL has 2+ samples of
    # the final values, and the rules have been evaluated on them
    time.sleep(4)
    yield Stack(settings, worker, prometheus, started, sent)


@dataclass(frozen=True)
class Problem:
    expression: deploy_files.Expression
    query: str
    what: str

    def __str__(self) -> str:
        return f"{self.expression.label}: {self.what}\n    {self.query}"


def evaluate_all(url: str) -> tuple[int, list[Problem]]:
    """Evaluate every expression of ``deploy/``; returns (queries run, problems).

    Dashboard targets and recording rules must return at least one series (with the dashboard
    variables substituted as Grafana would with "All" selected, once per option of each custom
    variable). Alerting rules are quiet when healthy, so each must evaluate without error and
    each of its vector selectors must return data: no rule on a missing metric.
    """
    problems: list[Problem] = []
    runs = 0
    dashboards = {
        p.name: json.loads(p.read_text()) for p in deploy_files.DASHBOARDS_DIR.glob("*.json")
    }
    for e in deploy_files.deploy_expressions():
        if e.kind == "panel":
            board = dashboards[e.source]
            fixed = prometheus_api.variable_values(url, board, rate_interval=RATE_INTERVAL)
            queries = grafana.expand(e.expr, fixed, grafana.custom_options(board))
        else:
            queries = [e.expr]
        for q in queries:
            runs += 1
            try:
                result = prometheus_api.query(url, q)
            except prometheus_api.PrometheusError as exc:
                problems.append(Problem(e, q, f"error {exc}"))
                continue
            if e.kind != "alert":
                if not result:
                    problems.append(Problem(e, q, "no data"))
                continue
            for sel in promql.selectors(q):
                runs += 1
                if not prometheus_api.query(url, sel):
                    problems.append(Problem(e, q, f"selector {sel} has no data"))
    return runs, problems


def test_every_dashboard_and_rule_expression_has_data(stack: Stack) -> None:
    runs, problems = evaluate_all(stack.prometheus.url)
    assert runs >= len(deploy_files.deploy_expressions())
    report = "\n".join(map(str, problems))
    assert not problems, f"{len(problems)} of {runs} queries failed:\n{report}"


def test_prometheus_scrapes_the_worker_and_evaluates_the_rules(stack: Stack) -> None:
    url = stack.prometheus.url
    targets = prometheus_api.scrape_targets(url)
    assert [(t["labels"]["job"], t["health"]) for t in targets] == [("buzzwire", "up")]

    loaded = {
        (g["name"], r["name"]): r for g in prometheus_api.rule_groups(url) for r in g["rules"]
    }
    expected = {
        (group["name"], rule.get("alert") or rule.get("record"))
        for path in deploy_files.rule_files()
        for group in yaml.safe_load(path.read_text())["groups"]
        for rule in group["rules"]
    }
    assert set(loaded) == expected
    unhealthy = {k: r.get("lastError") for k, r in loaded.items() if r["health"] != "ok"}
    assert not unhealthy
    # the failing route really failed, and the alert on it fires (it has no `for`)
    failing = loaded[("buzzwire-pipeline", "BuzzwireAlertDeliveryFailing")]
    assert failing["state"] == "firing", failing
    assert {a["labels"]["route"] for a in failing["alerts"]} == {"it-down"}
    # healthy pipeline: no worker down, no stall
    assert loaded[("buzzwire-pipeline", "BuzzwireWorkerDown")]["state"] == "inactive"
    assert loaded[("buzzwire-pipeline", "BuzzwireNoWorkers")]["state"] == "inactive"


def test_variable_substitution_reaches_prometheus(stack: Stack) -> None:
    """$brand becomes the regex of every brand Prometheus knows, as Grafana's "All" does."""
    url = stack.prometheus.url
    board = json.loads((deploy_files.DASHBOARDS_DIR / "brand-overview.json").read_text())
    values = prometheus_api.variable_values(url, board, rate_interval=RATE_INTERVAL)
    brands = values["brand"]
    assert isinstance(brands, list) and {"acme", "globex"} <= set(brands)
    expr = grafana.substitute(
        'sum by (brand) (rate(buzzwire_brand_mentions_total{brand=~"$brand"}[$__rate_interval]))',
        values,
    )
    got = {m["brand"] for m, _ in prometheus_api.iter_results(prometheus_api.query(url, expr))}
    assert got == set(brands)


@pytest.mark.parametrize("name", ["brand-overview", "crisis-monitor", "pipeline-health"])
def test_render_dashboard_to_png(stack: Stack, tmp_path: Path, name: str) -> None:
    """scripts/render_dashboard.py draws every panel, from the live Prometheus, into one PNG
    (set BUZZWIRE_KEEP_PNG=DIR to keep them)."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        if _in_ci():
            raise
        pytest.skip("matplotlib is not installed (pip install matplotlib)")
    out = tmp_path / f"{name}.png"
    dashboard = deploy_files.DASHBOARDS_DIR / f"{name}.json"
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "render_dashboard.py"),
            "--prometheus", stack.prometheus.url,
            "--dashboard", str(dashboard),
            "--out", str(out),
            "--since", f"{time.time() - stack.started + 5:.0f}",
            "--step", "2",
            "--rate-interval", RATE_INTERVAL,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    n_panels = len(grafana.panels(json.loads(dashboard.read_text())))
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["panels"] == n_panels
    assert report["drawn"] == n_panels
    assert out.stat().st_size > 10_000
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    keep = os.environ.get("BUZZWIRE_KEEP_PNG")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        (Path(keep) / out.name).write_bytes(out.read_bytes())
    # a panel without data is one whose expressions the evaluation test reports too
    board = json.loads(dashboard.read_text())
    panel_of = {(t["expr"]): p["title"] for p in grafana.panels(board) for t in p["targets"]}
    failed = {
        grafana.substitute(panel_of[p.expression.expr], {"window": "24h"})
        for p in evaluate_all(stack.prometheus.url)[1]
        if p.expression.source == dashboard.name
    }
    assert set(report["no_data"]) <= failed, report
