"""Replay a file of mentions (JSONL or CSV) onto ``mentions.raw``.

JSONL lines are sent byte for byte (a malformed line is sent as it is, so the pipeline's
dead-letter path sees it too). CSV rows become JSON objects; dotted headers nest
(``author.handle`` -> ``{"author": {"handle": ...}}``). Messages are keyed by mention id when it
can be read, as the pipeline expects of every producer.
"""

from __future__ import annotations

import asyncio
import csv
import io
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from streams.kernel.timestamps import iso_utc
from streams.mentions.csvrows import nest_row


def iter_messages(path: Path) -> Iterator[bytes]:
    """The raw message values of a JSONL or CSV file, lazily, in file order."""
    if path.suffix.lower() == ".csv":
        with path.open(newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                yield orjson.dumps(nest_row(row))
        return
    with path.open("rb") as fh:
        for line in fh:
            line = line.rstrip(b"\r\n")
            if line.strip():
                yield line


def count_messages(path: Path) -> int:
    if path.suffix.lower() == ".csv":
        with path.open(newline="", encoding="utf-8") as fh:
            return sum(1 for _ in csv.DictReader(fh))
    with path.open("rb") as fh:
        return sum(1 for line in fh if line.strip())


def key_and_value(raw: bytes, *, live: bool, now: float) -> tuple[bytes | None, bytes]:
    """Kafka key (the mention id) and value; with ``live``, created_at becomes ``now``."""
    try:
        obj = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None, raw
    if not isinstance(obj, dict):
        return None, raw
    mention_id = obj.get("id")
    key = str(mention_id).encode("utf-8") if isinstance(mention_id, str | int) else None
    if live and "created_at" in obj:
        created = obj["created_at"]
        # Keep absurd timestamps absurd: only plausible ones are moved to now.
        if isinstance(created, str) and created[:4].isdigit() and int(created[:4]) < 2090:
            obj["created_at"] = iso_utc(now)
            raw = orjson.dumps(obj)
    return key, raw


@dataclass
class ReplayStats:
    sent: int = 0
    seconds: float = 0.0


async def _paced(values: Iterator[bytes], rate: float | None) -> AsyncIterator[bytes]:
    start = time.monotonic()
    for i, value in enumerate(values):
        if rate:
            due = start + i / rate
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
        yield value


async def replay(
    path: Path,
    *,
    bootstrap_servers: str,
    topic: str,
    rate: float | None = None,
    live: bool = False,
    limit: int | None = None,
    progress: bool | None = None,
) -> ReplayStats:
    """Send every message of ``path`` to ``topic``; returns once all are acknowledged."""
    from aiokafka import AIOKafkaProducer
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    total = count_messages(path)
    if limit is not None:
        total = min(total, limit)
    show = sys.stderr.isatty() if progress is None else progress
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap_servers,
        acks="all",
        enable_idempotence=True,
        linger_ms=10,
        max_request_size=8 * 1024 * 1024,
    )
    await producer.start()
    stats = ReplayStats()
    started = time.monotonic()
    try:
        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            disable=not show,
            transient=False,
        ) as bar:
            task = bar.add_task(f"replay → {topic}", total=total)
            pending = []
            async for raw in _paced(_limited(iter_messages(path), limit), rate):
                key, value = key_and_value(raw, live=live, now=time.time())
                pending.append(await producer.send(topic, value=value, key=key))
                stats.sent += 1
                bar.advance(task)
                if len(pending) >= 1000:
                    await asyncio.gather(*pending)
                    pending.clear()
            await asyncio.gather(*pending)
    finally:
        await producer.stop()
    stats.seconds = time.monotonic() - started
    return stats


def _limited(values: Iterator[bytes], limit: int | None) -> Iterator[bytes]:
    for i, value in enumerate(values):
        if limit is not None and i >= limit:
            return
        yield value


def write_csv(rows: list[dict[str, Any]], fh: io.TextIOBase) -> None:
    """Write mentions as CSV with dotted headers (the inverse of the CSV reader)."""
    flat_rows = []
    for row in rows:
        flat: dict[str, Any] = {}
        for key, value in row.items():
            if isinstance(value, dict):
                for sub, subvalue in value.items():
                    flat[f"{key}.{sub}"] = subvalue
            else:
                flat[key] = value
        flat_rows.append(flat)
    columns: list[str] = []
    for flat in flat_rows:
        columns.extend(c for c in flat if c not in columns)
    writer = csv.DictWriter(fh, fieldnames=columns)
    writer.writeheader()
    for flat in flat_rows:
        writer.writerow({k: ("" if v is None else v) for k, v in flat.items()})


async def replay_history(
    mentions: list[dict[str, Any]],
    *,
    bootstrap_servers: str,
    topic: str,
    window_seconds: int,
    pause_seconds: float = 0.05,
    stop: asyncio.Event | None = None,
) -> int:
    """Send past mentions window by window of ``created_at``, pausing between windows.

    Compresses history in time the way a live stream would deliver it (each window after the
    previous one), so event-time windows close in order. Keyed by mention id. Returns how many
    were sent; stops early when ``stop`` is set.
    """
    from aiokafka import AIOKafkaProducer

    from streams.mentions.logic import parse_created_at

    by_window: dict[int, list[dict[str, Any]]] = {}
    for m in mentions:
        start = int(parse_created_at(m["created_at"]) // window_seconds)
        by_window.setdefault(start, []).append(m)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap_servers, linger_ms=5)
    await producer.start()
    sent = 0
    try:
        for start in sorted(by_window):
            if stop is not None and stop.is_set():
                break
            futures = [
                await producer.send(topic, key=str(m["id"]).encode(), value=orjson.dumps(m))
                for m in by_window[start]
            ]
            await asyncio.gather(*futures)
            sent += len(futures)
            await asyncio.sleep(pause_seconds)
    finally:
        await producer.stop()
    return sent
