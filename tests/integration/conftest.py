"""Shared set-up of integration tests: a real `buzzwire worker` on the session's broker."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from streams.admin import PIPELINE_TOPICS, create_topics, delete_topics_with_prefix
from streams.config import Settings
from streams.workerproc import WorkerProcess, free_port, worker_env


@contextmanager
def running_worker(
    kafka_broker: Any, tmp_path: Path, name: str, env: dict[str, str] | None = None
) -> Iterator[tuple[Settings, WorkerProcess]]:
    """A worker with its own topic prefix and app id (its topics are created first and deleted
    after); ``env`` adds settings. Asserts that the worker stopped cleanly."""
    run = uuid.uuid4().hex[:8]
    settings = Settings(
        broker_url=kafka_broker.url,
        topic_prefix=f"{name}-{run}.",
        app_id=f"buzzwire-{name}-{run}",
        topic_partitions=4,
        data_dir=tmp_path / "data",
    )
    asyncio.run(
        create_topics(
            settings.bootstrap_servers,
            [settings.topic(t) for t in PIPELINE_TOPICS],
            settings.topic_partitions,
        )
    )
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
        asyncio.run(
            delete_topics_with_prefix(
                settings.bootstrap_servers, [settings.topic_prefix, settings.app_id]
            )
        )
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
