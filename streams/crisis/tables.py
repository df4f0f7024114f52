"""Tables of crisis detection: per-brand windows and per-brand detector/alert state.

Both are changelogged, so a restarted worker (or the one that takes a partition over) resumes
where the previous one was: open windows, learned baselines, open alert threads.
"""

from __future__ import annotations

from typing import Any

import faust

from streams.app import app, settings
from streams.mentions.tables import KeyPartitionedTable

#: Key of a partition's stream clock in ``brand_state`` (see ``streams.crisis.logic``).
CLOCK_PREFIX = "~clock|"


def clock_key(partition: int) -> str:
    return f"{CLOCK_PREFIX}{partition}"


def window_key(brand: str, start: int) -> str:
    return f"{brand}|{start}"


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


#: ``brand|window start`` -> the window's counts and top samples (``logic.new_window``).
windows = brand_table("crisis-windows", "Open event-time windows per brand.")
#: ``brand`` -> cursor, detector states, baseline negative share, open alert episode;
#: ``~clock|N`` -> the stream clock of partition N.
brand_state = brand_table("crisis-brand-state", "Detector and alert state per brand.")


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
