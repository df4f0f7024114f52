"""The Deliverer: sends alerts to their routes in the background, with retries and dead letters.

:class:`Deliverer` is the only stateful piece of alert delivery. ``submit(alert)`` is
synchronous, never blocks and never raises: it queues one delivery per matching route and
returns. Per route, a small pool of worker tasks sends with an :class:`aiohttp.ClientSession`;
deliveries of one alert id are sent strictly in order on each route (an ``updated`` never
overtakes its ``opened``), while different alerts proceed concurrently. Failed attempts are
retried as :mod:`streams.alerts.retry` decides. A ``slack`` route gets
:func:`streams.alerts.slack.slack_payload`, a ``webhook`` route the signed request of
:mod:`streams.alerts.webhook`. A delivery that cannot be made ends as a *dead letter* handed to
``on_dead_letter``::

    {"reason": "http_404" | "http_500" | "timeout" | "connection_error" | "queue_full"
               | "shutdown" | "bad_alert" | "internal_error",
     "error": "human readable detail (no secrets)",
     "route": {"name": ..., "format": "slack" | "webhook", "url": "https://host/…"},
     "attempts": 3, "delivery_id": "…", "alert": {...}, "dead_lettered_at": "…Z"}
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
import uuid
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import orjson

from streams.alerts.redaction import scrub_url
from streams.alerts.retry import (
    backoff_delay,
    honours_retry_after,
    parse_retry_after,
    retryable_status,
)
from streams.alerts.routes import Route, routes_for
from streams.alerts.slack import slack_payload
from streams.alerts.text import one_line, truncate
from streams.alerts.webhook import base_headers, encode_alert, webhook_headers
from streams.kernel.timestamps import now_iso

__all__ = ["OUTCOMES", "DeadLetterCallback", "Deliverer", "ResultCallback", "SessionFactory"]

logger = logging.getLogger(__name__)

#: values passed as ``outcome`` to ``on_result``: one call per attempt ("delivered": 2xx;
#: "retry": failed, will be retried; "failed": failed for good, dead-lettered), plus
#: "rejected" (seconds 0) for a delivery dead-lettered without an attempt (queue_full,
#: shutdown before sending, bad_alert).
OUTCOMES = ("delivered", "retry", "failed", "rejected")

DeadLetterCallback = Callable[[dict[str, Any]], Awaitable[None]]
ResultCallback = Callable[[str, str, float], None]
SessionFactory = Callable[[], aiohttp.ClientSession]

_RESPONSE_SNIPPET_BYTES = 300
_MAX_THREADS = 10_000  # alert ids remembered for routing follow-ups


@dataclass(frozen=True)
class _Attempt:
    ok: bool
    retryable: bool = False
    reason: str = ""
    error: str = ""
    retry_after: float | None = None


@dataclass(eq=False)
class _Delivery:
    route: Route
    body: bytes  # the alert as JSON, snapshotted at submit
    alert_id: str
    event: str
    delivery_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    attempts: int = 0
    payload: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """Ordering key: deliveries with the same key go out one after the other."""
        return self.alert_id or self.delivery_id


class _Lane:
    """The queue of one route: per-alert-id FIFOs, and the ids that are ready to be sent."""

    def __init__(self, route: Route) -> None:
        self.route = route
        self.pending: dict[str, deque[_Delivery]] = {}
        self.ready: asyncio.Queue[str] = asyncio.Queue()
        self.size = 0  # deliveries waiting (not in flight)
        self.workers: list[asyncio.Task[None]] = []


class Deliverer:
    """Delivers alerts to their routes in the background. See the module docstring.

    ``on_dead_letter(dead_letter)`` is awaited (by one background task, in order) for every
    delivery that could not be made; an exception it raises is logged. ``on_result(route_name,
    outcome, seconds)`` is called synchronously per attempt (see :data:`OUTCOMES`).
    ``queue_size`` bounds the deliveries waiting per route; ``concurrency`` is the number of
    requests in flight per route. ``session_factory`` (for tests) builds the HTTP session in
    :meth:`start`.

    Once a route has been sent an alert id (its ``opened``, say), the later events of that
    alert id go to the same route even if they no longer match it (e.g. the ``resolved`` of an
    episode that had escalated to a route's ``min_severity``), so every thread is closed.
    """

    def __init__(
        self,
        routes: Sequence[Route],
        *,
        on_dead_letter: DeadLetterCallback,
        on_result: ResultCallback | None = None,
        max_attempts: int = 5,
        backoff_base: float = 1.0,
        backoff_max: float = 60.0,
        queue_size: int = 1000,
        concurrency: int = 4,
        max_samples: int = 3,
        session_factory: SessionFactory | None = None,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if backoff_base < 0 or backoff_max < 0:
            raise ValueError("backoff_base and backoff_max must not be negative")
        if queue_size < 1 or concurrency < 1:
            raise ValueError("queue_size and concurrency must be at least 1")
        names = [r.name for r in routes]
        if len(set(names)) != len(names):
            raise ValueError(f"route names must be unique, got {names}")
        self._routes = tuple(routes)
        self._lanes = {r.name: _Lane(r) for r in self._routes}
        self._on_dead_letter = on_dead_letter
        self._on_result = on_result
        self._max_attempts = max_attempts
        self._backoff_base = backoff_base
        self._backoff_max = backoff_max
        self._queue_size = queue_size
        self._concurrency = concurrency
        self._max_samples = max_samples
        self._session_factory = session_factory
        self._session: aiohttp.ClientSession | None = None
        self._random = random.Random()
        self._threads: OrderedDict[str, set[str]] = OrderedDict()
        self._dead_letters: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._dead_letter_task: asyncio.Task[None] | None = None
        self._background: set[asyncio.Task[None]] = set()
        self._outstanding = 0  # deliveries queued or in flight
        self._idle = asyncio.Event()
        self._idle.set()
        self._started = False
        self._closing = False
        self._stopped = False

    # -- public -----------------------------------------------------------------------------

    @property
    def routes(self) -> tuple[Route, ...]:
        return self._routes

    def queue_depths(self) -> dict[str, int]:
        """Deliveries waiting (not in flight) per route name, e.g. for a gauge."""
        return {name: lane.size for name, lane in self._lanes.items()}

    async def start(self) -> None:
        """Open the HTTP session and start the workers (idempotent)."""
        if self._started or self._closing:
            return
        self._started = True
        self._session = (
            self._session_factory() if self._session_factory else aiohttp.ClientSession()
        )
        for lane in self._lanes.values():
            lane.workers = [
                asyncio.create_task(self._worker(lane), name=f"alert-delivery:{lane.route.name}")
                for _ in range(self._concurrency)
            ]
        self._dead_letter_task = asyncio.create_task(
            self._dead_letter_worker(), name="alert-dead-letters"
        )

    def submit(self, alert: Mapping[str, Any]) -> None:
        """Queue the alert for every matching route. Never blocks, never raises."""
        try:
            self._submit(alert)
        except Exception:
            logger.exception("alert delivery: could not queue alert %r", _safe_id(alert))

    async def stop(self, timeout: float = 10.0) -> None:
        """Stop accepting alerts, wait up to ``timeout`` seconds for queued deliveries, then
        dead-letter what is left (reason ``shutdown``) and wait up to ``timeout`` seconds more
        for ``on_dead_letter`` to take the dead letters. Closes the HTTP session."""
        if self._stopped or self._closing:
            return
        self._closing = True
        try:
            if self._started and self._outstanding:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._idle.wait(), timeout)
            workers = [t for lane in self._lanes.values() for t in lane.workers]
            for task in workers:
                task.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
            for lane in self._lanes.values():
                lane.workers = []
                left = 0
                for queue in lane.pending.values():
                    for delivery in queue:
                        self._finish()
                        left += 1
                        self._reject(
                            delivery, "shutdown", "the deliverer stopped before sending", quiet=True
                        )
                if left:
                    logger.warning(
                        "alert delivery: %d queued deliveries for route %s dead-lettered at "
                        "shutdown",
                        left,
                        lane.route.name,
                    )
                lane.pending.clear()
                lane.size = 0
                while not lane.ready.empty():
                    lane.ready.get_nowait()
            if self._dead_letter_task is None:
                self._dead_letter_task = asyncio.create_task(self._dead_letter_worker())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._dead_letters.join(), timeout)
            self._dead_letter_task.cancel()
            await asyncio.gather(self._dead_letter_task, return_exceptions=True)
            while not self._dead_letters.empty():
                lost = self._dead_letters.get_nowait()
                logger.error(
                    "alert delivery: dead letter not handed over before shutdown: route %s, "
                    "alert %r, reason %s",
                    lost["route"]["name"],
                    _safe_id(lost["alert"]),
                    lost["reason"],
                )
        finally:
            self._stopped = True
            if self._session is not None:
                with contextlib.suppress(Exception):
                    await self._session.close()
                self._session = None

    # -- queueing ---------------------------------------------------------------------------

    def _select(self, alert: Mapping[str, Any]) -> list[Route]:
        matched = routes_for(self._routes, alert)
        alert_id = alert.get("id")
        if not isinstance(alert_id, str) or not alert_id:
            return matched
        names = {r.name for r in matched}
        seen = self._threads.get(alert_id)
        if seen and alert.get("event") != "opened" and not seen <= names:
            names |= seen
            matched = [r for r in self._routes if r.name in names]
        if alert.get("event") == "resolved":
            self._threads.pop(alert_id, None)
        elif names:
            self._threads.setdefault(alert_id, set()).update(names)
            self._threads.move_to_end(alert_id)
            while len(self._threads) > _MAX_THREADS:
                self._threads.popitem(last=False)
        return matched

    def _submit(self, alert: Mapping[str, Any]) -> None:
        if not isinstance(alert, Mapping):
            logger.error("alert delivery: not an alert (a %s), ignored", type(alert).__name__)
            return
        routes = self._select(alert)
        if not routes:
            return
        alert_id = str(alert.get("id") or "")
        event = str(alert.get("event") or "")
        try:
            body = encode_alert(alert)
        except Exception as exc:
            stand_in = encode_alert({"id": alert_id, "unencodable": repr(alert)[:2000]})
            for route in routes:
                delivery = _Delivery(route, stand_in, alert_id, event)
                self._reject(delivery, "bad_alert", f"cannot encode the alert as JSON: {exc}")
            return
        for route in routes:
            self._enqueue(self._lanes[route.name], _Delivery(route, body, alert_id, event))

    def _enqueue(self, lane: _Lane, delivery: _Delivery) -> None:
        if self._closing:
            self._reject(delivery, "shutdown", "the deliverer is stopping")
            return
        if lane.size >= self._queue_size:
            self._reject(
                delivery,
                "queue_full",
                f"{lane.size} deliveries already waiting for route {lane.route.name!r}",
            )
            return
        queue = lane.pending.get(delivery.key)
        if queue is None:
            lane.pending[delivery.key] = deque([delivery])
            lane.ready.put_nowait(delivery.key)
        else:
            queue.append(delivery)
        lane.size += 1
        self._outstanding += 1
        self._idle.clear()

    def _finish(self) -> None:
        self._outstanding -= 1
        if self._outstanding <= 0:
            self._outstanding = 0
            self._idle.set()

    # -- sending ----------------------------------------------------------------------------

    async def _worker(self, lane: _Lane) -> None:
        while True:
            key = await lane.ready.get()
            queue = lane.pending.get(key)
            if not queue:
                lane.pending.pop(key, None)
                continue
            delivery = queue.popleft()
            lane.size -= 1
            try:
                await self._deliver(delivery)
            except asyncio.CancelledError:
                self._finish()
                self._reject(delivery, "shutdown", "the deliverer stopped while sending")
                raise
            except Exception as exc:  # a bug: never let it kill the worker
                logger.exception("alert delivery: unexpected error on route %s", lane.route.name)
                self._result(lane.route, "failed", 0.0)
                self._dead_letter(delivery, "internal_error", f"{type(exc).__name__}: {exc}")
            self._finish()
            if queue:
                lane.ready.put_nowait(key)
            else:
                lane.pending.pop(key, None)

    def _prepare(self, delivery: _Delivery) -> tuple[bytes, dict[str, str]]:
        route = delivery.route
        if route.format == "slack":
            message = slack_payload(orjson.loads(delivery.body), max_samples=self._max_samples)
            return orjson.dumps(message), base_headers(route)
        headers = webhook_headers(
            route,
            delivery.body,
            event=delivery.event or "unknown",
            alert_id=delivery.alert_id,
            delivery_id=delivery.delivery_id,
        )
        return delivery.body, headers

    async def _deliver(self, delivery: _Delivery) -> None:
        route = delivery.route
        if delivery.payload is None:
            try:
                delivery.payload, delivery.headers = self._prepare(delivery)
            except Exception as exc:
                self._reject(delivery, "bad_alert", f"cannot format the alert: {exc}")
                return
        while True:
            delivery.attempts += 1
            started = time.monotonic()
            attempt = await self._attempt(delivery)
            elapsed = time.monotonic() - started
            if attempt.ok:
                self._result(route, "delivered", elapsed)
                logger.debug(
                    "alert delivery: %s %s delivered to %s (attempt %d)",
                    delivery.alert_id,
                    delivery.event,
                    route.name,
                    delivery.attempts,
                )
                return
            if not attempt.retryable or delivery.attempts >= self._max_attempts:
                self._result(route, "failed", elapsed)
                self._dead_letter(delivery, attempt.reason, attempt.error)
                return
            self._result(route, "retry", elapsed)
            delay = self._delay(delivery.attempts, attempt.retry_after)
            logger.info(
                "alert delivery: %s to %s failed (%s), retry %d/%d in %.2f s",
                delivery.alert_id,
                route.name,
                attempt.reason,
                delivery.attempts,
                self._max_attempts - 1,
                delay,
            )
            await asyncio.sleep(delay)

    def _delay(self, attempts: int, retry_after: float | None) -> float:
        return backoff_delay(
            attempts, retry_after, base=self._backoff_base, cap=self._backoff_max, rng=self._random
        )

    async def _attempt(self, delivery: _Delivery) -> _Attempt:
        route = delivery.route
        session = self._session
        if session is None:
            return _Attempt(False, False, "internal_error", "the deliverer is not started")
        try:
            async with session.post(
                route.url.get_secret_value(),
                data=delivery.payload,
                headers=delivery.headers,
                timeout=aiohttp.ClientTimeout(total=route.timeout_seconds),
                allow_redirects=False,
            ) as response:
                status = response.status
                snippet = await response.content.read(_RESPONSE_SNIPPET_BYTES)
                if 200 <= status < 300:
                    return _Attempt(True)
                text = one_line(snippet.decode("utf-8", "replace"))
                error = f"HTTP {status} {response.reason or ''}".rstrip()
                if text:
                    error += f": {truncate(text, 200)}"
                retry_after = (
                    parse_retry_after(response.headers.get("Retry-After"))
                    if honours_retry_after(status)
                    else None
                )
                return _Attempt(
                    False,
                    retryable_status(status),
                    f"http_{status}",
                    _scrub(error, route),
                    retry_after,
                )
        except TimeoutError:
            return _Attempt(
                False, True, "timeout", f"no response within {route.timeout_seconds:g} s"
            )
        except (aiohttp.ClientError, OSError) as exc:
            detail = f"{type(exc).__name__}: {exc}"
            return _Attempt(False, True, "connection_error", _scrub(detail, route))

    # -- callbacks --------------------------------------------------------------------------

    def _result(self, route: Route, outcome: str, seconds: float) -> None:
        if self._on_result is None:
            return
        try:
            self._on_result(route.name, outcome, seconds)
        except Exception:
            logger.exception("alert delivery: on_result callback failed")

    def _reject(self, delivery: _Delivery, reason: str, error: str, *, quiet: bool = False) -> None:
        """Dead-letter a delivery that was not (or not fully) attempted."""
        self._result(delivery.route, "rejected", 0.0)
        self._dead_letter(delivery, reason, error, quiet=quiet)

    def _dead_letter(
        self, delivery: _Delivery, reason: str, error: str, *, quiet: bool = False
    ) -> None:
        try:
            alert: Any = orjson.loads(delivery.body)
        except orjson.JSONDecodeError:
            alert = {"id": delivery.alert_id}
        letter = {
            "reason": reason,
            "error": error,
            "route": delivery.route.describe(),
            "attempts": delivery.attempts,
            "delivery_id": delivery.delivery_id,
            "alert": alert,
            "dead_lettered_at": now_iso(),
        }
        logger.log(
            logging.DEBUG if quiet else logging.WARNING,
            "alert delivery: %s %s to route %s dead-lettered after %d attempt(s): %s (%s)",
            delivery.alert_id,
            delivery.event,
            delivery.route.name,
            delivery.attempts,
            reason,
            error,
        )
        if not self._stopped:
            self._dead_letters.put_nowait(letter)
            return
        try:  # after stop(): hand it over directly
            task = asyncio.get_running_loop().create_task(self._hand_over(letter))
        except RuntimeError:
            logger.error("alert delivery: dead letter lost (no event loop): %s", reason)
            return
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _hand_over(self, letter: dict[str, Any]) -> None:
        try:
            await self._on_dead_letter(letter)
        except Exception:
            logger.exception(
                "alert delivery: on_dead_letter failed for alert %r (reason %s)",
                _safe_id(letter["alert"]),
                letter["reason"],
            )

    async def _dead_letter_worker(self) -> None:
        while True:
            letter = await self._dead_letters.get()
            try:
                await self._hand_over(letter)
            finally:
                self._dead_letters.task_done()


def _scrub(text: str, route: Route) -> str:
    """Remove the route's URL (and its path, which may be a token) from an error message."""
    return scrub_url(text, route.url.get_secret_value())


def _safe_id(alert: object) -> object:
    return alert.get("id") if isinstance(alert, Mapping) else None
