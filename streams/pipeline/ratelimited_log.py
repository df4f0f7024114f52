"""Log lines that cannot flood: at most one a key per interval, with a count of the rest.

A worker that meets a burst of bad input, or a broker outage, would otherwise write thousands
of identical error lines a second.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class RateLimitedLog:
    """``log(key, level, msg, *args)`` writes at most one line per ``key`` every ``interval``
    seconds; the next line that gets through says how many were held back meanwhile."""

    logger: logging.Logger
    interval: float = 10.0
    clock: Callable[[], float] = time.monotonic
    _last: dict[str, float] = field(default_factory=dict)
    _held: dict[str, int] = field(default_factory=dict)

    def log(self, key: str, level: int, msg: str, *args: Any) -> bool:
        """Whether the line was written."""
        now = self.clock()
        last = self._last.get(key)
        if last is not None and now - last < self.interval:
            self._held[key] = self._held.get(key, 0) + 1
            return False
        self._last[key] = now
        held = self._held.pop(key, 0)
        if held:
            msg = f"{msg} (and {held} more like it in the last {self.interval:g} s)"
        self.logger.log(level, msg, *args)
        return True


class RateLimitFilter(logging.Filter):
    """A handler filter: each kind of warning or error (logger and message template) passes at
    most once every ``interval`` seconds; the next one that passes says how many were held.
    Lines below WARNING pass untouched. With the broker down, Kafka clients otherwise log
    thousands of identical errors a second."""

    def __init__(self, interval: float = 10.0, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.interval = interval
        self.clock = clock
        self._last: dict[tuple[str, str], float] = {}
        self._held: dict[tuple[str, str], int] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING:
            return True
        key = (record.name, str(record.msg))
        now = self.clock()
        last = self._last.get(key)
        if last is not None and now - last < self.interval:
            self._held[key] = self._held.get(key, 0) + 1
            return False
        self._last[key] = now
        held = self._held.pop(key, 0)
        if held:
            record.msg = f"{record.msg} (and {held} more like it in the last {self.interval:g} s)"
        return True
