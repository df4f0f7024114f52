"""The stream clock of a partition: event time that moves on with the wall clock while idle.

A window ``[start, end)`` is closed once the clock's *watermark* (stream time minus the
lateness tolerance) reaches ``end``; a later event for it is *late* (counted, not added).
Stream time is the newest event time seen, moved on by the wall-clock time since it was seen:
live, that is the wall clock; replaying history, it follows the events. The wall clock is
passed in (``wall_now``), so the clock is tested and replayed deterministically.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class ClockSnapshot:
    """What the clock of one partition knows: the newest event time and when it was seen."""

    event_ts: float
    wall: float

    def to_json(self) -> dict[str, float]:
        return {"event_ts": self.event_ts, "wall": self.wall}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ClockSnapshot:
        return cls(float(data["event_ts"]), float(data["wall"]))


@dataclass(frozen=True, slots=True)
class EventClock:
    """Stream time and watermark of a partition (``lateness`` and ``max_skew`` in seconds).

    An event stamped further than ``max_skew`` past the wall clock does not move the clock
    beyond that: one bad timestamp must not close every open window.
    """

    lateness: float = 120.0
    max_skew: float = 60.0

    def advance(
        self, snapshot: ClockSnapshot | None, event_ts: float, wall_now: float
    ) -> ClockSnapshot:
        """The snapshot after seeing an event at ``event_ts``."""
        ts = min(event_ts, wall_now + self.max_skew)
        if snapshot is None or ts > snapshot.event_ts:
            return ClockSnapshot(ts, wall_now)
        return snapshot

    def stream_time(self, snapshot: ClockSnapshot, wall_now: float) -> float:
        """Newest event time seen, moved on by the wall-clock time since it was seen."""
        return snapshot.event_ts + max(0.0, wall_now - snapshot.wall)

    def watermark(self, snapshot: ClockSnapshot, wall_now: float) -> float:
        """Windows that end at or before this are closed."""
        return self.stream_time(snapshot, wall_now) - self.lateness
