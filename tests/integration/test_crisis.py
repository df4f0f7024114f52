"""Crisis detection on the real Kafka broker, through a real `buzzwire worker`: a day of seasonal
traffic for two brands, a negative crisis for one, alerts on the topic and at a real webhook."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from streams.alerts.webhook import verify
from streams.config import Settings
from streams.devstack.synthetic import crisis_day
from streams.devstack.workerproc import WorkerProcess
from streams.mentions.logic import parse_created_at
from streams.replay import replay_history
from streams.windowing.windows import tumbling
from tests.integration.conftest import (
    WebhookServer,
    read_topics,
    running_worker,
    webhook_routes,
)

pytestmark = pytest.mark.integration

WIDTH = 300  # five-minute windows: a day is 288 of them
SECRET = "it-webhook-secret"


@pytest.fixture
def crisis_pipeline(
    kafka_broker: Any, tmp_path: Path
) -> Iterator[tuple[Settings, WorkerProcess, WebhookServer]]:
    with WebhookServer() as hook:
        routes = webhook_routes(
            tmp_path / "routes.yaml", {"it-hook": f"{hook.base}/hooks/buzzwire"}, "IT_HOOK_SECRET"
        )
        env = {
            "BUZZWIRE_CRISIS_WINDOW_SECONDS": str(WIDTH),
            # the test replays a day in ~30 s: a whole hour of event time is ~1 s of skew
            # between input partitions
            "BUZZWIRE_WINDOW_LATENESS_SECONDS": "3600",
            "BUZZWIRE_CRISIS_TICK_SECONDS": "1",
            "BUZZWIRE_ALERT_ROUTES": str(routes),
            "IT_HOOK_SECRET": SECRET,
            # windows, alerts and metrics are the subject here, replayed far faster than one
            # worker's e5 rate: score with the linear model (test_pipeline runs the default e5)
            "BUZZWIRE_SENTIMENT_MODEL": "linear",
        }
        with running_worker(kafka_broker, tmp_path, "itc", env) as (settings, worker):
            yield settings, worker, hook


async def _collect_alerts(settings: Settings, until_resolved: str, timeout: float) -> list[Any]:
    topic = settings.topic("alerts")

    def resolved(got: dict[str, list[Any]]) -> bool:
        alerts = (orjson.loads(r.value) for r in got[topic])
        return any(a["brand"] == until_resolved and a["event"] == "resolved" for a in alerts)

    out = await read_topics(settings.bootstrap_servers, [topic], resolved, timeout)
    return [orjson.loads(r.value) for r in out[topic]]


async def test_one_alert_thread_for_the_crisis_and_none_for_the_other_brand(
    crisis_pipeline: tuple[Settings, WorkerProcess, WebhookServer],
) -> None:
    settings, worker, hook = crisis_pipeline
    now = time.time()
    # yesterday, midnight to midnight UTC: the daily cycle and the crisis hour are the same
    # whatever time the test runs
    start = tumbling("1d", 86400).bucket(now - 86400)
    day = crisis_day(start_ts=start, hours=24, id_prefix=f"itc{now:.0f}")
    produce = asyncio.create_task(
        replay_history(
            day.mentions,
            bootstrap_servers=settings.bootstrap_servers,
            topic=settings.topic("mentions.raw"),
            window_seconds=WIDTH,
            pause_seconds=0.1,
        )
    )
    alerts = await _collect_alerts(settings, until_resolved="acme", timeout=240)
    await produce

    m = worker.metrics()
    late = {k: v for k, v in m.items() if k.startswith("buzzwire_crisis_late_mentions_total{")}
    assert alerts, f"no alert at all (late mentions: {late}):\n{worker.log_tail()}"
    assert {a["brand"] for a in alerts} == {"acme"}, [(a["brand"], a["event"]) for a in alerts]
    assert len({a["id"] for a in alerts}) == 1  # one crisis, one thread
    opened, resolved = alerts[0], alerts[-1]
    assert opened["event"] == "opened" and opened["kind"] == "negative_surge"
    onset = tumbling("w", WIDTH).bucket(day.onset_ts)
    assert onset <= parse_created_at(opened["window"]["start"]) < onset + 3 * WIDTH
    assert opened["observed"] > 2 * opened["expected"]
    samples = opened["samples"]
    assert sum(s["id"] in day.crisis_ids for s in samples) >= 3, samples
    assert all(s["url"].startswith("https://") for s in samples)
    assert sum(opened["languages"].values()) >= opened["observed"]
    assert resolved["event"] == "resolved"
    assert parse_created_at(resolved["resolved_at"]) > day.end_ts
    assert [a["sequence"] for a in alerts] == list(range(1, len(alerts) + 1))

    # the webhook got the same thread, in order, each body signed
    deadline = time.monotonic() + 30
    while len(hook.received) < len(alerts) and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    bodies = [json.loads(body) for _, _, body in hook.received]
    assert [(b["id"], b["sequence"]) for b in bodies] == [(a["id"], a["sequence"]) for a in alerts]
    for path, headers, body in hook.received:
        assert path == "/hooks/buzzwire"
        assert verify(body, SECRET, headers.get("X-Buzzwire-Signature"))

    m = worker.metrics()
    opened_key = 'buzzwire_alerts_total{brand="acme",event="opened",kind="negative_surge"}'
    assert m[opened_key] == 1
    assert not any(k.startswith('buzzwire_alerts_total{brand="globex"') for k in m)
    assert m['buzzwire_alerts_open{brand="acme",kind="negative_surge"}'] == 0
    for brand in ("acme", "globex"):
        score = m[f'buzzwire_anomaly_score{{brand="{brand}",signal="negative"}}']
        assert 0.0 <= score <= 1.0
    assert m["buzzwire_crisis_windows_closed_total"] >= 2 * 200
    assert m['buzzwire_alert_deliveries_total{outcome="delivered",route="it-hook"}'] == len(alerts)
    # the rolling benchmarks ran on the same stream: volumes and share of voice per window
    for window in ("1h", "24h"):
        acme = m[f'buzzwire_benchmark_mentions{{brand="acme",window="{window}"}}']
        globex = m[f'buzzwire_benchmark_mentions{{brand="globex",window="{window}"}}']
        assert acme > 0 and globex > 0
        share = m[
            f'buzzwire_benchmark_share_of_voice_ratio{{brand="acme",competitor_set="acme",'
            f'window="{window}"}}'
        ]
        assert 0 < share < 1
    assert worker.proc is not None and worker.proc.poll() is None
