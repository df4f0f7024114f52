"""Tables of the mentions domain."""

from __future__ import annotations

from typing import Any

import faust
from aiokafka.partitioner import murmur2

from streams.app import app, settings


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
