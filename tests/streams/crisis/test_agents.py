"""The crisis agent under Faust's test_context(): no broker; topic sends are captured."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import orjson
import pytest

from streams import runtime as rt_mod
from streams.app import app, metrics
from streams.crisis import agents, logic, topics
from streams.crisis.logic import AlertConfig
from streams.crisis.tables import brand_state, windows
from streams.mentions import topics as mention_topics
from streams.mentions.logic import iso_utc, parse_created_at
from streams.synthetic import crisis_day
from tests.streams.conftest import capture_sends

WIDTH = 300


@pytest.fixture
def loaded_runtime(small_runtime: rt_mod.Runtime) -> Iterator[rt_mod.Runtime]:
    previous = rt_mod._runtime
    rt = dataclasses.replace(small_runtime, alert_config=AlertConfig(window_seconds=WIDTH))
    rt_mod.install(rt)
    yield rt
    rt_mod._runtime = previous


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch, loaded_runtime: rt_mod.Runtime) -> dict[str, list[Any]]:
    """What the agent produces, by topic (there is no broker here)."""
    return capture_sends(
        monkeypatch,
        {
            "alerts": topics.alerts_topic,
            "by_brand": topics.by_brand_topic,
            "deadletter": mention_topics.deadletter_topic,
        },
        [windows, brand_state],
        with_partition=True,
    )


def brand_event(m: dict[str, Any], brand: str, sentiment: str) -> dict[str, Any]:
    enriched = {**m, "lang": "en", "sentiment": sentiment, "brands": [{"id": brand, "tagged": 0}]}
    ((_, ev),) = logic.brand_events(enriched, parse_created_at(m["created_at"]))
    return ev


async def test_crisis_opens_one_thread_for_the_brand_in_crisis_only(
    sent: dict[str, list[Any]], loaded_runtime: rt_mod.Runtime
) -> None:
    start = 1_790_000_000 - 1_790_000_000 % 86400
    day = crisis_day(start_ts=start, hours=12, crisis_at_hour=7, crisis_minutes=45)
    async with agents.crisis_windows.test_context() as agent:
        for i, m in enumerate(day.mentions):
            brand = m["id"].split("-")[-3]
            negative = m["id"] in day.crisis_ids or i % 5 == 0
            ev = brand_event(m, brand, "negative" if negative else "positive")
            part = brand_state.partition_for_key(brand)
            await agent.put(orjson.dumps(ev), key=brand.encode(), partition=part, wait=i % 100 == 0)
        # bad input on the internal topic is dead-lettered, never fatal
        await agent.put(b'{"brand": "acme"', key=b"acme", wait=False)
        await agent.put(b'{"tick": 1}', key=None, wait=True)

    alerts = [a for _, a, _ in sent["alerts"]]
    assert {a["brand"] for a in alerts} == {"acme"}
    assert len({a["id"] for a in alerts}) == 1
    assert alerts[0]["event"] == "opened" and alerts[0]["kind"] == "negative_surge"
    opened = parse_created_at(alerts[0]["window"]["start"])
    assert opened < logic.window_start(day.onset_ts, WIDTH) + 3 * WIDTH
    assert alerts[-1]["event"] == "resolved"
    assert all(k == b"acme" for k, _, _ in sent["alerts"])
    assert sum(s["id"] in day.crisis_ids for s in alerts[0]["samples"]) >= 3
    assert [d["reason"] for _, d, _ in sent["deadletter"]] == ["processing_error"]

    # closed windows leave the table; the brand's cursor is where the clock is
    assert brand_state["acme"]["cursor"] > day.end_ts
    assert all(int(k.split("|")[1]) >= brand_state["acme"]["cursor"] for k in windows)
    score = metrics.anomaly_score.labels("acme", "negative")._value.get()
    assert 0.0 <= score <= 1.0
    assert metrics.alerts_open.labels("acme", "negative_surge")._value.get() == 0


async def test_late_mentions_are_counted_not_windowed(
    sent: dict[str, list[Any]], loaded_runtime: rt_mod.Runtime
) -> None:
    t0 = 1_790_000_000 - 1_790_000_000 % WIDTH
    part = brand_state.partition_for_key("globex")
    late = metrics.crisis_late.labels("globex")
    before = late._value.get()

    def ev(mid: str, ts: float) -> bytes:
        m = {"id": mid, "text": "x", "created_at": iso_utc(ts), "url": None}
        return orjson.dumps(brand_event(m, "globex", "neutral"))

    async with agents.crisis_windows.test_context() as agent:
        await agent.put(ev("a", t0 + 1), key=b"globex", partition=part)
        # one hour later in event time: the first window (and the next ones) close
        await agent.put(ev("b", t0 + 3600), key=b"globex", partition=part)
        await agent.put(ev("c", t0 + 2), key=b"globex", partition=part)  # too late now

    assert late._value.get() == before + 1
    assert brand_state["globex"]["cursor"] == t0 + 3600 - WIDTH
    assert list(windows) == [f"globex|{t0 + 3600 - (3600 % WIDTH)}"]


async def test_tick_is_sent_to_every_partition(sent: dict[str, list[Any]]) -> None:
    await agents.send_ticks()
    parts = sorted(p for _, v, p in sent["by_brand"] if "tick" in v)
    assert parts == list(range(app.conf.topic_partitions))


async def test_revoked_partitions_take_their_brands_gauges_along(
    loaded_runtime: rt_mod.Runtime,
) -> None:
    from faust.types import TP

    for brand in ("acme", "globex"):
        metrics.anomaly_score.labels(brand, "volume").set(0.5)
        metrics.bench_mentions.labels(brand, "1h").set(7)
    part = brand_state.partition_for_key("acme")
    assert brand_state.partition_for_key("globex") != part  # else pick other sample brands
    await app.on_partitions_revoked.send({TP(topics.by_brand_topic.get_topic_name(), part)})
    gauges = [m for m in metrics.registry.collect() if m.type == "gauge"]
    exported = {s.labels.get("brand") for m in gauges for s in m.samples}
    assert "acme" not in exported and "globex" in exported
