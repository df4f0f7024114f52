"""The worker's Faust app: what it loads when a worker starts."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
import time
from types import SimpleNamespace
from typing import Any

import pytest
from faust.types import TP

_DISCOVER = """
import json, sys
from streams.pipeline.app import app
app.discover()
print(json.dumps({"agents": sorted(app.agents), "modules": sorted(sys.modules)}))
"""


def test_a_worker_discovers_its_agents_and_loads_neither_the_web_app_nor_the_store() -> None:
    """Faust's autodiscovery scans the app's ``origin`` package as well as the agent packages.
    With the origin set to all of ``streams``, every worker imported the web app, the store
    and the Alembic migrations (whose ``env.py`` logged a traceback at each start): about three
    seconds and over 100 MiB for nothing the worker runs."""
    done = subprocess.run(
        [sys.executable, "-c", _DISCOVER],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["agents"] == [
        "streams.pipeline.agents.alerts.deliver_alerts",
        "streams.pipeline.agents.brand_windows.brand_windows_agent",
        "streams.pipeline.agents.mentions.ingest",
        "streams.pipeline.agents.mentions.ingest_rekeyed",
        "streams.pipeline.agents.share_of_voice.share_of_voice",
    ]
    loaded = set(found["modules"])
    for absent in (
        "streams.web",
        "streams.store",
        "streams.store.migrations.env",
        "fastapi",
        "sqlalchemy",
    ):
        assert absent not in loaded, absent
    assert "Autodiscovery importing module" not in done.stderr


class _Consumer:
    async def position(self, tp: object) -> int:
        return 42


async def test_the_recovery_trusts_the_consumers_position_only_after_two_idle_timeouts() -> None:
    """Faust's recovery takes a changelog partition as read once the position passed its end,
    when its reader has timed out twice; counted from before the recovery, that test passed
    41 ms into one, before the records fetched were applied (they never were)."""
    from streams.pipeline.app import RECOVERY_SETTLE_SECONDS, _RecoveryConsumer

    recovery = SimpleNamespace(_recovery_started_at=None)
    seen = _RecoveryConsumer(_Consumer(), recovery)
    assert await seen.position("tp") == -1  # no recovery running
    recovery._recovery_started_at = time.monotonic() - 0.041
    assert await seen.position("tp") == -1
    recovery._recovery_started_at = time.monotonic() - RECOVERY_SETTLE_SECONDS - 0.1
    assert await seen.position("tp") == 42


def test_the_recovery_sees_the_apps_consumer_through_the_gate() -> None:
    from streams.pipeline.app import _RecoveryConsumer, app

    consumer = app.tables.recovery.app.consumer
    assert isinstance(consumer, _RecoveryConsumer)
    assert consumer.assignment == app.consumer.assignment  # the rest is the app's consumer
    consumer._buzzwire_probe = 1  # as seek_before_streaming keeps its held partitions
    try:
        assert app.consumer._buzzwire_probe == 1
    finally:
        del app.consumer._buzzwire_probe


class _FetchedToTheEnd:
    """A consumer that fetched a changelog partition to its end (the records on their way)."""

    async def position(self, tp: object) -> int:
        return 11


async def _recovery_ends_within(
    monkeypatch: pytest.MonkeyPatch, gated: bool, seconds: float
) -> bool:
    """Faust's own changelog reader (``Recovery._slurp_changelogs``, its waits scaled from 5 s
    to 50 ms): idle for a while, then a recovery of a partition whose records (offsets 5-10)
    were fetched and none applied. Whether the recovery ends within ``seconds``."""
    from faust.tables import recovery as recovery_mod

    from streams.pipeline import app as app_mod

    wait_for = asyncio.wait_for

    async def scaled(aw: Any, timeout: float) -> Any:
        return await wait_for(aw, timeout=timeout / 100)

    monkeypatch.setattr(recovery_mod.asyncio, "wait_for", scaled)
    monkeypatch.setattr(app_mod, "RECOVERY_SETTLE_SECONDS", 1.0)
    fake_app = SimpleNamespace(
        conf=SimpleNamespace(stream_recovery_delay=0), in_transaction=True, in_recovery=False
    )
    recovery = recovery_mod.Recovery(
        fake_app, tables=SimpleNamespace(changelog_queue=asyncio.Queue())
    )
    fake_app.consumer = (
        app_mod._RecoveryConsumer(_FetchedToTheEnd(), recovery) if gated else _FetchedToTheEnd()
    )
    reader = asyncio.ensure_future(recovery_mod.Recovery._slurp_changelogs.fun(recovery))
    try:
        await asyncio.sleep(0.2)  # no recovery: the reader times out again and again
        tp = TP("brand-windows-changelog", 3)
        recovery.active_tps = {tp}
        recovery.active_highwaters[tp] = 10
        recovery.active_offsets[tp] = 4
        recovery._set_recovery_started()
        await asyncio.sleep(seconds)
        return not recovery.in_recovery  # what ending it sets (its signal is cleared at once)
    finally:
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reader


async def test_faust_ends_a_recovery_before_its_fetched_records_are_applied(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Why the gate: Faust's reader counts its idle timeouts from before the recovery, so the
    first one in it ends the recovery, nothing applied."""
    assert await _recovery_ends_within(monkeypatch, gated=False, seconds=0.15)


async def test_through_the_gate_a_recovery_ends_only_after_its_settle_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert not await _recovery_ends_within(monkeypatch, gated=True, seconds=0.15)
    assert await _recovery_ends_within(monkeypatch, gated=True, seconds=1.3)
