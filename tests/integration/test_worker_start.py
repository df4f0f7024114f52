"""A user who installs buzzwire and runs the worker from any directory gets a worker."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import pytest

from streams.pipeline.admin import delete_topics_with_prefix
from tests.conftest import free_ports

pytestmark = pytest.mark.integration


def test_worker_starts_from_an_empty_directory(kafka_broker: Any, tmp_path: Path) -> None:
    """The default state dir is relative (``.buzzwire/worker-data``) and Faust creates only its
    last part: started anywhere but a used checkout, the worker crashed at start."""
    run = uuid.uuid4().hex[:8]
    (port,) = free_ports(1)
    env = {
        **os.environ,
        "BROKER_URL": kafka_broker.url,
        "WEB_PORT": str(port),
        "BUZZWIRE_TOPIC_PREFIX": f"empty-{run}.",
        "BUZZWIRE_APP_ID": f"buzzwire-empty-{run}",
        "BUZZWIRE_TOPIC_PARTITIONS": "2",
        "BUZZWIRE_SENTIMENT_MODEL": "linear",
        "HF_HUB_OFFLINE": "1",
    }
    env.pop("BUZZWIRE_DATA_DIR", None)
    cwd = tmp_path / "empty"
    cwd.mkdir()
    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streams.cli", "worker"],
            cwd=cwd,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        ready = False
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and proc.poll() is None and not ready:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/ready", timeout=2) as r:
                    ready = r.status == 200
            except (urllib.error.URLError, OSError):
                time.sleep(0.5)
        tail = log.read_text(errors="replace")[-3000:]
        assert proc.poll() is None, f"the worker exited ({proc.returncode}):\n{tail}"
        assert ready, f"the worker never became ready:\n{tail}"
        assert (cwd / ".buzzwire" / "worker-data").is_dir()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        asyncio.run(
            delete_topics_with_prefix(
                kafka_broker.bootstrap, [f"empty-{run}.", f"buzzwire-empty-{run}"]
            )
        )
