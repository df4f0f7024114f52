"""``buzzwire report`` and ``buzzwire digest`` (docs/trends.md).

Exit statuses: 0 done; 2 cannot start (no ``BUZZWIRE_DATABASE_URL``, an unknown brand, a bad
date, a brands or digests file that is invalid, a schema behind: run ``buzzwire db upgrade``);
1 the database failed, or (digest) some delivery failed after its retries. The URL's password
is never printed.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import aiohttp
import psycopg
from sqlalchemy.exc import SQLAlchemyError

from streams.alerts.routes import RoutesFileError
from streams.brands.catalog import BrandCatalog, BrandsFileError, load_brands
from streams.config import Settings
from streams.reporting.digest import digest_payload, load_digest_routes, send
from streams.reporting.report import build_report, load_departments, report_span
from streams.store.database import SchemaBehind, async_engine, public_url, require_current_schema
from streams.trends.periods import ReportPeriod
from streams.trends.render import to_csv, to_html, to_json

__all__ = ["run_digest", "run_report", "topics_path"]

NO_URL = "BUZZWIRE_DATABASE_URL is not set (docs/store.md)"


def topics_path(settings: Settings, given: Path | None = None) -> Path | None:
    """The topic taxonomy for the topic -> department mapping: ``given`` (``--topics``), else
    ``BUZZWIRE_TOPICS`` when the settings have it, else the shipped ``streams/data/topics.yaml``."""
    if given is not None:
        return given
    configured = getattr(settings, "topics", None)
    if configured:
        return Path(configured)
    shipped = Path(__file__).resolve().parents[1] / "data" / "topics.yaml"
    return shipped if shipped.is_file() else None


def _fail(command: str, message: str, status: int) -> int:
    print(f"buzzwire {command}: {message}", file=sys.stderr)
    return status


def _catalog(command: str, settings: Settings) -> BrandCatalog | int:
    try:
        return load_brands(settings.brands)
    except (BrandsFileError, OSError) as exc:
        return _fail(command, str(exc), 2)


def run_report(
    settings: Settings,
    *,
    brand: str,
    period: ReportPeriod,
    at: str | None,
    fmt: str,
    output: Path | None,
    topics: Path | None = None,
    now: datetime | None = None,
) -> int:
    """``buzzwire report``: writes the report to ``output`` (or stdout)."""
    url = settings.database_url
    if url is None:
        return _fail("report", NO_URL, 2)
    catalog = _catalog("report", settings)
    if isinstance(catalog, int):
        return catalog
    if brand not in catalog:
        return _fail("report", f"unknown brand {brand!r} (not in {settings.brands})", 2)
    try:
        day = date.fromisoformat(at) if at else None
    except ValueError:
        return _fail("report", f"--at {at!r} is not a date (YYYY-MM-DD)", 2)
    now = now or datetime.now(UTC)
    span = report_span(catalog, brand, period, day, now)
    departments = load_departments(topics_path(settings, topics))

    async def go() -> dict[str, Any]:
        engine = async_engine(url, pool_size=1)
        try:
            await require_current_schema(engine)
            async with engine.connect() as conn:
                return await build_report(
                    conn, catalog, brand, span, departments=departments, now=now
                )
        finally:
            await engine.dispose()

    try:
        report = asyncio.run(go())
    except SchemaBehind as exc:
        return _fail("report", str(exc), 2)
    except (SQLAlchemyError, psycopg.Error) as exc:
        orig = getattr(exc, "orig", None) or exc
        detail = (str(orig).strip().splitlines() or [type(orig).__name__])[0]
        return _fail("report", f"{public_url(url)}: {detail}", 1)
    if fmt == "json":
        data = to_json(report) + b"\n"
    elif fmt == "csv":
        data = to_csv(report).encode("utf-8")
    else:
        data = to_html(report).encode("utf-8")
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        output.write_bytes(data)
        print(f"buzzwire report: {report['span']['label']} of {brand} in {output}", file=sys.stderr)
    return 0


def run_digest(
    settings: Settings,
    *,
    routes_file: Path,
    at: str | None = None,
    dry_run: bool = False,
    topics: Path | None = None,
    now: datetime | None = None,
) -> int:
    """``buzzwire digest``: sends every digest the file asks for, for the latest complete
    period (or the one holding ``at``); ``dry_run`` prints the payloads instead."""
    url = settings.database_url
    if url is None:
        return _fail("digest", NO_URL, 2)
    catalog = _catalog("digest", settings)
    if isinstance(catalog, int):
        return catalog
    try:
        routes = load_digest_routes(str(routes_file), set(catalog.ids))
    except RoutesFileError as exc:
        return _fail("digest", str(exc), 2)
    try:
        day = date.fromisoformat(at) if at else None
    except ValueError:
        return _fail("digest", f"--at {at!r} is not a date (YYYY-MM-DD)", 2)
    now = now or datetime.now(UTC)
    departments = load_departments(topics_path(settings, topics))

    async def go() -> int:
        engine = async_engine(url, pool_size=1)
        failed = 0
        try:
            await require_current_schema(engine)
            async with aiohttp.ClientSession() as session, engine.connect() as conn:
                for route in routes:
                    for brand in catalog.ids:
                        if not route.wants(brand):
                            continue
                        span = report_span(catalog, brand, route.period, day, now)
                        report = await build_report(
                            conn, catalog, brand, span, departments=departments, now=now
                        )
                        for department in route.departments or (None,):
                            payload = digest_payload(report, route, department)
                            if dry_run:
                                print(to_json(payload).decode("utf-8"))
                                continue
                            try:
                                await send(session, route, payload)
                                print(f"buzzwire digest: sent {payload['id']}", file=sys.stderr)
                            except RuntimeError as exc:
                                failed += 1
                                print(f"buzzwire digest: {exc}", file=sys.stderr)
        finally:
            await engine.dispose()
        return 1 if failed else 0

    try:
        return asyncio.run(go())
    except SchemaBehind as exc:
        return _fail("digest", str(exc), 2)
    except (SQLAlchemyError, psycopg.Error) as exc:
        orig = getattr(exc, "orig", None) or exc
        detail = (str(orig).strip().splitlines() or [type(orig).__name__])[0]
        return _fail("digest", f"{public_url(url)}: {detail}", 1)
