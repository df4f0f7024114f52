"""Agents of the mentions domain: validate, de-duplicate, enrich, emit. Thin: logic lives in
``logic.py`` and ``streams/pipeline/runtime.py``; here we only move bytes between topics.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Sequence
from typing import Any

import orjson
from faust.types import EventT, StreamT
from mode.types.signals import BaseSignalT

from streams.mentions.logic import (
    InvalidMention,
    ParsedMention,
    Reason,
    has_untagged,
    parse_mention,
)
from streams.pipeline import runtime as rt_mod
from streams.pipeline.app import app, health, metrics, settings
from streams.pipeline.health import monitored
from streams.pipeline.producer import BatchProducer, each_batch
from streams.pipeline.runtime import Runtime
from streams.pipeline.tables import seen_ids
from streams.pipeline.topics import (
    by_brand_topic,
    enriched_topic,
    raw_topic,
    rekeyed_topic,
    untagged_topic,
)
from streams.windowing.events import brand_events

log = logging.getLogger(__name__)


@app.on_worker_init.connect
def _load_runtime(sender: Any, /, *args: Any, signal: BaseSignalT[Any], **kwargs: Any) -> None:
    """Models and the brands file are loaded when the worker starts (not at import)."""
    if not rt_mod.is_installed():
        rt_mod.install(rt_mod.build_runtime(settings, metrics))


def _consumer_lag(events: Sequence[EventT]) -> int:
    """Record and return the worst lag (messages behind the partition end) in this batch."""
    last: dict[Any, int] = {}
    for event in events:
        tp = event.message.tp
        last[tp] = max(last.get(tp, -1), event.message.offset)
    worst = 0
    for tp, offset in last.items():
        try:
            highwater = app.consumer.highwater(tp)
        except Exception:  # no live consumer (tests) or partition just revoked
            continue
        if highwater is None:
            continue
        lag = max(0, int(highwater) - offset - 1)
        metrics.consumer_lag.labels(tp.topic, str(tp.partition)).set(lag)
        worst = max(worst, lag)
    return worst


async def _annotate(
    rt: Runtime,
    producer: BatchProducer,
    batch: list[tuple[EventT, ParsedMention]],
    now: float,
    lag: int,
) -> list[tuple[EventT, ParsedMention, dict[str, Any]]]:
    """Enrich a batch; if the batch fails, retry one by one so only the culprit is dead-lettered."""
    mentions = [p.mention for _, p in batch]
    try:
        outs = await rt.annotate_async(mentions, lag)
        return [(ev, p, out) for (ev, p), out in zip(batch, outs, strict=True)]
    except Exception:
        log.exception("enrichment failed for a batch of %d; isolating", len(batch))
    done = []
    for ev, parsed in batch:
        try:
            (out,) = await rt.annotate_async([parsed.mention], lag)
        except Exception as exc:
            await producer.dead_letter(
                ev, Reason.PROCESSING_ERROR, f"{type(exc).__name__}: {exc}", now
            )
            continue
        done.append((ev, parsed, out))
    return done


#: Mention ids a batch of this worker is enriching right now (until they are marked seen). The
#: copy keyed by id (on mentions.raw) and the re-keyed copy (on mentions.rekeyed) of one post
#: are on the same partition number of co-partitioned topics, so the same worker, but two
#: agents: without this, both passed the seen-ids check while neither had flushed.
_in_flight: set[bytes] = set()


async def process_events(events: Sequence[EventT], *, rekey: bool) -> int:
    """Process one batch of raw mention events. Returns how many were enriched."""
    batch_ids: set[bytes] = set()
    try:
        return await _process(events, rekey=rekey, batch_ids=batch_ids)
    finally:
        _in_flight.difference_update(batch_ids)


async def _process(events: Sequence[EventT], *, rekey: bool, batch_ids: set[bytes]) -> int:
    rt = rt_mod.get_runtime()
    started = time.perf_counter()
    now = time.time()
    producer = BatchProducer("ingest" if rekey else "ingest_rekeyed")
    fresh: list[tuple[EventT, ParsedMention]] = []
    for event in events:
        msg = event.message
        metrics.received.labels(msg.topic).inc()
        try:
            parsed = parse_mention(msg.value, now=now, limits=rt.limits)
        except InvalidMention as exc:
            await producer.dead_letter(event, exc.reason, exc.detail, now)
            continue
        key = parsed.mention.id.encode("utf-8")
        if rekey and msg.key != key:
            # Not keyed by id: its duplicates may sit on other partitions. Re-send keyed by id.
            metrics.rekeyed.inc()
            # parsed, so not empty
            await producer.send(rekeyed_topic, key, msg.value or b"", source=event)
            continue
        if key in batch_ids or key in _in_flight or seen_ids.get(key) is not None:
            metrics.duplicates.inc()
            continue
        batch_ids.add(key)
        _in_flight.add(key)  # no await since the checks above: the claim is atomic
        fresh.append((event, parsed))

    lag = _consumer_lag(events)
    enriched = await _annotate(rt, producer, fresh, now, lag) if fresh else []
    done = time.time()
    for event, parsed, out in enriched:
        key = out["id"].encode("utf-8")
        value = orjson.dumps(out)
        await producer.send(enriched_topic, key, value, source=event)
        if has_untagged(out["brands"]):
            await producer.send(untagged_topic, key, value, source=event)
        # Re-keyed by brand for the per-brand windows of crisis detection.
        for brand_event in brand_events(out, parsed.created_ts):
            brand_key = brand_event.brand.encode("utf-8")
            event_value = orjson.dumps(brand_event.to_json())
            await producer.send(by_brand_topic, brand_key, event_value, source=event)
        lang, sentiment = out["lang"], out["sentiment"]
        metrics.processed.labels(lang, sentiment).inc()
        for brand in out["brands"]:
            metrics.brand_mentions.labels(
                brand["id"], lang, "true" if brand["tagged"] else "false", sentiment
            ).inc()
        metrics.event_latency.observe(max(0.0, done - parsed.created_ts))
    # marked as seen in the same transaction as its outputs (and the input offsets)
    for _event, _parsed, out in enriched:
        producer.set(seen_ids, out["id"].encode("utf-8"), now)
    await producer.flush(events)
    metrics.batch_size.observe(len(events))
    metrics.batch_seconds.labels("enrich").observe(time.perf_counter() - started)
    return len(enriched)


async def _run(stream: StreamT, *, rekey: bool) -> AsyncIterator[int]:
    async def process(events: Sequence[EventT]) -> int:
        return await process_events(events, rekey=rekey)

    agent = "ingest" if rekey else "ingest_rekeyed"
    async for n in each_batch(stream, process, agent=agent):
        yield n


@app.agent(raw_topic)
async def ingest(stream: StreamT) -> AsyncIterator[int]:
    """mentions.raw -> mentions.enriched / .untagged / .by-brand / .deadletter."""
    async for n in monitored(health, "ingest", _run(stream, rekey=True)):
        yield n


@app.agent(rekeyed_topic)
async def ingest_rekeyed(stream: StreamT) -> AsyncIterator[int]:
    """mentions.rekeyed (valid mentions re-keyed by id) -> same outputs as ``ingest``."""
    async for n in monitored(health, "ingest_rekeyed", _run(stream, rekey=False)):
        yield n


@app.timer(interval=settings.dedup_sweep_seconds)
async def sweep_seen_ids() -> None:
    """Forget mention ids older than the de-duplication TTL."""
    cutoff = time.time() - settings.dedup_ttl_seconds
    expired = [key for key, first_seen in seen_ids.items() if first_seen < cutoff]
    for key in expired:
        del seen_ids[key]
    metrics.dedup_keys.set(len(seen_ids))
