"""Every table of the pipeline, changelogged: a restarted worker (or the one that takes a
partition over) resumes where the previous one was.

- ``seen_ids``: mention ids seen recently, for de-duplication (keyed like ``mentions.raw``);
- the brand tables: per-brand windows and detector/alert state, rolling benchmark buckets, and
  share-of-voice volumes (keyed like ``mentions.by-brand``, by brand id).
"""

from __future__ import annotations

from typing import Any

import faust
from aiokafka.partitioner import murmur2

from streams.pipeline.app import app, settings


class KeyPartitionedTable(faust.Table):
    """A table whose changelog partition is the key's Kafka partition (murmur2, like producers).

    Faust normally writes a key to the changelog partition of the *current event*, which is
    wrong inside a batch of events from several partitions (``stream.take_events``). The input
    topics are keyed by mention id with the default partitioner and have the table's partition
    count, so the key's own partition is exactly the source partition of every event that
    touches it, in batches too, and needs no producer metadata.
    """

    def partition_for_key(self, key: Any) -> int:
        raw = key if isinstance(key, bytes) else str(key).encode("utf-8")
        return (murmur2(raw) & 0x7FFFFFFF) % self.partitions


#: Mention id (UTF-8 bytes, exactly the Kafka key) -> epoch seconds when first processed.
#: Keys expire after BUZZWIRE_DEDUP_TTL_SECONDS (swept by a timer in agents.py).
seen_ids = KeyPartitionedTable(
    app,
    name="seen-ids",
    default=None,
    key_type=bytes,  # raw codec: changelog keys are the Kafka keys byte for byte
    partitions=settings.topic_partitions,
    beacon=app.tables.beacon,
    help="Mention ids seen recently, for de-duplication.",
)
app.tables.add(seen_ids)

#: Key of a partition's stream clock in ``brand_windows`` (see ``streams.windowing.clock``).
CLOCK_PREFIX = "~clock|"


def clock_key(partition: int) -> str:
    return f"{CLOCK_PREFIX}{partition}"


class BrandPartitionedTable(KeyPartitionedTable):
    """Keys ``brand`` or ``brand|...`` live on the brand's partition of ``mentions.by-brand``
    (which is keyed by brand id); ``~clock|N`` lives on partition N."""

    def partition_for_key(self, key: Any) -> int:
        text = str(key)
        if text.startswith(CLOCK_PREFIX):
            return int(text[len(CLOCK_PREFIX) :])
        return super().partition_for_key(text.split("|", 1)[0])


def brand_table(name: str, help: str) -> BrandPartitionedTable:
    """A changelogged table of JSON values under string keys that start with a brand id."""
    table = BrandPartitionedTable(
        app,
        name=name,
        default=None,
        key_type=str,
        schema=faust.Schema(key_type=str, key_serializer="json", value_serializer="json"),
        partitions=settings.topic_partitions,
        beacon=app.tables.beacon,
        help=help,
    )
    app.tables.add(table)
    return table


#: ``brand`` -> the brand's crisis windows and alerting state, its benchmark buckets, and the
#: offset of the last ``mentions.by-brand`` event applied (``streams.pipeline.brand_state``);
#: ``~clock|N`` -> the stream clock of partition N (``streams.windowing.clock``).
brand_windows = brand_table("brand-windows", "Event-time windows and alert state per brand.")


def brands_on(table: BrandPartitionedTable, partition: int) -> list[str]:
    """The brand keys of ``table`` that live on ``partition``, sorted (clock keys aside)."""
    return sorted(
        k
        for k in table
        if not k.startswith("~") and "|" not in k and _partition(table, k) == partition
    )


_partitions: dict[str, int] = {}


def _partition(table: BrandPartitionedTable, brand: str) -> int:
    part = _partitions.get(brand)
    if part is None:
        part = _partitions[brand] = table.partition_for_key(brand)
    return part


#: ``set|window`` -> the members' recent window volumes (keyed by competitor set).
set_volumes = brand_table("bench-set-volumes", "Recent volumes per competitor set member.")
