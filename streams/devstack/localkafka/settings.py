"""The local broker's settings: the pinned Kafka version, the defaults, what the environment
overrides (``BUZZWIRE_KAFKA_*``), and the ``java`` and ``mvn`` it runs."""

from __future__ import annotations

import os
import shlex
import shutil
from pathlib import Path

__all__ = [
    "DEFAULT_CONTROLLER_PORT",
    "DEFAULT_HEAP",
    "DEFAULT_PORT",
    "HOST",
    "KAFKA_VERSION",
    "LocalKafkaError",
    "cache_root",
    "default_controller_port",
    "default_port",
    "jvm_heap_options",
    "kafka_version",
    "tool",
]

#: The pinned Apache Kafka release (the latest 4.1.x on Maven Central when it was pinned).
KAFKA_VERSION = "4.1.2"
DEFAULT_HEAP = "-Xms256m -Xmx1g"
DEFAULT_PORT = 9092
DEFAULT_CONTROLLER_PORT = 9093
HOST = "127.0.0.1"


class LocalKafkaError(RuntimeError):
    """The local broker could not be set up, started or stopped; the message says why."""


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise LocalKafkaError(f"{name}={raw!r} is not an integer") from None


def default_port() -> int:
    """The broker (client) port: ``BUZZWIRE_KAFKA_PORT`` or 9092."""
    return _env_int("BUZZWIRE_KAFKA_PORT", DEFAULT_PORT)


def default_controller_port() -> int:
    """The KRaft controller port: ``BUZZWIRE_KAFKA_CONTROLLER_PORT`` or 9093."""
    return _env_int("BUZZWIRE_KAFKA_CONTROLLER_PORT", DEFAULT_CONTROLLER_PORT)


def cache_root() -> Path:
    """Where the jars of each Kafka version are cached: ``BUZZWIRE_KAFKA_CACHE`` or
    ``~/.cache/buzzwire/kafka``."""
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


def tool(name: str) -> str:
    """The path of ``java`` (``$JAVA_HOME/bin/java`` first) or ``mvn``; raises
    ``LocalKafkaError`` saying how to install it when it is missing."""
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
