"""Shared set-up of integration tests: a real `buzzwire worker` on the session's broker."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer

from streams.config import Settings
from streams.devstack.ports import free_port
from streams.devstack.workerproc import WorkerProcess, worker_env
from streams.pipeline.admin import PIPELINE_TOPICS, create_topics, delete_topics_with_prefix


def pipeline_settings(
    kafka_broker: Any, tmp_path: Path, name: str, partitions: int = 4
) -> Settings:
    """Settings of a test's own pipeline (a topic prefix and app id of its own), with its topics
    created; ``drop_pipeline`` deletes them."""
    run = uuid.uuid4().hex[:8]
    settings = Settings(
        broker_url=kafka_broker.url,
        topic_prefix=f"{name}-{run}.",
        app_id=f"buzzwire-{name}-{run}",
        topic_partitions=partitions,
        data_dir=tmp_path / "data",
    )
    asyncio.run(
        create_topics(
            settings.bootstrap_servers,
            [settings.topic(t) for t in PIPELINE_TOPICS],
            settings.topic_partitions,
        )
    )
    return settings


def drop_pipeline(settings: Settings) -> None:
    """Delete the topics of ``pipeline_settings`` (its changelogs too)."""
    asyncio.run(
        delete_topics_with_prefix(
            settings.bootstrap_servers, [settings.topic_prefix, settings.app_id]
        )
    )


@contextmanager
def running_worker(
    kafka_broker: Any, tmp_path: Path, name: str, env: dict[str, str] | None = None
) -> Iterator[tuple[Settings, WorkerProcess]]:
    """A worker with its own topic prefix and app id (its topics are created first and deleted
    after); ``env`` adds settings. Asserts that the worker stopped cleanly."""
    settings = pipeline_settings(kafka_broker, tmp_path, name)
    worker = WorkerProcess(
        env={**worker_env(settings), **(env or {})},
        log_path=tmp_path / "worker.log",
        web_port=free_port(),
    )
    worker.start()
    try:
        worker.wait_ready(timeout=180)
        yield settings, worker
    finally:
        code = worker.stop()
        drop_pipeline(settings)
    assert code == 0, f"worker did not stop cleanly ({code}):\n{worker.log_tail()}"


class WebhookServer:
    """A real webhook receiver on loopback. It records ``(path, headers, body)`` of every POST
    and answers 204, or 503 on the ``failing`` paths (to exercise retries and dead letters)."""

    def __init__(self, failing: frozenset[str] = frozenset()) -> None:
        received: list[tuple[str, dict[str, str], bytes]] = []
        self.received = received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                received.append((self.path, dict(self.headers.items()), body))
                self.send_response(503 if self.path in failing else 204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> WebhookServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def webhook_routes(path: Path, urls: Mapping[str, str], secret_env: str) -> Path:
    """Write an alert routes file: one signed webhook route per ``name: url``, every brand."""
    lines = ["routes:"]
    for name, url in urls.items():
        lines += [
            f"  - name: {name}",
            '    brands: ["*"]',
            "    format: webhook",
            f"    url: {url}",
            f"    secret_env: {secret_env}",
        ]
    path.write_text("\n".join(lines) + "\n")
    return path


async def read_topics(
    bootstrap: str,
    topics: list[str],
    done: Callable[[dict[str, list[Any]]], bool],
    timeout: float,
    settle: float = 5.0,
) -> dict[str, list[Any]]:
    """The records of ``topics`` from the beginning, read until ``done(records by topic)`` and
    then ``settle`` seconds more (more output than expected would be a bug), or ``timeout``.
    Read as buzzwire's consumers read, ``read_committed``: what aborted transactions wrote is
    never seen."""
    consumer = AIOKafkaConsumer(
        *topics,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        group_id=None,
        isolation_level="read_committed",
    )
    out: dict[str, list[Any]] = {t: [] for t in topics}
    await consumer.start()
    try:
        deadline = time.monotonic() + timeout
        settled_at: float | None = None
        while time.monotonic() < deadline:
            for tp, records in (await consumer.getmany(timeout_ms=500)).items():
                out[tp.topic].extend(records)
            if settled_at is None and done(out):
                settled_at = time.monotonic()
            if settled_at is not None and time.monotonic() - settled_at > settle:
                break
    finally:
        await consumer.stop()
    return out
