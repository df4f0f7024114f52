"""Report periods in a brand's time zone: their bounds, the previous period and the same
period a year before.

A period is a week (Monday to Sunday), a month, a quarter or a year of local calendar days; its
bounds are local midnights, as aware UTC datetimes (a midnight that a daylight-saving change
skips is the first instant of that day). The same period a year before is the same calendar
month, quarter or year of the year before, and for a week the week 52 weeks before (the same
weekdays).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

__all__ = [
    "REPORT_PERIODS",
    "ReportPeriod",
    "Span",
    "last_complete",
    "local_midnight",
    "span_of",
]

REPORT_PERIODS = ("week", "month", "quarter", "year")
ReportPeriod = Literal["week", "month", "quarter", "year"]


def local_midnight(day: date, timezone: str) -> datetime:
    """The first instant of ``day`` in ``timezone``, in UTC."""
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def _first_day(period: ReportPeriod, day: date) -> date:
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    if period == "quarter":
        return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    if period == "year":
        return date(day.year, 1, 1)
    raise ValueError(f"period must be one of {', '.join(REPORT_PERIODS)}")


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _next_first(period: ReportPeriod, first: date) -> date:
    if period == "week":
        return first + timedelta(days=7)
    return _add_months(first, {"month": 1, "quarter": 3, "year": 12}[period])


@dataclass(frozen=True, slots=True)
class Span:
    """One period: its local first day, the first day after it, and their UTC instants."""

    period: ReportPeriod
    timezone: str
    first: date
    after: date

    @property
    def start(self) -> datetime:
        return local_midnight(self.first, self.timezone)

    @property
    def end(self) -> datetime:
        return local_midnight(self.after, self.timezone)

    @property
    def days(self) -> int:
        return (self.after - self.first).days

    @property
    def label(self) -> str:
        if self.period == "week":
            year, week, _ = self.first.isocalendar()
            return f"{year}-W{week:02d}"
        if self.period == "month":
            return f"{self.first:%Y-%m}"
        if self.period == "quarter":
            return f"{self.first.year}-Q{(self.first.month - 1) // 3 + 1}"
        return str(self.first.year)

    def previous(self) -> Span:
        return span_of(self.period, self.first - timedelta(days=1), self.timezone)

    def year_before(self) -> Span:
        if self.period == "week":
            return span_of("week", self.first - timedelta(weeks=52), self.timezone)
        return span_of(self.period, _add_months(self.first, -12), self.timezone)

    def shifted(self, periods: int) -> Span:
        """The period ``periods`` before (negative) or after (positive) this one."""
        if self.period == "week":
            return span_of("week", self.first + timedelta(weeks=periods), self.timezone)
        step = {"month": 1, "quarter": 3, "year": 12}[self.period]
        return span_of(self.period, _add_months(self.first, step * periods), self.timezone)


def span_of(period: ReportPeriod, day: date, timezone: str) -> Span:
    """The ``period`` (in ``timezone``) that holds the local day ``day``."""
    if period not in REPORT_PERIODS:
        raise ValueError(f"period must be one of {', '.join(REPORT_PERIODS)}")
    ZoneInfo(timezone)  # an unknown zone fails here, not in the database
    first = _first_day(period, day)
    return Span(period, timezone, first, _next_first(period, first))


def last_complete(period: ReportPeriod, now: datetime, timezone: str) -> Span:
    """The latest ``period`` that has ended by ``now`` in ``timezone``."""
    today = now.astimezone(ZoneInfo(timezone)).date()
    return span_of(period, today, timezone).previous()
