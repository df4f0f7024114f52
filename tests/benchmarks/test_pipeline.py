"""The pipeline benchmark's count of what a worker wrote to the broker, on a log directory
laid out as Kafka lays it out (one directory a partition, ``<topic>-<partition>``)."""

from __future__ import annotations

from pathlib import Path

from streams.config import Settings
from tests.benchmarks import load_benchmark


def test_bytes_written_counts_the_workers_outputs_and_changelogs_only(tmp_path: Path) -> None:
    bench = load_benchmark("pipeline")
    settings = Settings(topic_prefix="bench-ab12.", app_id="buzzwire-bench-ab12")
    sizes = {
        "bench-ab12.mentions.enriched-0": {"00000000000000000000.log": 700, "0.index": 10_000},
        "bench-ab12.mentions.enriched-1": {"00000000000000000000.log": 300},
        "bench-ab12.mentions.by-brand-3": {"00000000000000000000.log": 50},
        "buzzwire-bench-ab12-brand-state-changelog-2": {"00000000000000000000.log": 40},
        # the benchmark's own input and passthrough, and what else the broker holds
        "bench-ab12.mentions.raw-0": {"00000000000000000000.log": 9_000},
        "bench-ab12.passthrough.out-0": {"00000000000000000000.log": 9_000},
        "__consumer_offsets-7": {"00000000000000000000.log": 5_000},
        "bench-zz99.mentions.enriched-0": {"00000000000000000000.log": 5_000},
    }
    for part, files in sizes.items():
        (tmp_path / part).mkdir()
        for name, size in files.items():
            (tmp_path / part / name).write_bytes(b"x" * size)
    assert bench.bytes_written(tmp_path, settings) == {"outputs": 1_050, "changelogs": 40}
