"""Inbox webhooks: outbox rows delivered signed to a real local HTTP receiver, retried on 503,
given up on a final status, and never a secret in the log."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from streams.alerts.webhook import verify
from streams.devstack.ports import free_port
from streams.store.database import async_engine
from streams.store.inbox import change_item
from streams.store.schema import outbox
from streams.store.users import get_user
from streams.web.app import create_app
from streams.web.webhooks import OutboxDelivery
from tests.streams.web.conftest import Seeded, web_settings

SECRET = "s3cret-signing-key-do-not-log"


@dataclass
class Receiver:
    """A local HTTP server that answers with the next of ``statuses`` (then 200)."""

    statuses: list[int] = field(default_factory=list)
    got: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    url: str = ""

    async def handle(self, request: web.Request) -> web.Response:
        self.got.append((dict(request.headers), await request.read()))
        status = self.statuses.pop(0) if self.statuses else 200
        headers = {"Retry-After": "0"} if status == 503 else {}
        return web.Response(status=status, text="busy" if status >= 300 else "ok", headers=headers)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    found = Receiver()
    app = web.Application()
    app.router.add_post("/hooks/{token}", found.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    found.url = f"http://127.0.0.1:{port}/hooks/tok-abcdef123456"
    try:
        yield found
    finally:
        await runner.cleanup()


@pytest.fixture
async def engine(seeded: Seeded) -> AsyncIterator[AsyncEngine]:
    eng = async_engine(seeded.url, pool_size=2)
    try:
        yield eng
    finally:
        await eng.dispose()


async def _mark_done(engine: AsyncEngine, name: str, brand: str, mention_id: str) -> None:
    async with engine.begin() as conn:
        user = await get_user(conn, name)
        assert user is not None
        await change_item(
            conn, user.scope, user.id, brand, mention_id, status="done", now=datetime.now(UTC)
        )


async def _rows(engine: AsyncEngine) -> list[dict[str, Any]]:
    async with engine.connect() as conn:
        found = await conn.execute(select(outbox).order_by(outbox.c.id))
        return [dict(r._mapping) for r in found]


async def test_delivered_signed_and_retried_on_503(
    engine: AsyncEngine, receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    await _mark_done(engine, "ana", "acme", "acme-1")
    receiver.statuses = [503, 503]
    delivery = OutboxDelivery(
        engine=engine, url=SecretStr(receiver.url), secret=SecretStr(SECRET), backoff_base=0.05
    )
    async with aiohttp.ClientSession() as session:
        deadline = time.monotonic() + 20
        while len(receiver.got) < 3 and time.monotonic() < deadline:
            await delivery.deliver_due(session)
            await asyncio.sleep(0.05)
    assert len(receiver.got) == 3
    deliveries = {headers["X-Buzzwire-Delivery"] for headers, _ in receiver.got}
    assert len(deliveries) == 1  # the same on each retry
    for headers, body in receiver.got:
        assert verify(body, SECRET, headers["X-Buzzwire-Signature"])
        assert not verify(body, "another secret", headers["X-Buzzwire-Signature"])
        assert headers["X-Buzzwire-Event"] == "inbox.status_changed"
        assert headers["Content-Type"] == "application/json"
    sent = json.loads(receiver.got[-1][1])
    assert sent["event"] == "inbox.status_changed" and sent["delivery"] in deliveries
    assert sent["data"]["brand"] == "acme" and sent["data"]["mention_id"] == "acme-1"
    assert sent["data"]["status"] == "done" and sent["data"]["previous_status"] == "open"
    [row] = await _rows(engine)
    assert row["delivered_at"] is not None and row["attempts"] == 3 and row["last_error"] is None
    # nothing is sent twice
    async with aiohttp.ClientSession() as session:
        assert await delivery.deliver_due(session) == 0
    assert len(receiver.got) == 3
    logged = caplog.text
    assert "http_503" in logged and "127.0.0.1" in logged
    assert SECRET not in logged and "tok-abcdef123456" not in logged


async def test_a_final_status_is_not_retried(engine: AsyncEngine, receiver: Receiver) -> None:
    await _mark_done(engine, "gus", "globex", "globex-1")
    receiver.statuses = [404]
    delivery = OutboxDelivery(engine=engine, url=SecretStr(receiver.url), backoff_base=0.01)
    async with aiohttp.ClientSession() as session:
        assert await delivery.deliver_due(session) == 1
        await asyncio.sleep(0.05)
        assert await delivery.deliver_due(session) == 0
    assert len(receiver.got) == 1
    assert "X-Buzzwire-Signature" not in receiver.got[0][0]  # no secret, no signature
    [row] = await _rows(engine)
    assert row["delivered_at"] is None and row["last_error"] == "http_404"


async def test_an_unreachable_receiver_is_retried_without_leaking(
    engine: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    await _mark_done(engine, "ana", "acme", "acme-2")
    url = f"http://127.0.0.1:{free_port()}/hooks/tok-abcdef123456"
    delivery = OutboxDelivery(
        engine=engine, url=SecretStr(url), secret=SecretStr(SECRET), backoff_base=10
    )
    async with aiohttp.ClientSession() as session:
        assert await delivery.deliver_due(session) == 1
        assert await delivery.deliver_due(session) == 0  # not due yet
    [row] = await _rows(engine)
    assert row["delivered_at"] is None and row["attempts"] == 1
    assert row["last_error"].startswith("connection_error")
    assert "tok-abcdef123456" not in row["last_error"] and SECRET not in caplog.text
    assert "tok-abcdef123456" not in caplog.text


def test_the_web_process_delivers_in_the_background(seeded: Seeded) -> None:
    """buzzwire web with BUZZWIRE_INBOX_WEBHOOK_URL: a change through the API arrives."""
    got: list[tuple[dict[str, str], bytes]] = []

    async def serve() -> None:
        async def handle(request: web.Request) -> web.Response:
            got.append((dict(request.headers), await request.read()))
            return web.Response(text="ok")

        app = web.Application()
        app.router.add_post("/in", handle)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        try:
            while not stop.is_set():
                await asyncio.sleep(0.05)
        finally:
            await runner.cleanup()

    port = free_port()
    stop = threading.Event()
    thread = threading.Thread(target=lambda: asyncio.run(serve()), daemon=True)
    thread.start()
    settings = web_settings(
        seeded.url,
        inbox_webhook_url=f"http://127.0.0.1:{port}/in",
        inbox_webhook_secret=SECRET,
    )
    try:
        app = create_app(settings)
        with TestClient(app) as client:
            headers = {"Authorization": f"Bearer {seeded.tokens['ana']}"}
            changed = client.patch(
                "/api/mentions/acme/acme-3", json={"status": "done"}, headers=headers
            )
            assert changed.status_code == 200
            deadline = time.monotonic() + 15
            while not got and time.monotonic() < deadline:
                time.sleep(0.1)
    finally:
        stop.set()
        thread.join(timeout=10)
    assert len(got) == 1
    headers, body = got[0]
    assert verify(body, SECRET, headers["X-Buzzwire-Signature"])
    assert json.loads(body)["data"]["mention_id"] == "acme-3"
