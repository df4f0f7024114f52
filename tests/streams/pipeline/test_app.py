"""The worker's Faust app: what it loads when a worker starts."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
import time
from collections import Counter
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


CHANGELOG = TP("brand-windows-changelog", 3)


class _FetchedToTheEnd:
    """Faust's consumer after it fetched a changelog partition to its end (offset 10): its
    aiokafka consumer handed records up to offset 10 over, on their way to the recovery."""

    def __init__(self) -> None:
        state = SimpleNamespace(_buzzwire_epoch=1, _buzzwire_last=10)
        assignment = SimpleNamespace(state_value={CHANGELOG: state}.get)
        subscription = SimpleNamespace(subscription=SimpleNamespace(assignment=assignment))
        self._thread = SimpleNamespace(_consumer=SimpleNamespace(_subscription=subscription))

    async def position(self, tp: object) -> int:
        return 11


async def test_the_recovery_trusts_the_position_once_the_records_handed_over_reached_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from streams.pipeline import app as app_mod

    recovery = SimpleNamespace(_recovery_started_at=time.monotonic(), active_offsets=Counter())
    seen = app_mod._RecoveryConsumer(_FetchedToTheEnd(), recovery)
    recovery.active_offsets[CHANGELOG] = 4
    assert await seen.position(CHANGELOG) == -1  # 5-10 on their way
    recovery.active_offsets[CHANGELOG] = 10
    assert await seen.position(CHANGELOG) == 11
    recovery.active_offsets[CHANGELOG] = 4  # records that never arrive stall nothing for good
    monkeypatch.setattr(app_mod, "RECOVERY_APPLY_TIMEOUT_SECONDS", 0.0)
    assert await seen.position(CHANGELOG) == 11


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


class _Reader:
    """Faust's own changelog reader (``Recovery._slurp_changelogs``), its waits scaled from
    5 s to 250 ms, idle for a while; then a recovery of ``CHANGELOG`` starts, whose records
    (offsets 5-10) were fetched and none applied yet."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, gated: bool) -> None:
        from faust.tables import recovery as recovery_mod

        from streams.pipeline import app as app_mod

        wait_for = asyncio.wait_for

        async def scaled(aw: Any, timeout: float) -> Any:
            return await wait_for(aw, timeout=timeout / 20)

        # the recovery module's asyncio only, not everyone's
        monkeypatch.setattr(
            recovery_mod, "asyncio", SimpleNamespace(**{**vars(asyncio), "wait_for": scaled})
        )
        fake_app = SimpleNamespace(
            conf=SimpleNamespace(stream_recovery_delay=0), in_transaction=True, in_recovery=False
        )
        self.recovery = recovery_mod.Recovery(
            fake_app, tables=SimpleNamespace(changelog_queue=asyncio.Queue())
        )
        consumer = _FetchedToTheEnd()
        fake_app.consumer = (
            app_mod._RecoveryConsumer(consumer, self.recovery) if gated else consumer
        )
        self.slurp = recovery_mod.Recovery._slurp_changelogs.fun

    async def __aenter__(self) -> _Reader:
        self.task = asyncio.ensure_future(self.slurp(self.recovery))
        await asyncio.sleep(0.6)  # no recovery: the reader times out again and again
        self.recovery.active_tps = {CHANGELOG}
        self.recovery.active_highwaters[CHANGELOG] = 10
        self.recovery.active_offsets[CHANGELOG] = 4
        self.recovery._set_recovery_started()
        return self

    def ended(self) -> bool:
        return not self.recovery.in_recovery  # what ending sets (its signal is cleared at once)

    async def __aexit__(self, *exc: object) -> None:
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task


async def test_faust_ends_a_recovery_at_its_first_wait_before_its_records_are_applied(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Why the gate: Faust's reader counts its idle waits from before the recovery, so the
    first wait in it (within 250 ms) ends the recovery; counted from its start, two (500 ms)."""
    async with _Reader(monkeypatch, gated=False) as reader:
        await asyncio.sleep(0.4)
        assert reader.ended()


async def test_through_the_gate_a_recovery_ends_once_its_records_are_applied(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with _Reader(monkeypatch, gated=True) as reader:
        await asyncio.sleep(0.8)
        assert not reader.ended()
        reader.recovery.active_offsets[CHANGELOG] = 10  # the reader applied them
        await asyncio.sleep(0.8)
        assert reader.ended()
