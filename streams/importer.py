"""``buzzwire import FILE``: backfill the mention store from a JSONL or CSV file.

The file holds mentions in the record's shape (what ``mentions.raw`` carries: one JSON object a
line, or CSV with dotted headers such as ``author.handle``), say an export from another tool.
Each goes through what a worker and the sink do to a live one:

1. validation (``parse_mention``, with the worker's limits). ``created_at`` may be years old
   (from 2000 on, as in the pipeline); more than ``BUZZWIRE_MAX_FUTURE_SECONDS`` ahead is
   refused, as in the pipeline;
2. de-duplication by mention id: an id already in the store, or earlier in the file, is
   skipped before it costs a model call ("already stored");
3. language, brands and sentiment by the worker's own code (``Runtime.annotate_async``), in
   batches, giving the very record the worker writes to ``mentions.enriched``;
4. the sink's conversion to rows (``mention_rows``) and its idempotent write (``write_batch``:
   ``INSERT ... ON CONFLICT DO NOTHING``; month partitions are created as needed, old ones
   included).

So an import run twice, or stopped and run again, stores every mention once. A line that fails
any step is counted by reason, the first few are shown with their line numbers, and all can be
written to a rejects file (JSONL: line, reason, error, original); none stops the import. Only
the database going away does (exit 1; run it again, what is stored is skipped).

The file is read in batches, so memory stays bounded whatever its size; the progress bar
(stderr) follows the bytes read. One batch is written while the next is enriched.
"""

from __future__ import annotations

import asyncio
import csv
import io
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import orjson
import psycopg
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from streams.config import Settings
from streams.mentions.csvrows import nest_row
from streams.mentions.logic import InvalidMention, ParsedMention, Reason, parse_mention
from streams.pipeline.runtime import Runtime
from streams.store.database import SchemaBehind, async_engine, public_url, require_current_schema
from streams.store.rows import MentionRows, RowError, mention_rows, safe_text
from streams.store.schema import mentions
from streams.store.writer import Item, PartitionCache, write_batch

__all__ = ["ImportStats", "Importer", "Line", "import_lines", "read_lines", "run_import"]

NO_URL = (
    "BUZZWIRE_DATABASE_URL is not set: point it at your PostgreSQL "
    "(postgresql://user:password@host:port/db), or run `buzzwire postgres start` "
    "(see docs/store.md)"
)
#: Invalid lines shown on stderr (all of them go to --rejects).
SHOWN_REJECTS = 10
_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True, slots=True)
class Line:
    """One record of the file: its line number, its bytes (a JSONL line; a CSV row as the JSON
    object it stands for), the file offset read so far, and a problem found while reading."""

    lineno: int
    raw: bytes
    position: int
    problem: tuple[str, str] | None = None


@dataclass
class ImportStats:
    lines: int = 0
    stored: int = 0
    already_stored: int = 0
    invalid: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    oldest: datetime | None = None

    @property
    def invalid_total(self) -> int:
        return sum(self.invalid.values())

    @property
    def rate(self) -> float:
        return self.lines / self.seconds if self.seconds > 0 else 0.0


# ------------------------------------------------------------------------------ reading


def read_lines(fh: IO[bytes], *, csv_file: bool, max_bytes: int) -> Iterator[Line]:
    """The records of a JSONL or CSV file opened in binary, lazily, in file order. Blank lines
    are skipped; a line longer than ``max_bytes`` is skipped through without being held."""
    if csv_file:
        return _csv_lines(fh)
    return _jsonl_lines(fh, max_bytes)


def _jsonl_lines(fh: IO[bytes], max_bytes: int) -> Iterator[Line]:
    lineno = position = 0
    cap = max_bytes + 3  # the longest line allowed, "\r\n", and one byte more
    while True:
        line = fh.readline(cap)
        if not line:
            return
        lineno += 1
        position += len(line)
        if lineno == 1 and line.startswith(_BOM):
            line = line[len(_BOM) :]
        if len(line) >= cap and not line.endswith(b"\n"):
            size = len(line)
            while True:  # the rest of an overlong line, a chunk at a time
                more = fh.readline(1 << 20)
                position += len(more)
                size += len(more.rstrip(b"\r\n"))
                if not more or more.endswith(b"\n"):
                    break
            problem = (Reason.TOO_LARGE.value, f"line has {size} bytes; the limit is {max_bytes}")
            yield Line(lineno, line[:max_bytes], position, problem)
            continue
        line = line.rstrip(b"\r\n")
        if line.strip():
            yield Line(lineno, line, position)


def _csv_lines(fh: IO[bytes]) -> Iterator[Line]:
    # surrogateescape: a cell that is not UTF-8 is refused as such, not the whole file
    text = io.TextIOWrapper(fh, encoding="utf-8-sig", errors="surrogateescape", newline="")
    reader = csv.reader(text)
    header = next(reader, None)
    if header is None:
        return
    previous = reader.line_num
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield Line(previous + 1, b"", fh.tell(), ("invalid_csv", f"not CSV: {exc}"))
            previous = reader.line_num
            continue
        lineno, previous = previous + 1, reader.line_num
        if not row:
            continue
        yield _csv_line(lineno, dict(zip(header, row, strict=False)), fh.tell())


def _csv_line(lineno: int, cells: dict[str, str], position: int) -> Line:
    try:
        obj = nest_row(cells)
    except (AttributeError, TypeError):
        raw = orjson.dumps({k: _readable(v) for k, v in cells.items()})
        return Line(lineno, raw, position, ("invalid_field", "the columns do not nest"))
    try:
        return Line(lineno, orjson.dumps(obj), position)
    except orjson.JSONEncodeError:  # a lone surrogate: bytes that were not UTF-8
        raw = orjson.dumps({k: _readable(v) for k, v in cells.items()})
        return Line(lineno, raw, position, (Reason.NOT_UTF8.value, "a cell is not UTF-8"))


def _readable(cell: str) -> str:
    return cell.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


# ------------------------------------------------------------------------------ importing


class Importer:
    """Validates, de-duplicates, enriches and stores batches of lines; see the module
    docstring. ``notify`` shows a message (on stderr), ``rejects`` receives the invalid lines
    as JSONL."""

    def __init__(
        self,
        engine: AsyncEngine,
        runtime: Runtime,
        *,
        rejects: IO[bytes] | None = None,
        notify: Callable[[str], None] = lambda message: None,
        shown: int = SHOWN_REJECTS,
    ) -> None:
        self.engine = engine
        self.runtime = runtime
        self.rejects = rejects
        self.notify = notify
        self.shown = shown
        self.stats = ImportStats()
        self._cache = PartitionCache()

    def reject(self, line: Line, reason: str, error: str) -> None:
        self.stats.invalid[reason] += 1
        if self.stats.invalid_total <= self.shown:
            self.notify(f"line {line.lineno}: {reason}: {error[:300]}")
        elif self.stats.invalid_total == self.shown + 1:
            where = "the rejects file has" if self.rejects is not None else "--rejects FILE writes"
            self.notify(f"(more invalid lines: counted, not shown; {where} them all)")
        if self.rejects is not None:
            record: dict[str, Any] = {"line": line.lineno, "reason": reason, "error": error}
            try:
                record["original"] = line.raw.decode("utf-8")
            except UnicodeDecodeError:
                record["original"] = line.raw.decode("utf-8", "replace")
                record["original_not_utf8"] = True
            self.rejects.write(orjson.dumps(record) + b"\n")

    async def prepare(
        self, lines: Sequence[Line], previous: set[str]
    ) -> tuple[list[Item], set[str]]:
        """The items of a batch that are new (neither in the store, nor in this batch before,
        nor in ``previous``: the ids of the batch being written), enriched; and their ids."""
        now = time.time()
        limits = self.runtime.limits
        fresh: list[tuple[Line, ParsedMention]] = []
        ids: set[str] = set()
        for line in lines:
            self.stats.lines += 1
            if line.problem is not None:
                self.reject(line, *line.problem)
                continue
            try:
                parsed = parse_mention(line.raw, now=now, limits=limits)
            except InvalidMention as exc:
                self.reject(line, exc.reason.value, exc.detail)
                continue
            key = safe_text(parsed.mention.id)[0]  # as the row stores it
            if key in ids or key in previous:
                self.stats.already_stored += 1
                continue
            ids.add(key)
            fresh.append((line, parsed))
        stored = await self._stored(ids)
        if stored:
            self.stats.already_stored += sum(
                1 for _, p in fresh if safe_text(p.mention.id)[0] in stored
            )
            fresh = [(ln, p) for ln, p in fresh if safe_text(p.mention.id)[0] not in stored]
        items: list[Item] = []
        for line, out in await self._annotate(fresh):
            try:
                items.append(Item("mention", mention_rows(out), source=line))
            except RowError as exc:
                self.reject(line, exc.reason, exc.detail)
        return items, {
            item.rows.mention["id"] for item in items if isinstance(item.rows, MentionRows)
        }

    async def _stored(self, ids: set[str]) -> set[str]:
        """Which of ``ids`` the store has, whatever their ``created_at`` (a mention is its id)."""
        if not ids:
            return set()
        query = select(mentions.c.id).where(mentions.c.id.in_(sorted(ids))).distinct()
        async with self.engine.connect() as conn:
            return set((await conn.execute(query)).scalars())

    async def _annotate(
        self, batch: list[tuple[Line, ParsedMention]]
    ) -> list[tuple[Line, dict[str, Any]]]:
        """The worker's enrichment; a batch that fails is retried one by one, so that only the
        culprit is refused (``processing_error``), as in the worker."""
        if not batch:
            return []
        try:
            outs = await self.runtime.annotate_async([p.mention for _, p in batch])
            return [(line, out) for (line, _), out in zip(batch, outs, strict=True)]
        except Exception:
            pass  # isolated below, one mention at a time
        done = []
        for line, parsed in batch:
            try:
                (out,) = await self.runtime.annotate_async([parsed.mention])
            except Exception as exc:  # that mention alone is refused, with the error
                self.reject(line, Reason.PROCESSING_ERROR.value, f"{type(exc).__name__}: {exc}")
                continue
            done.append((line, out))
        return done

    async def write(self, items: list[Item]) -> None:
        """Store ``items`` (idempotent); rows the database refuses are rejected lines."""
        written = await write_batch(self.engine, items, self._cache)
        new = written.rows["mentions"]
        self.stats.stored += new
        self.stats.already_stored += len(items) - len(written.rejected) - new
        for refused in written.rejected:
            self.reject(refused.item.source, refused.reason, refused.error)
        if items and new:
            oldest = min(
                i.rows.mention["created_at"] for i in items if isinstance(i.rows, MentionRows)
            )
            if self.stats.oldest is None or oldest < self.stats.oldest:
                self.stats.oldest = oldest


def _batches(lines: Iterator[Line], size: int) -> Iterator[list[Line]]:
    batch: list[Line] = []
    for line in lines:
        batch.append(line)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


async def import_lines(
    importer: Importer,
    lines: Iterator[Line],
    *,
    batch_size: int = 1000,
    on_batch: Callable[[int], None] = lambda position: None,
) -> ImportStats:
    """Import every line; ``on_batch`` gets the file offset read after each batch."""
    started = time.monotonic()
    writing: asyncio.Task[None] | None = None
    previous: set[str] = set()
    try:
        for batch in _batches(lines, batch_size):
            items, ids = await importer.prepare(batch, previous)
            if writing is not None:
                await writing
            writing = asyncio.create_task(importer.write(items))
            previous = ids
            on_batch(batch[-1].position)
        if writing is not None:
            await writing
    finally:
        if writing is not None and not writing.done():
            writing.cancel()
            await asyncio.gather(writing, return_exceptions=True)
        importer.stats.seconds = time.monotonic() - started
    return importer.stats


# ------------------------------------------------------------------------------ the command


def run_import(
    path: Path,
    settings: Settings,
    *,
    batch_size: int = 1000,
    rejects: Path | None = None,
    progress: bool | None = None,
    runtime: Runtime | None = None,
) -> int:
    """``buzzwire import``: 0 when the file was read through (invalid lines included), 2 when
    it cannot start, 1 when the database failed on the way, 130 when interrupted.
    ``runtime``: one already loaded (default: built from ``settings``, as a worker builds it)."""
    url = settings.database_url
    if url is None:
        print(f"buzzwire import: {NO_URL}", file=sys.stderr)
        return 2
    if batch_size < 1:
        print("buzzwire import: --batch-size must be 1 or more", file=sys.stderr)
        return 2
    if not path.is_file():
        print(f"buzzwire import: {path}: no such file", file=sys.stderr)
        return 2
    try:
        return asyncio.run(_run(path, settings, batch_size, rejects, progress, runtime))
    except SchemaBehind as exc:
        print(f"buzzwire import: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(
            "buzzwire import: interrupted (what is stored stays stored: run the import again "
            "to go on)",
            file=sys.stderr,
        )
        return 130
    except (SQLAlchemyError, psycopg.Error) as exc:
        # the driver's message names the host and user, never the password
        orig = getattr(exc, "orig", None) or exc
        detail = (str(orig).strip().splitlines() or [type(orig).__name__])[0]
        print(
            f"buzzwire import: {public_url(url)}: {detail} (what is stored stays stored: run "
            "the import again to go on)",
            file=sys.stderr,
        )
        return 1


async def _run(
    path: Path,
    settings: Settings,
    batch_size: int,
    rejects: Path | None,
    progress: bool | None,
    runtime: Runtime | None,
) -> int:
    from prometheus_client import CollectorRegistry
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn
    from rich.text import Text

    from streams.alerts.routes import RoutesFileError
    from streams.brands.catalog import BrandsFileError
    from streams.pipeline.metrics import Metrics
    from streams.pipeline.runtime import build_runtime

    assert settings.database_url is not None
    engine = async_engine(settings.database_url, pool_size=2)
    try:
        await require_current_schema(engine)  # before the models load: that takes seconds
        try:
            if runtime is None:
                runtime = build_runtime(settings, Metrics.create(CollectorRegistry()))
        except (BrandsFileError, RoutesFileError) as exc:
            print(f"buzzwire import: {exc}", file=sys.stderr)
            return 2
        show = sys.stderr.isatty() if progress is None else progress
        try:
            out = rejects.open("wb") if rejects is not None else None
        except OSError as exc:
            print(f"buzzwire import: --rejects: {exc}", file=sys.stderr)
            return 2
        try:
            with (
                path.open("rb") as fh,
                Progress(
                    "[progress.description]{task.description}",
                    BarColumn(),
                    DownloadColumn(),
                    "{task.fields[lines]:,} lines, {task.fields[rate]:,.0f} mentions/s",
                    TimeRemainingColumn(),
                    console=Console(stderr=True),
                    disable=not show,
                ) as bar,
            ):
                task = bar.add_task("import", total=path.stat().st_size, lines=0, rate=0.0)

                def notify(message: str) -> None:
                    if show:
                        # a Text: the message is never read as markup
                        bar.console.print(Text(message), highlight=False, soft_wrap=True)
                    else:
                        print(message, file=sys.stderr)

                importer = Importer(engine, runtime, rejects=out, notify=notify)
                started = time.monotonic()

                def on_batch(position: int) -> None:
                    lines = importer.stats.lines
                    rate = lines / max(time.monotonic() - started, 1e-9)
                    bar.update(task, completed=position, lines=lines, rate=rate)

                lines = read_lines(
                    fh,
                    csv_file=path.suffix.lower() == ".csv",
                    max_bytes=settings.max_message_bytes,
                )
                stats = await import_lines(
                    importer, lines, batch_size=batch_size, on_batch=on_batch
                )
        finally:
            if out is not None:
                out.close()
    finally:
        await engine.dispose()
    print(summary(path, stats, runtime.sentiment.name, rejects))
    warning = retention_warning(stats, settings.store_retention_months, datetime.now(UTC))
    if warning:
        print(f"buzzwire import: {warning}", file=sys.stderr)
    return 0


def summary(path: Path, stats: ImportStats, model: str, rejects: Path | None) -> str:
    """What an import did, for people (stdout)."""
    reasons = ", ".join(f"{reason} {n}" for reason, n in sorted(stats.invalid.items()))
    lines = [
        f"imported {path}: {stats.lines} lines in {stats.seconds:.1f}s "
        f"({stats.rate:,.0f} lines/s, sentiment model {model})",
        f"  stored new:     {stats.stored}",
        f"  already stored: {stats.already_stored}",
        f"  invalid:        {stats.invalid_total}" + (f" ({reasons})" if reasons else ""),
    ]
    if rejects is not None:
        lines.append(f"  rejects:        {rejects}")
    return "\n".join(lines)


def retention_warning(stats: ImportStats, months: int, now: datetime) -> str | None:
    """A note when the sink's retention will drop some of what was imported."""
    if months <= 0 or stats.oldest is None:
        return None
    year, month = now.year, now.month - months
    while month < 1:
        year, month = year - 1, month + 12
    cutoff = datetime(year, month, 1, tzinfo=UTC)
    if stats.oldest >= cutoff:
        return None
    return (
        f"BUZZWIRE_STORE_RETENTION_MONTHS={months}: the sink drops the months before "
        f"{cutoff:%Y-%m}, and so some of what was imported "
        f"(the oldest is from {stats.oldest:%Y-%m-%d})"
    )
