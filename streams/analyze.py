"""``buzzwire analyze IN.jsonl --out OUT.jsonl``: language and sentiment for a file of texts.

One JSON object per line in (at least ``text``; every other field is kept), the same object
plus ``lang``, ``lang_confidence``, ``sentiment`` and ``sentiment_scores`` out, in input order.
Streams in chunks, so memory stays bounded whatever the file size. A bad line is reported on
stderr with its line number and written through with an ``error`` field: never fatal.
Scoring is the worker's own code (``Runtime.score``).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import orjson

from streams.mentions.logic import _LANG_CODE
from streams.pipeline.runtime import Runtime


@dataclass
class AnalyzeStats:
    lines: int = 0
    scored: int = 0
    errors: int = 0


def _parse(lineno: int, raw: bytes) -> tuple[dict[str, Any], bool]:
    """(object to write, whether it should be scored)."""
    try:
        obj = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        return {
            "line": lineno,
            "error": f"not JSON: {exc}",
            "raw": raw.decode(errors="replace"),
        }, False
    if not isinstance(obj, dict):
        return {"line": lineno, "error": "not a JSON object", "raw": obj}, False
    value = obj.get("text")
    if not isinstance(value, str):
        problem = "missing field: text" if value is None else "text is not a string"
        return {**obj, "line": lineno, "error": problem}, False
    return obj, True


def _chunks(lines: Iterator[bytes], size: int) -> Iterator[list[tuple[int, bytes]]]:
    chunk: list[tuple[int, bytes]] = []
    for lineno, line in enumerate(lines, start=1):
        line = line.rstrip(b"\r\n")
        if not line.strip():
            continue
        chunk.append((lineno, line))
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def analyze_stream(
    src: IO[bytes],
    dst: IO[bytes],
    runtime: Runtime,
    *,
    batch_size: int = 256,
    errors: IO[str] | None = None,
    on_progress: Any = None,
) -> AnalyzeStats:
    stats = AnalyzeStats()
    for chunk in _chunks(iter(src), batch_size):
        parsed = [(_parse(lineno, raw), lineno, len(raw)) for lineno, raw in chunk]
        todo = [obj for (obj, ok), _, _ in parsed if ok]
        collector = [
            lang.lower() if isinstance(lang, str) and _LANG_CODE.fullmatch(lang.lower()) else None
            for lang in (obj.get("lang") for obj in todo)
        ]
        scores = iter(runtime.score([obj["text"] for obj in todo], collector))
        for (obj, ok), lineno, nbytes in parsed:
            stats.lines += 1
            if ok:
                lang, conf, sentiment = next(scores)
                obj["lang"] = lang
                obj["lang_confidence"] = round(conf, 4)
                obj["sentiment"] = sentiment.label
                obj["sentiment_scores"] = {k: round(v, 4) for k, v in sentiment.scores.items()}
                stats.scored += 1
            else:
                stats.errors += 1
                if errors is not None:
                    print(f"line {lineno}: {obj['error']}", file=errors)
            dst.write(orjson.dumps(obj) + b"\n")
            if on_progress is not None:
                on_progress(nbytes + 1)
    return stats


def analyze_file(
    in_path: Path, out_path: Path, runtime: Runtime, *, batch_size: int = 256
) -> AnalyzeStats:
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

    src = sys.stdin.buffer if str(in_path) == "-" else in_path.open("rb")
    dst = sys.stdout.buffer if str(out_path) == "-" else out_path.open("wb")
    total = None if str(in_path) == "-" else in_path.stat().st_size
    try:
        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            DownloadColumn(),
            TimeRemainingColumn(),
            disable=not sys.stderr.isatty(),
        ) as bar:
            task = bar.add_task("analyze", total=total)
            return analyze_stream(
                src,
                dst,
                runtime,
                batch_size=batch_size,
                errors=sys.stderr,
                on_progress=lambda n: bar.advance(task, n),
            )
    finally:
        if src is not sys.stdin.buffer:
            src.close()
        if dst is not sys.stdout.buffer:
            dst.close()
