"""The benchmark agents under Faust's test_context(): no broker; topic sends are captured."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import orjson
import pytest

from streams import runtime as rt_mod
from streams.app import metrics
from streams.benchmarks import agents, topics
from streams.benchmarks.logic import parse_specs
from streams.benchmarks.tables import bench_state, buckets, set_volumes
from streams.crisis.tables import brand_state
from streams.mentions.logic import iso_utc
from tests.streams.conftest import capture_sends

H = 3600
T0 = 1_790_000_000 - 1_790_000_000 % H


@pytest.fixture
def loaded_runtime(small_runtime: rt_mod.Runtime) -> Iterator[rt_mod.Runtime]:
    previous = rt_mod._runtime
    rt = dataclasses.replace(small_runtime, benchmark_specs=parse_specs("1h:15m,2h:1h"))
    rt_mod.install(rt)
    yield rt
    rt_mod._runtime = previous


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch, loaded_runtime: rt_mod.Runtime) -> dict[str, list[Any]]:
    return capture_sends(
        monkeypatch,
        {"benchmarks": topics.benchmarks_topic, "sets": topics.sets_topic},
        [buckets, bench_state, set_volumes],
    )


def brand_event(brand: str, i: int, ts: float, sentiment: str) -> bytes:
    return orjson.dumps(
        {
            "brand": brand,
            "tagged": i % 4 == 0,
            "id": f"{brand}-{i}",
            "ts": ts,
            "created_at": iso_utc(ts),
            "sentiment": sentiment,
            "lang": "es" if i % 3 == 0 else "en",
        }
    )


async def test_brand_windows_emit_benchmarks_and_share_of_voice(
    sent: dict[str, list[Any]],
) -> None:
    # acme: 3 mentions a minute, globex: 1, for three hours; acme turns negative in hour 3
    async with agents.benchmark_windows.test_context() as agent:
        i = 0
        for minute in range(3 * 60 + 5):
            ts = T0 + minute * 60.0
            for brand, n in (("acme", 3), ("globex", 1)):
                for _ in range(n):
                    i += 1
                    negative = brand == "acme" and minute >= 120
                    sentiment = "negative" if negative else ("positive" if i % 2 else "neutral")
                    part = brand_state.partition_for_key(brand)
                    value = brand_event(brand, i, ts, sentiment)
                    await agent.put(value, key=brand.encode(), partition=part, wait=i % 50 == 0)
        await agent.put(b'{"tick": 0}', key=None, wait=True)

    records = [r for _, r in sent["benchmarks"]]
    last = {(r["brand"], r["window"]): r for r in records}
    acme_1h = last[("acme", "1h")]
    assert acme_1h["end"] == iso_utc(T0 + 3 * H)  # the clock is at 3h05 - lateness 2 min
    assert acme_1h["mentions"] == 180 and acme_1h["previous_mentions"] == 180
    assert acme_1h["velocity"] == 1.0
    assert acme_1h["negative_share"] == 1.0 and acme_1h["net_sentiment"] == -1.0
    assert last[("globex", "1h")]["mentions"] == 60
    acme_2h = last[("acme", "2h")]
    assert acme_2h["end"] == iso_utc(T0 + 3 * H) and acme_2h["mentions"] == 360
    assert acme_2h["complete"] is True and acme_2h["negative_share"] == 0.5
    # ends come in order per brand and window; nothing emitted twice
    ends = [(r["brand"], r["window"], r["end"]) for r in records]
    assert len(ends) == len(set(ends))
    # gauges
    assert metrics.bench_mentions.labels("acme", "1h")._value.get() == 180
    assert metrics.bench_negative_share.labels("acme", "1h")._value.get() == 1.0
    assert metrics.bench_languages.labels("acme", "1h", "es")._value.get() > 0
    # old buckets are dropped: at most two periods of each window are kept
    for spec_name, hop, size in (("1h", 900, H), ("2h", H, 2 * H)):
        held = bench_state["acme"]["buckets"][spec_name]
        assert len(held) <= 2 * size // hop + 1

    # each volume goes to every set the brand is in; share of voice is per set
    reports = [r for _, r in sent["sets"]]
    assert {(r["set"], r["brand"]) for r in reports} >= {("acme", "acme"), ("acme", "globex")}
    async with agents.share_of_voice.test_context() as sov:
        for n, (key, report) in enumerate(sent["sets"]):
            part = brand_state.partition_for_key(report["set"])
            await sov.put(orjson.dumps(report), key=key, partition=part, wait=n % 50 == 49)
        await sov.put(b"not json", key=b"acme", wait=True)
    share = metrics.bench_share_of_voice.labels("acme", "acme", "1h")._value.get()
    assert share == pytest.approx(180 / 240)
    assert metrics.bench_share_of_voice.labels("globex", "acme", "1h")._value.get() == (
        pytest.approx(60 / 240)
    )
    sov_records = [r for _, r in sent["benchmarks"] if r["type"] == "share_of_voice"]
    assert sov_records and all(abs(sum(r["shares"].values()) - 1) < 1e-9 for r in sov_records)
