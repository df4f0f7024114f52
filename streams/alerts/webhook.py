"""The generic webhook request: the alert as JSON, buzzwire's headers, and the HMAC signature.

A delivery is a ``POST`` of the alert as compact UTF-8 JSON (:func:`encode_alert`) with the
headers ``Content-Type: application/json``, ``X-Buzzwire-Event`` (opened/updated/resolved),
``X-Buzzwire-Alert-Id``, ``X-Buzzwire-Delivery`` (unique per delivery, the same on each retry:
receivers de-duplicate on it) and, when the route has a secret, ``X-Buzzwire-Signature:
sha256=<hex HMAC-SHA256 of the exact body>``. Receivers check that header with :func:`verify`.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import orjson

from streams.alerts.explanation import explanation_lines
from streams.alerts.routes import Route

__all__ = [
    "ALERT_ID_HEADER",
    "DELIVERY_HEADER",
    "EVENT_HEADER",
    "SIGNATURE_HEADER",
    "USER_AGENT",
    "base_headers",
    "encode_alert",
    "sign",
    "verify",
    "webhook_headers",
    "with_summary",
]

SIGNATURE_HEADER = "X-Buzzwire-Signature"
EVENT_HEADER = "X-Buzzwire-Event"
ALERT_ID_HEADER = "X-Buzzwire-Alert-Id"
DELIVERY_HEADER = "X-Buzzwire-Delivery"
USER_AGENT = "buzzwire-alerts/0.1"


def sign(body: bytes, secret: str) -> str:
    """``"sha256=" + hex(HMAC-SHA256(secret, body))``: the value of ``X-Buzzwire-Signature``."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify(body: bytes, secret: str, header: str | None) -> bool:
    """Whether ``header`` (the received ``X-Buzzwire-Signature``) signs ``body`` with ``secret``.

    Constant-time comparison; for receivers (and tests). ``body`` must be the raw bytes received.
    """
    if not header:
        return False
    expected = sign(body, secret).encode("ascii")
    return hmac.compare_digest(expected, header.strip().encode("utf-8", "surrogateescape"))


def with_summary(alert: Mapping[str, Any]) -> Mapping[str, Any]:
    """The alert with ``explanation.summary``: the explanation's lines a person reads
    (``streams.alerts.explanation``), when it has an explanation; else the alert as is."""
    explanation = alert.get("explanation")
    if not isinstance(explanation, Mapping) or "summary" in explanation:
        return alert
    lines = explanation_lines(explanation)
    if not lines:
        return alert
    return {**alert, "explanation": {**explanation, "summary": lines}}


def encode_alert(alert: Mapping[str, Any]) -> bytes:
    """The alert as compact UTF-8 JSON (non-ASCII kept as is): the generic webhook body. An
    alert with an ``explanation`` gets its readable lines as ``explanation.summary``."""
    return orjson.dumps(with_summary(alert), default=str, option=orjson.OPT_NON_STR_KEYS)


def _header_value(value: object) -> str:
    """A value that is safe in an HTTP header (non-ASCII / control characters %-encoded)."""
    text = str(value)
    if text.isascii() and text.isprintable():
        return text
    return quote(text, safe=" !\"#$&'()*+,/:;=?@[]^`{|}~")


def base_headers(route: Route) -> dict[str, str]:
    """The headers of every delivery on ``route``: the user agent, then the route's extra
    headers, then ``Content-Type: application/json`` (which they cannot override)."""
    headers = {"User-Agent": USER_AGENT}
    headers.update(route.headers)
    headers["Content-Type"] = "application/json"
    return headers


def webhook_headers(
    route: Route, body: bytes, *, event: str, alert_id: str, delivery_id: str
) -> dict[str, str]:
    """Request headers for a generic webhook delivery of ``body`` (signed if the route has a
    secret). The route's extra headers come first; the buzzwire ones cannot be overridden."""
    headers = base_headers(route)
    headers[EVENT_HEADER] = _header_value(event)
    headers[ALERT_ID_HEADER] = _header_value(alert_id)
    headers[DELIVERY_HEADER] = delivery_id
    if route.secret is not None:
        headers[SIGNATURE_HEADER] = sign(body, route.secret.get_secret_value())
    return headers
