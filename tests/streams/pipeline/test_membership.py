"""A batch commits only while its worker surely still holds the group generation its events
were fetched in; a stale batch is dropped, an unconfirmed one waits for a heartbeat."""

from __future__ import annotations

import asyncio

import pytest

from streams.pipeline.membership import Membership, StaleBatch


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def membership(clock: Clock) -> Membership:
    return Membership(session_timeout=10.0, heartbeat_interval=3.0, clock=clock)


def test_fresh_within_the_session_less_one_heartbeat() -> None:
    clock = Clock()
    m = membership(clock)
    assert not m.fresh()  # never confirmed
    m.confirmed()
    clock.now += 7.0
    assert m.fresh()
    clock.now += 0.1  # the broker may have counted the session out by now
    assert not m.fresh()


async def test_a_confirmed_worker_of_the_same_generation_commits_at_once() -> None:
    clock = Clock()
    m = membership(clock)
    m.confirmed()
    await asyncio.wait_for(m.check(5, lambda: 5, max_wait=10.0), timeout=1.0)


async def test_a_batch_of_an_older_generation_is_stale() -> None:
    clock = Clock()
    m = membership(clock)
    m.confirmed()
    with pytest.raises(StaleBatch, match="from 5 to 6"):
        await m.check(5, lambda: 6, max_wait=10.0)
    # aiokafka's -1 once it learnt the worker was evicted
    with pytest.raises(StaleBatch):
        await m.check(5, lambda: -1, max_wait=10.0)


async def test_after_a_freeze_the_commit_waits_for_a_heartbeat() -> None:
    clock = Clock()
    m = membership(clock)
    m.confirmed()
    clock.now += 30.0  # frozen past the session
    waiting = asyncio.create_task(m.check(5, lambda: 5, max_wait=10.0, poll=0.001))
    await asyncio.sleep(0.01)
    assert not waiting.done()
    m.confirmed()  # the broker still counts it in: the batch commits
    await asyncio.wait_for(waiting, timeout=1.0)


async def test_after_a_freeze_an_eviction_makes_the_waiting_batch_stale() -> None:
    clock = Clock()
    m = membership(clock)
    m.confirmed()
    clock.now += 30.0
    generation = [5]
    waiting = asyncio.create_task(m.check(5, lambda: generation[0], max_wait=10.0, poll=0.001))
    await asyncio.sleep(0.01)
    generation[0] = -1  # the heartbeat came back "unknown member"
    with pytest.raises(StaleBatch):
        await asyncio.wait_for(waiting, timeout=1.0)


async def test_no_answer_within_max_wait_fails_the_batch_for_a_retry(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = Clock()
    m = membership(clock)  # never confirmed, the generation never moves

    async def tick(seconds: float) -> None:
        clock.now += 1.0

    monkeypatch.setattr(asyncio, "sleep", tick)
    with pytest.raises(TimeoutError):
        await m.check(5, lambda: 5, max_wait=5.0)
    assert clock.now == pytest.approx(105.0)
