"""The partition's stream clock: follows events, then the wall clock; lateness sets the
watermark."""

from __future__ import annotations

import pytest

from streams.windowing.clock import ClockSnapshot, EventClock
from streams.windowing.windows import tumbling


def test_stream_clock_follows_events_then_the_wall() -> None:
    clock = EventClock(max_skew=60.0)
    snap = clock.advance(None, 1000.0, wall_now=5000.0)
    snap = clock.advance(snap, 990.0, wall_now=5001.0)  # older event: no change
    assert snap == ClockSnapshot(event_ts=1000.0, wall=5000.0)
    assert clock.stream_time(snap, 5030.0) == 1030.0
    # a timestamp from the far future does not move the clock beyond the allowed skew
    snap = clock.advance(snap, 99_999.0, wall_now=5040.0)
    assert snap.event_ts == 5100.0
    assert ClockSnapshot.from_json(snap.to_json()) == snap


@pytest.mark.parametrize(
    ("now", "expected"), [(960 + 60 + 119, 0), (960 + 60 + 120, 1), (960 + 600 + 120, 10)]
)
def test_windows_close_after_their_end_plus_lateness(now: float, expected: int) -> None:
    clock = EventClock(lateness=120.0)
    spec = tumbling("1m", 60)
    last_end = 960  # the window [960, 1020) is the first open one
    snap = ClockSnapshot(event_ts=now, wall=0.0)
    assert len(spec.closed_ends(last_end, clock.watermark(snap, 0.0))) == expected
    far = ClockSnapshot(event_ts=10**9, wall=0.0)
    assert len(spec.closed_ends(last_end, clock.watermark(far, 0.0))[:7]) == 7
