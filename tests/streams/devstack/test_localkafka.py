"""The local broker: rendered config, pid bookkeeping, and a real broker (integration)."""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import time
import uuid
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from streams.devstack import localkafka
from streams.devstack.localkafka import (
    LocalKafka,
    LocalKafkaError,
    RemoteKafka,
    jvm_heap_options,
    render_properties,
)
from streams.devstack.localkafka.properties import cluster_id
from streams.devstack.ports import free_ports, port_free


def _props(text: str) -> dict[str, str]:
    pairs = [line.split("=", 1) for line in text.splitlines() if line and not line.startswith("#")]
    assert all(len(p) == 2 for p in pairs)
    props = {k: v for k, v in pairs}
    assert len(props) == len(pairs), "a key is rendered twice"
    return props


def _dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


# --------------------------------------------------------------------------- unit


def test_render_properties_single_kraft_node(tmp_path: Path) -> None:
    props = _props(
        render_properties(port=19092, controller_port=19093, data_dir=tmp_path, partitions=7)
    )
    assert props["process.roles"] == "broker,controller"
    assert props["node.id"] == "1"
    assert props["controller.quorum.bootstrap.servers"] == "127.0.0.1:19093"
    assert "controller.quorum.voters" not in props  # `format --standalone` needs bootstrap
    assert props["listeners"] == "PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093"
    assert props["advertised.listeners"].split(",")[0] == "PLAINTEXT://127.0.0.1:19092"
    assert props["controller.listener.names"] == "CONTROLLER"
    assert props["log.dirs"] == str(tmp_path)
    assert props["num.partitions"] == "7"
    assert props["auto.create.topics.enable"] == "true"
    assert props["group.initial.rebalance.delay.ms"] == "0"
    for key in (
        "offsets.topic.replication.factor",
        "transaction.state.log.replication.factor",
        "transaction.state.log.min.isr",
        "share.coordinator.state.topic.replication.factor",
        "share.coordinator.state.topic.min.isr",
        "min.insync.replicas",
        "default.replication.factor",
    ):
        assert props[key] == "1", key
    assert 0 < int(props["log.segment.bytes"]) <= int(props["log.retention.bytes"])
    assert int(props["log.retention.hours"]) > 0


def test_render_properties_defaults_and_validation(tmp_path: Path) -> None:
    props = _props(render_properties(port=9092, controller_port=9093, data_dir=tmp_path))
    assert props["num.partitions"] == "4"
    with pytest.raises(ValueError, match="partitions"):
        render_properties(port=9092, controller_port=9093, data_dir=tmp_path, partitions=0)
    with pytest.raises(ValueError, match="differ"):
        render_properties(port=9092, controller_port=9092, data_dir=tmp_path)


def test_defaults_and_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("PORT", "CONTROLLER_PORT", "HOME", "HEAP", "VERSION"):
        monkeypatch.delenv(f"BUZZWIRE_KAFKA_{name}", raising=False)
    broker = LocalKafka()
    assert (broker.port, broker.controller_port) == (9092, 9093)
    assert broker.bootstrap == "127.0.0.1:9092"
    assert broker.url == "kafka://127.0.0.1:9092"
    assert broker.home == Path.home() / ".cache" / "buzzwire" / "kafka-state" / "9092"
    assert broker.version == localkafka.KAFKA_VERSION
    assert broker.heap_options() == ["-Xms256m", "-Xmx1g"]

    monkeypatch.setenv("BUZZWIRE_KAFKA_PORT", "29092")
    monkeypatch.setenv("BUZZWIRE_KAFKA_CONTROLLER_PORT", "29093")
    monkeypatch.setenv("BUZZWIRE_KAFKA_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("BUZZWIRE_KAFKA_HEAP", "2g")
    monkeypatch.setenv("BUZZWIRE_KAFKA_VERSION", "4.1.0")
    broker = LocalKafka()
    assert (broker.port, broker.controller_port) == (29092, 29093)
    assert broker.home == (tmp_path / "state").resolve()
    assert broker.heap_options() == ["-Xmx2g"]
    assert broker.version == "4.1.0"
    # constructor arguments win over the environment
    explicit = LocalKafka(port=1234, state_dir=tmp_path / "x", heap="-Xms1m -Xmx64m")
    assert explicit.port == 1234
    assert explicit.home == (tmp_path / "x").resolve()
    assert explicit.heap_options() == ["-Xms1m", "-Xmx64m"]


def test_heap_options() -> None:
    assert jvm_heap_options("512m") == ["-Xmx512m"]
    assert jvm_heap_options("-Xms128m -Xmx768m") == ["-Xms128m", "-Xmx768m"]
    assert jvm_heap_options("") == ["-Xms256m", "-Xmx1g"]


def test_cluster_id_is_a_kafka_uuid() -> None:
    ids = {cluster_id() for _ in range(200)}
    assert len(ids) == 200
    for cid in ids:
        assert len(cid) == 22 and not cid.startswith("-")
        assert set(cid) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def test_stale_pid_file_is_not_running_and_stop_clears_it(tmp_path: Path) -> None:
    port, controller = free_ports(2)
    broker = LocalKafka(port=port, controller_port=controller, state_dir=tmp_path)
    broker.pid_file.write_text(f"{_dead_pid()}\n")
    st = broker.status()
    assert not st.running and st.pid is None and not st.serving
    assert st.state_dir == tmp_path.resolve()
    broker.stop(timeout=1)
    assert not broker.pid_file.exists()


def test_pid_of_an_unrelated_process_is_never_signalled(tmp_path: Path) -> None:
    port, controller = free_ports(2)
    broker = LocalKafka(port=port, controller_port=controller, state_dir=tmp_path)
    sleeper = subprocess.Popen(["sleep", "30"])
    try:
        broker.pid_file.write_text(f"{sleeper.pid}\n")
        assert not broker.status().running
        broker.stop(timeout=1)
        assert sleeper.poll() is None, "stop() killed a process that is not our broker"
        assert not broker.pid_file.exists()
    finally:
        sleeper.kill()
        sleeper.wait()


def test_port_taken_by_another_program_fails_before_any_work(tmp_path: Path) -> None:
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        port = int(blocker.getsockname()[1])
        (controller,) = free_ports(1)
        broker = LocalKafka(port=port, controller_port=controller, state_dir=tmp_path)
        with pytest.raises(LocalKafkaError, match=rf"port\(s\) {port} already in use"):
            broker.start(timeout=5)
    assert not broker.pid_file.exists()
    assert not (tmp_path / "data").exists()  # nothing formatted, nothing launched


def test_remote_kafka_bootstrap() -> None:
    remote = RemoteKafka("kafka://kafka-1:9092;kafka://kafka-2:9093")
    assert remote.bootstrap == "kafka-1:9092,kafka-2:9093"
    assert not remote.managed


def test_cli_status_of_a_stopped_broker(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser()
    localkafka.add_arguments(parser)
    (port,) = free_ports(1)
    args = parser.parse_args(["status", "--port", str(port), "--state-dir", str(tmp_path)])
    assert localkafka.run(args) == 3
    out = capsys.readouterr().out
    assert "not running" in out and f"127.0.0.1:{port}" in out
    with pytest.raises(SystemExit):
        parser.parse_args(["restart"])


# --------------------------------------------------------------------------- integration


def _managed(broker: LocalKafka | RemoteKafka) -> LocalKafka:
    if not isinstance(broker, LocalKafka):
        pytest.skip("BUZZWIRE_TEST_BROKER_URL points at an external broker")
    return broker


@pytest.mark.integration
async def test_produce_and_consume_round_trip(kafka_broker: LocalKafka | RemoteKafka) -> None:
    topic = f"localkafka-rt-{uuid.uuid4().hex[:8]}"  # auto-created on first use
    producer = AIOKafkaProducer(bootstrap_servers=kafka_broker.bootstrap, acks="all")
    await producer.start()
    try:
        meta = await producer.send_and_wait(topic, b"hello", key=b"k1")
        if isinstance(kafka_broker, LocalKafka):
            assert await producer.partitions_for(topic) == set(range(kafka_broker.partitions))
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=kafka_broker.bootstrap,
        group_id=f"g-{topic}",
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        msg = await consumer.getone()  # bounded by the test timeout
        await consumer.commit()
        assert (msg.key, msg.value) == (b"k1", b"hello")
        assert (msg.partition, msg.offset) == (meta.partition, meta.offset)
    finally:
        await consumer.stop()


@pytest.mark.integration
def test_start_is_idempotent(kafka_broker: LocalKafka | RemoteKafka) -> None:
    broker = _managed(kafka_broker)
    before = broker.status()
    assert before.running and before.serving and before.pid is not None
    began = time.monotonic()
    broker.start(timeout=30)
    assert time.monotonic() - began < 10
    after = broker.status()
    assert after.pid == before.pid
    assert after.version == localkafka.kafka_version()
    # the Log4j 2 config is in effect: INFO lines in the state dir's server.log
    assert "INFO" in broker.log_file.read_text(errors="replace")


@pytest.mark.integration
def test_same_port_other_state_dir_fails_clearly(
    kafka_broker: LocalKafka | RemoteKafka, tmp_path: Path
) -> None:
    broker = _managed(kafka_broker)
    (controller,) = free_ports(1)
    intruder = LocalKafka(port=broker.port, controller_port=controller, state_dir=tmp_path)
    with pytest.raises(LocalKafkaError, match="already in use") as excinfo:
        intruder.start(timeout=20)
    assert str(broker.port) in str(excinfo.value)
    assert not intruder.status().running
    assert broker.status().serving  # the session broker is untouched


@pytest.mark.integration
def test_stop_leaves_no_process(kafka_broker: LocalKafka | RemoteKafka, tmp_path: Path) -> None:
    _managed(kafka_broker)  # needs java + the jars, which the session broker just proved
    port, controller = free_ports(2)
    broker = LocalKafka(port=port, controller_port=controller, state_dir=tmp_path, partitions=1)
    try:
        broker.start(timeout=120)
        st = broker.status()
        assert st.running and st.serving and st.pid is not None
        pid = st.pid
        assert broker.pid_file.read_text().strip() == str(pid)
        assert "kafka.Kafka" in Path(f"/proc/{pid}/cmdline").read_bytes().decode()
    finally:
        broker.stop(timeout=30)
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert not broker.pid_file.exists()
    assert not broker.status().running
    # the port is released and the broker shut down cleanly (logs flushed, broker completed)
    assert port_free(port)
    log = broker.log_file.read_text(errors="replace")
    assert "Shutdown complete. (kafka.log.LogManager)" in log
    assert "[BrokerServer id=1] shut down completed" in log
