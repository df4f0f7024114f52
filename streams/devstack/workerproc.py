"""Run ``buzzwire worker`` (or ``buzzwire sink``) as a child process: used by the demo, the
tests and the benchmarks."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from prometheus_client.metrics_core import Metric
from prometheus_client.parser import text_string_to_metric_families

from streams.config import Settings
from streams.devstack.processes import stop_group


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


def sink_env(settings: Settings) -> dict[str, str]:
    """The environment of a ``buzzwire sink`` child with these settings (the database URL
    included: pass it only to the child, never to a log)."""
    env = worker_env(settings)
    if settings.database_url is not None:
        env["BUZZWIRE_DATABASE_URL"] = settings.database_url.get_secret_value()
    env["BUZZWIRE_SINK_BATCH_SIZE"] = str(settings.sink_batch_size)
    env["BUZZWIRE_SINK_BATCH_SECONDS"] = str(settings.sink_batch_seconds)
    env["BUZZWIRE_SINK_RETRY_MAX_SECONDS"] = str(settings.sink_retry_max_seconds)
    env["BUZZWIRE_CONSUMER_SESSION_TIMEOUT_SECONDS"] = str(
        settings.consumer_session_timeout_seconds
    )
    env["BUZZWIRE_CONSUMER_HEARTBEAT_INTERVAL_SECONDS"] = str(
        settings.consumer_heartbeat_interval_seconds
    )
    return env


def _label_value(value: str) -> str:
    """A label value escaped as the text format writes it."""
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def sample_key(name: str, labels: Mapping[str, str]) -> str:
    """``name{label="value",...}``: a sample as its line in ``/metrics`` names it."""
    if not labels:
        return name
    inner = ",".join(f'{k}="{_label_value(v)}"' for k, v in labels.items())
    return f"{name}{{{inner}}}"


def metric_values(families: Iterable[Metric]) -> dict[str, float]:
    """Every sample of ``families`` as ``{'name{labels}': value}`` (enough for tests and the
    demo: a key is what the sample's line in ``/metrics`` starts with)."""
    return {
        sample_key(sample.name, sample.labels): float(sample.value)
        for family in families
        for sample in family.samples
    }


def parse_metrics(text: str) -> dict[str, float]:
    """Prometheus text format -> {'name{labels}': value}, parsed by ``prometheus_client``."""
    return metric_values(text_string_to_metric_families(text))


@dataclass
class WorkerProcess:
    """A ``buzzwire worker`` child; with ``command="sink"`` (and ``port_env`` its port's
    variable) a ``buzzwire sink`` child, which serves the same ``/metrics`` and ``/ready``."""

    env: dict[str, str]
    log_path: Path
    web_port: int
    command: str = "worker"
    port_env: str = "WEB_PORT"
    proc: subprocess.Popen[bytes] | None = field(default=None, init=False)

    @property
    def metrics_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}/metrics"

    @property
    def ready_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}/ready"

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, **self.env, self.port_env: str(self.web_port)}
        env.setdefault("HF_HUB_OFFLINE", "1")
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "streams.cli", self.command],
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

    def metric_families(self, timeout: float = 2.0) -> list[Metric]:
        """The worker's ``/metrics`` now, parsed into metric families."""
        with urllib.request.urlopen(self.metrics_url, timeout=timeout) as resp:
            return list(text_string_to_metric_families(resp.read().decode()))

    def metrics(self, timeout: float = 2.0) -> dict[str, float]:
        """The worker's ``/metrics`` now, as :func:`metric_values` keys them."""
        return metric_values(self.metric_families(timeout))

    def wait_ready(self, timeout: float = 120.0) -> None:
        """Until ``/ready`` says partitions are assigned and table recovery is done."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(
                    f"{self.command} exited with code {self.proc.returncode}:\n{self.log_tail()}"
                )
            try:
                with urllib.request.urlopen(self.ready_url, timeout=2) as resp:
                    if resp.status == 200:
                        return
            except OSError:  # not listening yet, or 503 while assigning/recovering
                pass
            time.sleep(0.5)
        raise TimeoutError(f"{self.command} not ready after {timeout:.0f}s:\n{self.log_tail()}")

    def stop(self, timeout: float = 30.0) -> int | None:
        """SIGTERM the worker's process group, wait, then SIGKILL. Returns the exit code."""
        if self.proc is None:
            return None
        return stop_group(self.proc, timeout)

    def kill(self) -> None:
        """SIGKILL the process group at once (a crash: nothing is flushed or committed)."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


def sink_process(settings: Settings, log_path: Path, web_port: int) -> WorkerProcess:
    """A ``buzzwire sink`` child with these settings."""
    return WorkerProcess(
        env=sink_env(settings),
        log_path=log_path,
        web_port=web_port,
        command="sink",
        port_env="BUZZWIRE_SINK_WEB_PORT",
    )
