"""What /ready reports: the broker's answers and the agents' crashes."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from streams.pipeline.health import Health, monitored


def test_the_broker_must_have_answered_recently() -> None:
    now = [100.0]
    health = Health(broker_grace_seconds=15.0, clock=lambda: now[0])
    assert health.problems() == ["the broker has not answered yet"]
    health.broker_answered()
    assert health.problems() == []
    now[0] = 116.0
    assert health.problems() == ["the broker has not answered for 16 s"]
    health.broker_answered()
    assert health.problems() == []


async def test_an_agent_is_unhealthy_from_its_crash_until_it_restarts() -> None:
    health = Health(clock=lambda: 0.0)
    health.broker_answered()

    async def body(fail: bool) -> AsyncIterator[int]:
        yield 1
        if fail:
            raise RuntimeError("matcher exploded")
        yield 2

    assert [n async for n in monitored(health, "ingest", body(False))] == [1, 2]
    assert health.problems() == []
    with pytest.raises(RuntimeError):
        async for _ in monitored(health, "ingest", body(True)):
            pass
    assert health.problems() == ["agent ingest crashed (RuntimeError: matcher exploded)"]
    restarted = monitored(health, "ingest", body(False))
    assert await restarted.__anext__() == 1  # Faust restarted the agent
    assert health.problems() == []
