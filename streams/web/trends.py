"""The Trends page's figures: a brand per week, month or quarter in its time zone, each period
against the previous one and the same period a year before (docs/web.md#trends).

:func:`load` reads what the page needs from the store's rollups (``streams.store.trends``:
one series query for the brand and its competitors, one for its topics, the inbox's service
KPIs and the most important statements of the last complete period); :func:`build` turns it
into headline figures and :class:`Chart`\\ s, pure arithmetic that the tests check without a
database. Every change carries its sample size and is marked *noise* when its test
(``streams.trends.stats``) does not reject "no change" at 5 %.

Brand scope: the page's brand must be one the user may see (the handler answers 404
otherwise, like a brand that does not exist). Its share of voice needs its competitors'
volumes, so the chart of the set shows their shares; nothing else of theirs is read.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncConnection

from streams.store import trends as store_trends
from streams.topics.taxonomy import Taxonomy
from streams.trends.measures import Change as MeasureChange
from streams.trends.measures import (
    Measure,
    PeriodFacts,
    brand_measures,
    department_measures,
    score,
    share,
    volume,
)
from streams.trends.periods import Span, span_of
from streams.trends.sentiment import net_score
from streams.trends.tally import ServiceKpis, Statement, Tally

__all__ = [
    "PAGE_PERIODS",
    "Chart",
    "Delta",
    "Kpi",
    "Series",
    "TrendsData",
    "TrendsView",
    "build",
    "load",
    "spans_shown",
]

PagePeriod = Literal["week", "month", "quarter"]
#: The periods the page offers, with how many complete ones it shows (and the one in progress).
PAGE_PERIODS: dict[str, tuple[str, int]] = {
    "week": ("Week", 13),
    "month": ("Month", 12),
    "quarter": ("Quarter", 8),
}
#: Statements shown per sentiment, and per department.
STATEMENTS = 3
#: Shown for a topic whose department the taxonomy does not know.
NO_DEPARTMENT = "other"


@dataclass(frozen=True)
class Series:
    """One series of a chart: a value per period (None: no data)."""

    name: str
    values: list[float | None]
    kind: Literal["bar", "line"] = "bar"
    dashed: bool = False
    #: per value: the change it stands for is noise at its sample size
    noise: list[bool] | None = None


@dataclass(frozen=True)
class Chart:
    """A chart and its data table."""

    id: str
    title: str
    description: str
    unit: Literal["count", "%", "score"]
    labels: list[str]
    series: list[Series]
    stacked: bool = False
    min: float | None = None
    max: float | None = None

    @property
    def unit_label(self) -> str:
        return {"count": "mentions", "%": "%", "score": "-100 to 100"}[self.unit]

    def spec(self) -> dict[str, Any]:
        """What trends.js draws (JSON)."""
        return {
            "unit": self.unit,
            "labels": self.labels,
            "stacked": self.stacked,
            "min": self.min,
            "max": self.max,
            "series": [
                {
                    "name": s.name,
                    "values": s.values,
                    "kind": s.kind,
                    "dashed": s.dashed,
                    "noise": s.noise,
                }
                for s in self.series
            ],
        }

    def has_data(self) -> bool:
        return any(v is not None for s in self.series for v in s.values)


@dataclass(frozen=True)
class Delta:
    """A figure against a comparison period, as shown: ``+12.0 %`` (a volume per day) or
    ``+3.1 pts`` (a share or a score)."""

    against: str  #: "previous period" or "a year before"
    text: str  #: the change, or "no data"
    noise: bool | None  #: True: within chance at this sample size (or no data); None: no test
    p: float | None


@dataclass(frozen=True)
class Kpi:
    name: str
    value: float | None
    unit: Literal["count", "%", "score", "hours"]
    changes: list[Delta]
    sample: str  #: the sample sizes behind it


@dataclass
class TrendsData:
    """What :func:`load` read from the store."""

    #: brand -> first day of a period -> its tally (the brand and its competitors)
    series: dict[str, dict[date, Tally]]
    #: topic -> first day -> tally (the brand's)
    topics: dict[str, dict[date, Tally]]
    #: first day of the last complete period, its previous and year-before one -> service
    service: dict[date, ServiceKpis] = field(default_factory=dict)
    statements: list[Statement] = field(default_factory=list)


@dataclass(frozen=True)
class TrendsView:
    """Everything the template shows."""

    headline_period: str
    headline: list[Kpi]
    charts: list[Chart]
    statements: list[dict[str, Any]]
    departments: list[dict[str, Any]]
    summary: str


def spans_shown(period: PagePeriod, now: datetime, timezone: str) -> list[Span]:
    """The complete periods the page shows, oldest first, then the one in progress."""
    _, count = PAGE_PERIODS[period]
    current = span_of(period, now.astimezone(_zone(timezone)).date(), timezone)
    return [current.shifted(-k) for k in range(count, -1, -1)]


def _zone(timezone: str) -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo(timezone)


async def load(
    conn: AsyncConnection,
    *,
    brand: str,
    competitors: Sequence[str],
    period: PagePeriod,
    timezone: str,
    now: datetime,
) -> TrendsData:
    """Read the page's figures: the periods shown, each one's previous and year-before period
    (for the brand and its competitors), the brand's topics over the periods shown, and the
    service KPIs and most important statements of the last complete period."""
    spans = spans_shown(period, now, timezone)
    first, current = spans[0], spans[-1]
    start = min(first.year_before().start, first.previous().start)
    series = await store_trends.series(
        conn,
        [brand, *competitors],
        period=period,
        timezone=timezone,
        start=start,
        end=current.end,
    )
    topics = await store_trends.topic_series(
        conn,
        brand,
        period=period,
        timezone=timezone,
        start=min(first.start, spans[-2].year_before().start),
        end=current.end,
    )
    last = spans[-2]
    service = {
        p.first: await store_trends.service_kpis(conn, brand, p.start, p.end, now=now)
        for p in (last, last.previous(), last.year_before())
    }
    statements: list[Statement] = []
    for sentiment in ("negative", "positive"):
        statements += await store_trends.top_statements(
            conn, brand, last.start, last.end, sentiment=sentiment, limit=STATEMENTS
        )
    return TrendsData(series=series, topics=topics, service=service, statements=statements)


# --------------------------------------------------------------------------- arithmetic


def _pct(part: int, whole: int) -> float | None:
    return None if whole <= 0 else 100.0 * part / whole


def _noisy(change: MeasureChange) -> bool:
    """No data, or a change within what chance gives at its sample size."""
    return change.change is None or change.noise is not False


def _delta(against: str, change: MeasureChange, kind: str) -> Delta:
    if change.change is None:
        text = "no data"
    elif kind == "volume":
        text = f"{100 * change.change:+.1f} %"
    elif kind == "plain":
        text = f"{change.change:+.1f}"
    else:
        text = f"{change.change:+.1f} pts"
    noise = None if kind == "plain" else _noisy(change)
    return Delta(against, text, noise, change.p_value)


def _kpi(name: str, m: Measure, unit: str, sample: str) -> Kpi:
    return Kpi(
        name,
        m.value,
        unit,  # type: ignore[arg-type]
        [
            _delta("previous period", m.previous, m.kind),
            _delta("a year before", m.year_ago, m.kind),
        ],
        sample,
    )


def build(
    data: TrendsData,
    *,
    brand: str,
    competitors: Sequence[str],
    names: Mapping[str, str],
    spans: Sequence[Span],
    departments: Mapping[str, str],
    topic_names: Mapping[str, str],
) -> TrendsView:
    """The headline (the last complete period), the charts and the departments' table, from
    the measures of ``streams.trends.measures`` (the ones the report gives)."""
    own = data.series.get(brand, {})
    current, last = spans[-1], spans[-2]
    labels = [s.label for s in spans[:-1]] + [f"{current.label} (so far)"]
    title = names.get(brand, brand)
    members = [brand, *competitors]

    def tally(b: str, span: Span) -> Tally:
        return data.series.get(b, {}).get(span.first, Tally())

    def three(span: Span) -> tuple[Span, Span, Span]:
        return span, span.previous(), span.year_before()

    def vol(tallies: Mapping[date, Tally], span: Span) -> Measure:
        return volume(
            "volume", [(tallies.get(p.first, Tally()).mentions, p.days) for p in three(span)]
        )

    def set_share(span: Span) -> Measure:
        parts = []
        for p in three(span):
            in_set = sum(tally(b, p).mentions for b in members)
            parts.append((tally(brand, p).mentions, in_set))
        return share("share_of_voice", parts)

    def nss(span: Span) -> Measure:
        return score(
            "net_sentiment_score",
            [
                (t.clearly_positive, t.clearly_negative, t.mentions)
                for t in (own.get(p.first, Tally()) for p in three(span))
            ],
        )

    charts: list[Chart] = []
    volumes = [vol(own, s) for s in spans]
    charts.append(
        Chart(
            "volume",
            "Mentions",
            f"{title}'s mentions per period, and the same period a year before (weeks: 52 "
            "weeks before). The last period is the one in progress.",
            "count",
            labels,
            [
                Series("Mentions", [m.value for m in volumes]),
                Series(
                    "A year before",
                    [m.year_ago.value if m.year_ago.n else None for m in volumes],
                    kind="line",
                    dashed=True,
                ),
            ],
        )
    )

    def complete(values: list[float | None]) -> list[float | None]:
        return [*values[:-1], None]  # the period in progress is not compared

    def pct_change(c: MeasureChange) -> float | None:
        return None if c.change is None else 100.0 * c.change

    charts.append(
        Chart(
            "growth",
            "Growth (%)",
            "The change in mentions per day of each complete period against the previous "
            "period and the same period a year before. Pale bars and points are noise: within "
            "what chance gives at that sample size (exact Poisson rate test, 5 %).",
            "%",
            labels,
            [
                Series(
                    "vs the previous period",
                    complete([pct_change(m.previous) for m in volumes]),
                    noise=[_noisy(m.previous) for m in volumes],
                ),
                Series(
                    "vs a year before",
                    complete([pct_change(m.year_ago) for m in volumes]),
                    kind="line",
                    dashed=True,
                    noise=[_noisy(m.year_ago) for m in volumes],
                ),
            ],
        )
    )

    if competitors:
        in_set = [sum(tally(b, s).mentions for b in members) for s in spans]
        sov = [set_share(s) for s in spans]
        charts.append(
            Chart(
                "share-of-voice",
                "Share of voice against competitors (%)",
                f"Each brand's share of the mentions of {title} and its competitors (the brands "
                f"file) per period, and {title}'s share a year before.",
                "%",
                labels,
                [
                    Series(
                        names.get(b, b),
                        [_pct(tally(b, s).mentions, n) for s, n in zip(spans, in_set, strict=True)],
                    )
                    for b in members
                ]
                + [
                    Series(
                        f"{title} a year before",
                        [m.year_ago.value for m in sov],
                        kind="line",
                        dashed=True,
                    )
                ],
                stacked=True,
                min=0,
                max=100,
            )
        )

    scores = [nss(s) for s in spans]
    charts.append(
        Chart(
            "net-sentiment",
            "Net sentiment score",
            "Clearly positive minus clearly negative mentions, in points of all mentions (the "
            "NPS scale, -100 to 100), per period and a year before. Pale points: the change "
            "from the previous period is noise.",
            "score",
            labels,
            [
                Series(
                    "Net sentiment score",
                    [m.value for m in scores],
                    kind="line",
                    noise=[_noisy(m.previous) for m in scores],
                ),
                Series(
                    "A year before", [m.year_ago.value for m in scores], kind="line", dashed=True
                ),
            ],
            min=-100,
            max=100,
        )
    )

    # topics by department (a mention with two topics of a department counts twice)
    by_dept: dict[str, dict[date, Tally]] = defaultdict(dict)
    for topic, per in data.topics.items():
        dept = departments.get(topic, NO_DEPARTMENT)
        for first, t in per.items():
            by_dept[dept][first] = by_dept[dept].get(first, Tally()) + t
    depts = sorted(by_dept, key=lambda d: (-sum(t.mentions for t in by_dept[d].values()), d))
    if depts:
        charts.append(
            Chart(
                "departments",
                "Topics by department",
                "Mentions per department that owns their topics (the taxonomy file), per "
                "period; a mention with two topics counts under both.",
                "count",
                labels,
                [
                    Series(
                        _dept_label(d),
                        [float(by_dept[d].get(s.first, Tally()).mentions) for s in spans],
                    )
                    for d in depts
                ],
                stacked=True,
            )
        )
        charts.append(
            Chart(
                "department-negative",
                "Negative share by department (%)",
                "The share of each department's mentions labelled negative, per period.",
                "%",
                labels,
                [
                    Series(
                        _dept_label(d),
                        [
                            _pct(t.negative, t.mentions)
                            for t in (by_dept[d].get(s.first, Tally()) for s in spans)
                        ],
                        kind="line",
                    )
                    for d in depts
                ],
                min=0,
                max=100,
            )
        )

    # the headline: the last complete period, the report's measures
    facts = [
        PeriodFacts(
            span=p,
            brand=own.get(p.first, Tally()),
            service=data.service.get(p.first, ServiceKpis()),
        )
        for p in three(last)
    ]
    measures = {m.name: m for m in brand_measures(facts)}
    cur, prev, ago = (f.brand for f in facts)
    headline = [
        _kpi(
            "Mentions",
            measures["volume"],
            "count",
            f"n = {cur.mentions:,}; before {prev.mentions:,}; a year before {ago.mentions:,}",
        )
    ]
    if competitors:
        m = set_share(last)
        headline.append(_kpi("Share of voice", m, "%", f"n = {m.n:,} in the set of {len(members)}"))
    headline.append(
        _kpi(
            "Net sentiment score",
            measures["net_sentiment_score"],
            "score",
            f"{cur.clearly_positive:,} clearly positive, {cur.clearly_negative:,} clearly "
            f"negative of {cur.mentions:,}",
        )
    )
    headline.append(
        _kpi(
            "Negative share",
            measures["negative_share"],
            "%",
            f"{cur.negative:,} of {cur.mentions:,}",
        )
    )
    headline.append(
        _kpi(
            "Untagged share",
            measures["untagged_share"],
            "%",
            f"{cur.untagged:,} of {cur.mentions:,}",
        )
    )
    service = facts[0].service
    if service.untagged:
        answered = measures["answered_share"]
        headline.append(
            _kpi(
                "Untagged answered",
                answered,
                "%",
                f"{service.answered:,} of {answered.n:,} not dismissed; "
                f"backlog {service.backlog:,}",
            )
        )
    if service.acted:
        headline.append(
            _kpi(
                "Median time to first action (h)",
                measures["median_hours_to_first_action"],
                "hours",
                f"over {service.acted:,} acted on",
            )
        )

    # departments in the last complete period
    owned: dict[str, list[str]] = defaultdict(list)
    for topic in data.topics:
        owned[departments.get(topic, NO_DEPARTMENT)].append(topic)
    topic_facts = [
        PeriodFacts(
            span=p,
            brand=Tally(),
            topics={t: per.get(p.first, Tally()) for t, per in data.topics.items()},
        )
        for p in three(last)
    ]
    dept_measures = department_measures(topic_facts, owned)
    dept_rows = []
    for d in depts:
        dv, dn = dept_measures[d]
        t = by_dept[d].get(last.first, Tally())
        dept_rows.append(
            {
                "department": _dept_label(d),
                "mentions": t.mentions,
                "change": _delta("previous period", dv.previous, "volume"),
                "negative_share": dn.value,
                "negative_change": _delta("previous period", dn.previous, "share"),
                "score": net_score(t.clearly_positive, t.clearly_negative, t.mentions),
            }
        )

    statements = [
        {
            "sentiment": s.sentiment,
            "text": s.text,
            "lang": s.lang or "",
            "reach": s.reach,
            "url": s.url,
            "author": s.author_handle or "",
            "departments": ", ".join(
                sorted({_dept_label(departments.get(t, NO_DEPARTMENT)) for t in s.topics})
            )
            or "no topic",
            "topics": ", ".join(topic_names.get(t, t) for t in s.topics),
        }
        for s in data.statements
    ]
    summary = (
        f"{len(spans) - 1} complete {spans[0].period}s and the one in progress, in "
        f"{spans[0].timezone}, each against the previous {spans[0].period} and the same "
        f"{spans[0].period} a year before."
    )
    return TrendsView(
        headline_period=last.label,
        headline=headline,
        charts=charts,
        statements=statements,
        departments=dept_rows,
        summary=summary,
    )


def _dept_label(department: str) -> str:
    return department.replace("_", " ").capitalize()


# --------------------------------------------------------------------------- configuration


_CACHE: dict[tuple[str, float], Any] = {}


def _cached(path: Any, read: Any) -> Any:
    """``read(path)``, again only when the file changed (brands and topics files are read
    once, then on change, not per request)."""
    import os

    key = (str(path), os.stat(path).st_mtime)
    if key not in _CACHE:
        _CACHE.clear() if len(_CACHE) > 16 else None
        _CACHE[key] = read(path)
    return _CACHE[key]


def brand_catalog(path: Any) -> Any:
    """The brands file (``BUZZWIRE_BRANDS``): names, competitors, time zones."""
    from streams.brands.catalog import load_brands

    return _cached(path, load_brands)


def taxonomy(path: Any) -> Taxonomy:
    """The topic taxonomy (``BUZZWIRE_TOPICS``): each topic's name and the department that
    owns it."""
    from streams.topics.taxonomy import load_topics

    found: Taxonomy = _cached(path, load_topics)
    return found
