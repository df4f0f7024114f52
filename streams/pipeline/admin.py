"""Small Kafka admin helpers (create/delete topics) used by the demo, tests and benchmarks."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from streams.config import Settings

#: Every topic the mentions pipeline reads or writes (before the prefix).
MENTION_TOPICS = (
    "mentions.raw",
    "mentions.rekeyed",
    "mentions.enriched",
    "mentions.untagged",
    "mentions.deadletter",
)
#: Topics of crisis detection: brand events keyed by brand, alerts, failed alert deliveries,
#: and what the brands' insight states made of each brand event (near-duplicate clusters).
CRISIS_TOPICS = ("mentions.by-brand", "alerts", "alerts.deadletter", "mentions.duplicates")
#: Rolling benchmarks (JSON) and brand volumes re-keyed by competitor set.
BENCHMARK_TOPICS = ("benchmarks", "benchmarks.sets")
#: Every topic the worker reads or writes (Faust's own changelog topics aside).
PIPELINE_TOPICS = MENTION_TOPICS + CRISIS_TOPICS + BENCHMARK_TOPICS


async def create_topics(bootstrap: str, names: Iterable[str], partitions: int) -> None:
    """Create the topics that do not exist yet (idempotent)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        new = [
            NewTopic(name=n, num_partitions=partitions, replication_factor=1)
            for n in names
            if n not in existing
        ]
        if new:
            with contextlib.suppress(TopicAlreadyExistsError):  # a concurrent creator won
                await admin.create_topics(new)
    finally:
        await admin.close()


async def delete_topics_with_prefix(bootstrap: str, prefixes: Iterable[str]) -> list[str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        wanted = tuple(prefixes)
        doomed = [t for t in await admin.list_topics() if t.startswith(wanted)]
        if doomed:
            await admin.delete_topics(doomed)
        return doomed
    finally:
        await admin.close()


async def create_pipeline_topics(settings: Settings) -> None:
    await create_topics(
        settings.bootstrap_servers,
        [settings.topic(t) for t in PIPELINE_TOPICS],
        settings.topic_partitions,
    )


async def end_offsets(bootstrap: str, topic: str, partitions: int) -> dict[int, int]:
    """Partition -> the end offset (the next offset to be written) of each of ``topic``'s."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await consumer.start()
    try:
        parts = [TopicPartition(topic, p) for p in range(partitions)]
        return {tp.partition: off for tp, off in (await consumer.end_offsets(parts)).items()}
    finally:
        await consumer.stop()


async def uncommitted(
    bootstrap: str, group: str, topic: str, targets: dict[int, int]
) -> dict[int, int]:
    """Per partition of ``topic``, how many messages below ``targets`` (partition -> offset)
    the consumer group ``group`` has not committed yet (partitions with none left out)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        committed = await admin.list_consumer_group_offsets(group)
    finally:
        await admin.close()
    done = {
        tp.partition: max(meta.offset, 0) for tp, meta in committed.items() if tp.topic == topic
    }
    return {p: end - done.get(p, 0) for p, end in targets.items() if end > done.get(p, 0)}
