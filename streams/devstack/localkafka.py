"""A local single-node Apache Kafka broker (KRaft, broker+controller) for development and tests.

Used by ``buzzwire kafka start|stop|status``, by the demo and by the test suite. No Kafka
download is needed beyond Maven Central: the broker's jars are resolved with Maven (``mvn``)
from ``streams/devstack/kafka/pom.xml`` into a per-version cache, and the broker runs straight
from them with ``java`` (17 or newer). The broker listens on 127.0.0.1 only.

Layout
    ``<cache>/<version>/lib/*.jar``     the jars (``<cache>`` = ``~/.cache/buzzwire/kafka``);
                                        a ``.complete`` marker makes later runs skip Maven.
    ``<state dir>/server.properties``   rendered on every start (``render_properties``)
    ``<state dir>/data/``               KRaft metadata and topic data (formatted on first start)
    ``<state dir>/logs/server.log``     the broker log (INFO, rolled at 10 MB, 3 kept)
    ``<state dir>/kafka.out``           the JVM's stdout/stderr (WARN and above)
    ``<state dir>/kafka.pid``           the broker's pid while it runs

Environment variables
    ``BUZZWIRE_KAFKA_PORT``             broker (client) port; default 9092
    ``BUZZWIRE_KAFKA_CONTROLLER_PORT``  KRaft controller port; default 9093
    ``BUZZWIRE_KAFKA_HOME``             the state dir itself (data, logs, pid file); default
                                        ``~/.cache/buzzwire/kafka-state/<port>``
    ``BUZZWIRE_KAFKA_CACHE``            jar cache root; default ``~/.cache/buzzwire/kafka``
    ``BUZZWIRE_KAFKA_HEAP``             JVM heap: a size (``2g`` -> ``-Xmx2g``) or JVM options
                                        (``-Xms512m -Xmx2g``); default ``-Xms256m -Xmx1g``
    ``BUZZWIRE_KAFKA_VERSION``          Kafka version to resolve instead of the pinned one
                                        (``KAFKA_VERSION``); must exist on Maven Central

Constructor arguments win over the environment; the environment is read when a ``LocalKafka``
is created. ``JAVA_HOME`` is honoured (``$JAVA_HOME/bin/java``), else ``java`` from ``PATH``.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import fcntl
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "DEFAULT_HEAP",
    "KAFKA_VERSION",
    "BrokerStatus",
    "LocalKafka",
    "LocalKafkaError",
    "RemoteKafka",
    "add_arguments",
    "jvm_heap_options",
    "render_properties",
    "run",
]

#: The pinned Apache Kafka release (latest 4.1.x on Maven Central when this was written).
KAFKA_VERSION = "4.1.2"
DEFAULT_HEAP = "-Xms256m -Xmx1g"
DEFAULT_PORT = 9092
DEFAULT_CONTROLLER_PORT = 9093
HOST = "127.0.0.1"

_PACKAGE_DIR = Path(__file__).resolve().parent / "kafka"
POM_FILE = _PACKAGE_DIR / "pom.xml"
LOG4J_CONFIG = _PACKAGE_DIR / "log4j2.yaml"
_MARKER = ".complete"
_MAIN_CLASS = "kafka.Kafka"
_MAVEN_TIMEOUT = 1800.0

#: Brokers started by this Python process, kept so they can be reaped (no zombies, no
#: "subprocess still running" warnings) while the broker itself lives in its own session.
_CHILDREN: dict[int, subprocess.Popen[bytes]] = {}


class LocalKafkaError(RuntimeError):
    """The local broker could not be set up, started or stopped; the message says why."""


@dataclass(frozen=True)
class BrokerStatus:
    running: bool  #: a broker process from this state dir is alive
    pid: int | None
    bootstrap: str
    version: str
    state_dir: Path
    serving: bool = False  #: its client port accepts TCP connections


# --------------------------------------------------------------------------- env helpers


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise LocalKafkaError(f"{name}={raw!r} is not an integer") from None


def _default_port() -> int:
    return _env_int("BUZZWIRE_KAFKA_PORT", DEFAULT_PORT)


def _default_controller_port() -> int:
    return _env_int("BUZZWIRE_KAFKA_CONTROLLER_PORT", DEFAULT_CONTROLLER_PORT)


def _cache_root() -> Path:
    raw = os.environ.get("BUZZWIRE_KAFKA_CACHE", "").strip()
    return Path(raw).expanduser() if raw else Path.home() / ".cache" / "buzzwire" / "kafka"


def kafka_version() -> str:
    """The Kafka version in effect: ``BUZZWIRE_KAFKA_VERSION`` or the pinned ``KAFKA_VERSION``."""
    return os.environ.get("BUZZWIRE_KAFKA_VERSION", "").strip() or KAFKA_VERSION


def jvm_heap_options(heap: str) -> list[str]:
    """JVM heap options from ``heap``: JVM options as they are, a bare size as ``-Xmx<size>``."""
    heap = heap.strip()
    if not heap:
        return shlex.split(DEFAULT_HEAP)
    if heap.startswith("-"):
        return shlex.split(heap)
    return [f"-Xmx{heap}"]


def _tool(name: str) -> str:
    if name == "java":
        java_home = os.environ.get("JAVA_HOME", "").strip()
        if java_home and os.access(Path(java_home) / "bin" / "java", os.X_OK):
            return str(Path(java_home) / "bin" / "java")
    path = shutil.which(name)
    if path is None:
        hint = {
            "java": "Kafka 4.x needs Java 17+ (e.g. apt-get install openjdk-17-jre-headless)",
            "mvn": "Maven resolves the Kafka jars (e.g. apt-get install maven)",
        }[name]
        raise LocalKafkaError(f"`{name}` was not found on PATH: {hint}")
    return path


# --------------------------------------------------------------------------- properties


def render_properties(
    *,
    port: int,
    controller_port: int,
    data_dir: Path,
    partitions: int = 4,
    host: str = HOST,
) -> str:
    """``server.properties`` of a single KRaft node that is both broker and controller."""
    if partitions < 1:
        raise ValueError(f"partitions must be >= 1, got {partitions}")
    if port == controller_port:
        raise ValueError(f"broker and controller ports must differ (both {port})")
    props: list[tuple[str, object]] = [
        # one node, both roles, KRaft quorum of itself (dynamic quorum, `format --standalone`)
        ("process.roles", "broker,controller"),
        ("node.id", 1),
        ("controller.quorum.bootstrap.servers", f"{host}:{controller_port}"),
        ("listeners", f"PLAINTEXT://{host}:{port},CONTROLLER://{host}:{controller_port}"),
        (
            "advertised.listeners",
            f"PLAINTEXT://{host}:{port},CONTROLLER://{host}:{controller_port}",
        ),
        ("controller.listener.names", "CONTROLLER"),
        ("inter.broker.listener.name", "PLAINTEXT"),
        ("listener.security.protocol.map", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT"),
        ("log.dirs", str(data_dir)),
        # a single replica of everything
        ("default.replication.factor", 1),
        ("min.insync.replicas", 1),
        ("offsets.topic.replication.factor", 1),
        ("offsets.topic.num.partitions", 8),
        ("transaction.state.log.replication.factor", 1),
        ("transaction.state.log.min.isr", 1),
        ("transaction.state.log.num.partitions", 4),
        ("share.coordinator.state.topic.replication.factor", 1),
        ("share.coordinator.state.topic.min.isr", 1),
        # developer conveniences
        ("num.partitions", partitions),
        ("auto.create.topics.enable", "true"),
        ("delete.topic.enable", "true"),
        ("group.initial.rebalance.delay.ms", 0),
        # a 2-core dev box
        ("num.network.threads", 2),
        ("num.io.threads", 4),
        ("num.recovery.threads.per.data.dir", 1),
        ("background.threads", 4),
        ("log.cleaner.threads", 1),
        ("log.cleaner.dedupe.buffer.size", 16 * 1024 * 1024),
        # bounded disk use: 1 day or 256 MiB per partition, 64 MiB segments
        ("log.retention.hours", 24),
        ("log.retention.bytes", 256 * 1024 * 1024),
        ("log.segment.bytes", 64 * 1024 * 1024),
        ("log.retention.check.interval.ms", 60_000),
    ]
    lines = ["# Rendered by streams/devstack/localkafka.py; rewritten on every start.\n"]
    lines += [f"{key}={value}\n" for key, value in props]
    return "".join(lines)


def _cluster_id() -> str:
    """A Kafka cluster id (what ``kafka-storage random-uuid`` prints): base64url of 16 bytes."""
    while True:
        text = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not text.startswith("-"):  # Kafka never hands out ids that look like an option
            return text


# --------------------------------------------------------------------------- processes


def _pid_alive(pid: int) -> bool:
    child = _CHILDREN.get(pid)
    if child is not None:
        if child.poll() is None:
            return True
        del _CHILDREN[pid]
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, but someone else's
    with contextlib.suppress(OSError, IndexError):
        stat = Path(f"/proc/{pid}/stat").read_text()
        if stat.rsplit(")", 1)[1].split()[0] in ("Z", "X"):
            return False
    return True


def _cmdline(pid: int) -> list[str] | None:
    """The command line of ``pid`` (Linux), or None where /proc cannot tell."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    return raw.decode(errors="replace").split("\0")


def _port_free(port: int, host: str = HOST) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def _port_open(port: int, host: str = HOST, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def _probe_metadata(bootstrap: str, timeout: float) -> str | None:
    """One Kafka metadata round trip with aiokafka; None if the broker answered with itself
    in the cluster metadata, else why not. Runs its own event loop in a thread, so it works
    whether or not the caller is inside a running loop."""
    result: list[str | None] = ["probe did not run"]

    async def probe() -> str | None:
        from aiokafka import AIOKafkaClient

        client = AIOKafkaClient(
            bootstrap_servers=bootstrap, request_timeout_ms=max(1000, int(timeout * 1000))
        )
        try:
            await asyncio.wait_for(client.bootstrap(), timeout)
            if not client.cluster.brokers():
                return "metadata lists no brokers yet"
            return None
        finally:
            await client.close()

    def target() -> None:
        try:
            result[0] = asyncio.run(probe())
        except Exception as exc:
            result[0] = f"{type(exc).__name__}: {exc}"

    thread = threading.Thread(target=target, name="localkafka-probe", daemon=True)
    thread.start()
    thread.join(timeout + 5)
    return result[0]


def _tail(path: Path, lines: int = 40) -> str:
    try:
        with path.open("rb") as fh:
            fh.seek(0, os.SEEK_END)
            fh.seek(max(0, fh.tell() - 64 * 1024))
            text = fh.read().decode(errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


# --------------------------------------------------------------------------- the broker


@dataclass(frozen=True)
class LocalKafka:
    """A single-node Kafka broker on 127.0.0.1 whose files live in ``state_dir``.

    ``start()`` resolves the jars (Maven, first time only), formats KRaft storage (first time
    only), launches the JVM detached and waits until the broker answers a metadata request.
    A broker started here outlives the Python process; ``stop()`` ends it.
    """

    port: int = field(default_factory=_default_port)
    controller_port: int = field(default_factory=_default_controller_port)
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
        version = self.version
        root = _cache_root() / version
        lib = root / "lib"
        if (root / _MARKER).is_file() and lib.is_dir():
            return lib
        with _locked(root / ".lock"):
            if (root / _MARKER).is_file() and lib.is_dir():  # another process just did it
                return lib
            mvn = _tool("mvn")
            pom = root / "pom.xml"
            shutil.copyfile(POM_FILE, pom)  # run Maven in the cache, never in the package dir
            staging = Path(tempfile.mkdtemp(prefix="lib-", dir=root))
            cmd = [
                mvn,
                "-q",
                "-B",
                "-Dstyle.color=never",
                "-f",
                str(pom),
                "dependency:copy-dependencies",
                "-DincludeScope=runtime",
                f"-Dkafka.version={version}",
                f"-DoutputDirectory={staging}",
            ]
            try:
                proc = subprocess.run(
                    cmd,
                    cwd=root,
                    capture_output=True,
                    text=True,
                    timeout=_MAVEN_TIMEOUT,
                    stdin=subprocess.DEVNULL,
                    check=False,
                )
                if proc.returncode != 0:
                    output = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-30:])
                    raise LocalKafkaError(
                        f"Maven could not resolve Kafka {version} (exit {proc.returncode}):\n"
                        f"  {shlex.join(cmd)}\n{output}"
                    )
                if not any(staging.glob(f"kafka_2.13-{version}.jar")):
                    raise LocalKafkaError(f"Maven finished but kafka_2.13-{version}.jar is missing")
                if lib.exists():
                    shutil.rmtree(lib)
                staging.rename(lib)
            except subprocess.TimeoutExpired:
                raise LocalKafkaError(
                    f"Maven took over {_MAVEN_TIMEOUT:.0f}s: {shlex.join(cmd)}"
                ) from None
            finally:
                shutil.rmtree(staging, ignore_errors=True)
            jars = sorted(p.name for p in lib.glob("*.jar"))
            (root / _MARKER).write_text("\n".join([f"kafka {version}", *jars]) + "\n")
        return lib

    # ---- process bookkeeping

    def _is_our_broker(self, pid: int) -> bool:
        if not _pid_alive(pid):
            return False
        cmd = _cmdline(pid)
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
            _tool("java"),
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
            cluster_file.write_text(_cluster_id() + "\n")
        cluster_id = cluster_file.read_text().strip()
        cmd = self._java_command(
            lib,
            "kafka.tools.StorageTool",
            "format",
            "--standalone",
            "--ignore-formatted",
            "--cluster-id",
            cluster_id,
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
                f"{(proc.stdout + proc.stderr).strip()}\n{_tail(self.log_file, 20)}"
            )

    def _failure(self, why: str) -> LocalKafkaError:
        parts = [f"Kafka broker on {self.bootstrap} (state dir {self.home}): {why}"]
        for path in (self.log_file, self.out_file):
            tail = _tail(path)
            if tail:
                parts.append(f"--- last lines of {path} ---\n{tail}")
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
        with _locked(home / ".lock"):
            pid = self._find_pid()
            if pid is not None:
                self.pid_file.write_text(f"{pid}\n")
                self._wait_ready(pid, timeout, started_here=False)
                return
            self.pid_file.unlink(missing_ok=True)
            busy = [p for p in (self.port, self.controller_port) if not _port_free(p)]
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
            if _port_open(self.port):
                left = deadline - time.monotonic()
                problem = _probe_metadata(self.bootstrap, max(1.0, min(10.0, left)))
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
        with _locked(home / ".lock"):
            pid = self._find_pid()
            if pid is not None:
                self._terminate(pid, timeout)
            self.pid_file.unlink(missing_ok=True)

    def _terminate(self, pid: int, timeout: float) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        if self._wait_gone(pid, timeout):
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        if not self._wait_gone(pid, 10.0):
            raise LocalKafkaError(f"broker process {pid} survived SIGKILL")
        self.pid_file.unlink(missing_ok=True)

    @staticmethod
    def _wait_gone(pid: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while _pid_alive(pid):
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.1)
        _CHILDREN.pop(pid, None)
        return True

    def status(self) -> BrokerStatus:
        pid = self._find_pid() if self.home.is_dir() else None
        return BrokerStatus(
            running=pid is not None,
            pid=pid,
            bootstrap=self.bootstrap,
            version=self.version,
            state_dir=self.home,
            serving=pid is not None and _port_open(self.port),
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


# --------------------------------------------------------------------------- CLI


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``buzzwire kafka``: ``start|stop|status`` and the broker's settings.
    Destinations are prefixed ``kafka_`` so they cannot clash with the parent parser's."""
    parser.add_argument(
        "kafka_action",
        metavar="action",
        choices=("start", "stop", "status"),
        help="start (idempotent), stop or status of the local broker",
    )
    parser.add_argument(
        "--port",
        dest="kafka_port",
        metavar="PORT",
        type=int,
        default=None,
        help=f"broker port (default: $BUZZWIRE_KAFKA_PORT or {DEFAULT_PORT})",
    )
    parser.add_argument(
        "--controller-port",
        dest="kafka_controller_port",
        metavar="PORT",
        type=int,
        default=None,
        help=f"KRaft controller port (default: $BUZZWIRE_KAFKA_CONTROLLER_PORT or "
        f"{DEFAULT_CONTROLLER_PORT})",
    )
    parser.add_argument(
        "--state-dir",
        dest="kafka_state_dir",
        metavar="DIR",
        type=Path,
        default=None,
        help="data, logs and pid file (default: $BUZZWIRE_KAFKA_HOME or "
        "~/.cache/buzzwire/kafka-state/<port>)",
    )
    parser.add_argument(
        "--partitions",
        dest="kafka_partitions",
        metavar="N",
        type=int,
        default=4,
        help="partitions of auto-created topics (default: 4)",
    )
    parser.add_argument(
        "--timeout",
        dest="kafka_timeout",
        metavar="SECONDS",
        type=float,
        default=None,
        help="seconds to wait for start (default 120) or for a clean stop (default 30)",
    )


def _print_status(st: BrokerStatus, broker: LocalKafka) -> None:
    if st.running:
        state = "serving" if st.serving else "starting (port not open yet)"
        print(f"kafka {st.version}: running, pid {st.pid}, {state} on {st.bootstrap}")
        print(f"  url:       {broker.url}")
    else:
        print(f"kafka {st.version}: not running ({st.bootstrap})")
    print(f"  state dir: {st.state_dir}")
    print(f"  log:       {broker.log_file}")


def run(args: argparse.Namespace) -> int:
    """Run ``buzzwire kafka <action>``; 0 on success (``status``: 0 running, 3 not running)."""
    try:
        kwargs: dict[str, object] = {"partitions": args.kafka_partitions}
        if args.kafka_port is not None:
            kwargs["port"] = args.kafka_port
        if args.kafka_controller_port is not None:
            kwargs["controller_port"] = args.kafka_controller_port
        if args.kafka_state_dir is not None:
            kwargs["state_dir"] = args.kafka_state_dir
        broker = LocalKafka(**kwargs)  # type: ignore[arg-type]
        action = args.kafka_action
        if action == "start":
            before = broker.status()
            if before.running:
                print(f"kafka {broker.version}: already running (pid {before.pid}), checking ...")
            else:
                print(f"kafka {broker.version}: starting on {broker.bootstrap} ...", flush=True)
            began = time.monotonic()
            broker.start(timeout=args.kafka_timeout or 120.0)
            print(f"kafka {broker.version}: ready in {time.monotonic() - began:.1f}s")
            _print_status(broker.status(), broker)
            return 0
        if action == "stop":
            st = broker.status()
            if not st.running:
                broker.stop()  # clears a stale pid file
                print(f"kafka {broker.version}: not running ({broker.bootstrap})")
                return 0
            broker.stop(timeout=args.kafka_timeout or 30.0)
            print(f"kafka {broker.version}: stopped (pid {st.pid})")
            return 0
        st = broker.status()
        _print_status(st, broker)
        return 0 if st.running else 3
    except LocalKafkaError as exc:
        print(f"buzzwire kafka: {exc}", file=sys.stderr)
        return 1
