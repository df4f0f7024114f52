"""Crisis detection on the real Kafka broker, through a real `buzzwire worker`: a day of seasonal
traffic for two brands, a negative crisis for one and a copy-paste campaign against the other,
alerts with their explanation on the topic and at a real webhook."""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from streams.alerts.webhook import verify
from streams.config import Settings
from streams.devstack.synthetic import CRISIS_THEME, crisis_day
from streams.devstack.workerproc import WorkerProcess
from streams.kernel.timestamps import iso_utc
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
#: the angry text a campaign against globex copies, with small changes
CAMPAIGN_TEXT = (
    "Globex is a scam, they stole my money and their support lied to me, never trust Globex, "
    "worst company ever"
)


def campaign(start: float, minutes: int, per_minute: int, prefix: str) -> list[dict[str, Any]]:
    """A copy-paste campaign: ``per_minute`` copies of one text a minute, each by another
    account, a word dropped and an emoji or a hashtag added here and there."""
    rng = random.Random(7)
    out = []
    for m in range(minutes):
        for j in range(per_minute):
            words = CAMPAIGN_TEXT.split()
            del words[rng.randrange(1, len(words))]
            text = " ".join(words) + rng.choice(["", " 😡", " #boycott", "!!"])
            mid = f"{prefix}-campaign-{m}-{j}"
            out.append(
                {
                    "id": mid,
                    "platform": "x",
                    "author": {"handle": f"@acct{rng.randrange(10**6)}", "followers": 20},
                    "text": text,
                    "created_at": iso_utc(start + m * 60 + rng.random() * 60),
                    "url": f"https://example.social/p/{mid}",
                    "engagement": {"likes": 0, "shares": 0, "replies": 0},
                    "reply_to_handle": None,
                }
            )
    return out


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
            # the test replays a day in ~90 s (0.3 s a window): 30 minutes of event time is
            # ~2 s of skew between input partitions. Not more: an explanation's terms are
            # counted as of the newest mention when the window closes, this much later
            "BUZZWIRE_WINDOW_LATENESS_SECONDS": "1800",
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


async def test_one_thread_for_the_crisis_that_names_its_term_and_one_for_the_campaign(
    crisis_pipeline: tuple[Settings, WorkerProcess, WebhookServer],
) -> None:
    settings, worker, hook = crisis_pipeline
    now = time.time()
    # yesterday, midnight to midnight UTC: the daily cycle and the crisis hour are the same
    # whatever time the test runs
    start = tumbling("1d", 86400).bucket(now - 86400)
    # the crisis: from 18:00, two hours of 1,200 angry posts an hour (in ten languages, each
    # naming its language's word for the outage) on a brand of 150 mentions an hour; late in
    # the day, the brand's term baseline has 18 hours behind it
    day = crisis_day(
        start_ts=start,
        hours=24,
        crisis_at_hour=18,
        crisis_minutes=120,
        crisis_per_hour=1200,
        id_prefix=f"itc{now:.0f}",
    )
    # at 10:00, 20 minutes of a copy-paste campaign against globex: 40 angry copies a minute
    copies = campaign(start + 10 * 3600, 20, 40, f"itc{now:.0f}")
    mentions = sorted(day.mentions + copies, key=lambda m: m["created_at"])
    produce = asyncio.create_task(
        replay_history(
            mentions,
            bootstrap_servers=settings.bootstrap_servers,
            topic=settings.topic("mentions.raw"),
            window_seconds=WIDTH,
            pause_seconds=0.3,
        )
    )
    alerts = await _collect_alerts(settings, until_resolved="acme", timeout=300)
    await produce

    m = worker.metrics()
    late = {k: v for k, v in m.items() if k.startswith("buzzwire_crisis_late_mentions_total{")}
    assert alerts, f"no alert at all (late mentions: {late}):\n{worker.log_tail()}"
    threads = [(a["brand"], a["kind"], a["event"]) for a in alerts]
    # the campaign is one coordinated thread, never a negative surge: its copies are not
    # organic mentions
    theirs = [a for a in alerts if a["brand"] == "globex"]
    assert theirs and {a["kind"] for a in theirs} == {"coordinated"}, threads
    assert len({a["id"] for a in theirs}) == 1
    assert theirs[0]["event"] == "opened" and theirs[-1]["event"] == "resolved", threads
    c_start = parse_created_at(theirs[0]["window"]["start"])
    assert start + 10 * 3600 - WIDTH <= c_start < start + 10 * 3600 + 20 * 60, threads
    why = theirs[0]["explanation"]
    assert why["coordinated"] is True and why["duplicates"]["share"] >= 0.5
    copied = set(why["duplicates"]["clusters"][0]["text"].split())
    assert len(copied & set(CAMPAIGN_TEXT.split())) >= len(CAMPAIGN_TEXT.split()) - 2
    assert theirs[0]["observed"] > theirs[0]["volume"]["organic"]

    alerts = [a for a in alerts if a["brand"] == "acme"]
    assert len({a["id"] for a in alerts}) == 1, threads  # one crisis, one thread
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
    # why: the crisis's theme words are among the terms that rose most, its first post is a
    # crisis post, most of it is organic
    why = opened["explanation"]
    assert why["coordinated"] is False
    theme = {word.casefold() for word in CRISIS_THEME.values()}  # terms are case-folded
    assert theme & {t["term"] for t in why["terms"]}, why["terms"]
    assert why["first_post"]["id"] in day.crisis_ids
    assert why["organic"]["share"] >= 0.9
    share = why["sentiment"]["negative_share"]
    assert share["now"] > share["before"]
    assert len(why["languages"]) >= 3 and why["platforms"]

    # the webhook got the same threads, each in order, each body signed, with the explanation
    # as lines a person reads
    everything = len(alerts) + len(theirs)
    deadline = time.monotonic() + 30
    while len(hook.received) < everything and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    bodies = [json.loads(body) for _, _, body in hook.received]
    for thread in (alerts, theirs):
        got = [(b["id"], b["sequence"]) for b in bodies if b["id"] == thread[0]["id"]]
        assert got == [(a["id"], a["sequence"]) for a in thread]
    first = next(b for b in bodies if b["id"] == opened["id"])
    assert any(line.startswith("Rising:") for line in first["explanation"]["summary"])
    campaign_body = next(b for b in bodies if b["id"] == theirs[0]["id"])
    assert campaign_body["explanation"]["summary"][0].startswith("Coordinated campaign")
    for path, headers, body in hook.received:
        assert path == "/hooks/buzzwire"
        assert verify(body, SECRET, headers.get("X-Buzzwire-Signature"))

    m = worker.metrics()
    opened_key = 'buzzwire_alerts_total{brand="acme",event="opened",kind="negative_surge"}'
    assert m[opened_key] == 1
    globex = [k for k in m if k.startswith('buzzwire_alerts_total{brand="globex"')]
    assert globex and all('kind="coordinated"' in k for k in globex)
    assert m['buzzwire_alerts_open{brand="acme",kind="negative_surge"}'] == 0
    for brand in ("acme", "globex"):
        score = m[f'buzzwire_anomaly_score{{brand="{brand}",signal="negative"}}']
        assert 0.0 <= score <= 1.0
    assert m["buzzwire_crisis_windows_closed_total"] >= 2 * 200
    assert m['buzzwire_alert_deliveries_total{outcome="delivered",route="it-hook"}'] == everything
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
