"""When a failed delivery is tried again, and after how long.

Connection errors, timeouts, HTTP 408/429 and 5xx are worth another attempt; any other HTTP
status is final. The wait before attempt ``n + 1`` is exponential backoff with jitter (half
fixed, half random, capped at ``backoff_max``), unless the receiver said how long to wait with
``Retry-After`` on a 429 or 503: that is honoured, also capped at ``backoff_max``.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

__all__ = ["backoff_delay", "honours_retry_after", "parse_retry_after", "retryable_status"]


def retryable_status(status: int) -> bool:
    """Whether an HTTP answer with ``status`` is worth another attempt (408, 429, 5xx)."""
    return status in (408, 429) or status >= 500


def honours_retry_after(status: int) -> bool:
    """Whether a ``Retry-After`` header is read on an answer with ``status`` (429, 503)."""
    return status in (429, 503)


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP-date), or ``None``."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if seconds != seconds:  # NaN
        return None
    return max(0.0, seconds)


def backoff_delay(
    attempts: int,
    retry_after: float | None,
    *,
    base: float,
    cap: float,
    rng: random.Random,
) -> float:
    """Seconds to wait after ``attempts`` failed attempts: ``retry_after`` if the receiver gave
    one, else exponential backoff from ``base`` with jitter; never more than ``cap``."""
    if retry_after is not None:
        return min(retry_after, cap)
    ceiling = min(cap, base * 2.0 ** (attempts - 1))
    return ceiling / 2 + rng.uniform(0, ceiling / 2)
