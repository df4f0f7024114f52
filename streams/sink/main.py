"""``buzzwire sink`` and ``buzzwire db``: the entry points of the store's processes."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys

from prometheus_client import CollectorRegistry
from sqlalchemy import create_engine
from sqlalchemy.exc import SQLAlchemyError

from streams.config import Settings
from streams.sink.metrics import SinkMetrics
from streams.sink.service import Sink
from streams.sink.web import start_web
from streams.store.database import (
    SchemaBehind,
    current_revision,
    head_revision,
    public_url,
    upgrade,
)

log = logging.getLogger("buzzwire.sink")

NO_URL = (
    "BUZZWIRE_DATABASE_URL is not set: point it at your PostgreSQL "
    "(postgresql://user:password@host:port/db), or run `buzzwire postgres start` "
    "(see docs/store.md)"
)


def run_sink(settings: Settings) -> int:
    """Run the sink until SIGTERM or SIGINT; 0 on a clean stop, 2 when it cannot start."""
    if settings.database_url is None:
        print(f"buzzwire sink: {NO_URL}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        return asyncio.run(_serve(settings))
    except SchemaBehind as exc:
        print(f"buzzwire sink: {exc}", file=sys.stderr)
        return 2


async def _serve(settings: Settings) -> int:
    registry = CollectorRegistry()
    sink = Sink(settings, SinkMetrics.create(registry))
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, sink.stop)
    runner = await start_web(settings.web_bind, settings.sink_web_port, registry, sink.problems)
    try:
        await sink.run()
    finally:
        await runner.cleanup()
    log.info("sink stopped")
    return 0


def run_db(action: str, settings: Settings) -> int:
    """``buzzwire db upgrade`` (apply migrations) or ``buzzwire db status``."""
    url = settings.database_url
    if url is None:
        print(f"buzzwire db: {NO_URL}", file=sys.stderr)
        return 2
    where = public_url(url)
    try:
        if action == "upgrade":
            before, after = upgrade(url)
            if before == after:
                print(f"{where}: already at {after}")
            else:
                print(f"{where}: upgraded from {before or '(empty)'} to {after}")
            return 0
        engine = create_engine(url.get_secret_value())
        try:
            with engine.connect() as connection:
                current = current_revision(connection)
        finally:
            engine.dispose()
    except SQLAlchemyError as exc:
        # the driver's message names the host and user, never the password
        detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        print(f"buzzwire db: {where}: {detail}", file=sys.stderr)
        return 1
    head = head_revision()
    state = "current" if current == head else f"behind: run `buzzwire db upgrade` ({head})"
    print(f"{where}: at {current or '(empty)'}, {state}")
    return 0 if current == head else 1
