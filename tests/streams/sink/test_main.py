"""``buzzwire sink`` and ``buzzwire db`` refuse to run without a URL or on a schema that is
behind, say what to do, and never print the password."""

from __future__ import annotations

import os
import subprocess
import sys

from pydantic import SecretStr
from sqlalchemy.engine import make_url


def buzzwire(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith("BUZZWIRE_")}
    full.update(env)
    return subprocess.run(
        [sys.executable, "-m", "streams.cli", *args],
        env=full,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_sink_needs_a_database_url() -> None:
    result = buzzwire("sink", env={})
    assert result.returncode == 2
    assert "BUZZWIRE_DATABASE_URL is not set" in result.stderr


def test_sink_and_status_refuse_a_schema_behind_without_showing_the_password(
    empty_database: SecretStr,
) -> None:
    url = empty_database.get_secret_value()
    password = make_url(url).password
    assert password
    env = {"BUZZWIRE_DATABASE_URL": url, "BROKER_URL": "kafka://127.0.0.1:9"}
    sink = buzzwire("sink", env=env)
    assert sink.returncode == 2
    assert "run `buzzwire db upgrade`" in sink.stderr
    status = buzzwire("db", "status", env=env)
    assert status.returncode == 1
    assert "behind" in status.stdout
    upgraded = buzzwire("db", "upgrade", env=env)
    assert upgraded.returncode == 0, upgraded.stderr
    assert "upgraded from (empty)" in upgraded.stdout
    assert buzzwire("db", "status", env=env).returncode == 0
    for result in (sink, status, upgraded):
        assert password not in result.stdout + result.stderr


def test_a_wrong_password_is_reported_without_the_password(empty_database: SecretStr) -> None:
    url = make_url(empty_database.get_secret_value()).set(password="not-the-Password-42")
    env = {"BUZZWIRE_DATABASE_URL": url.render_as_string(hide_password=False)}
    result = buzzwire("db", "status", env=env)
    assert result.returncode == 1
    assert "password authentication failed" in result.stderr
    assert "not-the-Password-42" not in result.stdout + result.stderr


def test_a_url_that_is_not_postgres_is_refused_without_echoing_it() -> None:
    result = buzzwire("db", "status", env={"BUZZWIRE_DATABASE_URL": "mysql://u:s3cr3t-pw@h/db"})
    assert result.returncode != 0
    assert "s3cr3t-pw" not in result.stdout + result.stderr


def test_a_worker_with_a_store_refuses_a_schema_behind(empty_database: SecretStr) -> None:
    url = empty_database.get_secret_value()
    result = buzzwire("worker", env={"BUZZWIRE_DATABASE_URL": url})
    assert result.returncode == 2
    assert "run `buzzwire db upgrade`" in result.stderr
    assert str(make_url(url).password) not in result.stdout + result.stderr
