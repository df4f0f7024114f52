"""The brand-windows agent (crisis windows and rolling benchmarks, one consumer of
mentions.by-brand) and the share-of-voice agent, under Faust's test_context(): no broker;
topic sends are recorded."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import orjson
import pytest

from streams.crisis import alert_threads
from streams.crisis.alert_threads import AlertConfig
from streams.crisis.cluster_records import cluster_record
from streams.crisis.insight import BrandInsight
from streams.devstack.synthetic import crisis_day
from streams.kernel.timestamps import iso_utc
from streams.mentions.logic import parse_created_at
from streams.pipeline import runtime as rt_mod
from streams.pipeline import topics
from streams.pipeline.agents import brand_windows as agents
from streams.pipeline.agents import share_of_voice as sov_agents
from streams.pipeline.app import app, metrics
from streams.pipeline.brand_state import BrandState
from streams.pipeline.tables import brand_windows, set_volumes
from streams.rollups.logic import parse_specs
from streams.windowing.events import brand_events
from tests.streams.conftest import RecordingProducer, fresh_tables
from tests.streams.crisis import test_alert_threads_insight as insight_day

WIDTH = 300
H = 3600
T0 = 1_790_000_000 - 1_790_000_000 % H


def state_of(brand: str, rt: rt_mod.Runtime | None = None) -> BrandState:
    return BrandState.from_json(brand_windows[brand], rt.insight_config if rt else None)


async def settle(agent: Any, part: int, last: Any, rt: rt_mod.Runtime, brand: str = "acme") -> None:
    """Tick until the brand's state has applied ``last`` (the event ``put`` returned).

    The agent yields once a batch, and ``put(wait=True)`` returns at its next yield, not once
    its own event is processed: with batches of thousands, or on a loaded machine, the test
    context closed while a third of the day was still queued (its crisis never seen)."""
    for _ in range(200):
        await agent.put(b'{"tick": 1}', key=None, partition=part, wait=True)
        if brand in brand_windows and state_of(brand, rt).offset >= last.message.offset:
            return
    raise AssertionError(f"{brand}: the agent never applied offset {last.message.offset}")


# ----------------------------------------------------------------------------- crisis windows
@pytest.fixture
def crisis_runtime(small_runtime: rt_mod.Runtime) -> Iterator[rt_mod.Runtime]:
    rt = dataclasses.replace(small_runtime, alert_config=AlertConfig(window_seconds=WIDTH))
    with rt_mod.installed(rt):
        yield rt


@pytest.fixture
def sent(
    monkeypatch: pytest.MonkeyPatch,
    crisis_runtime: rt_mod.Runtime,
    recording_producer: RecordingProducer,
) -> dict[str, list[Any]]:
    """What the agent produces, by topic (there is no broker here)."""
    fresh_tables(monkeypatch, [brand_windows])
    return recording_producer.watch(
        {
            "alerts": topics.alerts_topic,
            "by_brand": topics.by_brand_topic,
            "deadletter": topics.deadletter_topic,
            "duplicates": topics.duplicates_topic,
        },
        with_partition=True,
    )


def brand_event(m: dict[str, Any], brand: str, sentiment: str) -> dict[str, Any]:
    enriched = {**m, "lang": "en", "sentiment": sentiment, "brands": [{"id": brand, "tagged": 0}]}
    (ev,) = brand_events(enriched, parse_created_at(m["created_at"]))
    return ev.to_json()


async def test_crisis_opens_one_thread_for_the_brand_in_crisis_only(
    sent: dict[str, list[Any]], crisis_runtime: rt_mod.Runtime
) -> None:
    start = 1_790_000_000 - 1_790_000_000 % 86400
    day = crisis_day(start_ts=start, hours=12, crisis_at_hour=7, crisis_minutes=45)
    async with agents.brand_windows_agent.test_context() as agent:
        for i, m in enumerate(day.mentions):
            brand = m["id"].split("-")[-3]
            negative = m["id"] in day.crisis_ids or i % 5 == 0
            ev = brand_event(m, brand, "negative" if negative else "positive")
            part = brand_windows.partition_for_key(brand)
            await agent.put(orjson.dumps(ev), key=brand.encode(), partition=part, wait=i % 100 == 0)
        # bad input on the internal topic is dead-lettered, never fatal
        await agent.put(b'{"brand": "acme"', key=b"acme", wait=False)
        await agent.put(b'{"tick": 1}', key=None, wait=True)

    alerts = [a for _, a, _ in sent["alerts"]]
    assert {a["brand"] for a in alerts} == {"acme"}
    assert len({a["id"] for a in alerts}) == 1
    assert alerts[0]["event"] == "opened" and alerts[0]["kind"] == "negative_surge"
    opened = parse_created_at(alerts[0]["window"]["start"])
    assert (
        opened
        < alert_threads.window_spec(crisis_runtime.alert_config).bucket(day.onset_ts) + 3 * WIDTH
    )
    assert alerts[-1]["event"] == "resolved"
    assert all(k == b"acme" for k, _, _ in sent["alerts"])
    assert sum(s["id"] in day.crisis_ids for s in alerts[0]["samples"]) >= 3
    assert [d["reason"] for _, d, _ in sent["deadletter"]] == ["processing_error"]
    # the insight state is off here (BUZZWIRE_CRISIS_INSIGHT=false): no cluster records
    assert crisis_runtime.insight_config is None and sent["duplicates"] == []

    # closed windows leave the table; the brand's cursor is where the clock is
    acme = state_of("acme").crisis.windows
    assert acme.last_end is not None and acme.last_end > day.end_ts
    assert all(start >= acme.last_end for start in acme.open)
    score = metrics.anomaly_score.labels("acme", "negative")._value.get()
    assert 0.0 <= score <= 1.0
    assert metrics.alerts_open.labels("acme", "negative_surge")._value.get() == 0


async def test_late_mentions_are_counted_not_windowed(
    sent: dict[str, list[Any]], crisis_runtime: rt_mod.Runtime
) -> None:
    t0 = 1_790_000_000 - 1_790_000_000 % WIDTH
    part = brand_windows.partition_for_key("globex")
    late = metrics.crisis_late.labels("globex")
    before = late._value.get()

    def ev(mid: str, ts: float) -> bytes:
        m = {"id": mid, "text": "x", "created_at": iso_utc(ts), "url": None}
        return orjson.dumps(brand_event(m, "globex", "neutral"))

    async with agents.brand_windows_agent.test_context() as agent:
        await agent.put(ev("a", t0 + 1), key=b"globex", partition=part)
        # one hour later in event time: the first window (and the next ones) close
        await agent.put(ev("b", t0 + 3600), key=b"globex", partition=part)
        await agent.put(ev("c", t0 + 2), key=b"globex", partition=part)  # too late now

    assert late._value.get() == before + 1
    assert state_of("globex").crisis.windows.last_end == t0 + 3600 - WIDTH
    open_windows = [
        (key, start)
        for key, value in brand_windows.items()
        if not key.startswith("~")
        for start in BrandState.from_json(value).crisis.windows.open
    ]
    assert open_windows == [("globex", t0 + 3600 - (3600 % WIDTH))]


async def test_tick_is_sent_to_every_partition(sent: dict[str, list[Any]]) -> None:
    await agents.send_ticks()
    parts = sorted(p for _, v, p in sent["by_brand"] if "tick" in v)
    assert parts == list(range(app.conf.topic_partitions))


async def test_revoked_partitions_take_their_brands_gauges_along(
    crisis_runtime: rt_mod.Runtime,
) -> None:
    from faust.types import TP

    for brand in ("acme", "globex"):
        metrics.anomaly_score.labels(brand, "volume").set(0.5)
        metrics.bench_mentions.labels(brand, "1h").set(7)
    part = brand_windows.partition_for_key("acme")
    assert brand_windows.partition_for_key("globex") != part  # else pick other sample brands
    await app.on_partitions_revoked.send({TP(topics.by_brand_topic.get_topic_name(), part)})
    gauges = [m for m in metrics.registry.collect() if m.type == "gauge"]
    exported = {s.labels.get("brand") for m in gauges for s in m.samples}
    assert "acme" not in exported and "globex" in exported


# ----------------------------------------------------------------------------- benchmarks
@pytest.fixture
def bench_runtime(small_runtime: rt_mod.Runtime) -> Iterator[rt_mod.Runtime]:
    rt = dataclasses.replace(small_runtime, benchmark_specs=parse_specs("1h:15m,2h:1h"))
    with rt_mod.installed(rt):
        yield rt


@pytest.fixture
def bench_sent(
    monkeypatch: pytest.MonkeyPatch,
    bench_runtime: rt_mod.Runtime,
    recording_producer: RecordingProducer,
) -> dict[str, list[Any]]:
    fresh_tables(monkeypatch, [brand_windows, set_volumes])
    return recording_producer.watch(
        {"benchmarks": topics.benchmarks_topic, "sets": topics.sets_topic}
    )


def bench_event(brand: str, i: int, ts: float, sentiment: str) -> bytes:
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
    bench_sent: dict[str, list[Any]],
) -> None:
    # acme: 3 mentions a minute, globex: 1, for three hours; acme turns negative in hour 3
    async with agents.brand_windows_agent.test_context() as agent:
        i = 0
        for minute in range(3 * 60 + 5):
            ts = T0 + minute * 60.0
            for brand, n in (("acme", 3), ("globex", 1)):
                for _ in range(n):
                    i += 1
                    negative = brand == "acme" and minute >= 120
                    sentiment = "negative" if negative else ("positive" if i % 2 else "neutral")
                    part = brand_windows.partition_for_key(brand)
                    value = bench_event(brand, i, ts, sentiment)
                    await agent.put(value, key=brand.encode(), partition=part, wait=i % 50 == 0)
        await agent.put(b'{"tick": 0}', key=None, wait=True)

    records = [r for _, r in bench_sent["benchmarks"]]
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
        held = state_of("acme").rollups.specs[spec_name].open
        assert len(held) <= 2 * size // hop + 1

    # each volume goes to every set the brand is in; share of voice is per set
    reports = [r for _, r in bench_sent["sets"]]
    assert {(r["set"], r["brand"]) for r in reports} >= {("acme", "acme"), ("acme", "globex")}
    async with sov_agents.share_of_voice.test_context() as sov:
        for n, (key, report) in enumerate(bench_sent["sets"]):
            part = brand_windows.partition_for_key(report["set"])
            await sov.put(orjson.dumps(report), key=key, partition=part, wait=n % 50 == 49)
        await sov.put(b"not json", key=b"acme", wait=True)
    share = metrics.bench_share_of_voice.labels("acme", "acme", "1h")._value.get()
    assert share == pytest.approx(180 / 240)
    assert metrics.bench_share_of_voice.labels("globex", "acme", "1h")._value.get() == (
        pytest.approx(60 / 240)
    )
    sov_records = [r for _, r in bench_sent["benchmarks"] if r["type"] == "share_of_voice"]
    assert sov_records and all(abs(sum(r["shares"].values()) - 1) < 1e-9 for r in sov_records)


# ----------------------------------------------------------------------------- insight
async def test_with_insight_a_campaign_is_coordinated_and_every_alert_explains_itself(
    monkeypatch: pytest.MonkeyPatch,
    small_runtime: rt_mod.Runtime,
    recording_producer: RecordingProducer,
) -> None:
    """The agent feeds every brand event to the brand's insight state, kept in the table
    with its windows: the day of ``test_alert_threads_insight`` (a copy-paste campaign, then
    an organic "outage" crisis) gives one coordinated thread, then one negative surge."""
    rt = dataclasses.replace(
        small_runtime,
        alert_config=AlertConfig(),
        insight_config=rt_mod.insight_config(small_runtime.settings),
    )
    fresh_tables(monkeypatch, [brand_windows])
    sent = recording_producer.watch(
        {"alerts": topics.alerts_topic, "duplicates": topics.duplicates_topic}
    )
    part = brand_windows.partition_for_key("acme")
    assert rt.insight_config is not None
    replay = BrandInsight(rt.insight_config)
    expected: list[dict[str, Any]] = []
    with rt_mod.installed(rt):
        async with agents.brand_windows_agent.test_context() as agent:
            i = 0
            for events in insight_day.day_events():
                for ev in events:
                    expected.append(cluster_record(ev, replay.observe(ev)))
                    i += 1
                    last = await agent.put(
                        orjson.dumps(ev.to_json()), key=b"acme", partition=part, wait=i % 100 == 0
                    )
            await settle(agent, part, last, rt)
        # the brand's state in the table holds its insight state
        assert brand_windows["acme"]["insight"]["buckets"]
        state = state_of("acme", rt)
        assert state.insight is not None and state.insight.buckets

    alerts = [a for _, a in sent["alerts"]]
    opened = [(a["kind"], a["window"]["start"][11:16]) for a in alerts if a["event"] == "opened"]
    assert [kind for kind, _ in opened] == ["coordinated", "negative_surge"]
    assert "14:00" <= opened[0][1] < "14:20" and "20:00" <= opened[1][1] < "20:30"
    assert all(a["explanation"]["first_post"] for a in alerts)
    surge = next(a for a in alerts if a["kind"] == "negative_surge")
    assert surge["explanation"]["terms"][0]["term"] == "outage"
    assert metrics.alerts.labels("acme", "coordinated", "opened")._value.get() >= 1
    # a post in a near-duplicate cluster shows it (the campaign's copies are its top posts)
    campaign = next(a for a in alerts if a["kind"] == "coordinated")
    clustered = [s for s in campaign["samples"] if s.get("duplicate_cluster") is not None]
    assert clustered and all(s["duplicate_size"] >= 2 for s in clustered)

    # every brand event's cluster went to mentions.duplicates, once, keyed by brand: exactly
    # what the brand's insight state makes of the day's events in order
    records = [r for _, r in sent["duplicates"]]
    assert records == expected
    assert {k for k, _ in sent["duplicates"]} == {b"acme"}
    copies = [r for r in records if r["copy"]]
    # the campaign (40 paraphrased copies a minute): nearly all its later posts are copies,
    # and nothing else is
    start, end = insight_day.CAMPAIGN
    campaign_posts = (end - start) // 60 * 40
    assert 0.9 * (campaign_posts - 1) <= len(copies) <= campaign_posts - 1
    assert all(r["duplicate_size"] >= 2 and not r["organic"] for r in copies)
    assert all(start <= parse_created_at(r["created_at"]) - insight_day.DAY0 < end for r in copies)
    assert len({r["duplicate_cluster"] for r in copies}) <= 3


async def test_a_backlog_in_batches_of_hours_is_judged_as_live(
    monkeypatch: pytest.MonkeyPatch,
    small_runtime: rt_mod.Runtime,
    recording_producer: RecordingProducer,
) -> None:
    """Catching up on a backlog, one batch can hold hours of a brand's mentions, more than
    its insight state holds minutes of: the agent closes the due windows on the way, so the
    campaign is still coordinated and the crisis's alert still has its posts and terms."""
    from streams.pipeline import producer

    monkeypatch.setattr(
        producer, "settings", producer.settings.model_copy(update={"batch_size": 5000})
    )
    rt = dataclasses.replace(
        small_runtime,
        alert_config=AlertConfig(),
        insight_config=rt_mod.insight_config(small_runtime.settings),
    )
    fresh_tables(monkeypatch, [brand_windows])
    sent = recording_producer.watch({"alerts": topics.alerts_topic})
    part = brand_windows.partition_for_key("acme")
    events = [ev for minute in insight_day.day_events() for ev in minute]
    assert rt.insight_config is not None
    # a batch spans hours: more than the insight state holds of windows not closed yet
    assert events[3999].ts - events[0].ts > rt.insight_config.hold_seconds
    with rt_mod.installed(rt):
        async with agents.brand_windows_agent.test_context() as agent:
            for i, ev in enumerate(events, 1):
                last = await agent.put(
                    orjson.dumps(ev.to_json()), key=b"acme", partition=part, wait=i % 4000 == 0
                )
            await settle(agent, part, last, rt)

    alerts = [a for _, a in sent["alerts"]]
    opened = [a for a in alerts if a["event"] == "opened"]
    assert [a["kind"] for a in opened] == ["coordinated", "negative_surge"]
    assert all(a["explanation"]["languages"] for a in opened)
    assert opened[1]["explanation"]["terms"][0]["term"] == "outage"
