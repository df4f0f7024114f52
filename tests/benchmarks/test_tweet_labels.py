"""The tweet-label table's two steps on series made here: the burst ratio is causal and reads
an hour against the day before it, and each labelled window is one burst ranked among the
largest unlabelled ones a day apart."""

from __future__ import annotations

import json
from pathlib import Path
from types import ModuleType

import pytest

from tests.benchmarks import load_benchmark


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    return load_benchmark("tweet_labels")


def test_the_burst_ratio_is_the_last_hour_over_the_day_before(bench: ModuleType) -> None:
    values = [1.0] * (3 * bench.DAY)
    values[2 * bench.DAY] = 61.0  # one burst: this hour holds 72, the day before 12 an hour
    ratios = bench.burst_ratios(values)
    assert ratios[: bench.DAY + bench.HOUR] == [0.0] * (bench.DAY + bench.HOUR)
    assert ratios[2 * bench.DAY - 1] == pytest.approx(1.0)
    assert ratios[2 * bench.DAY] == pytest.approx((72 + 5) / (12 + 5))
    # causal: what comes later changes nothing before it
    later = [*values[: 2 * bench.DAY], *([100.0] * bench.DAY)]
    assert bench.burst_ratios(later)[: 2 * bench.DAY] == ratios[: 2 * bench.DAY]


def test_windows_rank_among_the_unlabelled_bursts_a_day_apart(bench: ModuleType) -> None:
    times = [float(i) for i in range(10 * bench.DAY)]
    ratios = [1.0] * len(times)
    ratios[3 * bench.DAY] = 9.0  # unlabelled
    ratios[3 * bench.DAY + 5] = 8.0  # the same burst: within a day of the larger one
    ratios[6 * bench.DAY] = 4.0  # unlabelled
    ratios[8 * bench.DAY] = 6.0  # in the window
    window = (8.0 * bench.DAY - 10, 8.0 * bench.DAY + 10)
    ranked = bench.bursts(times, ratios, [window], top=2)
    assert ranked == [
        (9.0, "", 3 * bench.DAY),
        (6.0, "W1", 8 * bench.DAY),
        (4.0, "", 6 * bench.DAY),
    ]


def test_a_burst_lasts_while_above_half_its_peak(bench: ModuleType) -> None:
    ratios = [1.0, 3.0, 5.0, 8.0, 4.5, 4.1, 3.9, 6.0, 1.0]
    # 8 at row 3: rows 2-5 are above 4, row 6 (3.9) ends it
    assert bench.hours_above_half(ratios, 3) == pytest.approx(4 / bench.HOUR)
    # never below 2: a small peak of 3 lasts while above 2
    assert bench.hours_above_half([1.0, 2.5, 3.0, 2.1, 1.9], 2) == pytest.approx(3 / bench.HOUR)


def test_the_table_names_the_windows_below_the_largest_burst(
    bench: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / bench.FOLDER
    folder.mkdir()
    rows = ["timestamp,value"]
    start = 1_420_000_000
    values = [2] * (4 * bench.DAY)
    values[2 * bench.DAY] = 200  # unlabelled, large
    values[3 * bench.DAY] = 40  # labelled, smaller
    rows += [f"{start + 300 * i},{v}" for i, v in enumerate(values)]
    (folder / "Twitter_volume_X.csv").write_text("\n".join(rows) + "\n")
    t = start + 300 * 3 * bench.DAY
    (tmp_path / "windows.json").write_text(
        json.dumps({f"{bench.FOLDER}/Twitter_volume_X.csv": [[str(t - 600), str(t + 3600)]]})
    )
    assert bench.main(["--data", str(tmp_path), "--top", "3"]) == 0
    out = capsys.readouterr().out
    assert "X      " in out
    assert "labelled windows below their file's largest unlabelled burst: 1 of 1" in out
