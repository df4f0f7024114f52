"""The Deliverer against real HTTP servers on loopback (aiohttp.web): retries, dead letters,
never blocking, routing and ordering."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import datetime
from typing import Any

import pytest
from pydantic import SecretStr

from streams.alerts.deliverer import Deliverer
from streams.alerts.routes import Route
from streams.alerts.slack import slack_payload
from streams.alerts.webhook import verify
from tests.streams.alerts.support import (
    ALERT,
    SECRET,
    HarnessFactory,
    Received,
    ReceiverFactory,
    closed_port,
    eventually,
    make_alert,
    webhook,
)


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


def test_deliverer_rejects_bad_arguments() -> None:
    async def sink(letter: dict[str, Any]) -> None:
        return None

    route = webhook("a", "http://127.0.0.1:1/")
    with pytest.raises(ValueError, match="max_attempts"):
        Deliverer([route], on_dead_letter=sink, max_attempts=0)
    with pytest.raises(ValueError, match="unique"):
        Deliverer([route, route], on_dead_letter=sink)
