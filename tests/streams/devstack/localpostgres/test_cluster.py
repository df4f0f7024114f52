"""A real local cluster: the session's ``postgres_server`` (start, idempotent start, restart
that keeps every committed row, root handled through the ``postgres`` user) and one more
throw-away cluster for the full start/status/stop cycle of the command line."""

from __future__ import annotations

import argparse
import os
import pwd
import stat
import threading
import time
from pathlib import Path

import psycopg
import pytest

from streams.cli import build_parser
from streams.devstack import localpostgres
from streams.devstack.localpostgres import (
    LocalPostgres,
    LocalPostgresError,
    RemotePostgres,
    libpq_url,
)
from streams.devstack.localpostgres.statefiles import read_password
from streams.devstack.ports import free_port


@pytest.fixture
def local(postgres_server: LocalPostgres | RemotePostgres) -> LocalPostgres:
    if not isinstance(postgres_server, LocalPostgres):
        pytest.skip("BUZZWIRE_TEST_DATABASE_URL: the server is not started by this session")
    return postgres_server


def _connect(server: LocalPostgres | RemotePostgres) -> psycopg.Connection[tuple[object, ...]]:
    return psycopg.connect(libpq_url(server.url.get_secret_value()), autocommit=True)


def _cli(*argv: str) -> argparse.Namespace:
    return build_parser().parse_args(["postgres", *argv])


def test_the_server_accepts_logins(postgres_server: LocalPostgres | RemotePostgres) -> None:
    assert postgres_server.url.get_secret_value().startswith("postgresql+psycopg://")
    with _connect(postgres_server) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)


def test_a_durable_server_on_loopback_with_the_default_names(local: LocalPostgres) -> None:
    st = local.status()
    assert st.running and st.accepting and st.port == local.port and st.pid
    password = read_password(local.password_file)
    assert password
    assert local.url.get_secret_value() == (
        f"postgresql+psycopg://buzzwire:{password}@127.0.0.1:{local.port}/buzzwire"
    )
    assert stat.S_IMODE(local.password_file.stat().st_mode) == 0o600
    with _connect(local) as conn:
        show = {
            name: conn.execute(f"SHOW {name}").fetchone()[0]  # type: ignore[index]
            for name in ("fsync", "listen_addresses", "max_connections", "shared_buffers")
        }
        row = conn.execute(
            "SELECT current_user, current_database(), rolsuper FROM pg_roles "
            "WHERE rolname = current_user"
        ).fetchone()
    assert show == {
        "fsync": "on",
        "listen_addresses": "127.0.0.1",
        "max_connections": "100",
        "shared_buffers": "128MB",
    }
    assert row == ("buzzwire", "buzzwire", True)
    # SCRAM only: the password is required, a wrong one is refused
    bad = libpq_url(local.url.get_secret_value()).replace(password, "wrong")
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(bad).close()
    assert password not in local.log_file.read_text()


def test_as_root_the_server_runs_as_the_postgres_user(local: LocalPostgres) -> None:
    if os.geteuid() != 0:
        pytest.skip("not root: the server runs as the current user")
    postgres = pwd.getpwnam("postgres")
    pid = local.status().pid
    assert Path(f"/proc/{pid}").stat().st_uid == postgres.pw_uid
    assert local.data_dir.stat().st_uid == postgres.pw_uid
    # pytest's temp dirs are 0700 (root): the data went to a folder the postgres user reaches
    assert local.runtime_dir != local.home
    assert local.runtime_dir.name.startswith("buzzwire-pg-")
    assert (local.home / "runtime-dir").read_text().strip() == str(local.runtime_dir)
    # the password file stays in the state dir, root's own
    assert local.password_file.parent == local.home
    assert local.password_file.stat().st_uid == 0


def test_start_is_idempotent(local: LocalPostgres) -> None:
    pid = local.status().pid
    began = time.monotonic()
    local.start()
    assert time.monotonic() - began < 10
    assert local.status().pid == pid
    # the same cluster seen through another object
    again = LocalPostgres(port=local.port, state_dir=local.home)
    again.start()
    assert again.status().pid == pid
    assert again.url.get_secret_value() == local.url.get_secret_value()


def test_another_cluster_on_a_taken_port_is_refused(local: LocalPostgres, tmp_path: Path) -> None:
    other = LocalPostgres(port=local.port, state_dir=tmp_path / "other")
    with pytest.raises(LocalPostgresError, match="port is in use"):
        other.start(timeout=10)
    other.destroy()


def test_restart_keeps_every_committed_row_while_a_writer_is_busy(local: LocalPostgres) -> None:
    with _connect(local) as conn:
        conn.execute("DROP TABLE IF EXISTS restart_check")
        conn.execute("CREATE TABLE restart_check (id integer PRIMARY KEY)")
        conn.execute("INSERT INTO restart_check VALUES (0)")
    acknowledged: list[int] = [0]
    failures: list[str] = []
    done = threading.Event()

    def writer() -> None:
        n = 0
        while not done.is_set():
            try:
                with _connect(local) as conn:
                    while not done.is_set():
                        n += 1
                        conn.execute("INSERT INTO restart_check VALUES (%s)", (n,))
                        acknowledged.append(n)  # committed: autocommit returned
            except psycopg.Error as exc:  # the server is restarting: try again
                failures.append(type(exc).__name__)
                time.sleep(0.05)

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    try:
        while len(acknowledged) < 50:
            time.sleep(0.01)
        pid = local.status().pid
        local.restart()
        assert local.status().pid != pid
        before = len(acknowledged)
        deadline = time.monotonic() + 30
        while len(acknowledged) < before + 50 and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        done.set()
        thread.join(30)
    assert failures, "the writer never saw the restart"
    assert len(acknowledged) >= before + 50, "the writer did not resume after the restart"
    with _connect(local) as conn:
        stored = {r[0] for r in conn.execute("SELECT id FROM restart_check").fetchall()}
        conn.execute("DROP TABLE restart_check")
    assert set(acknowledged) <= stored


def test_cli_status_and_start_never_print_the_password(
    local: LocalPostgres, capsys: pytest.CaptureFixture[str]
) -> None:
    password = read_password(local.password_file)
    assert password
    where = ("--port", str(local.port), "--state-dir", str(local.home))
    assert localpostgres.run(_cli("status", *where)) == 0
    assert localpostgres.run(_cli("start", *where)) == 0
    out = capsys.readouterr()
    text = out.out + out.err
    assert password not in text
    assert f"postgresql+psycopg://buzzwire:***@127.0.0.1:{local.port}/buzzwire" in text
    assert f"password file: {local.password_file}" in text
    assert f"running, pid {local.status().pid}" in text


def test_cli_start_status_stop_of_a_new_cluster(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    port = free_port()
    where = ("--port", str(port), "--state-dir", str(tmp_path / "state"))
    cluster = LocalPostgres(port=port, state_dir=tmp_path / "state")
    try:
        assert localpostgres.run(_cli("status", *where)) == 3
        assert f"postgres: stopped (port {port})" in capsys.readouterr().out
        assert localpostgres.run(_cli("start", *where)) == 0
        out = capsys.readouterr().out
        assert "accepting connections" in out
        assert f"postgresql+psycopg://buzzwire:***@127.0.0.1:{port}/buzzwire" in out
        password = read_password(cluster.password_file)
        assert password and password not in out
        assert localpostgres.run(_cli("status", *where)) == 0
        assert f"running, pid {cluster.status().pid}" in capsys.readouterr().out
        assert localpostgres.run(_cli("stop", *where)) == 0
        assert "postgres: stopped (pid" in capsys.readouterr().out
        assert not cluster.status().running
        assert localpostgres.run(_cli("stop", *where)) == 0
        assert "not running" in capsys.readouterr().out
        assert localpostgres.run(_cli("start", "--port", "0", *where[2:])) == 1
        assert "not a TCP port" in capsys.readouterr().err
    finally:
        runtime = cluster.runtime_dir
        cluster.destroy()
    assert not runtime.exists() and not cluster.home.exists()
