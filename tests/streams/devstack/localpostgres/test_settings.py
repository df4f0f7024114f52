"""The local cluster's settings, URLs and state files, without a server."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from streams.devstack.localpostgres import (
    DEFAULT_PORT,
    LocalPostgres,
    LocalPostgresError,
    RemotePostgres,
    libpq_url,
    osuser,
    render_settings,
    settings,
)
from streams.devstack.localpostgres.statefiles import ensure_password, write_private

_ENV = ("BUZZWIRE_POSTGRES_PORT", "BUZZWIRE_POSTGRES_HOME", "BUZZWIRE_POSTGRES_BIN")


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in _ENV:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_defaults_and_env(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    pg = LocalPostgres()
    assert pg.port == DEFAULT_PORT == 55432
    assert pg.home == Path.home() / ".cache" / "buzzwire" / "postgres-state" / "55432"
    assert pg.managed is True
    assert pg.masked_url == "postgresql+psycopg://buzzwire:***@127.0.0.1:55432/buzzwire"

    clean_env.setenv("BUZZWIRE_POSTGRES_PORT", "56000")
    clean_env.setenv("BUZZWIRE_POSTGRES_HOME", str(tmp_path / "state"))
    pg = LocalPostgres()
    assert pg.port == 56000
    assert pg.home == (tmp_path / "state").resolve()
    assert pg.password_file == pg.home / "password"
    # constructor arguments win over the environment
    explicit = LocalPostgres(port=1234, state_dir=tmp_path / "x", database="db", user="me")
    assert explicit.port == 1234
    assert explicit.home == (tmp_path / "x").resolve()
    assert explicit.masked_url == "postgresql+psycopg://me:***@127.0.0.1:1234/db"


@pytest.mark.parametrize("raw", ["abc", "5432.0", "0", "65536", "-1"])
def test_a_bad_port_in_the_environment_is_refused(clean_env: pytest.MonkeyPatch, raw: str) -> None:
    clean_env.setenv("BUZZWIRE_POSTGRES_PORT", raw)
    with pytest.raises(LocalPostgresError, match=f"BUZZWIRE_POSTGRES_PORT={raw!r}"):
        LocalPostgres()


@pytest.mark.parametrize("port", [0, 70000, -5])
def test_a_bad_port_argument_is_refused(port: int, tmp_path: Path) -> None:
    with pytest.raises(LocalPostgresError, match="not a TCP port"):
        LocalPostgres(port=port, state_dir=tmp_path)


def test_bin_dir(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    clean_env.setenv("BUZZWIRE_POSTGRES_BIN", str(tmp_path))
    with pytest.raises(
        LocalPostgresError, match=r"BUZZWIRE_POSTGRES_BIN=.*initdb, pg_ctl, postgres"
    ):
        settings.bin_dir()
    clean_env.delenv("BUZZWIRE_POSTGRES_BIN")
    found = settings.bin_dir()
    assert all(os.access(found / name, os.X_OK) for name in ("initdb", "pg_ctl", "postgres"))
    installed = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if installed:
        assert found.parent.parent == Path("/usr/lib/postgresql")


def test_render_settings_listens_on_loopback_with_fsync(tmp_path: Path) -> None:
    conf = render_settings(55433, tmp_path / "it's")
    lines = dict(line.split(" = ", 1) for line in conf.splitlines() if " = " in line)
    assert lines["listen_addresses"] == "'127.0.0.1'"
    assert lines["port"] == "'55433'"
    assert lines["fsync"] == "'on'"
    assert lines["synchronous_commit"] == "'on'"
    assert lines["shared_buffers"] == "'128MB'"
    assert lines["max_connections"] == "'100'"
    assert lines["unix_socket_directories"] == f"'{tmp_path}/it''s'"
    assert "unix_socket_directories = ''" in render_settings(55433, None)


def test_url_needs_a_password_first(tmp_path: Path) -> None:
    pg = LocalPostgres(port=55999, state_dir=tmp_path)
    with pytest.raises(LocalPostgresError, match="start the cluster first"):
        pg.url  # noqa: B018
    write_private(pg.password_file, "p@ss/w:rd\n")
    url = pg.url
    assert "p@ss" not in str(url) and "p@ss" not in repr(url)
    assert url.get_secret_value() == (
        "postgresql+psycopg://buzzwire:p%40ss%2Fw%3Ard@127.0.0.1:55999/buzzwire"
    )


def test_status_of_a_fresh_state_dir(tmp_path: Path) -> None:
    st = LocalPostgres(port=55999, state_dir=tmp_path / "none").status()
    assert not st.running and st.pid is None and not st.accepting and st.port == 55999


def test_password_file_is_private_and_stable(tmp_path: Path) -> None:
    path = tmp_path / "password"
    first = ensure_password(path)
    assert len(first) >= 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert ensure_password(path) == first
    assert ensure_password(tmp_path / "other") != first


def test_libpq_url() -> None:
    assert libpq_url("postgresql+psycopg://u:p@h:1/d") == "postgresql://u:p@h:1/d"
    assert libpq_url("postgres://u@h/d") == "postgresql://u@h/d"
    assert libpq_url("postgresql://h/d") == "postgresql://h/d"


def test_remote_postgres() -> None:
    remote = RemotePostgres("postgres://me:s3cret@db.example:5432/app")
    assert remote.managed is False
    assert remote.url.get_secret_value() == "postgresql+psycopg://me:s3cret@db.example:5432/app"
    assert remote.masked_url == "postgresql+psycopg://me:***@db.example:5432/app"
    assert "s3cret" not in repr(remote) and "s3cret" not in str(remote.url)
    assert RemotePostgres("postgresql+asyncpg://h/d").url.get_secret_value() == (
        "postgresql+psycopg://h/d"
    )
    with pytest.raises(LocalPostgresError, match="postgresql://user:password@host"):
        RemotePostgres("mysql://h/d")


def test_root_without_a_postgres_user_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_such_user(name: str) -> object:
        raise KeyError(name)

    monkeypatch.setattr(osuser.os, "geteuid", lambda: 0)
    monkeypatch.setattr(osuser.pwd, "getpwnam", no_such_user)
    with pytest.raises(LocalPostgresError, match="OS user 'postgres' does not exist"):
        osuser.server_user()
