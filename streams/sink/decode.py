"""A record of ``mentions.enriched``, ``alerts``, ``benchmarks`` or ``mentions.duplicates`` to
the rows the store keeps (pure: no Kafka client, no database)."""

from __future__ import annotations

from typing import Any, Literal

import orjson

from streams.store.rows import RowError, alert_rows, benchmark_row, duplicate_row, mention_rows
from streams.store.writer import Item

Kind = Literal["mention", "alert", "benchmark", "duplicate"]

#: The topics the sink reads (before the prefix) and what each carries.
TOPIC_KINDS: dict[str, Kind] = {
    "mentions.enriched": "mention",
    "alerts": "alert",
    "benchmarks": "benchmark",
    "mentions.duplicates": "duplicate",
}


def decode(kind: Kind, value: bytes | None, source: Any = None) -> Item:
    """The :class:`Item` of one record; raises :class:`RowError` with the reason."""
    if not value:
        raise RowError("empty_message", "the record has no value")
    try:
        record = orjson.loads(value)
    except orjson.JSONDecodeError as exc:
        raise RowError("not_json", f"not JSON: {exc}") from None
    if kind == "mention":
        return Item("mention", mention_rows(record), source)
    if kind == "alert":
        return Item("alert", alert_rows(record), source)
    if kind == "duplicate":
        return Item("duplicate", duplicate_row(record), source)
    return Item("benchmark", benchmark_row(record), source)
