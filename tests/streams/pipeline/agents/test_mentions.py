"""The ingest agent under Faust's test_context(): no broker; topic sends are captured."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import orjson
import pytest

from streams.pipeline import runtime as rt_mod
from streams.pipeline import topics
from streams.pipeline.agents import mentions as agents
from streams.pipeline.tables import seen_ids
from streams.pipeline.topics import by_brand_topic
from tests.streams.conftest import RecordingProducer, fresh_tables


@pytest.fixture
def loaded_runtime(small_runtime: rt_mod.Runtime) -> Iterator[rt_mod.Runtime]:
    with rt_mod.installed(small_runtime):
        yield small_runtime


@pytest.fixture
def sent(
    monkeypatch: pytest.MonkeyPatch,
    loaded_runtime: rt_mod.Runtime,
    recording_producer: RecordingProducer,
) -> dict[str, list[Any]]:
    """Captures what the agent produces, by topic (there is no broker here)."""
    names = ("enriched", "untagged", "deadletter", "rekeyed")
    watched = {n: getattr(topics, f"{n}_topic") for n in names}
    watched["by_brand"] = by_brand_topic
    fresh_tables(monkeypatch, [seen_ids])
    return recording_producer.watch(watched)


def mention(mid: str, text: str, **extra: Any) -> bytes:
    return orjson.dumps({"id": mid, "text": text, "created_at": time.time() - 5, **extra})


async def test_agent_routes_valid_bad_duplicate_and_unkeyed(sent: dict[str, list[Any]]) -> None:
    async with agents.ingest.test_context() as agent:
        await agent.put(mention("m1", "@acme užasno, loše, ne radi opet"), key=b"m1")
        await agent.put(mention("m2", "Globex: me encanta, excelente servicio, gracias"), key=b"m2")
        await agent.put(b'{"id": "m3", "text": ', key=b"m3")
        await agent.put(mention("m1", "@acme užasno, loše, ne radi opet"), key=b"m1")
        await agent.put(mention("m4", "Just a sunny day at the beach"), key=None)

    enriched = {value["id"]: value for _, value in sent["enriched"]}
    assert set(enriched) == {"m1", "m2"}
    assert enriched["m1"]["brands"] == [{"id": "acme", "tagged": True}]
    assert enriched["m1"]["lang"] == "hr"
    assert enriched["m2"]["brands"] == [{"id": "globex", "tagged": False}]
    assert enriched["m2"]["lang"] == "es"
    assert enriched["m1"]["sentiment"] == "negative"
    assert enriched["m2"]["sentiment"] == "positive"
    for out in enriched.values():
        assert set(out["sentiment_scores"]) == {"negative", "neutral", "positive"}
        assert out["sentiment_model"] == "linear-hashed-ngram-lr"
    assert [v["id"] for _, v in sent["untagged"]] == ["m2"]
    assert [(k, v["reason"]) for k, v in sent["deadletter"]] == [(b"m3", "not_json")]
    assert sent["deadletter"][0][1]["original_text"] == '{"id": "m3", "text": '
    # Not keyed by id: re-sent keyed by id, not processed here.
    assert [k for k, _ in sent["rekeyed"]] == [b"m4"]
    assert seen_ids.get(b"m1") is not None and seen_ids.get(b"m4") is None
    # one compact event per brand match, keyed by brand, for the per-brand windows
    by_brand = [(k, v["id"], v["sentiment"], v["tagged"]) for k, v in sent["by_brand"]]
    assert by_brand == [(b"acme", "m1", "negative", True), (b"globex", "m2", "positive", False)]


async def test_a_failing_mention_is_dead_lettered_and_the_rest_go_on(
    sent: dict[str, list[Any]], monkeypatch: pytest.MonkeyPatch, loaded_runtime: rt_mod.Runtime
) -> None:
    real = loaded_runtime.matcher.match

    def flaky(text: str, reply_to_handle: str | None = None) -> Any:
        if "boom" in text:
            raise RuntimeError("matcher exploded")
        return real(text, reply_to_handle)

    monkeypatch.setattr(loaded_runtime.matcher, "match", flaky)
    events = [
        mention("ok1", "Acme is great"),
        mention("bad1", "boom"),
        mention("ok2", "Globex is fine"),
    ]
    async with agents.ingest.test_context() as agent:
        for raw in events:
            await agent.put(raw, key=orjson.loads(raw)["id"].encode())
    assert sorted(v["id"] for _, v in sent["enriched"]) == ["ok1", "ok2"]
    assert [(k, v["reason"]) for k, v in sent["deadletter"]] == [(b"bad1", "processing_error")]
    assert "matcher exploded" in sent["deadletter"][0][1]["error"]


async def test_two_collectors_racing_enrich_a_post_once(
    sent: dict[str, list[Any]], loaded_runtime: rt_mod.Runtime
) -> None:
    """The copy keyed by id (mentions.raw) and the re-keyed copy (mentions.rekeyed) reach two
    agents of one worker at once: both used to pass the seen-ids check before either flushed."""
    from dataclasses import dataclass

    from faust.types import TP, Message

    @dataclass
    class Event:
        message: Message

    def event(topic: str, offset: int, mid: str) -> Event:
        value = mention(mid, "@acme my internet is down again")
        tp = TP(topic, 0)
        return Event(
            Message(
                topic=topic,
                partition=0,
                offset=offset,
                timestamp=0.0,
                timestamp_type=0,
                headers=[],
                key=mid.encode(),
                value=value,
                checksum=None,
                tp=tp,
            )
        )

    ids = [f"race-{i}" for i in range(40)]
    direct = [event(topics.raw_topic.get_topic_name(), i, mid) for i, mid in enumerate(ids)]
    rekeyed = [event(topics.rekeyed_topic.get_topic_name(), i, mid) for i, mid in enumerate(ids)]
    enriched = await asyncio.gather(
        agents.process_events(direct, rekey=True), agents.process_events(rekeyed, rekey=False)
    )
    assert sum(enriched) == len(ids)
    assert sorted(v["id"] for _, v in sent["enriched"]) == sorted(ids)
    assert not agents._in_flight  # every claim released
