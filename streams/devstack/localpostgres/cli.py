"""``buzzwire postgres start|stop|status|psql``: the command line of the local cluster. The
password is never printed: the URL shows ``***`` and the password file is named instead;
``psql`` opens a session on the buzzwire database with the password passed in the child's
environment (``PGPASSWORD``), never on a command line."""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from streams.devstack.localpostgres.cluster import LocalPostgres, PostgresStatus
from streams.devstack.localpostgres.settings import DEFAULT_PORT, LocalPostgresError, bin_dir
from streams.devstack.localpostgres.statefiles import read_password

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``buzzwire postgres``: ``start|stop|status`` and the cluster's settings.
    Destinations are prefixed ``postgres_`` so they cannot clash with the parent parser's."""
    parser.add_argument(
        "postgres_action",
        metavar="action",
        choices=("start", "stop", "status", "psql"),
        help="start (idempotent), stop or status of the local PostgreSQL cluster, or psql on "
        "its buzzwire database (arguments after -- go to psql)",
    )
    parser.add_argument(
        "--port",
        dest="postgres_port",
        metavar="PORT",
        type=int,
        default=None,
        help=f"server port (default: $BUZZWIRE_POSTGRES_PORT or {DEFAULT_PORT})",
    )
    parser.add_argument(
        "--state-dir",
        dest="postgres_state_dir",
        metavar="DIR",
        type=Path,
        default=None,
        help="password file, data and log (default: $BUZZWIRE_POSTGRES_HOME or "
        "~/.cache/buzzwire/postgres-state/<port>)",
    )
    parser.add_argument(
        "--timeout",
        dest="postgres_timeout",
        metavar="SECONDS",
        type=float,
        default=None,
        help="seconds to wait for start (default 60) or for a clean stop (default 30)",
    )


def _psql(cluster: LocalPostgres, extra: list[str]) -> int:
    """Run psql on the cluster's database; its exit code."""
    if not cluster.status().running:
        print("buzzwire postgres: not running: `buzzwire postgres start` first", file=sys.stderr)
        return 1
    password = read_password(cluster.password_file)
    psql = shutil.which("psql", path=str(bin_dir())) or shutil.which("psql")
    if psql is None or password is None:
        print("buzzwire postgres: psql (PostgreSQL's client) is not installed", file=sys.stderr)
        return 1
    env = {**os.environ, "PGPASSWORD": password}
    argv = [psql, "-h", "127.0.0.1", "-p", str(cluster.port), "-U", cluster.user]
    argv += ["-d", cluster.database, *extra]
    return subprocess.run(argv, env=env, check=False).returncode


def _print_status(st: PostgresStatus, cluster: LocalPostgres) -> None:
    if st.running:
        state = "accepting connections" if st.accepting else "not accepting logins yet"
        print(f"postgres: running, pid {st.pid}, {state} on 127.0.0.1:{st.port}")
        print(f"  url:           {cluster.masked_url}")
        print(f"  password file: {cluster.password_file}")
    else:
        print(f"postgres: stopped (port {st.port})")
    print(f"  state dir:     {st.state_dir}")
    print(f"  data dir:      {st.data_dir}")
    print(f"  log:           {cluster.log_file}")


def run(args: argparse.Namespace) -> int:
    """Run ``buzzwire postgres <action>``; 0 on success (``status``: 0 running, 3 stopped)."""
    try:
        cluster = LocalPostgres(port=args.postgres_port, state_dir=args.postgres_state_dir)
        action = args.postgres_action
        if action == "psql":
            return _psql(cluster, list(getattr(args, "postgres_psql_args", None) or []))
        if action == "start":
            before = cluster.status()
            if before.running:
                print(f"postgres: already running (pid {before.pid}), checking ...", flush=True)
            else:
                print(f"postgres: starting on 127.0.0.1:{cluster.port} ...", flush=True)
            began = time.monotonic()
            cluster.start(timeout=args.postgres_timeout or 60.0)
            print(f"postgres: ready in {time.monotonic() - began:.1f}s")
            _print_status(cluster.status(), cluster)
            return 0
        if action == "stop":
            st = cluster.status()
            if not st.running:
                print(f"postgres: not running (port {st.port})")
                return 0
            cluster.stop(timeout=args.postgres_timeout or 30.0)
            print(f"postgres: stopped (pid {st.pid}, port {st.port})")
            return 0
        st = cluster.status()
        _print_status(st, cluster)
        return 0 if st.running else 3
    except LocalPostgresError as exc:
        print(f"buzzwire postgres: {exc}", file=sys.stderr)
        return 1
