"""``buzzwire web``: the response inbox's process (uvicorn on ``BUZZWIRE_UI_BIND:UI_PORT``)."""

from __future__ import annotations

import asyncio
import logging
import sys
from types import FrameType
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from streams.config import Settings
from streams.store.database import SchemaBehind, async_engine, public_url, require_current_schema

log = logging.getLogger("buzzwire.web")

NO_URL = (
    "BUZZWIRE_DATABASE_URL is not set: point it at the store's PostgreSQL "
    "(postgresql://user:password@host:port/db), or run `buzzwire postgres start` "
    "(see docs/store.md)"
)


async def _check_schema(settings: Settings) -> None:
    assert settings.database_url is not None
    engine = async_engine(settings.database_url, pool_size=1)
    try:
        await require_current_schema(engine)
    finally:
        await engine.dispose()


def _server_class() -> type[Any]:
    import uvicorn

    class Server(uvicorn.Server):
        """uvicorn raises SIGTERM/SIGINT again after its graceful shutdown (exit -15); like the
        sink, ``buzzwire web`` exits 0 on a clean stop."""

        def handle_exit(self, sig: int, frame: FrameType | None) -> None:
            super().handle_exit(sig, frame)
            captured = getattr(self, "_captured_signals", None)
            if isinstance(captured, list):
                captured.clear()

    return Server


def run_web(settings: Settings) -> int:
    """Serve the inbox until SIGTERM or SIGINT: 0 on a clean stop; 2 when it cannot start
    (no database URL, a schema behind); 1 when the database cannot be reached."""
    import uvicorn

    from streams.web.app import create_app

    if settings.database_url is None:
        print(f"buzzwire web: {NO_URL}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        asyncio.run(_check_schema(settings))
    except SchemaBehind as exc:
        print(f"buzzwire web: {exc}", file=sys.stderr)
        return 2
    except (SQLAlchemyError, OSError) as exc:
        # the driver's message names the host and user, never the password
        detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        print(f"buzzwire web: {public_url(settings.database_url)}: {detail}", file=sys.stderr)
        return 1
    app = create_app(settings)
    config = uvicorn.Config(
        app,
        host=settings.ui_bind,
        port=settings.ui_port,
        log_level=settings.log_level,
        # behind a proxy: the client's address and https from X-Forwarded-For/-Proto, believed
        # only from BUZZWIRE_UI_FORWARDED_ALLOW_IPS (the login rate limit counts that address)
        proxy_headers=True,
        forwarded_allow_ips=settings.ui_forwarded_allow_ips,
        server_header=False,
        access_log=settings.log_level == "debug",
        timeout_graceful_shutdown=5,  # open /events streams end rather than hold the stop
    )
    server = _server_class()(config)
    log.info("buzzwire web on http://%s:%d", settings.ui_bind, settings.ui_port)
    server.run()
    return 0
