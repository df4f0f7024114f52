from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "streams.cli", *args],
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_worker_refuses_to_start_with_a_broken_brands_file(tmp_path: Path) -> None:
    brands = tmp_path / "brands.yaml"
    brands.write_text(
        "brands:\n"
        "  - id: acme\n    name: Acme\n    handles: ['@acme']\n"
        "  - id: globex\n    name: Globex\n    handles: ['globex']\n    competitors: [nope]\n"
    )
    # An unreachable broker: the worker must stop before it ever tries to connect.
    result = run_cli(
        "worker", env={"BUZZWIRE_BRANDS": str(brands), "BROKER_URL": "kafka://127.0.0.1:1"}
    )
    assert result.returncode == 2
    assert str(brands) in result.stderr
    assert "brands[1]" in result.stderr and "globex" in result.stderr
    assert "'@'" in result.stderr  # the handle problem


def test_worker_names_an_unknown_competitor(tmp_path: Path) -> None:
    brands = tmp_path / "brands.yaml"
    brands.write_text("brands:\n  - id: acme\n    name: Acme\n    competitors: [nope]\n")
    result = run_cli(
        "worker", env={"BUZZWIRE_BRANDS": str(brands), "BROKER_URL": "kafka://127.0.0.1:1"}
    )
    assert result.returncode == 2
    assert str(brands) in result.stderr and "brands[0]" in result.stderr
    assert "nope" in result.stderr


def test_help_lists_the_commands() -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    for command in ("worker", "kafka", "replay", "demo"):
        assert command in result.stdout


def test_the_worker_state_dir_is_created_with_its_parents(tmp_path: Path) -> None:
    from streams.cli import prepare_data_dir
    from streams.config import Settings

    nested = tmp_path / "a" / "b" / "worker-data"
    assert prepare_data_dir(Settings(data_dir=nested)) == nested.resolve()
    assert nested.is_dir()
    assert prepare_data_dir(Settings(data_dir=nested)) == nested.resolve()  # again: no error
