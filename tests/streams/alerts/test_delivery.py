"""Tests for streams.alerts.delivery against real HTTP servers on loopback (aiohttp.web)."""

from __future__ import annotations

import asyncio
import copy
import json
import re
import socket
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest
from aiohttp import web
from pydantic import SecretStr

from streams.alerts.delivery import (
    Deliverer,
    encode_alert,
    parse_retry_after,
    sign,
    slack_escape,
    slack_payload,
    verify,
)
from streams.alerts.routes import Route

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
        return web.Response(status=status, headers=headers, text="ok" if status < 300 else "no")

    @property
    def delivered(self) -> list[Received]:
        return [r for r in self.requests if 200 <= r.status < 300]


ReceiverFactory = Callable[..., Awaitable[Receiver]]


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


def closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


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


def webhook(name: str, url: str, **fields: Any) -> Route:
    return Route(name=name, format="webhook", url=SecretStr(url), **fields)


async def eventually(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)


# ---------------------------------------------------------------------------------------------
# signing


def test_sign_matches_known_hmac_vector() -> None:
    body = b"The quick brown fox jumps over the lazy dog"
    assert sign(body, "key") == (
        "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
    )


def test_verify() -> None:
    body = encode_alert(ALERT)
    header = sign(body, SECRET)
    assert verify(body, SECRET, header)
    assert not verify(body + b" ", SECRET, header)
    assert not verify(body, "other", header)
    assert not verify(body, SECRET, None)
    assert not verify(body, SECRET, "")
    assert not verify(body, SECRET, header.replace("sha256=", "sha1="))
    assert not verify(body, SECRET, "sha256=ключ")  # non-ASCII garbage: False, no exception


def test_encode_alert_is_compact_utf8() -> None:
    body = encode_alert({"text": "خدمة 😡", "n": 1})
    assert body == '{"text":"خدمة 😡","n":1}'.encode()


async def test_webhook_signed_over_exact_body(
    receiver: ReceiverFactory, harness: HarnessFactory
) -> None:
    rec = await receiver()
    route = webhook(
        "bus", rec.url("/hooks/buzzwire"), secret=SecretStr(SECRET), headers=(("X-Team", "pr"),)
    )
    h = await harness([route])
    h.deliverer.submit(ALERT)
    await eventually(lambda: len(rec.delivered) == 1)
    got = rec.requests[0]
    assert got.path == "/hooks/buzzwire"
    assert verify(got.body, SECRET, got.headers["X-Buzzwire-Signature"])
    assert got.body == encode_alert(ALERT)
    assert got.json() == ALERT
    assert "خدمة أكمي سيئة جدا 😡".encode() in got.body  # UTF-8, not \u escapes
    assert got.headers["Content-Type"] == "application/json"
    assert got.headers["X-Buzzwire-Event"] == "opened"
    assert got.headers["X-Buzzwire-Alert-Id"] == ALERT["id"]
    assert re.fullmatch(r"[0-9a-f]{32}", got.headers["X-Buzzwire-Delivery"])
    assert got.headers["X-Team"] == "pr"
    assert h.results.outcomes() == ["delivered"]
    assert h.dead.letters == []


async def test_webhook_without_secret_is_unsigned(
    receiver: ReceiverFactory, harness: HarnessFactory
) -> None:
    rec = await receiver()
    h = await harness([webhook("bus", rec.url())])
    h.deliverer.submit(make_alert(event="resolved"))
    h.deliverer.submit(make_alert("acme:other"))
    await eventually(lambda: len(rec.delivered) == 2)
    assert all("X-Buzzwire-Signature" not in r.headers for r in rec.requests)
    assert sorted(r.headers["X-Buzzwire-Event"] for r in rec.requests) == ["opened", "resolved"]
    deliveries = {r.headers["X-Buzzwire-Delivery"] for r in rec.requests}
    assert len(deliveries) == 2  # one id per delivery


async def test_caller_mutating_alert_after_submit_does_not_change_delivery(
    receiver: ReceiverFactory, harness: HarnessFactory
) -> None:
    rec = await receiver()
    h = await harness([webhook("bus", rec.url())])
    alert = make_alert()
    h.deliverer.submit(alert)
    alert["severity"] = "critical"
    await eventually(lambda: len(rec.delivered) == 1)
    assert rec.requests[0].json()["severity"] == "major"


# ---------------------------------------------------------------------------------------------
# retries and dead letters


async def test_retries_5xx_then_delivers_once(
    receiver: ReceiverFactory, harness: HarnessFactory
) -> None:
    rec = await receiver(responses=[(500, {}), (503, {})])
    h = await harness([webhook("bus", rec.url(), secret=SecretStr(SECRET))], max_attempts=5)
    h.deliverer.submit(ALERT)
    await eventually(lambda: len(rec.delivered) == 1)
    await asyncio.sleep(0.1)  # nothing more arrives
    assert [r.status for r in rec.requests] == [500, 503, 200]
    assert len({r.headers["X-Buzzwire-Delivery"] for r in rec.requests}) == 1
    assert len({r.body for r in rec.requests}) == 1
    assert all(verify(r.body, SECRET, r.headers["X-Buzzwire-Signature"]) for r in rec.requests)
    assert h.results.outcomes("bus") == ["retry", "retry", "delivered"]
    assert h.dead.letters == []


async def test_429_retry_after_is_honoured(
    receiver: ReceiverFactory, harness: HarnessFactory
) -> None:
    rec = await receiver(responses=[(429, {"Retry-After": "1"})])
    h = await harness([webhook("bus", rec.url())], backoff_max=5.0)
    h.deliverer.submit(ALERT)
    await eventually(lambda: len(rec.delivered) == 1)
    # the receiver has the request before the deliverer has read its answer
    await eventually(lambda: len(h.results.outcomes()) == 2)
    first, second = rec.requests
    assert second.at - first.at >= 0.9  # the backoff alone would be ~0.01 s
    assert h.results.outcomes() == ["retry", "delivered"]


async def test_retry_after_is_capped_by_backoff_max(
    receiver: ReceiverFactory, harness: HarnessFactory
) -> None:
    rec = await receiver(responses=[(429, {"Retry-After": "3600"})])
    h = await harness([webhook("bus", rec.url())], backoff_max=0.1)
    h.deliverer.submit(ALERT)
    await eventually(lambda: len(rec.delivered) == 1, timeout=3.0)
    first, second = rec.requests
    assert second.at - first.at < 1.0


async def test_404_dead_letters_after_one_attempt(
    receiver: ReceiverFactory, harness: HarnessFactory
) -> None:
    rec = await receiver(responses=[(404, {})])
    route = Route(
        name="pr-slack", format="slack", url=SecretStr(rec.url("/services/T1/B2/SECRETTOKEN"))
    )
    h = await harness([route], max_attempts=5)
    h.deliverer.submit(ALERT)
    await eventually(lambda: len(h.dead.letters) == 1)
    await asyncio.sleep(0.1)
    assert len(rec.requests) == 1
    (letter,) = h.dead.letters
    assert letter["reason"] == "http_404"
    assert "404" in letter["error"]
    assert letter["attempts"] == 1
    assert letter["alert"] == ALERT
    assert letter["route"] == {"name": "pr-slack", "format": "slack", "url": f"{rec.base}/…"}
    assert datetime.fromisoformat(letter["dead_lettered_at"]).tzinfo is not None
    assert "SECRETTOKEN" not in json.dumps(letter)
    assert h.results.outcomes() == ["failed"]


async def test_server_down_dead_letters_after_max_attempts(harness: HarnessFactory) -> None:
    url = f"http://127.0.0.1:{closed_port()}/hook/TOPSECRETPATH"
    h = await harness([webhook("down", url)], max_attempts=3)
    h.deliverer.submit(ALERT)
    await eventually(lambda: len(h.dead.letters) == 1)
    (letter,) = h.dead.letters
    assert letter["reason"] == "connection_error"
    assert letter["attempts"] == 3
    assert letter["error"]
    assert "TOPSECRETPATH" not in json.dumps(letter)
    assert h.results.outcomes() == ["retry", "retry", "failed"]


async def test_timeout_is_retried_then_dead_lettered(
    receiver: ReceiverFactory, harness: HarnessFactory
) -> None:
    rec = await receiver(hang=True)
    h = await harness([webhook("slow", rec.url(), timeout_seconds=0.2)], max_attempts=2)
    h.deliverer.submit(ALERT)
    await eventually(lambda: len(h.dead.letters) == 1)
    assert h.dead.reasons == ["timeout"]
    assert h.dead.letters[0]["attempts"] == 2
    assert len(rec.requests) == 2


async def test_redirect_is_not_followed(receiver: ReceiverFactory, harness: HarnessFactory) -> None:
    rec = await receiver(responses=[(307, {"Location": "/elsewhere"})])
    h = await harness([webhook("bus", rec.url())])
    h.deliverer.submit(ALERT)
    await eventually(lambda: len(h.dead.letters) == 1)
    assert h.dead.reasons == ["http_307"]
    assert [r.path for r in rec.requests] == ["/hook"]


# ---------------------------------------------------------------------------------------------
# never blocking: submit, queue full, stop


async def test_submit_returns_immediately_when_server_hangs(
    receiver: ReceiverFactory, harness: HarnessFactory
) -> None:
    rec = await receiver(hang=True)
    h = await harness([webhook("hang", rec.url(), timeout_seconds=30)], concurrency=4)
    alerts = [make_alert(f"acme:{i}") for i in range(100)]
    started = time.perf_counter()
    for alert in alerts:
        h.deliverer.submit(alert)
    elapsed = time.perf_counter() - started
    assert elapsed < 0.05
    await eventually(lambda: len(rec.requests) == 4)  # the 4 workers are stuck in requests
    assert h.deliverer.queue_depths() == {"hang": 96}

    await h.deliverer.stop(timeout=0.2)
    assert len(h.dead.letters) == 100
    assert set(h.dead.reasons) == {"shutdown"}
    assert {d["alert"]["id"] for d in h.dead.letters} == {a["id"] for a in alerts}
    assert sorted(d["attempts"] for d in h.dead.letters) == [0] * 96 + [1] * 4


async def test_queue_full_is_dead_lettered(
    receiver: ReceiverFactory, harness: HarnessFactory
) -> None:
    rec = await receiver(hang=True)
    h = await harness([webhook("hang", rec.url())], queue_size=2, concurrency=1)
    for i in range(5):
        h.deliverer.submit(make_alert(f"acme:{i}"))
    await eventually(lambda: len(h.dead.letters) == 3)
    assert h.dead.reasons == ["queue_full"] * 3
    assert [d["alert"]["id"] for d in h.dead.letters] == ["acme:2", "acme:3", "acme:4"]
    assert all(d["attempts"] == 0 for d in h.dead.letters)
    assert h.results.outcomes() == ["rejected"] * 3
    # the worker took one, so there is room again
    await eventually(lambda: len(rec.requests) == 1)
    h.deliverer.submit(make_alert("acme:5"))
    await asyncio.sleep(0.05)
    assert len(h.dead.letters) == 3


async def test_stop_drains_when_the_server_answers(
    receiver: ReceiverFactory, harness: HarnessFactory
) -> None:
    rec = await receiver()
    h = await harness([webhook("bus", rec.url())])
    for i in range(10):
        h.deliverer.submit(make_alert(f"acme:{i}"))
    await h.deliverer.stop(timeout=5.0)
    assert len(rec.delivered) == 10
    assert h.dead.letters == []


async def test_stop_dead_letters_what_is_left(harness: HarnessFactory) -> None:
    url = f"http://127.0.0.1:{closed_port()}/hook"
    h = await harness([webhook("down", url)], backoff_base=30.0, backoff_max=30.0, concurrency=1)
    h.deliverer.submit(make_alert("acme:1"))
    h.deliverer.submit(make_alert("acme:2"))
    await eventually(lambda: h.results.outcomes() == ["retry"])  # acme:1 is backing off
    started = time.monotonic()
    await h.deliverer.stop(timeout=0.2)
    assert time.monotonic() - started < 2.0
    assert h.dead.reasons == ["shutdown", "shutdown"]
    assert [d["alert"]["id"] for d in h.dead.letters] == ["acme:1", "acme:2"]
    assert [d["attempts"] for d in h.dead.letters] == [1, 0]
    # after stop, a submit is dead-lettered too (not lost, not raised)
    h.deliverer.submit(make_alert("acme:3"))
    await eventually(lambda: len(h.dead.letters) == 3)
    assert h.dead.letters[2]["reason"] == "shutdown"


async def test_submit_never_raises(receiver: ReceiverFactory, harness: HarnessFactory) -> None:
    rec = await receiver()
    h = await harness([webhook("bus", rec.url())])
    h.deliverer.submit("not an alert")  # type: ignore[arg-type]
    odd: dict[Any, Any] = {"brand": "acme", "weird": {1, 2}, 3: "non-str key"}
    h.deliverer.submit(odd)
    await eventually(lambda: len(rec.delivered) == 1)
    body = rec.requests[0].json()
    assert body["weird"] in ("{1, 2}", "{2, 1}")
    assert body["3"] == "non-str key"


async def test_failing_callbacks_do_not_stop_delivery(receiver: ReceiverFactory) -> None:
    rec = await receiver(responses=[(404, {})])
    calls: list[str] = []

    async def bad_dead_letter(letter: dict[str, Any]) -> None:
        calls.append(letter["reason"])
        raise RuntimeError("kafka is down")

    def bad_result(route: str, outcome: str, seconds: float) -> None:
        raise RuntimeError("metrics broken")

    deliverer = Deliverer(
        [webhook("bus", rec.url())], on_dead_letter=bad_dead_letter, on_result=bad_result
    )
    await deliverer.start()
    try:
        deliverer.submit(make_alert("acme:1"))  # 404 -> dead letter -> callback raises
        await eventually(lambda: calls == ["http_404"])
        deliverer.submit(make_alert("acme:2"))
        await eventually(lambda: len(rec.delivered) == 1)
    finally:
        await deliverer.stop(timeout=1.0)


# ---------------------------------------------------------------------------------------------
# routing and ordering


async def test_routing_by_brand_kind_and_severity(
    receiver: ReceiverFactory, harness: HarnessFactory
) -> None:
    rec = await receiver()
    routes = [
        webhook("acme-major", rec.url("/acme"), brands=frozenset({"acme"}), min_severity="major"),
        webhook("surges", rec.url("/surges"), kinds=frozenset({"negative_surge"})),
        webhook("all", rec.url("/all")),
    ]
    h = await harness(routes)
    h.deliverer.submit(make_alert("a1", brand="acme", severity="warning"))
    h.deliverer.submit(make_alert("a2", brand="acme", severity="critical", kind="volume_spike"))
    h.deliverer.submit(make_alert("g1", brand="globex", severity="critical"))
    await eventually(lambda: len(rec.delivered) == 6)
    await asyncio.sleep(0.05)
    got = sorted((r.path, r.json()["id"]) for r in rec.requests)
    assert got == [
        ("/acme", "a2"),
        ("/all", "a1"),
        ("/all", "a2"),
        ("/all", "g1"),
        ("/surges", "a1"),
        ("/surges", "g1"),
    ]


async def test_route_keeps_receiving_an_episode_it_has_seen(
    receiver: ReceiverFactory, harness: HarnessFactory
) -> None:
    rec = await receiver()
    h = await harness([webhook("critical", rec.url(), min_severity="critical")])
    d = h.deliverer
    d.submit(make_alert("e1", event="opened", sequence=1, severity="major"))
    d.submit(make_alert("e1", event="updated", sequence=2, severity="critical"))
    d.submit(make_alert("e1", event="updated", sequence=3, severity="major"))
    d.submit(make_alert("e1", event="resolved", sequence=4, severity="major"))
    d.submit(make_alert("e1", event="updated", sequence=5, severity="major"))  # after resolved
    await asyncio.sleep(0.3)
    assert [r.json()["sequence"] for r in rec.delivered] == [2, 3, 4]


async def test_events_of_one_alert_stay_in_order_per_route(
    receiver: ReceiverFactory, harness: HarnessFactory
) -> None:
    failed_once: set[str] = set()

    async def flaky_first_opened(got: Received) -> tuple[int, dict[str, str]]:
        body = got.json()
        if body["id"] == "slow" and body["event"] == "opened" and "slow" not in failed_once:
            failed_once.add("slow")
            return 500, {}
        return 200, {}

    rec = await receiver(responder=flaky_first_opened)
    h = await harness([webhook("bus", rec.url())], backoff_base=0.3, backoff_max=0.3)
    d = h.deliverer
    d.submit(make_alert("slow", event="opened", sequence=1))
    d.submit(make_alert("slow", event="updated", sequence=2))
    d.submit(make_alert("other", event="opened", sequence=1))
    d.submit(make_alert("slow", event="updated", sequence=3))
    d.submit(make_alert("slow", event="resolved", sequence=4))
    await eventually(lambda: len(rec.delivered) == 5)
    slow = [r.json()["sequence"] for r in rec.delivered if r.json()["id"] == "slow"]
    assert slow == [1, 2, 3, 4]
    order = [r.json()["id"] for r in rec.delivered]
    assert order[0] == "other"  # another alert is not held up by the retrying one


async def test_slack_route_posts_slack_payload(
    receiver: ReceiverFactory, harness: HarnessFactory
) -> None:
    rec = await receiver()
    route = Route(name="slack", format="slack", url=SecretStr(rec.url("/services/T/B/x")))
    h = await harness([route])
    h.deliverer.submit(ALERT)
    await eventually(lambda: len(rec.delivered) == 1)
    got = rec.requests[0]
    assert got.headers["Content-Type"] == "application/json"
    assert "X-Buzzwire-Signature" not in got.headers
    assert got.json() == slack_payload(ALERT)


# ---------------------------------------------------------------------------------------------
# Slack formatting


def all_text(payload: dict[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False)


def test_slack_payload_shape() -> None:
    payload = slack_payload(ALERT)
    assert payload["text"] == (
        ":rotating_light: Acme — negative surge (major): "
        "42 negative mentions in 1 min vs 6.1 expected"
    )
    blocks = payload["blocks"]
    assert [b["type"] for b in blocks] == ["header", "section", "section", "context"]
    assert blocks[0]["text"] == {
        "type": "plain_text",
        "text": ":rotating_light: Acme — negative surge (major)",
        "emoji": True,
    }
    fields = [f["text"] for f in blocks[1]["fields"]]
    assert fields == [
        "*Observed*\n42 negative mentions in 1 min",
        "*Expected*\n6.1",
        "*Negative share*\n81% (usually 18%)",
        "*Volume*\n52 mentions (usually 31)",
        "*Languages*\nen 30 · es 12 · ar 5 · +1 more",
    ]
    samples = blocks[2]["text"]["text"].split("\n")
    assert samples[0] == "*Sample posts*"
    assert samples[1].startswith("• <https://x/1|@ana> (1,234 followers, en): ")
    assert len(samples) == 4
    context = blocks[3]["elements"][0]["text"]
    assert "acme:2026-11-01T12:03:00Z" in context
    assert "2026-11-01 12:03 to 12:04 UTC" in context


def test_slack_escapes_control_characters() -> None:
    payload = slack_payload(ALERT)
    line = payload["blocks"][2]["text"]["text"].split("\n")[1]
    assert line.endswith(": Acme &amp; co &lt;!channel&gt; never again &gt; worst")
    assert "<!channel>" not in all_text(payload)
    assert slack_escape("a & b < c > d &amp;") == "a &amp; b &lt; c &gt; d &amp;amp;"


def test_slack_escapes_brand_and_links() -> None:
    alert = make_alert(
        brand_name="AT&T <Ops>",
        samples=[
            {"url": "https://x/?a=1&b=2|3", "text": "hi", "author": "<@U123>"},
            {"url": "javascript:alert(1)", "text": "no link", "author": "@eve"},
        ],
    )
    payload = slack_payload(alert)
    assert payload["text"].startswith(":rotating_light: AT&amp;T &lt;Ops&gt; — ")
    assert payload["blocks"][0]["text"]["text"].startswith(":rotating_light: AT&T <Ops> — ")
    lines = payload["blocks"][2]["text"]["text"].split("\n")
    assert lines[1] == "• <https://x/?a=1&amp;b=2%7C3|&lt;@U123&gt;>: hi"
    assert lines[2] == "• @eve: no link"


def test_slack_keeps_any_script_and_truncates_by_characters() -> None:
    arabic = "خدمة أكمي سيئة جدا 😡"
    long_text = "Очень плохо " * 50
    alert = make_alert(
        samples=[
            {"url": "https://x/1", "text": arabic, "author": "@salim"},
            {"url": "https://x/2", "text": "最悪のサービス", "author": "@yuki"},
            {"url": "https://x/3", "text": long_text, "author": "@ivan"},
        ]
    )
    lines = slack_payload(alert, sample_chars=100)["blocks"][2]["text"]["text"].split("\n")
    assert lines[1].endswith(": " + arabic)
    assert lines[2].endswith(": 最悪のサービス")
    cut = lines[3].split(": ", 1)[1]
    assert cut.endswith("…")
    assert len(cut) <= 100
    assert long_text.startswith(cut[:-1])


def test_slack_truncation_keeps_combining_marks_with_their_base() -> None:
    text = "e\u0301" * 150  # "é" as e + combining acute
    alert = make_alert(samples=[{"url": "https://x/1", "text": text, "author": "@a"}])
    cut = slack_payload(alert, sample_chars=101)["blocks"][2]["text"]["text"].split(": ", 1)[1]
    assert cut.endswith("\u0301…")
    assert len(cut) <= 101


def test_slack_sample_count() -> None:
    samples = [{"url": f"https://x/{i}", "text": f"post {i}", "author": "@a"} for i in range(9)]
    alert = make_alert(samples=samples)

    def count(**kw: Any) -> int:
        blocks = slack_payload(alert, **kw)["blocks"]
        return sum(
            b["text"]["text"].count("\n• ")
            for b in blocks
            if b["type"] == "section" and "text" in b
        )

    assert count() == 3
    assert count(max_samples=5) == 5
    assert count(max_samples=50) == 5
    assert [b["type"] for b in slack_payload(alert, max_samples=0)["blocks"]] == [
        "header",
        "section",
        "context",
    ]


def test_slack_updated_and_resolved_are_distinct() -> None:
    updated = slack_payload(make_alert(event="updated", sequence=3, severity="critical"))
    assert updated["text"].startswith(":sos: Update: Acme — negative surge (critical): ")
    assert "update #2" in updated["blocks"][-1]["elements"][0]["text"]
    reopened = slack_payload(make_alert(event="reopened", sequence=4))
    assert reopened["text"].startswith(":rotating_light: Reopened: Acme — negative surge")

    resolved_at = "2026-11-01T12:15:00Z"
    resolved = slack_payload(
        make_alert(event="resolved", status="resolved", resolved_at=resolved_at, observed=5)
    )
    assert resolved["text"] == (
        ":white_check_mark: Resolved: Acme — negative surge (was major), "
        "back to normal after 12 min"
    )
    blocks = resolved["blocks"]
    assert [b["type"] for b in blocks] == ["header", "section", "context"]
    assert blocks[0]["text"]["text"] == ":white_check_mark: Resolved: Acme — negative surge"
    assert "Sample posts" not in all_text(resolved)
    assert "resolved 2026-11-01 12:15 UTC" in blocks[1]["text"]["text"]


def test_slack_payload_tolerates_missing_fields() -> None:
    payload = slack_payload({})
    assert payload["text"]
    assert payload["blocks"][0]["type"] == "header"
    payload = slack_payload({"event": "resolved", "window": "bad", "samples": "bad"})
    assert "Resolved" in payload["text"]


# ---------------------------------------------------------------------------------------------
# Retry-After parsing


def test_parse_retry_after() -> None:
    now = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
    assert parse_retry_after("5") == 5.0
    assert parse_retry_after(" 0.5 ") == 0.5
    assert parse_retry_after("-3") == 0.0
    assert (
        parse_retry_after(format_datetime(now + timedelta(seconds=30), usegmt=True), now=now) == 30
    )
    assert parse_retry_after("soon") is None
    assert parse_retry_after("") is None
    assert parse_retry_after(None) is None


def test_deliverer_rejects_bad_arguments() -> None:
    async def sink(letter: dict[str, Any]) -> None:
        return None

    route = webhook("a", "http://127.0.0.1:1/")
    with pytest.raises(ValueError, match="max_attempts"):
        Deliverer([route], on_dead_letter=sink, max_attempts=0)
    with pytest.raises(ValueError, match="unique"):
        Deliverer([route, route], on_dead_letter=sink)
