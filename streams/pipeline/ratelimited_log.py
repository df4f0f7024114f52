"""Log lines that cannot flood: at most one of a kind per interval, with a count of the rest.

A worker that meets a burst of bad input, or a broker outage, would otherwise write thousands
of identical error lines a second.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Hashable
from typing import Any


class _Limiter:
    """One pass per key every ``interval`` seconds; counts what it holds back."""

    def __init__(self, interval: float, clock: Callable[[], float]) -> None:
        self.interval = interval
        self.clock = clock
        self._last: dict[Hashable, float] = {}
        self._held: dict[Hashable, int] = {}

    def admit(self, key: Hashable) -> int | None:
        """None to hold this one back, else how many were held back since the last pass."""
        now = self.clock()
        last = self._last.get(key)
        if last is not None and now - last < self.interval:
            self._held[key] = self._held.get(key, 0) + 1
            return None
        self._last[key] = now
        return self._held.pop(key, 0)

    def note(self, held: int) -> str:
        return f" (and {held} more like it in the last {self.interval:g} s)" if held else ""


class RateLimitedLog:
    """``log(key, level, msg, *args)`` writes at most one line per ``key`` every ``interval``
    seconds; the next line that gets through says how many were held back meanwhile."""

    def __init__(
        self,
        logger: logging.Logger,
        interval: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.logger = logger
        self._limiter = _Limiter(interval, clock)

    def log(self, key: str, level: int, msg: str, *args: Any) -> bool:
        """Whether the line was written."""
        held = self._limiter.admit(key)
        if held is None:
            return False
        self.logger.log(level, msg + self._limiter.note(held), *args)
        return True


class RateLimitFilter(logging.Filter):
    """A handler filter: each kind of warning or error (logger and message template) passes at
    most once every ``interval`` seconds; the next one that passes says how many were held.
    Lines below WARNING pass untouched. With the broker down, Kafka clients otherwise log
    thousands of identical errors a second."""

    def __init__(self, interval: float = 10.0, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self._limiter = _Limiter(interval, clock)

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING:
            return True
        held = self._limiter.admit((record.name, str(record.msg)))
        if held is None:
            return False
        if held:
            record.msg = f"{record.msg}{self._limiter.note(held)}"
        return True
