"""The generic webhook request: HMAC signatures, the JSON body, and the headers a receiver gets
(the last against a real HTTP server on loopback)."""

from __future__ import annotations

import re

from pydantic import SecretStr

from streams.alerts.webhook import encode_alert, sign, verify
from tests.streams.alerts.support import (
    ALERT,
    SECRET,
    HarnessFactory,
    ReceiverFactory,
    eventually,
    make_alert,
    webhook,
)


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
