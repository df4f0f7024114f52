"""What ``/ready`` reports: is the broker reachable, and is every agent running?

A worker is ready when table recovery is done and no rebalance is under way (Faust's own
state), when the broker answered a metadata request recently, and when no agent is between a
crash and its restart. Kubernetes then stops sending it work, and an operator's dashboard shows
it, instead of a 200 that hides a worker that cannot do anything.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import TypeVar

T = TypeVar("T")


@dataclass
class Health:
    """Broker reachability and agent crashes, as the worker's timers and agents report them."""

    #: the broker counts as unreachable when it has not answered for this long
    broker_grace_seconds: float = 15.0
    clock: Callable[[], float] = time.monotonic
    broker_ok_at: float | None = None
    crashed: dict[str, str] = field(default_factory=dict)

    def broker_answered(self) -> None:
        self.broker_ok_at = self.clock()

    def agent_started(self, name: str) -> None:
        self.crashed.pop(name, None)

    def agent_crashed(self, name: str, exc: BaseException) -> None:
        self.crashed[name] = f"{type(exc).__name__}: {str(exc)[:200]}"

    def problems(self) -> list[str]:
        """Why the worker is not ready (empty: nothing of ours stands in the way)."""
        out = []
        if self.broker_ok_at is None:
            out.append("the broker has not answered yet")
        elif self.clock() - self.broker_ok_at > self.broker_grace_seconds:
            out.append(f"the broker has not answered for {self.clock() - self.broker_ok_at:.0f} s")
        out += [f"agent {name} crashed ({why})" for name, why in sorted(self.crashed.items())]
        return out


async def monitored(health: Health, name: str, body: AsyncIterator[T]) -> AsyncIterator[T]:
    """An agent's body, reporting to ``health`` when it (re)starts and when it crashes (Faust
    restarts a crashed agent; /ready fails in between)."""
    health.agent_started(name)
    try:
        async for item in body:
            yield item
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        health.agent_crashed(name, exc)
        raise
