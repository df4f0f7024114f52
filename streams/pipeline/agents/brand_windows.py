"""The one consumer of ``mentions.by-brand``: brand events -> per-brand windows -> crisis
alerts and rolling benchmarks (and, with the insight state, each event's near-duplicate
cluster to ``mentions.duplicates``).

Thin: the window engine is ``streams.windowing``, crisis detection ``streams.crisis.alert_threads``,
the benchmarks ``streams.rollups.logic`` and the per-brand state ``brand_state.BrandState``;
here we only read and write the table and the topics, and export gauges.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import time
from collections.abc import AsyncIterator, Sequence
from typing import Any

import orjson
from faust.types import TP, EventT, StreamT
from mode.types.signals import BaseSignalT

from streams.crisis.alert_threads import KINDS, ClosedWindow, describe, window_spec
from streams.crisis.cluster_records import cluster_key, cluster_record
from streams.mentions.logic import Reason
from streams.pipeline import runtime as rt_mod
from streams.pipeline.app import app, health, metrics, settings
from streams.pipeline.brand_state import BrandState
from streams.pipeline.health import monitored
from streams.pipeline.producer import BatchProducer, each_batch
from streams.pipeline.tables import brand_windows, brands_on, clock_key
from streams.pipeline.topics import (
    alerts_topic,
    benchmarks_topic,
    by_brand_topic,
    duplicates_topic,
    sets_topic,
)
from streams.rollups.logic import sets_of
from streams.windowing.clock import ClockSnapshot, EventClock
from streams.windowing.events import Tick, parse_message

log = logging.getLogger(__name__)

#: (brand, window) -> languages whose gauge is set, so that those that leave the top are removed
_lang_gauges: dict[tuple[str, str], set[str]] = {}


def event_clock() -> EventClock:
    return EventClock(lateness=settings.window_lateness_seconds)


#: Within one batch, a partition's due windows are closed whenever its watermark has moved
#: on this far since they were last closed (event seconds); live batches span seconds and
#: close at their end only.
CLOSE_EVERY_SECONDS = 900.0


async def process_brand_events(events: Sequence[EventT], now: float | None = None) -> int:
    """Count a batch of brand events into their brands' windows, then close the windows that
    are due on the partitions the batch touched. With the insight state on, each event's
    near-duplicate cluster goes to ``mentions.duplicates``. Returns the number of records sent
    (alerts, benchmarks)."""
    rt = rt_mod.get_runtime()
    now = time.time() if now is None else now
    spec = window_spec(rt.alert_config)
    clock = event_clock()
    out = BatchProducer("brand_windows")
    touched: set[int] = set()
    clocks: dict[int, ClockSnapshot] = {}
    states: dict[str, BrandState] = {}
    dirty: set[str] = set()
    sent = 0
    # per partition: the watermark its windows were last closed at in this batch
    closed_at: dict[int, float] = {}
    for event in events:
        msg = event.message
        try:
            parsed = parse_message(msg.value)
        except (ValueError, TypeError) as exc:
            await out.dead_letter(event, Reason.PROCESSING_ERROR, f"brand event: {exc}", now)
            continue
        touched.add(msg.partition)
        if isinstance(parsed, Tick):
            continue
        before = _clock(msg.partition, clocks)
        if msg.partition not in closed_at and before is not None:
            closed_at[msg.partition] = clock.watermark(before, now)
        clocks[msg.partition] = clock.advance(before, parsed.ts, now)
        watermark = clock.watermark(clocks[msg.partition], now)
        if watermark - closed_at.setdefault(msg.partition, watermark) >= CLOSE_EVERY_SECONDS:
            # a batch of a backlog can hold hours of mentions: close what is due on the way,
            # while the brands' insight states still hold those windows' minutes
            sent += await _close_due(msg.partition, watermark, now, states, dirty, out)
            closed_at[msg.partition] = watermark
        state = _state(parsed.brand, states)
        if state.applied(msg.offset):
            metrics.window_events_reapplied.inc()
            continue
        state.offset = msg.offset
        dirty.add(parsed.brand)
        if state.insight is not None:
            seen = state.insight.observe(parsed)
            # in the batch's transaction: once per brand event, whatever a crash replays
            await out.send(
                duplicates_topic, cluster_key(parsed), orjson.dumps(cluster_record(parsed, seen))
            )
            if seen.duplicate_cluster is not None and seen.duplicate_size > 1:
                parsed = dataclasses.replace(
                    parsed,
                    duplicate_cluster=seen.duplicate_cluster,
                    duplicate_size=seen.duplicate_size,
                )
        if not state.crisis.add(spec, parsed, rt.alert_config.samples):
            metrics.crisis_late.labels(parsed.brand).inc()
        state.rollups.add(rt.benchmark_specs, parsed)
    for part in sorted(touched):
        snapshot = _clock(part, clocks)
        if snapshot is not None:
            watermark = clock.watermark(snapshot, now)
            sent += await _close_due(part, watermark, now, states, dirty, out)
    # the new states are committed with their outputs and the input offsets, or not at all: a
    # batch that fails is read again from the states it started from
    for part, snapshot in clocks.items():
        out.set(brand_windows, clock_key(part), snapshot.to_json())
    for brand in dirty:
        out.set(brand_windows, brand, states[brand].to_json())
    await out.flush(events)
    return sent


def _clock(partition: int, clocks: dict[int, ClockSnapshot]) -> ClockSnapshot | None:
    snapshot = clocks.get(partition)
    if snapshot is None:
        saved = brand_windows.get(clock_key(partition))
        snapshot = ClockSnapshot.from_json(saved) if saved is not None else None
    return snapshot


def _state(brand: str, states: dict[str, BrandState]) -> BrandState:
    state = states.get(brand)
    if state is None:
        # a copy: the table's value must not change before the batch is committed
        saved = brand_windows.get(brand)
        state = states[brand] = BrandState.from_json(
            orjson.loads(orjson.dumps(saved)) if saved is not None else None,
            rt_mod.get_runtime().insight_config,
        )
    return state


async def _close_due(
    partition: int,
    watermark: float,
    now: float,
    states: dict[str, BrandState],
    dirty: set[str],
    out: BatchProducer,
) -> int:
    """Close the crisis windows and emit the benchmarks of the partition's brands that the
    watermark has passed."""
    rt = rt_mod.get_runtime()
    tracker = rt.tracker
    sent = 0
    last_end: int | None = None
    for brand in brands_on(brand_windows, partition):
        state = _state(brand, states)
        info = rt.catalog.get(brand)
        closed = state.crisis.close_due(
            tracker,
            watermark,
            settings.crisis_max_catchup_windows,
            brand=brand,
            brand_name=info.name if info is not None else brand,
            wall_now=now,
            insight=state.insight,
        )
        for window in closed:
            _export_window(brand, window)
            for alert in window.alerts:
                await out.send(alerts_topic, brand.encode("utf-8"), orjson.dumps(alert))
                _count_alert(alert)
                log.warning("alert: %s", describe(alert))
                sent += 1
        if closed:
            dirty.add(brand)
            last_end = closed[-1].start + rt.alert_config.window_seconds
        key = brand.encode("utf-8")
        records = state.rollups.emit_due(brand, rt.benchmark_specs, watermark)
        if records:
            dirty.add(brand)
        for record in records:
            await out.send(benchmarks_topic, key, orjson.dumps(record))
            sent += 1
            for set_id in sets_of(brand, rt.competitor_sets):
                report = {
                    "set": set_id,
                    "brand": brand,
                    "window": record["window"],
                    "end": record["end_ts"],
                    "mentions": record["mentions"],
                }
                await out.send(sets_topic, set_id.encode("utf-8"), orjson.dumps(report))
            _export_benchmark(record)
    if last_end is not None:
        metrics.detector_lag.labels(str(partition)).set(max(0.0, now - last_end))
    return sent


def _export_window(brand: str, closed: ClosedWindow) -> None:
    metrics.crisis_windows_closed.inc()
    for signal, det in closed.detections.items():
        metrics.window_mentions.labels(brand, signal).set(det.observed)
        metrics.window_expected.labels(brand, signal).set(det.expected)
        metrics.anomaly_score.labels(brand, signal).set(det.score)
    if closed.negative_share is not None:
        metrics.negative_share.labels(brand).set(closed.negative_share)


def _count_alert(alert: dict[str, Any]) -> None:
    brand, kind, event = alert["brand"], alert["kind"], alert["event"]
    metrics.alerts.labels(brand, kind, event).inc()
    open_now = 0 if event == "resolved" else 1
    for other in KINDS:
        # an escalated thread changes kind: only its current kind is open
        metrics.alerts_open.labels(brand, other).set(open_now if other == kind else 0)


def _set(gauge: Any, labels: tuple[str, ...], value: float | None) -> None:
    if value is None:
        with contextlib.suppress(KeyError):  # never set
            gauge.remove(*labels)
    else:
        gauge.labels(*labels).set(value)


def _export_benchmark(record: dict[str, Any]) -> None:
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
async def brand_windows_agent(stream: StreamT) -> AsyncIterator[int]:
    """mentions.by-brand -> per-brand windows -> alerts, benchmarks (+ volumes per set)."""
    async for sent in monitored(health, "brand_windows", _brand_windows(stream)):
        yield sent


async def _brand_windows(stream: StreamT) -> AsyncIterator[int]:
    async def process(events: Sequence[EventT]) -> int:
        return await process_brand_events(events)

    async for sent in each_batch(stream, process, agent="brand_windows"):
        yield sent


async def send_ticks() -> None:
    """A clock tick on every partition of mentions.by-brand, so that windows close (and quiet
    windows count as zeros) even when a partition receives no mentions. The tick goes through
    the topic, so it is handled in order by whichever worker owns the partition."""
    out = BatchProducer()
    value = orjson.dumps({"tick": time.time()})
    for part in range(settings.topic_partitions):
        await out.send(by_brand_topic, None, value, partition=part)
    await out.flush()


@app.timer(interval=settings.crisis_tick_seconds, on_leader=True)
async def window_tick() -> None:
    """The leader ticks every partition (see ``send_ticks``)."""
    await send_ticks()


@app.on_partitions_revoked.connect
async def _forget_revoked(
    sender: Any, /, *args: Any, signal: BaseSignalT[Any], **kwargs: Any
) -> None:
    """Brands of partitions this worker no longer owns: their gauges go (another worker now
    exports them); competitor sets likewise for benchmarks.sets."""
    parts = {
        by_brand_topic.get_topic_name(): "brand",
        sets_topic.get_topic_name(): "competitor_set",
    }
    revoked: set[TP] = set(args[0]) if args else set()
    rt = rt_mod.get_runtime() if rt_mod.is_installed() else None
    if rt is None or not revoked:
        return
    for label_topic, label in parts.items():
        gone = {tp.partition for tp in revoked if tp.topic == label_topic}
        if gone:
            ids = {b for b in rt.catalog.ids if brand_windows.partition_for_key(b) in gone}
            metrics.forget(label, ids)
