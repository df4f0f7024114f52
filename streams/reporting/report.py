"""A brand's report for a period: the facts from the store, the measures, the history for the
charts, the departments and their statements (docs/trends.md#buzzwire-report)."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy.ext.asyncio import AsyncConnection

from streams.brands.catalog import BrandCatalog
from streams.rollups.logic import competitor_sets, sets_of
from streams.store import trends as store
from streams.trends.measures import (
    PeriodFacts,
    brand_measures,
    department_measures,
    share_of_voice,
    statements_dict,
    topic_measures,
)
from streams.trends.periods import ReportPeriod, Span, last_complete, span_of
from streams.trends.sentiment import CLEAR_NEGATIVE, CLEAR_POSITIVE, net_score
from streams.trends.tally import Tally, total

__all__ = ["brand_sets", "build_report", "load_departments", "report_span"]

#: Periods of history in the report's charts (the report's own included).
HISTORY = 8


def load_departments(path: str | os.PathLike[str] | None) -> dict[str, list[str]]:
    """Department -> its topic ids, from a topic taxonomy file (``topics:`` entries with ``id``
    and ``department``); empty without a file."""
    if path is None or not Path(path).is_file():
        return {}
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    out: dict[str, list[str]] = {}
    for entry in data.get("topics") or []:
        if isinstance(entry, Mapping) and entry.get("id") and entry.get("department"):
            out.setdefault(str(entry["department"]), []).append(str(entry["id"]))
    return out


def brand_sets(catalog: BrandCatalog, brand: str) -> dict[str, tuple[str, ...]]:
    """The competitor sets ``brand`` belongs to: set id (a brand) -> members."""
    sets = competitor_sets({b.id: b.competitors for b in catalog if b.competitors})
    return {s: sets[s] for s in sets_of(brand, sets)}


def report_span(
    catalog: BrandCatalog, brand: str, period: ReportPeriod, at: date | None, now: datetime
) -> Span:
    """The period holding the local day ``at``, or the latest complete one."""
    timezone = catalog[brand].timezone
    return span_of(period, at, timezone) if at else last_complete(period, now, timezone)


async def _facts(
    conn: AsyncConnection,
    brand: str,
    span: Span,
    sets: Mapping[str, Sequence[str]],
    now: datetime,
) -> PeriodFacts:
    members = {brand, *(m for ms in sets.values() for m in ms)}
    tallies = await store.tallies(conn, members, span.start, span.end)
    return PeriodFacts(
        span=span,
        brand=tallies.get(brand, Tally()),
        sets={s: {m: tallies.get(m, Tally()) for m in ms} for s, ms in sets.items()},
        service=await store.service_kpis(conn, brand, span.start, span.end, now=now),
        topics=await store.topic_tallies(conn, brand, span.start, span.end),
    )


def _span_dict(span: Span) -> dict[str, Any]:
    return {
        "label": span.label,
        "first_day": span.first.isoformat(),
        "last_day": date.fromordinal(span.after.toordinal() - 1).isoformat(),
        "days": span.days,
        "start": span.start.isoformat(),
        "end": span.end.isoformat(),
    }


async def _history(
    conn: AsyncConnection, brand: str, span: Span, sets: Mapping[str, Sequence[str]]
) -> dict[str, Any]:
    spans = [span.shifted(-k) for k in range(HISTORY - 1, -1, -1)]
    members = sorted({brand, *(m for ms in sets.values() for m in ms)})
    series = await store.series(
        conn,
        members,
        period=span.period,
        timezone=span.timezone,
        start=spans[0].start,
        end=span.end,
    )
    own = series.get(brand, {})
    rows = []
    for s in spans:
        t = own.get(s.first, Tally())
        sov = {}
        for set_id, ms in sets.items():
            all_ = total(series.get(m, {}).get(s.first, Tally()) for m in ms).mentions
            sov[set_id] = 100.0 * t.mentions / all_ if all_ else None
        rows.append(
            {
                "label": s.label,
                "first_day": s.first.isoformat(),
                "mentions": t.mentions,
                "per_day": t.mentions / s.days,
                "negative_share": 100.0 * t.negative / t.mentions if t.mentions else None,
                "net_sentiment_score": net_score(
                    t.clearly_positive, t.clearly_negative, t.mentions
                ),
                "share_of_voice": sov,
            }
        )
    return {"periods": rows}


async def build_report(
    conn: AsyncConnection,
    catalog: BrandCatalog,
    brand: str,
    span: Span,
    *,
    departments: Mapping[str, Sequence[str]] | None = None,
    now: datetime | None = None,
    statements: int = 5,
    department_statements: int = 3,
) -> dict[str, Any]:
    """The report of ``brand`` for ``span``, as plain data (JSON-ready)."""
    now = now or datetime.now(UTC)
    departments = departments or {}
    sets = brand_sets(catalog, brand)
    spans = [span, span.previous(), span.year_before()]
    facts = [await _facts(conn, brand, s, sets, now) for s in spans]
    top = {
        kind: await store.top_statements(
            conn, brand, span.start, span.end, sentiment=kind, limit=statements
        )
        for kind in ("negative", "positive")
    }
    dept_measures = department_measures(facts, departments)
    dept_out = []
    for department, measures in dept_measures.items():
        owned = sorted(departments[department])
        said = {
            kind: await store.top_statements(
                conn,
                brand,
                span.start,
                span.end,
                sentiment=kind,
                topics=owned,
                limit=department_statements,
            )
            for kind in ("negative", "positive")
        }
        dept_out.append(
            {
                "department": department,
                "topics": owned,
                "measures": [m.as_dict() for m in measures],
                "statements": statements_dict(said),
            }
        )
    department_of = {t: d for d, ts in departments.items() for t in ts}
    return {
        "brand": brand,
        "name": catalog[brand].name,
        "timezone": span.timezone,
        "period": span.period,
        "generated_at": now.astimezone(UTC).isoformat(),
        "span": _span_dict(spans[0]),
        "previous": _span_dict(spans[1]),
        "year_ago": _span_dict(spans[2]),
        "thresholds": {"clearly_positive": CLEAR_POSITIVE, "clearly_negative": CLEAR_NEGATIVE},
        "tally": facts[0].brand.as_dict(),
        "measures": [m.as_dict() for m in brand_measures(facts)],
        "share_of_voice": share_of_voice(brand, facts),
        "topics": [
            {
                "topic": topic,
                "department": department_of.get(topic),
                "measures": [m.as_dict() for m in measures],
            }
            for topic, measures in topic_measures(facts).items()
        ],
        "departments": dept_out,
        "statements": statements_dict(top),
        "history": await _history(conn, brand, span, sets),
    }
