"""Inbox webhooks: the ``outbox`` rows delivered to ``BUZZWIRE_INBOX_WEBHOOK_URL``.

A change of an item's status queues an outbox row in the change's own transaction
(``streams.store.inbox``); this background task of ``buzzwire web`` sends the rows, oldest
first, and marks each delivered. A delivery is a ``POST`` of compact UTF-8 JSON::

    {"delivery": "inbox-42", "event": "inbox.status_changed",
     "created_at": "2026-11-01T14:03:00.120000+00:00", "data": {...the item...}}

with the headers ``Content-Type: application/json``, ``User-Agent: buzzwire-inbox/0.1``,
``X-Buzzwire-Event`` (the event), ``X-Buzzwire-Delivery`` (the same on every retry: receivers
de-duplicate on it) and, with ``BUZZWIRE_INBOX_WEBHOOK_SECRET``, ``X-Buzzwire-Signature:
sha256=<hex HMAC-SHA256 of the exact body>``, signed exactly as alert webhooks are
(``streams.alerts.webhook.sign``; receivers check it with ``streams.alerts.webhook.verify``).

A 2xx answer delivers. Connection errors, timeouts, 408, 429 and 5xx are retried with
exponential backoff and jitter (1 s doubling up to 5 min; a ``Retry-After`` on 429/503 is
honoured), up to :data:`MAX_ATTEMPTS` attempts; any other status is final at once. A row given
up keeps ``delivered_at`` NULL with its ``attempts`` and ``last_error``: set ``attempts`` to 0
to send it again. Each row is claimed with ``FOR UPDATE SKIP LOCKED``, so several web processes
never send one row twice at once. Neither the URL (it may hold a token) nor the secret is ever
logged: messages name the URL's scheme and host only.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import aiohttp
import orjson
from pydantic import SecretStr
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from streams.alerts.redaction import redact_url, scrub_url
from streams.alerts.retry import (
    backoff_delay,
    honours_retry_after,
    parse_retry_after,
    retryable_status,
)
from streams.alerts.webhook import DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, sign
from streams.config import Settings
from streams.store.schema import outbox

__all__ = ["MAX_ATTEMPTS", "USER_AGENT", "OutboxDelivery", "encode_delivery"]

log = logging.getLogger("buzzwire.web.webhooks")

USER_AGENT = "buzzwire-inbox/0.1"
#: attempts before a row is given up (about 25 minutes of retries)
MAX_ATTEMPTS = 12
BACKOFF_BASE_SECONDS = 1.0
BACKOFF_CAP_SECONDS = 300.0
TIMEOUT_SECONDS = 10.0
_ERROR_CHARS = 300


def encode_delivery(row_id: int, kind: str, created_at: datetime, payload: Any) -> bytes:
    """The body of one delivery (compact UTF-8 JSON, non-ASCII kept)."""
    return orjson.dumps(
        {
            "delivery": f"inbox-{row_id}",
            "event": kind,
            "created_at": created_at.isoformat(),
            "data": payload,
        },
        default=str,
    )


@dataclass(frozen=True)
class _Outcome:
    ok: bool
    retryable: bool = False
    error: str = ""
    retry_after: float | None = None


@dataclass
class OutboxDelivery:
    """Sends due outbox rows to one URL (see the module docstring)."""

    engine: AsyncEngine
    url: SecretStr
    secret: SecretStr | None = None
    poll_seconds: float = 1.0
    backoff_base: float = BACKOFF_BASE_SECONDS
    backoff_cap: float = BACKOFF_CAP_SECONDS
    max_attempts: int = MAX_ATTEMPTS
    timeout_seconds: float = TIMEOUT_SECONDS
    session_factory: Callable[[], aiohttp.ClientSession] | None = None
    rng: random.Random = field(default_factory=random.Random)

    @classmethod
    def from_settings(cls, settings: Settings, engine: AsyncEngine) -> OutboxDelivery | None:
        """The delivery of ``BUZZWIRE_INBOX_WEBHOOK_URL``; None when it is not set."""
        url = settings.inbox_webhook_url
        if url is None or not url.get_secret_value().strip():
            return None
        secret = settings.inbox_webhook_secret
        if secret is not None and not secret.get_secret_value():
            secret = None
        return cls(engine=engine, url=SecretStr(url.get_secret_value().strip()), secret=secret)

    @property
    def where(self) -> str:
        """What may be shown of the URL: scheme and host."""
        return redact_url(self.url.get_secret_value())

    def _safe(self, text: str) -> str:
        """A message without the URL, its secret parts or the signing secret."""
        cleaned = scrub_url(text, self.url.get_secret_value())
        if self.secret is not None and self.secret.get_secret_value():
            cleaned = cleaned.replace(self.secret.get_secret_value(), "…")
        return cleaned[:_ERROR_CHARS]

    async def run(self) -> None:
        """Deliver until cancelled."""
        log.info("inbox webhooks to %s", self.where)
        session = self.session_factory() if self.session_factory else aiohttp.ClientSession()
        try:
            while True:
                try:
                    sent = await self.deliver_due(session)
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # the store is away: try again later
                    reason = type(getattr(exc, "orig", None) or exc).__name__
                    log.warning("inbox webhooks: cannot read the outbox (%s)", reason)
                    sent = 0
                if not sent:
                    await asyncio.sleep(self.poll_seconds)
        finally:
            await session.close()

    async def deliver_due(self, session: aiohttp.ClientSession, limit: int = 50) -> int:
        """Send the rows that are due, one at a time; how many were tried."""
        tried = 0
        while tried < limit and await self._deliver_one(session):
            tried += 1
        return tried

    async def _deliver_one(self, session: aiohttp.ClientSession) -> bool:
        async with self.engine.begin() as conn:
            row = (
                await conn.execute(
                    select(
                        outbox.c.id,
                        outbox.c.kind,
                        outbox.c.created_at,
                        outbox.c.payload,
                        outbox.c.attempts,
                    )
                    .where(
                        outbox.c.delivered_at.is_(None),
                        outbox.c.next_attempt_at <= func.now(),
                        outbox.c.attempts < self.max_attempts,
                    )
                    .order_by(outbox.c.next_attempt_at, outbox.c.id)
                    .limit(1)
                    .with_for_update(skip_locked=True)
                )
            ).first()
            if row is None:
                return False
            body = encode_delivery(row.id, row.kind, row.created_at, row.payload)
            outcome = await self._send(session, body, row.kind, f"inbox-{row.id}")
            attempts = row.attempts + 1
            values: dict[str, Any] = {"attempts": attempts}
            if outcome.ok:
                values["delivered_at"] = func.now()
                values["last_error"] = None
            else:
                values["last_error"] = outcome.error
                if not outcome.retryable:
                    values["attempts"] = max(attempts, self.max_attempts)
                if outcome.retryable and attempts < self.max_attempts:
                    delay = backoff_delay(
                        attempts,
                        outcome.retry_after,
                        base=self.backoff_base,
                        cap=self.backoff_cap,
                        rng=self.rng,
                    )
                    values["next_attempt_at"] = func.now() + timedelta(seconds=delay)
                    log.warning(
                        "inbox webhook %s to %s failed (%s): attempt %d, next in %.1f s",
                        row.id,
                        self.where,
                        outcome.error,
                        attempts,
                        delay,
                    )
                else:
                    log.error(
                        "inbox webhook %s to %s given up after %d attempts (%s)",
                        row.id,
                        self.where,
                        attempts,
                        outcome.error,
                    )
            await conn.execute(update(outbox).where(outbox.c.id == row.id).values(**values))
        return True

    def headers(self, body: bytes, event: str, delivery_id: str) -> dict[str, str]:
        headers = {
            "User-Agent": USER_AGENT,
            "Content-Type": "application/json",
            EVENT_HEADER: event,
            DELIVERY_HEADER: delivery_id,
        }
        if self.secret is not None:
            headers[SIGNATURE_HEADER] = sign(body, self.secret.get_secret_value())
        return headers

    async def _send(
        self, session: aiohttp.ClientSession, body: bytes, event: str, delivery_id: str
    ) -> _Outcome:
        try:
            async with session.post(
                self.url.get_secret_value(),
                data=body,
                headers=self.headers(body, event, delivery_id),
                timeout=aiohttp.ClientTimeout(total=self.timeout_seconds),
                allow_redirects=False,
            ) as response:
                if 200 <= response.status < 300:
                    return _Outcome(ok=True)
                retry_after = (
                    parse_retry_after(response.headers.get("Retry-After"))
                    if honours_retry_after(response.status)
                    else None
                )
                return _Outcome(
                    ok=False,
                    retryable=retryable_status(response.status),
                    error=f"http_{response.status}",
                    retry_after=retry_after,
                )
        except TimeoutError:
            return _Outcome(ok=False, retryable=True, error="timeout")
        except (aiohttp.ClientError, OSError) as exc:
            detail = self._safe(f"{type(exc).__name__}: {exc}")
            return _Outcome(ok=False, retryable=True, error=f"connection_error: {detail}")
