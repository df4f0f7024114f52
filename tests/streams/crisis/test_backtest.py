"""The backtest CLI: streaming, output format, input errors."""

from __future__ import annotations

import csv
import math
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from streams.crisis.backtest import HEADER_OUT, main, parse_timestamp
from streams.crisis.detector import DEFAULT_CONFIG, Detector

REPO = Path(__file__).resolve().parents[3]


def write_series(path: Path, n: int = 1500, fmt: str = "%Y-%m-%d %H:%M:%S", seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    start = datetime(2014, 4, 1, tzinfo=UTC)
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["timestamp", "value"])
        for i in range(n):
            t = start + timedelta(minutes=5 * i)
            v = 50 + 20 * math.sin(2 * math.pi * i / 288) + rng.normal(0, 2)
            if 1000 <= i < 1010:
                v += 60  # an anomaly
            w.writerow([t.strftime(fmt), f"{v:.3f}"])


def read_rows(path: Path) -> list[list[str]]:
    with path.open(newline="") as f:
        return list(csv.reader(f))


def test_output_format_and_one_row_per_input_row(tmp_path: Path) -> None:
    src, dst = tmp_path / "in.csv", tmp_path / "out.csv"
    write_series(src)
    assert main([str(src), "--out", str(dst)]) == 0
    rows = read_rows(dst)
    inp = read_rows(src)
    assert tuple(rows[0]) == HEADER_OUT
    assert len(rows) == len(inp)
    for (t_in, v_in), (t, v, score, alert) in zip(inp[1:], rows[1:], strict=True):
        assert (t, v) == (t_in, v_in)  # timestamps and values exactly as given
        assert len(score.split(".")[1]) == 6
        assert 0.0 <= float(score) <= 1.0
        assert alert in ("0", "1")
    fired = [i for i, r in enumerate(rows[1:]) if r[3] == "1"]
    assert any(1000 <= i <= 1003 for i in fired)  # the injected anomaly alerts
    assert all(float(r[2]) >= DEFAULT_CONFIG.alert_threshold for r in rows[1:] if r[3] == "1")


def test_same_detector_as_the_stream(tmp_path: Path) -> None:
    src, dst = tmp_path / "in.csv", tmp_path / "out.csv"
    write_series(src, n=600)
    assert main([str(src), "--out", str(dst)]) == 0
    det = Detector()
    for t, v, score, alert in read_rows(dst)[1:]:
        d = det.update(parse_timestamp(t), float(v))
        assert score == f"{d.score:.6f}" and alert == str(int(d.alert))


def test_rows_depend_only_on_the_past(tmp_path: Path) -> None:
    src, dst = tmp_path / "in.csv", tmp_path / "out.csv"
    write_series(src)
    assert main([str(src), "--out", str(dst)]) == 0
    full = read_rows(dst)
    lines = src.read_text().splitlines(keepends=True)
    for cut in (2, 700, 1001, 1005):  # keep the header and `cut` data rows
        part_src, part_dst = tmp_path / f"in{cut}.csv", tmp_path / f"out{cut}.csv"
        part_src.write_text("".join(lines[: cut + 1]))
        assert main([str(part_src), "--out", str(part_dst)]) == 0
        assert read_rows(part_dst) == full[: cut + 1]


@pytest.mark.parametrize(
    "fmt",
    [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M:%S.000000",
        "%Y-%m-%dT%H:%M:%SZ",
        "%Y-%m-%dT%H:%M:%S+00:00",
    ],
)
def test_timestamp_formats_give_the_same_scores(tmp_path: Path, fmt: str) -> None:
    ref_src, ref_dst = tmp_path / "ref.csv", tmp_path / "ref_out.csv"
    write_series(ref_src, n=400)
    main([str(ref_src), "--out", str(ref_dst)])
    src, dst = tmp_path / "in.csv", tmp_path / "out.csv"
    write_series(src, n=400, fmt=fmt)
    assert main([str(src), "--out", str(dst)]) == 0
    assert [r[2:] for r in read_rows(dst)] == [r[2:] for r in read_rows(ref_dst)]


def test_parse_timestamp_variants() -> None:
    ref = datetime(2014, 4, 10, 7, 15, tzinfo=UTC).timestamp()
    assert parse_timestamp("2014-04-10 07:15:00") == ref
    assert parse_timestamp("2014-04-10 07:15:00.000000") == ref
    assert parse_timestamp("2014-04-10T07:15:00Z") == ref
    assert parse_timestamp("2014-04-10T09:15:00+02:00") == ref
    assert parse_timestamp(str(int(ref))) == ref
    assert parse_timestamp(f"{ref:.3f}") == ref
    with pytest.raises(ValueError):
        parse_timestamp("yesterday")


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ("", "line 1"),
        ("timestamp,value\n", "no data rows"),
        ("2014-04-10 07:15:00,3\n2014-04-10 07:20:00,4\n", "line 1: expected the header"),
        ("timestamp,value\n2014-04-10 07:15:00,3\nnot a time,4\n", "line 3: bad timestamp"),
        ("timestamp,value\n2014-04-10 07:15:00,3\n2014-04-10 07:20:00,abc\n", "line 3: bad value"),
        ("timestamp,value\n2014-04-10 07:15:00,nan\n", "line 2: value 'nan' is not a finite"),
        ("timestamp,value\n2014-04-10 07:15:00\n", "line 2: expected 2 columns"),
    ],
)
def test_bad_input_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, needle: str
) -> None:
    src, dst = tmp_path / "in.csv", tmp_path / "out.csv"
    src.write_text(content)
    assert main([str(src), "--out", str(dst)]) == 2
    err = capsys.readouterr().err
    assert needle in err and "Traceback" not in err
    assert not dst.exists()  # nothing half-written


def test_missing_input_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(tmp_path / "nope.csv"), "--out", str(tmp_path / "o.csv")]) == 2
    assert "nope.csv" in capsys.readouterr().err


def test_runs_as_a_module(tmp_path: Path) -> None:
    src, dst = tmp_path / "in.csv", tmp_path / "out.csv"
    write_series(src, n=50)
    proc = subprocess.run(
        [sys.executable, "-m", "streams.crisis.backtest", str(src), "--out", str(dst)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert len(read_rows(dst)) == 51
    bad = tmp_path / "bad.csv"
    bad.write_text("timestamp,value\nx,1\n")
    proc = subprocess.run(
        [sys.executable, "-m", "streams.crisis.backtest", str(bad), "--out", str(dst)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2 and "line 2" in proc.stderr and "Traceback" not in proc.stderr


def test_streams_with_bounded_memory(tmp_path: Path) -> None:
    import tracemalloc

    src, dst = tmp_path / "in.csv", tmp_path / "out.csv"
    n = 30_000
    with src.open("w") as f:
        f.write("timestamp,value\n")
        for i in range(n):
            f.write(f"{1_400_000_000 + 60 * i},{i % 17}\n")
    tracemalloc.start()
    try:
        assert main([str(src), "--out", str(dst)]) == 0
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2_000_000  # far below what holding 30k rows would take
    assert sum(1 for _ in dst.open()) == n + 1
