"""The NAB benchmark's cross-validation on a small synthetic corpus: leave one tweet file out,
leave one folder out, and ``--folders`` limiting it to the tweets."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from tests.benchmarks import load_benchmark

STEP = 300
T0 = 1_425_168_000  # 2015-03-01 00:00 UTC


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    return load_benchmark("spikes")


def _stamp(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S")


def _series(path: Path, seed: int, burst_at: int, rows: int = 2000) -> list[str]:
    """Daily-cycle counts with one burst of two hours; returns its labelled window."""
    rng = np.random.default_rng(seed)
    lines = ["timestamp,value"]
    for i in range(rows):
        ts = T0 + STEP * i
        mean = 10 * (1 + 0.6 * math.sin(2 * math.pi * (ts % 86400) / 86400)) + 1
        if burst_at <= i < burst_at + 24:
            mean *= 6
        lines.append(f"{_stamp(ts)},{int(rng.poisson(mean))}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    return [_stamp(T0 + STEP * (burst_at - 50)), _stamp(T0 + STEP * (burst_at + 50))]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("spikes")
    windows = {}
    for k, folder in enumerate(("realTweets", "realTweets", "realTweets", "other", "more")):
        name = f"{folder}/s{k}.csv"
        windows[name] = [_series(root / name, k, 1200 + 100 * k)]
    (root / "windows.json").write_text(json.dumps(windows))
    return root


def test_cv_scores_tweets_by_file_and_the_rest_by_folder(
    bench: ModuleType, corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert bench.main(["--data", str(corpus), "--cv"]) == 0
    out = capsys.readouterr().out
    rows = {
        " ".join(line.split()[:-3]): line.split()[-3:]
        for line in out.splitlines()
        if "leave one" in line
    }
    for label in ("realTweets, leave one file out", "other folders, leave one folder out"):
        for column in ("anomaly_score", "alert"):
            scores = [float(v) for v in rows[f"{label}: {column}"]]
            assert len(scores) == 3 and all(-200 < v <= 100 for v in scores)
    # obvious bursts: every held-out part's window is found with a threshold learnt elsewhere
    assert float(rows["realTweets, leave one file out: anomaly_score"][0]) > 50


def test_cv_on_the_tweets_alone(
    bench: ModuleType, corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--data", str(corpus), "--folders", "realTweets", "--cv"]
    assert bench.main([*args, "--grid", "slow_shift_weight=0,1.3"]) == 0
    out = capsys.readouterr().out
    assert "realTweets, leave one file out: anomaly_score" in out
    assert "other folders" not in out
    assert out.count("thr ") == 2 * 3  # the setting chosen per held-out file, both columns
