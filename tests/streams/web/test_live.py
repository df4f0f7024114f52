"""Live updates: ``/events`` streams what others change and how many new mentions arrived,
on a real server (uvicorn), read as it comes."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient

from streams.devstack.ports import free_port
from streams.store.database import async_engine
from streams.store.inbox import change_item
from streams.store.users import get_user
from streams.web.app import create_app
from tests.streams.web.conftest import Seeded, web_settings
from tests.streams.web.support import Post, csrf_of, sign_in, write_posts


@pytest.fixture
def server(seeded: Seeded) -> Iterator[str]:
    """The app on uvicorn in a thread; its base URL."""
    app = create_app(web_settings(seeded.url), poll_seconds=0.2, webhooks=False)
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    served = uvicorn.Server(config)
    thread = threading.Thread(target=served.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not served.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        served.should_exit = True
        thread.join(timeout=15)


def _signed_in(base: str, name: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=10, follow_redirects=True)
    form = client.get("/login")
    done = client.post(
        "/login",
        data={
            "name": name,
            "password": "correct horse battery staple",
            "csrf_token": csrf_of(form.text),
        },
    )
    assert done.status_code == 200, done.text  # followed to the inbox
    return client


def _events(response: httpx.Response) -> Iterator[tuple[str, Any]]:
    event = "message"
    for line in response.iter_lines():
        if line.startswith("event: "):
            event = line[7:]
        elif line.startswith("data: "):
            yield event, json.loads(line[6:])
            event = "message"


def _change_as(url: Any, name: str, brand: str, mention_id: str, **change: Any) -> None:
    async def run() -> None:
        engine = async_engine(url, pool_size=1)
        try:
            async with engine.begin() as conn:
                user = await get_user(conn, name)
                assert user is not None
                await change_item(
                    conn, user.scope, user.id, brand, mention_id, now=datetime.now(UTC), **change
                )
        finally:
            await engine.dispose()

    asyncio.run(run())


def test_another_users_change_and_new_mentions_arrive_live(server: str, seeded: Seeded) -> None:
    ana = _signed_in(server, "ana")
    page = ana.get("/inbox")
    events_url = page.text.split('data-events="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    assert events_url.startswith("/events?after=")
    seen: list[tuple[str, Any]] = []
    with ana.stream("GET", events_url) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        started = time.monotonic()
        changed = written = False
        for event, data in _events(response):
            seen.append((event, data))
            if not changed:  # the stream is up: ben changes an item, globex gets news
                _change_as(seeded.url, "ben", "acme", "acme-2", status="done")
                _change_as(seeded.url, "gus", "globex", "globex-1", status="done")
                changed = True
            if any(e == "changed" for e, _ in seen) and not written:
                write_posts(
                    seeded.url, [Post("acme-new", "acme", "acme, where is my order?", "en")]
                )
                written = True
            if ("new", {"count": 1}) in seen or time.monotonic() - started > 20:
                break
    changes = [c for e, d in seen if e == "changed" for c in d["changes"]]
    assert changes, seen
    assert {(c["brand"], c["mention_id"], c["by"], c["field"], c["value"]) for c in changes} == {
        ("acme", "acme-2", "ben", "status", "done")
    }  # gus's globex change is not in ana's scope
    assert changes[0]["row"] == "/rows/acme/acme-2" and changes[0]["dom_id"].startswith("item-")
    assert ("new", {"count": 1}) in seen
    # the row the page fetches shows the change
    assert 'data-status="done"' in ana.get(changes[0]["row"]).text


def test_a_reconnect_resumes_after_the_last_event(client: TestClient, seeded: Seeded) -> None:
    sign_in(client, "ana")
    _change_as(seeded.url, "ben", "acme", "acme-3", status="in_progress")
    _change_as(seeded.url, "ben", "acme", "acme-3", status="done")
    body = client.get("/events?audit=0").text  # the test app's streams end after 2 s
    assert body.startswith("retry: ")
    ids = [int(line[4:]) for line in body.splitlines() if line.startswith("id: ")]
    assert ids
    again = client.get("/events?audit=0", headers={"Last-Event-ID": str(ids[-1])}).text
    assert "event: changed" not in again


def test_events_need_a_session(client: TestClient) -> None:
    assert client.get("/events").status_code == 401
    sign_in(client, "ana")
    assert client.get("/events?after=yesterday").status_code == 422
