"""The sink's small HTTP server: ``/metrics`` (Prometheus) and ``/ready`` (200 while it
stores, 503 with the reasons while it waits for the database or has not started)."""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest


async def start_web(
    bind: str, port: int, registry: CollectorRegistry, problems: Callable[[], list[str]]
) -> web.AppRunner:
    async def metrics(_: web.Request) -> web.Response:
        body = generate_latest(registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def ready(_: web.Request) -> web.Response:
        found = problems()
        if found:
            return web.Response(status=503, text="not ready: " + "; ".join(found) + "\n")
        return web.Response(text="ready\n")

    app = web.Application()
    app.router.add_get("/metrics", metrics)
    app.router.add_get("/ready", ready)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, bind, port).start()
    return runner
