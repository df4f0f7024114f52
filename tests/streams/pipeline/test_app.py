"""The worker's Faust app: what it loads when a worker starts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from types import SimpleNamespace

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
