"""``buzzwire web``: refuses to start without a database URL or on a schema behind (exit 2,
a clear message, never the password); runs as a process with /healthz and /ready."""

from __future__ import annotations

import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy.engine import make_url

from streams.config import Settings
from streams.devstack.ports import free_port
from streams.web.main import run_web
from tests.streams.web.conftest import Seeded
from tests.streams.web.support import web_process


def test_no_database_url(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_web(Settings(database_url=None)) == 2
    assert "BUZZWIRE_DATABASE_URL is not set" in capsys.readouterr().err


def test_a_schema_behind_is_refused(empty_database: SecretStr) -> None:
    password = make_url(empty_database.get_secret_value()).password
    done = subprocess.run(
        [sys.executable, "-m", "streams.cli", "web"],
        env={"BUZZWIRE_DATABASE_URL": empty_database.get_secret_value(), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert "buzzwire db upgrade" in done.stderr
    assert password and password not in done.stderr + done.stdout


def test_the_process_serves_and_stops(seeded: Seeded, tmp_path: Path) -> None:
    port = free_port()
    process = web_process(seeded.url, tmp_path / "web.log", port)
    process.start()
    try:
        process.wait_ready(timeout=60)
        base = f"http://127.0.0.1:{port}"
        with urllib.request.urlopen(f"{base}/healthz", timeout=5) as response:
            assert response.read() == b"ok\n"
        with urllib.request.urlopen(f"{base}/login", timeout=5) as response:
            page = response.read().decode()
            assert "Sign in" in page and response.headers["X-Frame-Options"] == "DENY"
            assert "default-src 'self'" in response.headers["Content-Security-Policy"]
        with urllib.request.urlopen(f"{base}/static/htmx.min.js", timeout=5) as response:
            assert b"htmx" in response.read(200)
    finally:
        code = process.stop(timeout=20)
    assert code == 0, process.log_tail()
    password = make_url(seeded.url.get_secret_value()).password
    log = (tmp_path / "web.log").read_text()
    assert password and password not in log
    assert f"127.0.0.1:{port}" in log
