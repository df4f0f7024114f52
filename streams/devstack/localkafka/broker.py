"""The broker itself: :class:`LocalKafka` starts, finds, checks and stops a single-node KRaft
broker on 127.0.0.1 whose files live in one state dir; :class:`RemoteKafka` stands for a broker
somebody else runs."""

from __future__ import annotations

import contextlib
import os
import shlex
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from streams.devstack.localkafka.maven import KAFKA_FILES_DIR, ensure_jars
from streams.devstack.localkafka.probe import probe_metadata
from streams.devstack.localkafka.properties import cluster_id, render_properties
from streams.devstack.localkafka.settings import (
    DEFAULT_HEAP,
    HOST,
    LocalKafkaError,
    default_controller_port,
    default_port,
    jvm_heap_options,
    kafka_version,
    tool,
)
from streams.devstack.localkafka.statefiles import locked, tail
from streams.devstack.ports import port_free, port_open
from streams.devstack.processes import cmdline, pid_alive, stop_pid

__all__ = ["LOG4J_CONFIG", "BrokerStatus", "LocalKafka", "RemoteKafka"]

LOG4J_CONFIG = KAFKA_FILES_DIR / "log4j2.yaml"
_MAIN_CLASS = "kafka.Kafka"

#: Brokers started by this Python process, kept so they can be reaped (no zombies, no
#: "subprocess still running" warnings) while the broker itself lives in its own session.
_CHILDREN: dict[int, subprocess.Popen[bytes]] = {}


@dataclass(frozen=True)
class BrokerStatus:
    running: bool  #: a broker process from this state dir is alive
    pid: int | None
    bootstrap: str
    version: str
    state_dir: Path
    serving: bool = False  #: its client port accepts TCP connections


def _pid_alive(pid: int) -> bool:
    """Whether ``pid`` runs; a broker started here is reaped once it has exited."""
    child = _CHILDREN.get(pid)
    if child is not None:
        if child.poll() is None:
            return True
        del _CHILDREN[pid]
        return False
    return pid_alive(pid)


@dataclass(frozen=True)
class LocalKafka:
    """A single-node Kafka broker on 127.0.0.1 whose files live in ``state_dir``.

    ``start()`` resolves the jars (Maven, first time only), formats KRaft storage (first time
    only), launches the JVM detached and waits until the broker answers a metadata request.
    A broker started here outlives the Python process; ``stop()`` ends it.
    """

    port: int = field(default_factory=default_port)
    controller_port: int = field(default_factory=default_controller_port)
    state_dir: Path | None = None  # None -> $BUZZWIRE_KAFKA_HOME or the default
    partitions: int = 4
    heap: str | None = None  # None -> $BUZZWIRE_KAFKA_HEAP or DEFAULT_HEAP

    #: this object starts and stops a broker (``RemoteKafka.managed`` is False)
    managed = True

    # ---- derived settings

    @property
    def bootstrap(self) -> str:
        return f"{HOST}:{self.port}"

    @property
    def url(self) -> str:
        return f"kafka://{self.bootstrap}"

    @property
    def version(self) -> str:
        return kafka_version()

    @property
    def home(self) -> Path:
        """The resolved state directory."""
        if self.state_dir is not None:
            return Path(self.state_dir).expanduser().resolve()
        raw = os.environ.get("BUZZWIRE_KAFKA_HOME", "").strip()
        if raw:
            return Path(raw).expanduser().resolve()
        return Path.home() / ".cache" / "buzzwire" / "kafka-state" / str(self.port)

    @property
    def properties_file(self) -> Path:
        return self.home / "server.properties"

    @property
    def pid_file(self) -> Path:
        return self.home / "kafka.pid"

    @property
    def log_file(self) -> Path:
        """The broker log (Log4j 2, INFO)."""
        return self.home / "logs" / "server.log"

    @property
    def out_file(self) -> Path:
        """The JVM's stdout and stderr."""
        return self.home / "kafka.out"

    @property
    def data_dir(self) -> Path:
        return self.home / "data"

    def heap_options(self) -> list[str]:
        heap = self.heap if self.heap is not None else os.environ.get("BUZZWIRE_KAFKA_HEAP", "")
        return jvm_heap_options(heap or DEFAULT_HEAP)

    # ---- jars

    def ensure_jars(self) -> Path:
        """The folder of the broker's jars, resolved with Maven on the first call only."""
        return ensure_jars(self.version)

    # ---- process bookkeeping

    def _is_our_broker(self, pid: int) -> bool:
        if not _pid_alive(pid):
            return False
        cmd = cmdline(pid)
        if cmd is None:  # no /proc: trust the pid file
            return True
        return _MAIN_CLASS in cmd and str(self.properties_file) in cmd

    def _find_pid(self) -> int | None:
        """The pid of the broker running from this state dir, if any (pid file, else /proc)."""
        with contextlib.suppress(OSError, ValueError):
            pid = int(self.pid_file.read_text().strip())
            if self._is_our_broker(pid):
                return pid
        proc = Path("/proc")
        if proc.is_dir():
            for entry in proc.iterdir():
                if entry.name.isdigit() and entry.name != str(os.getpid()):
                    pid = int(entry.name)
                    if self._is_our_broker(pid):
                        return pid
        return None

    def _java_command(self, lib: Path, main: str, *args: str) -> list[str]:
        return [
            tool("java"),
            *self.heap_options(),
            "-XX:+UseG1GC",
            "-XX:MaxGCPauseMillis=20",
            "-XX:InitiatingHeapOccupancyPercent=35",
            "-XX:+ExplicitGCInvokesConcurrent",
            "-Djava.awt.headless=true",
            f"-Dlog4j2.configurationFile={LOG4J_CONFIG}",
            f"-Dkafka.logs.dir={self.home / 'logs'}",
            "-cp",
            f"{lib}{os.sep}*",
            main,
            *args,
        ]

    def _format_storage(self, lib: Path) -> None:
        if (self.data_dir / "meta.properties").is_file():
            return
        cluster_file = self.home / "cluster.id"
        if not cluster_file.is_file():
            cluster_file.write_text(cluster_id() + "\n")
        cluster = cluster_file.read_text().strip()
        cmd = self._java_command(
            lib,
            "kafka.tools.StorageTool",
            "format",
            "--standalone",
            "--ignore-formatted",
            "--cluster-id",
            cluster,
            "--config",
            str(self.properties_file),
        )
        proc = subprocess.run(
            cmd,
            capture_output=True,
            text=True,
            timeout=120,
            stdin=subprocess.DEVNULL,
            check=False,
        )
        if proc.returncode != 0:
            raise LocalKafkaError(
                f"formatting KRaft storage in {self.data_dir} failed (exit {proc.returncode}):\n"
                f"{(proc.stdout + proc.stderr).strip()}\n{tail(self.log_file, 20)}"
            )

    def _failure(self, why: str) -> LocalKafkaError:
        parts = [f"Kafka broker on {self.bootstrap} (state dir {self.home}): {why}"]
        for path in (self.log_file, self.out_file):
            last = tail(path)
            if last:
                parts.append(f"--- last lines of {path} ---\n{last}")
        return LocalKafkaError("\n".join(parts))

    # ---- lifecycle

    def start(self, timeout: float = 120.0) -> None:
        """Start the broker unless it already runs; return once it serves metadata requests.

        ``timeout`` bounds the wait for the broker (resolving the jars the first time is not
        counted). Raises ``LocalKafkaError`` with the tail of the broker log on failure, after
        stopping whatever it started.
        """
        home = self.home
        home.mkdir(parents=True, exist_ok=True)
        with locked(home / ".lock"):
            pid = self._find_pid()
            if pid is not None:
                self.pid_file.write_text(f"{pid}\n")
                self._wait_ready(pid, timeout, started_here=False)
                return
            self.pid_file.unlink(missing_ok=True)
            busy = [p for p in (self.port, self.controller_port) if not port_free(p, HOST)]
            if busy:
                raise LocalKafkaError(
                    f"cannot start Kafka on {HOST}:{self.port}: port(s) "
                    f"{', '.join(map(str, busy))} already in use by another process "
                    f"(not a broker from {home}); stop it or choose other ports "
                    "(--port/--controller-port, BUZZWIRE_KAFKA_PORT/BUZZWIRE_KAFKA_CONTROLLER_PORT)"
                )
            lib = self.ensure_jars()
            (home / "logs").mkdir(exist_ok=True)
            self.properties_file.write_text(
                render_properties(
                    port=self.port,
                    controller_port=self.controller_port,
                    data_dir=self.data_dir,
                    partitions=self.partitions,
                )
            )
            self._format_storage(lib)
            cmd = self._java_command(lib, _MAIN_CLASS, str(self.properties_file))
            with self.out_file.open("ab") as out:
                stamp = time.strftime("%Y-%m-%d %H:%M:%S")
                out.write(f"\n=== {stamp} {shlex.join(cmd)}\n".encode())
                out.flush()
                child = subprocess.Popen(
                    cmd,
                    cwd=home,
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            _CHILDREN[child.pid] = child
            self.pid_file.write_text(f"{child.pid}\n")
            self._wait_ready(child.pid, timeout, started_here=True)

    def _wait_ready(self, pid: int, timeout: float, *, started_here: bool) -> None:
        deadline = time.monotonic() + timeout
        why = "not reachable yet"
        while True:
            if not _pid_alive(pid):
                self.pid_file.unlink(missing_ok=True)
                raise self._failure(f"the broker process {pid} exited during startup")
            if port_open(self.port, HOST):
                left = deadline - time.monotonic()
                problem = probe_metadata(self.bootstrap, max(1.0, min(10.0, left)))
                if problem is None:
                    return
                why = problem
            if time.monotonic() >= deadline:
                error = self._failure(f"not serving requests after {timeout:.0f}s ({why})")
                if started_here:
                    self._terminate(pid, 15.0)
                raise error
            time.sleep(0.25)

    def stop(self, timeout: float = 30.0) -> None:
        """Stop the broker: SIGTERM, wait ``timeout`` s for a clean exit, then SIGKILL.
        A missing broker or a stale pid file is fine."""
        home = self.home
        if not home.is_dir():
            return
        with locked(home / ".lock"):
            pid = self._find_pid()
            if pid is not None:
                self._terminate(pid, timeout)
            self.pid_file.unlink(missing_ok=True)

    def _terminate(self, pid: int, timeout: float) -> None:
        ended_by = stop_pid(pid, timeout, alive=_pid_alive)
        if ended_by is None:
            raise LocalKafkaError(f"broker process {pid} survived SIGKILL")
        _CHILDREN.pop(pid, None)
        if ended_by == "SIGKILL":
            self.pid_file.unlink(missing_ok=True)

    def status(self) -> BrokerStatus:
        pid = self._find_pid() if self.home.is_dir() else None
        return BrokerStatus(
            running=pid is not None,
            pid=pid,
            bootstrap=self.bootstrap,
            version=self.version,
            state_dir=self.home,
            serving=pid is not None and port_open(self.port, HOST),
        )


@dataclass(frozen=True)
class RemoteKafka:
    """A broker somebody else runs (e.g. ``BUZZWIRE_TEST_BROKER_URL``): same ``bootstrap``/``url``
    as ``LocalKafka``, nothing to start or stop."""

    url: str  # kafka://host:port[;kafka://host2:port]

    managed = False

    @property
    def bootstrap(self) -> str:
        parts = [p.strip() for p in self.url.split(";") if p.strip()]
        return ",".join(p.split("://", 1)[-1] for p in parts)
