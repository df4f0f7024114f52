"""Route URLs never show more than scheme and host: not in errors, dead letters or logs,
however a receiver spells the URL back."""

from __future__ import annotations

import json
import logging

import pytest
from pydantic import SecretStr

from streams.alerts.redaction import redact_url, scrub_url
from streams.alerts.routes import Route
from tests.streams.alerts.support import ALERT, HarnessFactory, ReceiverFactory, eventually

URL = "https://hooks.example.com/hooks/%7Eteam/T0KEN-abc123?token=QTOKEN%2Fxyz&v=2"
SECRETS = ("T0KEN-abc123", "QTOKEN", "%7Eteam", "~team", "xyz")


@pytest.mark.parametrize(
    "message",
    [
        f"error at {URL}",
        "404: no route /hooks/~team/T0KEN-abc123?token=QTOKEN/xyz&v=2",  # decoded, normalised
        "not found: /hooks/%7eteam/T0KEN-abc123",  # lower-case escape
        "bad token QTOKEN%2Fxyz",  # the query value alone, encoded
        "bad token QTOKEN/xyz",  # ... and decoded
        "unknown hook T0KEN-abc123",  # the bare path token
        "see https://hooks.example.com:8443/other/path?x=secretvalue for details",  # another URL
    ],
)
def test_scrub_leaves_nothing_of_the_url_but_scheme_and_host(message: str) -> None:
    scrubbed = scrub_url(message, URL)
    for secret in (*SECRETS, "secretvalue", "/other/path"):
        assert secret not in scrubbed, (secret, scrubbed)
    assert "hooks.example.com" in scrubbed or "hooks.example.com" not in message


def test_redact_url_keeps_scheme_and_host_only() -> None:
    assert redact_url(URL) == "https://hooks.example.com/…"
    assert redact_url("https://user:pw@h.example:8443/x?y=1") == "https://h.example:8443/…"


async def test_a_receiver_that_echoes_the_url_leaks_nothing(
    receiver: ReceiverFactory, harness: HarnessFactory, caplog: pytest.LogCaptureFixture
) -> None:
    rec = await receiver(responses=[(404, {})], echo_url=True)
    url = rec.url("/hooks/%7Eteam/T0KEN-abc123?token=QTOKEN%2Fxyz")
    route = Route(name="hostile", format="webhook", url=SecretStr(url))
    h = await harness([route], max_attempts=3)
    with caplog.at_level(logging.DEBUG):
        h.deliverer.submit(ALERT)
        await eventually(lambda: len(h.dead.letters) == 1)
    (letter,) = h.dead.letters
    assert letter["reason"] == "http_404"
    assert "no hook at" in letter["error"]  # the receiver's answer is kept, scrubbed
    ours = [r.getMessage() for r in caplog.records if r.name.startswith("streams")]
    assert ours  # the dead letter was logged
    shown = json.dumps(letter, ensure_ascii=False) + "\n" + "\n".join(ours)
    for secret in SECRETS:
        assert secret not in shown, secret
