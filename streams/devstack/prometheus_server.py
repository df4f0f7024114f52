"""A real Prometheus server for local runs and the end-to-end test, configured like ``deploy/``.

Nothing is downloaded: the server is Debian's ``prometheus`` package (``apt-get install
prometheus``), found on ``PATH``. :class:`LocalPrometheus` runs it on a loopback port with its
own storage dir, scraping the given targets with the ``deploy/prometheus/prometheus.yml`` worker
job, rules loaded.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from streams.devstack.deploy_files import PROMETHEUS_CONFIG, WORKER_JOB, rule_files
from streams.devstack.ports import free_port
from streams.devstack.processes import stop_group
from streams.devstack.prometheus_api import PrometheusError

__all__ = ["LocalPrometheus", "binaries", "local_config"]


def binaries() -> tuple[str, str] | None:
    """``(prometheus, promtool)`` from ``PATH``, or None when either is missing."""
    server, tool = shutil.which("prometheus"), shutil.which("promtool")
    return (server, tool) if server and tool else None


def local_config(
    targets: Iterable[str],
    *,
    scrape_interval: str = "1s",
    base: Path = PROMETHEUS_CONFIG,
) -> dict[str, Any]:
    """The ``deploy/`` Prometheus config for a local run: the same worker job (name, path,
    relabelling), scraping ``targets`` (``host:port``) statically every ``scrape_interval``,
    with the same rule files (absolute paths) evaluated as often. Other jobs are left out."""
    config = yaml.safe_load(base.read_text())
    jobs = [job for job in config["scrape_configs"] if job["job_name"] == WORKER_JOB]
    if not jobs:
        raise PrometheusError(f"{base}: no scrape job {WORKER_JOB!r}")
    job = {k: v for k, v in jobs[0].items() if not k.endswith("_sd_configs")}
    job["static_configs"] = [{"targets": list(targets)}]
    job["scrape_interval"] = scrape_interval
    job.pop("scrape_timeout", None)
    return {
        "global": {"scrape_interval": scrape_interval, "evaluation_interval": scrape_interval},
        "rule_files": [str(p) for p in rule_files(base)],
        "scrape_configs": [job],
    }


@dataclass
class LocalPrometheus:
    """A Prometheus server on 127.0.0.1 with its own config and storage under ``home``.

    ``start()`` writes the config, launches the server in its own session and waits for
    ``/-/ready``; ``stop()`` (SIGTERM, then SIGKILL) always ends it; it is a context manager.
    """

    config: dict[str, Any]
    home: Path | None = None  #: None: a fresh temp dir, removed by stop()
    port: int = field(default_factory=free_port)
    binary: str = "prometheus"
    proc: subprocess.Popen[bytes] | None = field(default=None, init=False)
    _own_home: bool = field(default=False, init=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        assert self.home is not None
        return self.home / "prometheus.log"

    def start(self, timeout: float = 60.0) -> None:
        if self.home is None:
            self.home = Path(tempfile.mkdtemp(prefix="buzzwire-prometheus-"))
            self._own_home = True
        self.home.mkdir(parents=True, exist_ok=True)
        config_file = self.home / "prometheus.yml"
        config_file.write_text(yaml.safe_dump(self.config, sort_keys=False))
        cmd = [
            self.binary,
            f"--config.file={config_file}",
            f"--storage.tsdb.path={self.home / 'data'}",
            f"--web.listen-address=127.0.0.1:{self.port}",
            "--storage.tsdb.retention.time=1d",
            "--log.level=warn",
        ]
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                cmd,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise PrometheusError(
                    f"prometheus exited with code {self.proc.returncode}:\n{self.log_tail()}"
                )
            try:
                with urllib.request.urlopen(f"{self.url}/-/ready", timeout=2) as resp:
                    if resp.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise PrometheusError(f"prometheus not ready after {timeout:.0f}s:\n{self.log_tail()}")

    def stop(self, timeout: float = 20.0) -> int | None:
        code = None
        if self.proc is not None:
            code = stop_group(self.proc, timeout)
        if self._own_home and self.home is not None:
            shutil.rmtree(self.home, ignore_errors=True)
        return code

    def __enter__(self) -> LocalPrometheus:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except (OSError, AssertionError):
            return ""
