"""The worker's Faust app: what it loads when a worker starts."""

from __future__ import annotations

import json
import os
import subprocess
import sys

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
