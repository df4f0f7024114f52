"""Fixtures of the alert delivery tests: loopback receivers and started Deliverers, each torn
down at the end of the test."""

from __future__ import annotations

from collections import deque
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web

from streams.alerts.deliverer import Deliverer
from streams.alerts.routes import Route
from tests.streams.alerts.support import (
    DeadLetters,
    Harness,
    HarnessFactory,
    Receiver,
    ReceiverFactory,
    Results,
)


@pytest.fixture
async def receiver() -> AsyncIterator[ReceiverFactory]:
    runners: list[tuple[web.AppRunner, Receiver]] = []

    async def start(**kwargs: Any) -> Receiver:
        if "responses" in kwargs:
            kwargs["responses"] = deque(kwargs["responses"])
        rec = Receiver(**kwargs)
        app = web.Application()
        app.router.add_post("/{tail:.*}", rec.handle)
        runner = web.AppRunner(app, shutdown_timeout=0.5)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        rec.base = f"http://{host}:{port}"
        runners.append((runner, rec))
        return rec

    yield start
    for runner, rec in runners:
        rec.release.set()
        await runner.cleanup()


@pytest.fixture
async def harness() -> AsyncIterator[HarnessFactory]:
    made: list[Deliverer] = []

    async def make(routes: list[Route], **kwargs: Any) -> Harness:
        dead, results = DeadLetters(), Results()
        options: dict[str, Any] = {"backoff_base": 0.01, "backoff_max": 0.05}
        options.update(kwargs)
        deliverer = Deliverer(routes, on_dead_letter=dead, on_result=results, **options)
        await deliverer.start()
        made.append(deliverer)
        return Harness(deliverer, dead, results)

    yield make
    for deliverer in made:
        await deliverer.stop(timeout=1.0)
