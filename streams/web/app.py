"""The web app of the response inbox: :func:`create_app` builds the FastAPI application.

Pages (``streams.web.pages``) are rendered on the server with Jinja2 and enhanced with htmx;
the JSON API is under ``/api`` (``streams.web.api``), live updates at ``/events``
(``streams.web.live``). ``/healthz`` says the process runs, ``/ready`` that the store answers.
With ``BUZZWIRE_INBOX_WEBHOOK_URL`` set, a background task delivers the outbox
(``streams.web.webhooks``). docs/web.md describes all of it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.exceptions import HTTPException as StarletteHTTPException

from streams.config import Settings
from streams.store.database import async_engine
from streams.store.users import LoginRateLimiter, purge_expired_sessions
from streams.web import api, live, pages, views
from streams.web.auth import LoginRequired, signed_in

__all__ = ["WebState", "create_app"]

log = logging.getLogger("buzzwire.web")

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"

#: Headers of every response: no framing, no sniffing, no referrer to the posts we link,
#: scripts, styles and everything else from this origin only.
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
}


@dataclass
class WebState:
    """What every request handler needs, in ``app.state.web``."""

    settings: Settings
    engine: AsyncEngine
    templates: Jinja2Templates
    limiter: LoginRateLimiter
    clock: Callable[[], datetime]
    #: seconds between two looks at the store by ``/events``
    poll_seconds: float = 2.0
    #: an ``/events`` stream ends after this long (the browser reconnects and resumes)
    sse_max_seconds: float = 300.0
    owns_engine: bool = False
    tasks: list[asyncio.Task[Any]] = field(default_factory=list)

    def now(self) -> datetime:
        return self.clock()


def _utc_now() -> datetime:
    return datetime.now(UTC)


#: how often expired sign-in sessions are deleted
PURGE_SECONDS = 3600.0


async def _purge_sessions(web: WebState) -> None:
    """Delete expired sessions now and then (a session past its expiry is refused anyway)."""
    while True:
        try:
            async with web.engine.begin() as conn:
                await purge_expired_sessions(conn, web.now())
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the store is away: next time
            reason = type(getattr(exc, "orig", None) or exc).__name__
            log.warning("expired sessions not purged (%s)", reason)
        await asyncio.sleep(PURGE_SECONDS)


def create_app(
    settings: Settings,
    engine: AsyncEngine | None = None,
    *,
    clock: Callable[[], datetime] | None = None,
    limiter: LoginRateLimiter | None = None,
    poll_seconds: float = 2.0,
    sse_max_seconds: float = 300.0,
    webhooks: bool = True,
) -> FastAPI:
    """The app. Without ``engine`` it makes one from ``BUZZWIRE_DATABASE_URL`` (and disposes of
    it at shutdown). ``webhooks=False`` leaves the outbox alone (tests that deliver it
    themselves)."""
    owns_engine = engine is None
    if engine is None:
        if settings.database_url is None:
            raise ValueError("BUZZWIRE_DATABASE_URL is not set")
        engine = async_engine(settings.database_url, pool_size=settings.database_pool_size)
    templates = Jinja2Templates(directory=str(TEMPLATES))
    views.install_filters(templates)
    web = WebState(
        settings=settings,
        engine=engine,
        templates=templates,
        limiter=limiter or LoginRateLimiter(),
        clock=clock or _utc_now,
        poll_seconds=poll_seconds,
        sse_max_seconds=sse_max_seconds,
        owns_engine=owns_engine,
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        web.tasks.append(asyncio.create_task(_purge_sessions(web), name="purge-sessions"))
        if webhooks and settings.inbox_webhook_url is not None:
            from streams.web.webhooks import OutboxDelivery

            delivery = OutboxDelivery.from_settings(settings, web.engine)
            if delivery is not None:
                web.tasks.append(asyncio.create_task(delivery.run(), name="inbox-webhooks"))
        try:
            yield
        finally:
            for task in web.tasks:
                task.cancel()
            for task in web.tasks:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
            web.tasks.clear()
            if web.owns_engine:
                await web.engine.dispose()

    app = FastAPI(
        title="buzzwire inbox API",
        version="1",
        description="The response inbox of buzzwire (docs/web.md). "
        "Every call needs `Authorization: Bearer TOKEN` (`buzzwire tokens create`).",
        openapi_url="/api/openapi.json",
        docs_url=None,  # Swagger UI and ReDoc load scripts from a CDN: nothing from outside
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.web = web

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if not request.url.path.startswith("/static/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        target = "/login"
        wanted = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        if wanted not in ("/", "/inbox"):
            from urllib.parse import quote

            target += "?next=" + quote(wanted, safe="")
        if request.headers.get("HX-Request"):
            return Response(status_code=401, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        headers = dict(exc.headers or {})
        if request.url.path.startswith("/api/") or request.url.path == "/events":
            return JSONResponse(
                {"detail": exc.detail}, status_code=exc.status_code, headers=headers
            )
        if request.headers.get("HX-Request"):
            return PlainTextResponse(str(exc.detail), status_code=exc.status_code, headers=headers)
        signed = await signed_in(request)
        return web.templates.TemplateResponse(
            request,
            "error.html",
            {"signed": signed, "status": exc.status_code, "message": exc.detail},
            status_code=exc.status_code,
            headers=headers,
        )

    @app.exception_handler(RequestValidationError)
    async def bad_input(request: Request, exc: RequestValidationError) -> Response:
        message = views.validation_message(exc)
        if request.url.path.startswith("/api/"):
            return JSONResponse(
                {"detail": message, "errors": views.json_safe(exc.errors())}, status_code=422
            )
        if request.headers.get("HX-Request"):
            return PlainTextResponse(message, status_code=422)
        signed = await signed_in(request)
        return web.templates.TemplateResponse(
            request,
            "error.html",
            {"signed": signed, "status": 422, "message": message},
            status_code=422,
        )

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> PlainTextResponse:
        return PlainTextResponse("ok\n")

    @app.get("/ready", include_in_schema=False)
    async def ready() -> PlainTextResponse:
        try:
            async with web.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception as exc:
            reason = type(getattr(exc, "orig", None) or exc).__name__
            return PlainTextResponse(f"not ready: the store does not answer ({reason})\n", 503)
        return PlainTextResponse("ready\n")

    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    app.include_router(pages.login_router)
    app.include_router(pages.router)
    app.include_router(live.router)
    app.include_router(api.router)
    return app
