"""Shared by the alert delivery tests: a sample alert, loopback HTTP receivers that record
what they get, and a harness around a started Deliverer."""

from __future__ import annotations

import asyncio
import copy
import json
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from pydantic import SecretStr

from streams.alerts.deliverer import Deliverer
from streams.alerts.routes import Route
from streams.devstack.ports import free_port

SECRET = "webhook-secret-ключ"

ALERT: dict[str, Any] = {
    "id": "acme:2026-11-01T12:03:00Z",
    "event": "opened",
    "status": "open",
    "sequence": 1,
    "brand": "acme",
    "brand_name": "Acme",
    "kind": "negative_surge",
    "severity": "major",
    "window": {"start": "2026-11-01T12:03:00Z", "end": "2026-11-01T12:04:00Z", "seconds": 60},
    "observed": 42,
    "expected": 6.1,
    "score": 0.97,
    "signal": "negative_mentions",
    "negative_share": {"observed": 0.81, "expected": 0.18},
    "volume": {"observed": 52, "expected": 31.0},
    "languages": {"en": 30, "es": 12, "ar": 5, "ja": 2},
    "samples": [
        {
            "id": "tw-1",
            "url": "https://x/1",
            "text": "Acme & co <!channel> never again > worst",
            "author": "@ana",
            "followers": 1234,
            "reach": 1240,
            "sentiment": "negative",
            "lang": "en",
            "created_at": "2026-11-01T12:03:10Z",
        },
        {
            "id": "tw-2",
            "url": "https://x/2",
            "text": "خدمة أكمي سيئة جدا 😡",
            "author": "@salim",
            "followers": 88,
            "lang": "ar",
        },
        {"id": "tw-3", "url": "https://x/3", "text": "最悪のサービス、アクメ", "author": "@yuki"},
    ],
    "opened_at": "2026-11-01T12:03:00Z",
    "updated_at": "2026-11-01T12:04:00Z",
    "resolved_at": None,
    "sent_at": "2026-11-01T12:04:01Z",
}


def make_alert(alert_id: str = ALERT["id"], **fields: Any) -> dict[str, Any]:
    alert = copy.deepcopy(ALERT)
    alert["id"] = alert_id
    alert.update(fields)
    return alert


# ---------------------------------------------------------------------------------------------
# loopback receivers


@dataclass
class Received:
    at: float
    path: str
    headers: dict[str, str]
    body: bytes
    status: int = 0

    def json(self) -> Any:
        return json.loads(self.body)


Responder = Callable[[Received], Awaitable[tuple[int, dict[str, str]]]]


@dataclass
class Receiver:
    """A real HTTP server on 127.0.0.1 that records requests and answers as scripted."""

    responses: deque[tuple[int, dict[str, str]]] = field(default_factory=deque)
    hang: bool = False
    responder: Responder | None = None
    requests: list[Received] = field(default_factory=list)
    release: asyncio.Event = field(default_factory=asyncio.Event)
    base: str = ""
    #: answer with a body that repeats the request's URL, path and query as the server sees
    #: them (decoded, normalised): what a hostile or chatty receiver sends back
    echo_url: bool = False

    def url(self, path: str = "/hook") -> str:
        return self.base + path

    async def handle(self, request: web.Request) -> web.Response:
        got = Received(time.monotonic(), request.path, dict(request.headers), await request.read())
        self.requests.append(got)
        if self.hang:
            await self.release.wait()
        if self.responder is not None:
            status, headers = await self.responder(got)
        elif self.responses:
            status, headers = self.responses.popleft()
        else:
            status, headers = 200, {}
        got.status = status
        text = "ok" if status < 300 else "no"
        if self.echo_url:
            text = (
                f"no hook at {request.url} (path {request.path}, raw {request.raw_path}, "
                f"query {request.query_string}, token {request.query.get('token')})"
            )
        return web.Response(status=status, headers=headers, text=text)

    @property
    def delivered(self) -> list[Received]:
        return [r for r in self.requests if 200 <= r.status < 300]


ReceiverFactory = Callable[..., Awaitable[Receiver]]


def closed_port() -> int:
    """A loopback port nothing listens on: connecting to it is refused."""
    return free_port()


# ---------------------------------------------------------------------------------------------
# deliverer harness


class DeadLetters:
    def __init__(self) -> None:
        self.letters: list[dict[str, Any]] = []

    async def __call__(self, letter: dict[str, Any]) -> None:
        self.letters.append(letter)

    @property
    def reasons(self) -> list[str]:
        return [d["reason"] for d in self.letters]


class Results:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str, float]] = []

    def __call__(self, route: str, outcome: str, seconds: float) -> None:
        self.calls.append((route, outcome, seconds))

    def outcomes(self, route: str | None = None) -> list[str]:
        return [o for r, o, _ in self.calls if route is None or r == route]


@dataclass
class Harness:
    deliverer: Deliverer
    dead: DeadLetters
    results: Results


HarnessFactory = Callable[..., Awaitable[Harness]]


def webhook(name: str, url: str, **fields: Any) -> Route:
    return Route(name=name, format="webhook", url=SecretStr(url), **fields)


async def eventually(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)
