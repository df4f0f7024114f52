"""One line a key per interval, and the next one says how many were held back."""

from __future__ import annotations

import logging

import pytest

from streams.pipeline.ratelimited_log import RateLimitedLog


def test_one_line_per_key_per_interval(caplog: pytest.LogCaptureFixture) -> None:
    now = [0.0]
    log = RateLimitedLog(logging.getLogger("t.ratelimit"), interval=10.0, clock=lambda: now[0])
    with caplog.at_level(logging.ERROR, logger="t.ratelimit"):
        assert log.log("a", logging.ERROR, "broker down: %s", "x")
        for _ in range(999):
            assert not log.log("a", logging.ERROR, "broker down: %s", "x")
        assert log.log("b", logging.ERROR, "other")  # another key is not held back
        now[0] = 10.0
        assert log.log("a", logging.ERROR, "broker down: %s", "y")
    lines = [r.getMessage() for r in caplog.records]
    assert lines == [
        "broker down: x",
        "other",
        "broker down: y (and 999 more like it in the last 10 s)",
    ]


def test_the_handler_filter_holds_back_repeated_errors_only() -> None:
    import logging as lg

    from streams.pipeline.ratelimited_log import RateLimitFilter

    now = [0.0]
    f = RateLimitFilter(interval=10.0, clock=lambda: now[0])

    def record(level: int, msg: str, name: str = "aiokafka") -> lg.LogRecord:
        return lg.LogRecord(name, level, __file__, 1, msg, None, None)

    assert f.filter(record(lg.ERROR, "Unable connect to node %s"))
    assert not any(f.filter(record(lg.ERROR, "Unable connect to node %s")) for _ in range(3000))
    assert f.filter(record(lg.ERROR, "another error"))
    assert f.filter(record(lg.ERROR, "Unable connect to node %s", name="faust"))
    assert all(f.filter(record(lg.INFO, "Unable connect to node %s")) for _ in range(10))
    now[0] = 10.0
    again = record(lg.ERROR, "Unable connect to node %s")
    assert f.filter(again)
    assert "3000 more like it" in again.msg
