"""The alert delivery agent: alerts topic -> webhooks / Slack, never blocking the stream.

Deliveries run in the background (``streams.alerts.deliverer.Deliverer``); the agent only hands
each alert over. Deliveries that keep failing go to ``alerts.deadletter`` with the reason.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

import orjson
from faust.types import StreamT
from mode.types.signals import BaseSignalT

from streams.alerts.deliverer import Deliverer
from streams.pipeline import runtime as rt_mod
from streams.pipeline.app import app, health, metrics, settings
from streams.pipeline.health import monitored
from streams.pipeline.producer import BatchProducer
from streams.pipeline.topics import alerts_deadletter_topic, alerts_topic

log = logging.getLogger(__name__)

_deliverer: Deliverer | None = None


async def _dead_letter(record: dict[str, Any]) -> None:
    metrics.alert_deadletters.labels(str(record.get("reason", "unknown"))).inc()
    alert = record.get("alert")
    brand = alert.get("brand") if isinstance(alert, dict) else None
    key = str(brand).encode("utf-8") if brand else None
    out = BatchProducer()
    await out.send(alerts_deadletter_topic, key, orjson.dumps(record))
    await out.flush()


def _result(route: str, outcome: str, seconds: float) -> None:
    metrics.alert_deliveries.labels(route, outcome).inc()
    if outcome != "rejected":  # rejected: dead-lettered without an HTTP attempt
        metrics.alert_delivery_seconds.labels(route).observe(seconds)


def deliverer() -> Deliverer:
    """The worker's deliverer, built from the routes loaded at worker start."""
    global _deliverer
    if _deliverer is None:
        _deliverer = Deliverer(
            rt_mod.get_runtime().routes,
            on_dead_letter=_dead_letter,
            on_result=_result,
            max_attempts=settings.alert_delivery_attempts,
            backoff_base=settings.alert_delivery_backoff_seconds,
        )
    return _deliverer


@app.agent(alerts_topic)
async def deliver_alerts(stream: StreamT) -> AsyncIterator[None]:
    """alerts -> every matching route (webhook / Slack); failures -> alerts.deadletter."""
    async for done in monitored(health, "deliver_alerts", _deliver_alerts(stream)):
        yield done


async def _deliver_alerts(stream: StreamT) -> AsyncIterator[None]:
    out = deliverer()
    await out.start()
    async for event in stream.events():
        try:
            alert = orjson.loads(event.message.value or b"")
            if not isinstance(alert, dict):
                raise ValueError("not a JSON object")
        except Exception as exc:
            log.error("alerts topic: unreadable alert at offset %s: %s", event.message.offset, exc)
            await _dead_letter(
                {
                    "reason": "invalid_alert",
                    "error": f"{type(exc).__name__}: {exc}",
                    "original_text": (event.message.value or b"").decode("utf-8", "replace"),
                    "alert": None,
                }
            )
        else:
            out.submit(alert)
        yield None


@app.on_before_shutdown.connect
async def _stop_delivery(
    sender: Any, /, *args: Any, signal: BaseSignalT[Any], **kwargs: Any
) -> None:
    """Give queued deliveries a few seconds; what is left is dead-lettered (``shutdown``)."""
    if _deliverer is not None:
        await _deliverer.stop(timeout=5.0)
