"""Health that tells the truth: /ready fails while the broker is down, error logs stay few,
and a replacement worker takes over within seconds of a kill -9."""

from __future__ import annotations

import asyncio
import json
import signal
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from streams.devstack.localkafka import LocalKafka
from streams.devstack.ports import free_port, free_ports
from streams.devstack.workerproc import WorkerProcess, worker_env
from tests.integration.conftest import drop_pipeline, pipeline_settings, running_worker

pytestmark = pytest.mark.integration


def ready(worker: WorkerProcess) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(worker.ready_url, timeout=3) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def wait_for(condition: Any, timeout: float, what: str) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if condition():
            return time.monotonic() - started
        time.sleep(0.5)
    raise AssertionError(f"{what} not within {timeout:.0f} s")


def error_lines(log: Path) -> int:
    return sum(" ERROR " in line or "[ERROR]" in line for line in log.read_text().splitlines())


def test_ready_fails_while_the_broker_is_down_and_errors_stay_few(tmp_path: Path) -> None:
    port, controller = free_ports(2)
    broker = LocalKafka(port=port, controller_port=controller, state_dir=tmp_path / "kafka")
    broker.start(timeout=180)
    try:
        env = {"BUZZWIRE_SENTIMENT_MODEL": "linear"}
        with running_worker(broker, tmp_path, "health", env=env) as (_, worker):
            assert ready(worker)[0] == 200
            before = error_lines(worker.log_path)
            broker.stop()
            down = wait_for(lambda: ready(worker)[0] == 503, 60, "/ready failing")
            status, body = ready(worker)
            assert status == 503
            assert any("broker" in p for p in body["problems"]), body
            time.sleep(20)  # the outage goes on: Kafka clients retry and log
            errors = error_lines(worker.log_path) - before
            # each kind of error at most once every 10 s (it was thousands a second)
            assert errors < 150, f"{errors} ERROR lines in {down + 20:.0f} s"
            broker.start(timeout=180)
            wait_for(lambda: ready(worker)[0] == 200, 120, "/ready back to 200")
    finally:
        broker.stop()


def group_members(bootstrap: str, group: str) -> int:
    """How many members the broker counts in the consumer group ``group``."""
    from aiokafka.admin import AIOKafkaAdminClient

    async def count() -> int:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
        await admin.start()
        try:
            (response,) = await admin.describe_consumer_groups([group])
            (described,) = response.groups
            return len(described[5])  # (error, id, state, protocol type, protocol, members...)
        finally:
            await admin.close()

    return asyncio.run(count())


def test_a_replacement_takes_over_within_seconds_of_a_kill(
    kafka_broker: Any, tmp_path: Path
) -> None:
    """After kill -9 the group waits for the dead member's session to time out before it
    rebalances: with Faust's 60 s default a replacement waited ~56 s."""
    settings = pipeline_settings(kafka_broker, tmp_path, "takeover", partitions=2)
    env = {**worker_env(settings), "BUZZWIRE_SENTIMENT_MODEL": "linear"}
    first = WorkerProcess(env=env, log_path=tmp_path / "first.log", web_port=free_port())
    second = WorkerProcess(env=env, log_path=tmp_path / "second.log", web_port=free_port())
    try:
        first.start()
        first.wait_ready(timeout=180)
        second.start()
        second.wait_ready(timeout=180)  # both in the group, partitions shared
        bootstrap, group = settings.bootstrap_servers, settings.app_id
        wait_for(lambda: group_members(bootstrap, group) == 2, 60, "two members in the group")
        assert first.proc is not None
        first.proc.send_signal(signal.SIGKILL)
        first.proc.wait()
        # the group drops the dead member once its session times out, and the survivor takes
        # its partitions (a rebalance), then is ready again
        gone = wait_for(lambda: group_members(bootstrap, group) == 1, 90, "the dead member gone")
        assert gone < settings.consumer_session_timeout_seconds + 10, f"{gone:.0f} s"
        wait_for(lambda: ready(second)[0] == 200, 60, "the survivor ready again")
    finally:
        second.stop()
        first.stop()
        drop_pipeline(settings)
