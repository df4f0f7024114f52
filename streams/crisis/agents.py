"""Agents of crisis detection: brand events -> windows -> detectors -> alerts -> delivery.

Thin: the windows, the clock and the alert threads are pure functions in ``logic.py``; the
detector is ``detector.py``; here we only read and write tables and topics.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Sequence
from typing import Any

import orjson
from faust.types import TP, EventT, StreamT
from mode.types.signals import BaseSignalT

from streams import runtime as rt_mod
from streams.app import app, metrics, settings
from streams.benchmarks.topics import sets_topic
from streams.crisis import logic
from streams.crisis.tables import brand_state, brands_on, clock_key, window_key, windows
from streams.crisis.topics import alerts_topic, by_brand_topic
from streams.mentions.logic import Reason
from streams.outbox import Outbox, batches

log = logging.getLogger(__name__)


async def process_brand_events(events: Sequence[EventT], now: float | None = None) -> int:
    """Count a batch of brand events into their windows, then close the windows that are due
    on the partitions the batch touched. Returns the number of alert events sent."""
    rt = rt_mod.get_runtime()
    cfg = rt.alert_config
    now = time.time() if now is None else now
    outbox = Outbox()
    touched: set[int] = set()
    changed: dict[str, dict[str, Any]] = {}
    states: dict[str, dict[str, Any]] = {}
    for event in events:
        try:
            data = logic.parse_brand_event(event.message.value)
        except Exception as exc:
            await outbox.dead_letter(event, Reason.PROCESSING_ERROR, f"brand event: {exc}", now)
            continue
        part = event.message.partition
        touched.add(part)
        if "tick" in data:
            continue
        ts, brand = data["ts"], str(data["brand"])
        ckey = clock_key(part)
        states[ckey] = logic.advance_clock(states.get(ckey) or brand_state.get(ckey), ts, now)
        start = logic.window_start(ts, cfg.window_seconds)
        state = states.get(brand) or brand_state.get(brand)
        if state is None:
            state = logic.new_brand_state(start)
        states[brand] = state
        if start < state["cursor"]:
            metrics.crisis_late.labels(brand).inc()
            continue
        wkey = window_key(brand, start)
        window = changed.get(wkey) or windows.get(wkey) or logic.new_window()
        logic.add_to_window(window, data, cfg.samples)
        changed[wkey] = window
    for wkey, window in changed.items():
        windows[wkey] = window
    for key, state in states.items():
        brand_state[key] = state
    sent = 0
    for part in sorted(touched):
        sent += await _close_due(part, now, outbox)
    await outbox.flush()
    return sent


async def _close_due(partition: int, now: float, outbox: Outbox) -> int:
    """Close every window of the partition's brands that the stream clock has passed."""
    rt = rt_mod.get_runtime()
    cfg = rt.alert_config
    clock = brand_state.get(clock_key(partition))
    if clock is None:
        return 0
    at = logic.stream_time(clock, now)
    sent = 0
    last_end: float | None = None
    for brand in brands_on(brand_state, partition):
        state = brand_state[brand]
        due = logic.due_windows(
            state["cursor"],
            cfg.window_seconds,
            settings.crisis_lateness_seconds,
            at,
            settings.crisis_max_catchup_windows,
        )
        if not due:
            continue
        info = rt.catalog.get(brand)
        name = info.name if info is not None else brand
        for _ in range(due):
            start = int(state["cursor"])
            window = windows.pop(window_key(brand, start), None) or logic.new_window()
            closed = rt.tracker.close(state, window, brand=brand, brand_name=name, wall_now=now)
            _export(brand, window, closed)
            for alert in closed.alerts:
                await outbox.send(alerts_topic, brand.encode("utf-8"), orjson.dumps(alert))
                _count_alert(alert)
                log.warning("alert: %s", logic.describe(alert))
                sent += 1
            last_end = start + cfg.window_seconds
        brand_state[brand] = state
    if last_end is not None:
        metrics.detector_lag.labels(str(partition)).set(max(0.0, now - last_end))
    return sent


def _export(brand: str, window: dict[str, Any], closed: logic.ClosedWindow) -> None:
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
    for other in ("volume_spike", "negative_surge"):
        # an escalated thread changes kind: only its current kind is open
        metrics.alerts_open.labels(brand, other).set(open_now if other == kind else 0)


@app.agent(by_brand_topic)
async def crisis_windows(stream: StreamT) -> AsyncIterator[int]:
    """mentions.by-brand -> per-brand windows, detectors -> alerts."""
    async for events in batches(stream):
        yield await process_brand_events(events)


async def send_ticks() -> None:
    """A clock tick on every partition of mentions.by-brand, so that windows close (and quiet
    windows count as zeros) even when a partition receives no mentions. The tick goes through
    the topic, so it is handled in order by whichever worker owns the partition."""
    outbox = Outbox()
    value = orjson.dumps({"tick": time.time()})
    for part in range(settings.topic_partitions):
        await outbox.send(by_brand_topic, None, value, partition=part)
    await outbox.flush()


@app.timer(interval=settings.crisis_tick_seconds, on_leader=True)
async def crisis_tick() -> None:
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
            ids = {b for b in rt.catalog.ids if brand_state.partition_for_key(b) in gone}
            metrics.forget(label, ids)
