"""Backtest of the crisis detector on a CSV series: ``buzzwire backtest IN.csv --out OUT.csv``.

IN has a header ``timestamp,value`` and one row per regular interval. OUT gets the header
``timestamp,value,anomaly_score,alert`` and one row per input row: the timestamp and value as
written in IN, the detector's score (6 decimals) and ``1`` where the shipped default settings
would alert. The file is streamed (bounded memory) through the same
:class:`~streams.crisis.detector.Detector` the stream uses, so row ``i`` depends only on rows
``<= i``.

Timestamps: ``2014-04-10 07:15:00``, with fractional seconds (``.000000``), ISO 8601 with ``T``,
``Z`` or an offset (naive ones are UTC), or epoch seconds.

Bad input (no header, an unparseable timestamp or value, an empty file) gives a message naming
the line and exit code 2; OUT is then not written. Repeated or backward timestamps (as in some
real exports around DST changes) are accepted and scored in file order.

    python -m streams.crisis.backtest IN.csv --out OUT.csv
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from streams.crisis.detector import DEFAULT_CONFIG, Detector, DetectorConfig

HEADER_IN = ("timestamp", "value")
HEADER_OUT = ("timestamp", "value", "anomaly_score", "alert")
DECIMALS = 6


class InputError(ValueError):
    """Bad backtest input; the message names the line."""


@dataclass(frozen=True)
class Row:
    line: int
    timestamp: str  # as written in the input
    value: str  # as written in the input
    epoch: float
    score: float
    alert: bool


def parse_timestamp(text: str) -> float:
    """Epoch seconds (UTC) of a NAB / ISO 8601 timestamp or of epoch seconds."""
    s = text.strip()
    if not s:
        raise ValueError("empty timestamp")
    try:
        epoch = float(s)
    except ValueError:
        pass
    else:
        if not math.isfinite(epoch):
            raise ValueError(f"bad timestamp {text!r}")
        return epoch
    try:
        dt = datetime.fromisoformat(s)
    except ValueError:
        raise ValueError(f"bad timestamp {text!r}") from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.timestamp()


def parse_value(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise ValueError(f"bad value {text!r}") from None
    if not math.isfinite(v):
        raise ValueError(f"value {text!r} is not a finite number")
    return v


def read_series(lines: Iterable[str]) -> Iterator[tuple[int, str, str, float, float]]:
    """``(line, timestamp text, value text, epoch, value)`` of each data row, validated.

    Raises :class:`InputError` naming the line on bad input.
    """
    reader = csv.reader(lines)
    header: list[str] | None = None
    t_col = v_col = 0
    rows = 0
    for fields in reader:
        line = reader.line_num
        if header is None:
            if not fields or not any(f.strip() for f in fields):
                continue  # leading blank lines
            header = [f.strip().lstrip("\ufeff").lower() for f in fields]
            if "timestamp" not in header or "value" not in header:
                raise InputError(
                    f"line {line}: expected the header 'timestamp,value', got {','.join(fields)!r}"
                )
            t_col, v_col = header.index("timestamp"), header.index("value")
            continue
        if not fields or not any(f.strip() for f in fields):
            continue  # blank line
        if len(fields) < len(header):
            raise InputError(
                f"line {line}: expected {len(header)} columns ({','.join(header)}), "
                f"got {len(fields)}"
            )
        ts_text, v_text = fields[t_col], fields[v_col]
        try:
            epoch = parse_timestamp(ts_text)
        except ValueError as exc:
            raise InputError(f"line {line}: {exc}") from None
        try:
            value = parse_value(v_text)
        except ValueError as exc:
            raise InputError(f"line {line}: {exc}") from None
        rows += 1
        yield line, ts_text, v_text, epoch, value
    if header is None:
        raise InputError("line 1: empty file (expected the header 'timestamp,value')")
    if rows == 0:
        raise InputError(f"line {max(reader.line_num, 1)}: no data rows after the header")


def run(lines: Iterable[str], config: DetectorConfig = DEFAULT_CONFIG) -> Iterator[Row]:
    """Stream the detector over a CSV series (the rows of :func:`read_series`)."""
    det = Detector(config)
    for line, ts_text, v_text, epoch, value in read_series(lines):
        d = det.update(epoch, value)
        yield Row(line, ts_text, v_text, epoch, d.score, d.alert)


def backtest_file(src: Path, dst: Path, config: DetectorConfig = DEFAULT_CONFIG) -> int:
    """Write the scored series of ``src`` to ``dst`` (atomically); returns the row count."""
    tmp = dst.with_name(f".{dst.name}.tmp{os.getpid()}")
    count = 0
    try:
        with (
            src.open(newline="", encoding="utf-8") as fin,
            tmp.open("w", newline="", encoding="utf-8") as fout,
        ):
            w = csv.writer(fout, lineterminator="\n")
            w.writerow(HEADER_OUT)
            for row in run(fin, config):
                w.writerow((row.timestamp, row.value, f"{row.score:.{DECIMALS}f}", int(row.alert)))
                count += 1
        os.replace(tmp, dst)
    finally:
        if tmp.exists():
            tmp.unlink()
    return count


def build_parser(prog: str = "buzzwire backtest") -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=prog,
        description="Score a timestamp,value CSV with the crisis detector (streaming).",
    )
    p.add_argument("input", type=Path, metavar="IN.csv", help="CSV with header timestamp,value")
    p.add_argument(
        "--out",
        type=Path,
        required=True,
        metavar="OUT.csv",
        help="output CSV: timestamp,value,anomaly_score,alert",
    )
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    src: Path = args.input
    dst: Path = args.out
    try:
        count = backtest_file(src, dst)
    except InputError as exc:
        print(f"buzzwire backtest: {src}: {exc}", file=sys.stderr)
        return 2
    except UnicodeDecodeError as exc:
        print(f"buzzwire backtest: {src}: not UTF-8 text ({exc.reason})", file=sys.stderr)
        return 2
    except csv.Error as exc:
        print(f"buzzwire backtest: {src}: bad CSV: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"buzzwire backtest: {exc.filename or src}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    print(f"buzzwire backtest: {count} rows scored, written to {dst}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
