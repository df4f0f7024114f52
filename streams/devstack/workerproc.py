"""Run ``buzzwire worker`` as a child process: used by the demo, the tests and the benchmarks."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from streams.config import Settings


def free_port() -> int:
    """A TCP port that is free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def worker_env(settings: Settings) -> dict[str, str]:
    """The environment that makes a ``buzzwire worker`` child use these settings."""
    return {
        "BROKER_URL": settings.broker_url,
        "BUZZWIRE_TOPIC_PREFIX": settings.topic_prefix,
        "BUZZWIRE_APP_ID": settings.app_id,
        "BUZZWIRE_TOPIC_PARTITIONS": str(settings.topic_partitions),
        "BUZZWIRE_DATA_DIR": str(settings.data_dir),
        "BUZZWIRE_LOG_LEVEL": settings.log_level,
    }


def parse_metrics(text: str) -> dict[str, float]:
    """Prometheus text format -> {'name{labels}': value} (enough for tests and the demo)."""
    out: dict[str, float] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        name, _, value = line.rpartition(" ")
        try:
            out[name] = float(value)
        except ValueError:
            continue
    return out


@dataclass
class WorkerProcess:
    env: dict[str, str]
    log_path: Path
    web_port: int
    proc: subprocess.Popen[bytes] | None = field(default=None, init=False)

    @property
    def metrics_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}/metrics"

    @property
    def ready_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}/ready"

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, **self.env, "WEB_PORT": str(self.web_port)}
        env.setdefault("HF_HUB_OFFLINE", "1")
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "streams.cli", "worker"],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def metrics(self, timeout: float = 2.0) -> dict[str, float]:
        with urllib.request.urlopen(self.metrics_url, timeout=timeout) as resp:
            return parse_metrics(resp.read().decode())

    def wait_ready(self, timeout: float = 120.0) -> None:
        """Until ``/ready`` says partitions are assigned and table recovery is done."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(
                    f"worker exited with code {self.proc.returncode}:\n{self.log_tail()}"
                )
            try:
                with urllib.request.urlopen(self.ready_url, timeout=2) as resp:
                    if resp.status == 200:
                        return
            except OSError:  # not listening yet, or 503 while assigning/recovering
                pass
            time.sleep(0.5)
        raise TimeoutError(f"worker not ready after {timeout:.0f}s:\n{self.log_tail()}")

    def stop(self, timeout: float = 30.0) -> int | None:
        """SIGTERM the worker's process group, wait, then SIGKILL. Returns the exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        return self.proc.returncode
