"""Agents of the rolling benchmarks: brand events -> hopping windows -> gauges and records;
brand volumes -> share of voice per competitor set. Thin: the arithmetic is in ``logic.py``."""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator, Sequence
from typing import Any

import orjson
from faust.types import EventT, StreamT

from streams import runtime as rt_mod
from streams.app import app, metrics, settings
from streams.benchmarks import logic
from streams.benchmarks.tables import bench_state, buckets, set_volumes
from streams.benchmarks.topics import benchmarks_topic, sets_topic
from streams.crisis.logic import advance_clock, parse_brand_event, stream_time
from streams.crisis.tables import brands_on, clock_key
from streams.crisis.topics import by_brand_topic
from streams.outbox import Outbox, batches

#: (brand, window) -> languages whose gauge is set, so that those that leave the top are removed
_lang_gauges: dict[tuple[str, str], set[str]] = {}


def _bucket_key(brand: str, window: str, start: int) -> str:
    return f"{brand}|{window}|{start}"


def _new_state(ts: float) -> dict[str, Any]:
    return {"first": ts, "ends": {}, "buckets": {}}


async def process_benchmark_events(events: Sequence[EventT], now: float | None = None) -> int:
    """Count brand events into their buckets, then emit the windows the clock has passed on
    the partitions the batch touched. Returns the number of benchmark records sent."""
    specs = rt_mod.get_runtime().benchmark_specs
    now = time.time() if now is None else now
    touched: set[int] = set()
    states: dict[str, dict[str, Any]] = {}
    changed: dict[str, dict[str, Any]] = {}
    for event in events:
        try:
            data = parse_brand_event(event.message.value)
        except ValueError:
            continue  # the crisis agent reads the same message and dead-letters it
        part = event.message.partition
        touched.add(part)
        if "tick" in data:
            continue
        ts, brand = data["ts"], str(data["brand"])
        ckey = clock_key(part)
        states[ckey] = advance_clock(states.get(ckey) or bench_state.get(ckey), ts, now)
        state = states.get(brand) or bench_state.get(brand) or _new_state(ts)
        states[brand] = state
        state["first"] = min(float(state["first"]), ts)
        for spec in specs:
            start = logic.bucket_start(ts, spec.hop)
            last_end = state["ends"].get(spec.name)
            if last_end is not None and start < last_end:
                continue  # its window was emitted already: too late for this spec
            key = _bucket_key(brand, spec.name, start)
            bucket = changed.get(key) or buckets.get(key) or logic.new_bucket()
            logic.add_to_bucket(bucket, data)
            changed[key] = bucket
            held = state["buckets"].setdefault(spec.name, [])
            if start not in held:
                held.append(start)
    for key, bucket in changed.items():
        buckets[key] = bucket
    for key, state in states.items():
        bench_state[key] = state
    outbox = Outbox()
    sent = 0
    for part in sorted(touched):
        sent += await _emit_due(part, now, outbox)
    await outbox.flush()
    return sent


async def _emit_due(partition: int, now: float, outbox: Outbox) -> int:
    rt = rt_mod.get_runtime()
    clock = bench_state.get(clock_key(partition))
    if clock is None:
        return 0
    at = stream_time(clock, now)
    sets = rt.competitor_sets
    sent = 0
    for brand in brands_on(bench_state, partition):
        state = bench_state[brand]
        dirty = False
        for spec in rt.benchmark_specs:
            ends = logic.due_ends(
                state["ends"].get(spec.name), spec, at, settings.crisis_lateness_seconds
            )
            if not ends:
                continue
            held = state["buckets"].get(spec.name, [])
            counts = {s: buckets.get(_bucket_key(brand, spec.name, s)) for s in held}
            present = {s: c for s, c in counts.items() if c is not None}
            for end in ends:
                record = logic.benchmark(brand, spec, end, present, float(state["first"]))
                await outbox.send(benchmarks_topic, brand.encode("utf-8"), orjson.dumps(record))
                sent += 1
                for set_id in logic.sets_of(brand, sets):
                    report = {
                        "set": set_id,
                        "brand": brand,
                        "window": spec.name,
                        "end": end,
                        "mentions": record["mentions"],
                    }
                    await outbox.send(sets_topic, set_id.encode("utf-8"), orjson.dumps(report))
            _export(record)
            state["ends"][spec.name] = ends[-1]
            gone = logic.expired(held, spec, ends[-1])
            for start in gone:
                buckets.pop(_bucket_key(brand, spec.name, start), None)
            state["buckets"][spec.name] = [s for s in held if s not in gone]
            dirty = True
        if dirty:
            bench_state[brand] = state
    return sent


def _set(gauge: Any, labels: tuple[str, ...], value: float | None) -> None:
    if value is None:
        with contextlib.suppress(KeyError):  # never set
            gauge.remove(*labels)
    else:
        gauge.labels(*labels).set(value)


def _export(record: dict[str, Any]) -> None:
    labels = (record["brand"], record["window"])
    metrics.bench_mentions.labels(*labels).set(record["mentions"])
    _set(metrics.bench_net_sentiment, labels, record["net_sentiment"])
    _set(metrics.bench_negative_share, labels, record["negative_share"])
    _set(metrics.bench_untagged_share, labels, record["untagged_share"])
    _set(metrics.bench_velocity, labels, record["velocity"])
    langs = record["top_languages"]
    for lang in _lang_gauges.get(labels, set()) - set(langs):
        _set(metrics.bench_languages, (*labels, lang), None)
    for lang, n in langs.items():
        metrics.bench_languages.labels(*labels, lang).set(n)
    _lang_gauges[labels] = set(langs)


@app.agent(by_brand_topic)
async def benchmark_windows(stream: StreamT) -> AsyncIterator[int]:
    """mentions.by-brand -> hopping windows per brand -> benchmarks (+ volumes per set)."""
    async for events in batches(stream):
        yield await process_benchmark_events(events)


async def process_set_reports(events: Sequence[EventT]) -> int:
    """Fold brand volumes into their competitor set; emit share of voice. Returns records sent."""
    sets = rt_mod.get_runtime().competitor_sets
    outbox = Outbox()
    sent = 0
    for event in events:
        try:
            report = orjson.loads(event.message.value or b"")
            set_id, brand, window = str(report["set"]), str(report["brand"]), report["window"]
            end, mentions = int(report["end"]), int(report["mentions"])
        except (ValueError, KeyError, TypeError):
            continue  # internal topic, written only by benchmark_windows above
        members = sets.get(set_id)
        if members is None:
            continue  # a set of a brand no longer in the brands file
        key = f"{set_id}|{window}"
        state = set_volumes.get(key) or {"members": {}, "latest": None}
        state["members"][brand] = logic.record_volume(
            state["members"].get(brand, {}), end, mentions
        )
        latest = state["latest"]
        if latest is None or end >= latest:
            state["latest"] = end
            shares = logic.share_of_voice(members, state["members"], end)
            if shares is not None:
                for member, share in shares.items():
                    metrics.bench_share_of_voice.labels(member, set_id, window).set(share)
                record = {
                    "type": "share_of_voice",
                    "competitor_set": set_id,
                    "window": window,
                    "end": end,
                    "shares": shares,
                }
                await outbox.send(benchmarks_topic, set_id.encode("utf-8"), orjson.dumps(record))
                sent += 1
        set_volumes[key] = state
    await outbox.flush()
    return sent


@app.agent(sets_topic)
async def share_of_voice(stream: StreamT) -> AsyncIterator[int]:
    """benchmarks.sets (volumes keyed by competitor set) -> share of voice gauges + records."""
    async for events in batches(stream):
        yield await process_set_reports(events)
