"""The broker's configuration: ``server.properties`` of one KRaft node that is both broker and
controller, tuned for a small developer machine, and the cluster id its storage is formatted
with."""

from __future__ import annotations

import base64
import uuid
from pathlib import Path

from streams.devstack.localkafka.settings import HOST

__all__ = ["cluster_id", "render_properties"]


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
    lines = ["# Rendered by streams/devstack/localkafka; rewritten on every start.\n"]
    lines += [f"{key}={value}\n" for key, value in props]
    return "".join(lines)


def cluster_id() -> str:
    """A Kafka cluster id (what ``kafka-storage random-uuid`` prints): base64url of 16 bytes."""
    while True:
        text = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not text.startswith("-"):  # Kafka never hands out ids that look like an option
            return text
