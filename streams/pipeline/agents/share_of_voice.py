"""The share-of-voice agent: brand window volumes, re-keyed by competitor set -> each member's
share of the set's volume (gauges and records). Thin: the arithmetic is in
``streams.rollups.logic``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

import orjson
from faust.types import EventT, StreamT

from streams.pipeline import runtime as rt_mod
from streams.pipeline.app import app, health, metrics
from streams.pipeline.health import monitored
from streams.pipeline.producer import BatchProducer, each_batch
from streams.pipeline.tables import set_volumes
from streams.pipeline.topics import benchmarks_topic, sets_topic
from streams.rollups import logic


async def process_set_reports(events: Sequence[EventT]) -> int:
    """Fold brand volumes into their competitor set; emit share of voice. Returns records sent."""
    sets = rt_mod.get_runtime().competitor_sets
    out = BatchProducer("share_of_voice")
    states: dict[str, dict[str, Any]] = {}
    sent = 0
    for event in events:
        try:
            report = orjson.loads(event.message.value or b"")
            set_id, brand, window = str(report["set"]), str(report["brand"]), report["window"]
            end, mentions = int(report["end"]), int(report["mentions"])
        except (ValueError, KeyError, TypeError):
            continue  # internal topic, written only by the brand-windows agent
        members = sets.get(set_id)
        if members is None:
            continue  # a set of a brand no longer in the brands file
        key = f"{set_id}|{window}"
        state = states.get(key)
        if state is None:
            saved = set_volumes.get(key)  # copied: the table changes only when committed
            state = orjson.loads(orjson.dumps(saved)) if saved else {"members": {}, "latest": None}
            states[key] = state
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
                await out.send(benchmarks_topic, set_id.encode("utf-8"), orjson.dumps(record))
                sent += 1
    for key, state in states.items():
        out.set(set_volumes, key, state)
    await out.flush(events)
    return sent


@app.agent(sets_topic)
async def share_of_voice(stream: StreamT) -> AsyncIterator[int]:
    """benchmarks.sets (volumes keyed by competitor set) -> share of voice gauges + records."""
    async for sent in monitored(health, "share_of_voice", _share_of_voice(stream)):
        yield sent


async def _share_of_voice(stream: StreamT) -> AsyncIterator[int]:
    async for sent in each_batch(stream, process_set_reports, agent="share_of_voice"):
        yield sent
