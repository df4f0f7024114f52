"""The whole mentions pipeline on the real Kafka broker, through a real `buzzwire worker`."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from aiokafka import AIOKafkaProducer

from streams.config import Settings
from streams.devstack.synthetic import bad_messages, generate
from streams.devstack.workerproc import WorkerProcess
from tests.integration.conftest import read_topics, running_worker

pytestmark = pytest.mark.integration

N_VALID = 3000
N_DUPLICATES = 150
N_UNKEYED = 300


@pytest.fixture
def pipeline(kafka_broker: Any, tmp_path: Path) -> Iterator[tuple[Settings, WorkerProcess]]:
    with running_worker(kafka_broker, tmp_path, "it") as running:
        yield running


async def _produce(
    bootstrap: str, messages: list[tuple[bytes | None, bytes | None]], topic: str
) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5, max_request_size=4 << 20)
    await producer.start()
    try:
        futures = [await producer.send(topic, key=k, value=v) for k, v in messages]
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


async def _collect(
    settings: Settings, expect_enriched: int, expect_dead: int, timeout: float = 180
) -> dict[str, list[Any]]:
    names = {
        settings.topic("mentions.enriched"): "enriched",
        settings.topic("mentions.untagged"): "untagged",
        settings.topic("mentions.deadletter"): "deadletter",
    }
    enriched, dead = settings.topic("mentions.enriched"), settings.topic("mentions.deadletter")
    out = await read_topics(
        settings.bootstrap_servers,
        list(names),
        lambda got: len(got[enriched]) >= expect_enriched and len(got[dead]) >= expect_dead,
        timeout,
    )
    return {names[t]: records for t, records in out.items()}


async def test_every_input_lands_exactly_once(pipeline: tuple[Settings, WorkerProcess]) -> None:
    settings, worker = pipeline
    now = time.time()
    synthetic = list(
        generate(N_VALID, start_ts=now - 600, step_seconds=0.1, id_prefix=f"it{now:.0f}")
    )
    messages: list[tuple[bytes | None, bytes | None]] = []
    for i, s in enumerate(synthetic):
        value = orjson.dumps(s.value)
        # Most producers key by id; some do not, which forces the re-keying path.
        key = None if i % (N_VALID // N_UNKEYED) == 0 else s.value["id"].encode()
        messages.append((key, value))
    # Re-deliveries: the same message again, keyed and unkeyed, later in the stream.
    duplicates = [messages[i * 7] for i in range(N_DUPLICATES)]
    bad = bad_messages(now, max_text_chars=settings.max_text_chars)
    bad_inputs = [(b"bad-key-%d" % i, raw) for i, (raw, _) in enumerate(bad)]
    bad_inputs.append((b"tombstone", None))
    stream = messages + duplicates + bad_inputs
    # Interleave deterministically so bad input and duplicates are spread through the stream.
    stream = [m for _, m in sorted(enumerate(stream), key=lambda p: (p[0] * 7919) % len(stream))]
    await _produce(settings.bootstrap_servers, stream, settings.topic("mentions.raw"))

    out = await _collect(settings, expect_enriched=N_VALID, expect_dead=len(bad_inputs))

    # Every valid mention exactly once on mentions.enriched.
    enriched = [orjson.loads(r.value) for r in out["enriched"]]
    ids = Counter(e["id"] for e in enriched)
    assert sorted(ids) == sorted(s.value["id"] for s in synthetic)
    assert max(ids.values()) == 1, [i for i, n in ids.items() if n > 1][:5]
    assert all(r.key == orjson.loads(r.value)["id"].encode() for r in out["enriched"])

    # Brands and tagged/untagged as constructed.
    by_id = {e["id"]: e for e in enriched}
    wrong = [
        (s.value["text"], s.brands, by_id[s.value["id"]]["brands"])
        for s in synthetic
        if tuple(sorted((b["id"], b["tagged"]) for b in by_id[s.value["id"]]["brands"])) != s.brands
    ]
    assert not wrong, wrong[:5]
    # Language detected on these clear sentences.
    lang_hits = sum(by_id[s.value["id"]]["lang"] == s.lang for s in synthetic)
    assert lang_hits / len(synthetic) > 0.97
    assert all(0 <= e["lang_confidence"] <= 1 for e in enriched)
    # Every mention scored for sentiment by the configured model, with a distribution.
    assert {e["sentiment"] for e in enriched} <= {"negative", "neutral", "positive"}
    assert len({e["sentiment"] for e in enriched}) == 3
    assert all(abs(sum(e["sentiment_scores"].values()) - 1) < 1e-3 for e in enriched)
    # ... the default one: the fine-tuned e5 model (the lag never reaches the fallback here)
    assert {e["sentiment_model"] for e in enriched} == {"e5-small-sentiment"}

    # mentions.untagged holds exactly the mentions with an untagged brand.
    untagged_ids = Counter(orjson.loads(r.value)["id"] for r in out["untagged"])
    expected_untagged = {s.value["id"] for s in synthetic if any(not t for _, t in s.brands)}
    assert set(untagged_ids) == expected_untagged
    assert max(untagged_ids.values()) == 1

    # Every bad input exactly once on the dead-letter topic, with its reason and source.
    dead = [orjson.loads(r.value) for r in out["deadletter"]]
    assert len(dead) == len(bad_inputs)
    got = Counter(
        (base64.b64decode(d["original_b64"]) if d["original_b64"] else None, d["reason"])
        for d in dead
    )
    want = Counter([(raw, reason) for raw, reason in bad] + [(None, "empty_message")])
    assert got == want
    assert all(d["source"]["topic"] == settings.topic("mentions.raw") for d in dead)
    assert all(d["error"] for d in dead)

    # The worker's metrics agree.
    m = worker.metrics()
    assert m["buzzwire_duplicates_total"] == N_DUPLICATES
    dead_by_reason = {
        k.split('reason="')[1].rstrip('"}'): v
        for k, v in m.items()
        if k.startswith("buzzwire_deadletters_total{")
    }
    assert dead_by_reason == dict(Counter(reason for _, reason in bad) + Counter(["empty_message"]))
    processed = sum(v for k, v in m.items() if k.startswith("buzzwire_mentions_processed_total{"))
    assert processed == N_VALID
    assert m["buzzwire_event_to_processed_seconds_count"] == N_VALID
    scored = sum(v for k, v in m.items() if k.startswith("buzzwire_sentiment_scored_total{"))
    assert scored == N_VALID
    info = [k for k in m if k.startswith("buzzwire_sentiment_model_info{")]
    assert len(info) == 1
    assert 'primary="e5-small-sentiment"' in info[0]
    assert 'fallback="linear-hashed-ngram-lr"' in info[0]
    assert m['buzzwire_sentiment_scored_total{model="e5-small-sentiment"}'] == N_VALID
    assert any(k.startswith("faust_messages_received") for k in m)
    assert worker.proc is not None and worker.proc.poll() is None  # never crashed


async def _raise_topic_limit(bootstrap: str, topic: str, max_bytes: int) -> None:
    from aiokafka.admin import AIOKafkaAdminClient
    from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        resource = ConfigResource(
            ConfigResourceType.TOPIC, topic, configs={"max.message.bytes": str(max_bytes)}
        )
        await admin.alter_configs([resource])
    finally:
        await admin.close()


def test_hostile_messages_cannot_hurt_their_neighbours(kafka_broker: Any, tmp_path: Path) -> None:
    """Oversized and undecodable messages amid valid ones: each hostile one is dead-lettered once
    with a dead letter the broker takes (its original cut, its hash and size kept), and every
    valid one of the same batches is enriched once. The over-1 MiB record needs the operator to
    have raised the topic's limit; before, it crashed the agent after every restart."""
    env = {"BUZZWIRE_SENTIMENT_MODEL": "linear"}
    with running_worker(kafka_broker, tmp_path, "hostile", env=env) as (settings, worker):
        raw_topic = settings.topic("mentions.raw")
        asyncio.run(_raise_topic_limit(settings.bootstrap_servers, raw_topic, 4 << 20))
        now = time.time()
        valid = list(generate(400, start_ts=now - 300, step_seconds=0.5, id_prefix=f"h{now:.0f}"))
        hostile = [
            (b"ctl-180k", b"\x01" * 180_000, "not_json"),
            (b"ctl-700k", b"\x01" * 700_000, "not_json"),
            (
                b"text-500k",
                orjson.dumps({"id": "t500", "text": "x" * 500_000, "created_at": now}),
                "text_too_long",
            ),
            (b"huge-2m", b'{"id": "' + b"h" * (2 << 20) + b'"}', "message_too_large"),
        ]
        messages: list[tuple[bytes | None, bytes | None]] = [
            (s.value["id"].encode(), orjson.dumps(s.value)) for s in valid
        ]
        for i, (key, raw, _) in enumerate(hostile):  # spread through the stream
            messages.insert(50 + i * 100, (key, raw))
        asyncio.run(_produce(settings.bootstrap_servers, messages, raw_topic))
        out = asyncio.run(_collect(settings, expect_enriched=len(valid), expect_dead=len(hostile)))

        ids = Counter(orjson.loads(r.value)["id"] for r in out["enriched"])
        assert sorted(ids) == sorted(s.value["id"] for s in valid)
        assert max(ids.values()) == 1
        dead = {base64.b64decode(orjson.loads(r.value)["key_b64"]): r for r in out["deadletter"]}
        assert set(dead) == {key for key, _, _ in hostile}
        for key, raw, reason in hostile:
            record = dead[key]
            letter = orjson.loads(record.value)
            assert letter["reason"] == reason
            assert len(record.value) <= settings.deadletter_max_bytes
            assert letter["original_bytes"] == len(raw)
            assert letter["original_sha256"] == hashlib.sha256(raw).hexdigest()
            assert raw.startswith(base64.b64decode(letter["original_b64"]))
            assert letter["original_truncated"] == (len(raw) > 100_000)
        metrics = worker.metrics()
        skipped = [v for k, v in metrics.items() if k.startswith("buzzwire_messages_skipped_total")]
        assert sum(skipped) == 0  # every hostile one was dead-lettered, none had to be skipped
        assert worker.proc is not None and worker.proc.poll() is None  # never crashed


def test_two_collectors_sending_the_same_posts_at_once(kafka_broker: Any, tmp_path: Path) -> None:
    """One collector keys each post by its id, another by something else (so the worker re-keys
    it through mentions.rekeyed): the copies meet in two agents at about the same time, and
    each post is enriched once. Before, 43 to 144 of 3,000 were enriched twice."""
    env = {"BUZZWIRE_SENTIMENT_MODEL": "linear"}
    with running_worker(kafka_broker, tmp_path, "collectors", env=env) as (settings, worker):
        now = time.time()
        posts = list(generate(1500, start_ts=now - 300, step_seconds=0.1, id_prefix=f"c{now:.0f}"))
        messages: list[tuple[bytes | None, bytes | None]] = []
        for i, post in enumerate(posts):
            value = orjson.dumps(post.value)
            messages.append((post.value["id"].encode(), value))  # collector A: keyed by id
            messages.append((f"collector-b-{i}".encode(), value))  # collector B: its own key
        asyncio.run(_produce(settings.bootstrap_servers, messages, settings.topic("mentions.raw")))
        out = asyncio.run(_collect(settings, expect_enriched=len(posts), expect_dead=0))
        ids = Counter(orjson.loads(r.value)["id"] for r in out["enriched"])
        assert sorted(ids) == sorted(p.value["id"] for p in posts)
        twice = [i for i, n in ids.items() if n > 1]
        assert not twice, f"{len(twice)} posts enriched twice, e.g. {twice[:3]}"
        assert worker.metrics()["buzzwire_duplicates_total"] == len(posts)
