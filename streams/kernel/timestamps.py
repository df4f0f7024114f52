"""Event times: parsing what collectors send, and the one ISO 8601 form buzzwire writes.

Every timestamp buzzwire writes (enriched mentions, brand events, alerts, benchmarks, dead
letters) is ``iso_utc``: UTC with milliseconds and a ``Z``. Inputs may be ISO 8601 with any
offset (naive means UTC), or epoch seconds or milliseconds.
"""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime
from typing import Any

#: Epoch values at or above this are milliseconds (1e11 s is the year 5138).
EPOCH_MS_THRESHOLD = 1e11


def iso_utc(ts: float) -> str:
    """``ts`` (epoch seconds) as ISO 8601 UTC with milliseconds: ``2026-11-01T12:00:03.000Z``."""
    dt = datetime.fromtimestamp(ts, tz=UTC)
    return dt.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def now_iso() -> str:
    """The wall clock now, as ``iso_utc`` writes it."""
    return iso_utc(time.time())


def parse_timestamp(value: Any, name: str = "timestamp") -> float:
    """Epoch seconds from an ISO 8601 string or an epoch number (seconds or milliseconds).

    Raises ValueError with a message that names ``name`` and says what is wrong.
    """
    if isinstance(value, bool):
        raise ValueError(f"{name} is a boolean")
    if isinstance(value, int | float):
        return _epoch(float(value), name)
    if not isinstance(value, str):
        raise ValueError(f"{name} has type {type(value).__name__}")
    raw = value.strip()
    if not raw:
        raise ValueError(f"{name} is empty")
    if any(ch < " " or ch == "\x7f" for ch in raw):
        # Python's ISO parser takes e.g. a trailing NUL; a timestamp has no control characters
        raise ValueError(f"{name} {raw[:64]!r} has control characters")
    try:
        number = float(raw)
    except ValueError:
        number = None
    if number is not None:
        return _epoch(number, name)
    try:
        parsed = datetime.fromisoformat(raw.replace("z", "Z"))
    except ValueError:
        raise ValueError(f"{name} {raw[:64]!r} is neither ISO 8601 nor an epoch number") from None
    if parsed.tzinfo is None:  # naive timestamps are taken as UTC
        parsed = parsed.replace(tzinfo=UTC)
    # a date is a date: only epoch numbers can be milliseconds
    return parsed.timestamp()


def _epoch(ts: float, name: str) -> float:
    """Epoch seconds from an epoch number in seconds or milliseconds."""
    if not math.isfinite(ts):
        raise ValueError(f"{name} is not a finite number")
    if abs(ts) >= EPOCH_MS_THRESHOLD:
        ts /= 1000.0
    return ts
