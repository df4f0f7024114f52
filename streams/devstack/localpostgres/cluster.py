"""The cluster itself: :class:`LocalPostgres` creates, starts, checks and stops a PostgreSQL
cluster on 127.0.0.1 whose files live in one state dir (``initdb`` and ``pg_ctl``, run as the
user :func:`~.osuser.server_user` picks); :class:`RemotePostgres` stands for a server somebody
else runs. Both give ``.url``, the SQLAlchemy URL, as a ``pydantic.SecretStr``."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

from pydantic import SecretStr

from streams.devstack.localpostgres.osuser import ServerUser, server_user
from streams.devstack.localpostgres.probe import libpq_url, probe_connection
from streams.devstack.localpostgres.settings import (
    DEFAULT_DATABASE,
    DEFAULT_USER,
    HOST,
    SERVER_SETTINGS,
    LocalPostgresError,
    check_port,
    default_home,
    default_port,
    tool,
)
from streams.devstack.localpostgres.statefiles import (
    ensure_password,
    locked,
    read_password,
    tail,
    write_private,
)
from streams.devstack.ports import port_free

__all__ = ["DRIVER", "LocalPostgres", "PostgresStatus", "RemotePostgres", "render_settings"]

#: The SQLAlchemy dialect+driver of every URL handed out.
DRIVER = "postgresql+psycopg"
_CONF_NAME = "buzzwire.conf"
_INCLUDE_LINE = f"include_if_exists = '{_CONF_NAME}'  # added by buzzwire"
#: Longest path of a unix socket (``sun_path`` is 108 bytes with its NUL).
_MAX_SOCKET_PATH = 107


@dataclass(frozen=True)
class PostgresStatus:
    running: bool  #: a server runs from this cluster's data dir
    pid: int | None
    port: int  #: the port it listens on (running) or would listen on
    state_dir: Path
    data_dir: Path
    accepting: bool = False  #: it accepted a login with the password


def _conf_value(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace("'", "''")
    return f"'{escaped}'"


def render_settings(port: int, socket_dir: Path | None) -> str:
    """``buzzwire.conf``: where it listens (127.0.0.1 only), the unix socket dir (none when
    ``socket_dir`` is None: TCP only) and :data:`SERVER_SETTINGS`."""
    settings = {
        "listen_addresses": HOST,
        "port": str(check_port(port)),
        "unix_socket_directories": "" if socket_dir is None else str(socket_dir),
        **SERVER_SETTINGS,
    }
    lines = ["# Written by buzzwire on every start; edits are lost."]
    lines += [f"{key} = {_conf_value(value)}" for key, value in settings.items()]
    return "\n".join(lines) + "\n"


def _tmp_base() -> Path:
    """Where a data dir outside the state dir goes: /var/tmp (kept across reboots) or the
    temp dir."""
    var_tmp = Path("/var/tmp")
    return var_tmp if var_tmp.is_dir() else Path(tempfile.gettempdir())


class LocalPostgres:
    """A PostgreSQL cluster on 127.0.0.1 whose files live in ``state_dir``.

    ``start()`` creates the cluster (first time only), starts the server detached and returns
    once it accepts a login to ``database``; it is idempotent. A server started here outlives
    the Python process; ``stop()`` ends it. The superuser ``user`` logs in with the random
    password in ``password_file`` (mode 0600), which is also in ``url``.
    """

    #: this object starts and stops a server (``RemotePostgres.managed`` is False)
    managed = True

    def __init__(
        self,
        port: int | None = None,
        state_dir: Path | None = None,
        database: str = DEFAULT_DATABASE,
        user: str = DEFAULT_USER,
    ) -> None:
        self._port = default_port() if port is None else check_port(port)
        self._home = (
            Path(state_dir).expanduser().resolve()
            if state_dir is not None
            else default_home(self._port)
        )
        if not database or not user:
            raise LocalPostgresError("the database and user names must not be empty")
        self.database = database
        self.user = user

    def __repr__(self) -> str:
        return f"LocalPostgres(port={self._port}, state_dir={str(self._home)!r})"

    # ---- where things are

    @property
    def port(self) -> int:
        return self._port

    @property
    def home(self) -> Path:
        """The state dir (the password file, the lock, and usually the data too)."""
        return self._home

    @property
    def password_file(self) -> Path:
        return self._home / "password"

    @property
    def _runtime_record(self) -> Path:
        return self._home / "runtime-dir"

    @property
    def runtime_dir(self) -> Path:
        """Where the data dir, the socket dir and the server log live: the state dir, or the
        folder recorded in ``<state dir>/runtime-dir`` (root, state dir out of reach of the
        ``postgres`` user: see the package docstring)."""
        with contextlib.suppress(OSError):
            recorded = self._runtime_record.read_text().strip()
            if recorded:
                return Path(recorded)
        return self._home

    @property
    def data_dir(self) -> Path:
        return self.runtime_dir / "data"

    @property
    def socket_dir(self) -> Path:
        return self.runtime_dir / "run"

    @property
    def log_file(self) -> Path:
        """The server log (``pg_ctl -l``)."""
        return self.runtime_dir / "postgres.log"

    # ---- URLs

    def _url_for(self, database: str, driver: str = DRIVER) -> str:
        password = read_password(self.password_file)
        if password is None:
            raise LocalPostgresError(
                f"no password yet in {self.password_file}: start the cluster first "
                "(buzzwire postgres start)"
            )
        return (
            f"{driver}://{quote(self.user, safe='')}:{quote(password, safe='')}"
            f"@{HOST}:{self._port}/{quote(database, safe='')}"
        )

    @property
    def url(self) -> SecretStr:
        """The SQLAlchemy URL ``postgresql+psycopg://<user>:<password>@127.0.0.1:<port>/<db>``."""
        return SecretStr(self._url_for(self.database))

    @property
    def masked_url(self) -> str:
        """``url`` with ``***`` for the password, to print."""
        return (
            f"{DRIVER}://{quote(self.user, safe='')}:***@{HOST}:{self._port}/"
            f"{quote(self.database, safe='')}"
        )

    # ---- the runtime dir

    def _ensure_runtime_dir(self, who: ServerUser) -> Path:
        """The runtime dir, created: the state dir when ``who`` can reach it, else a fresh
        ``buzzwire-pg-*`` folder (0755) under /var/tmp, recorded in the state dir."""
        recorded = self.runtime_dir
        if recorded != self._home:
            if recorded.is_dir():
                return recorded
            self._runtime_record.unlink()  # cleaned away: start afresh
        if who.can_traverse(self._home):
            return self._home
        runtime = Path(tempfile.mkdtemp(prefix="buzzwire-pg-", dir=_tmp_base()))
        runtime.chmod(0o755)
        self._runtime_record.write_text(f"{runtime}\n")
        if not who.can_traverse(runtime):
            raise LocalPostgresError(
                f"neither {self._home} nor {runtime} can be reached by the OS user {who.name!r} "
                "that runs the server: choose a state dir it can reach (--state-dir)"
            )
        return runtime

    # ---- the server's tools

    def _run(
        self, who: ServerUser, *argv: str, timeout: float = 60.0
    ) -> subprocess.CompletedProcess[str]:
        try:
            return who.run(argv, cwd=self.runtime_dir, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise self._failure(
                f"{Path(argv[0]).name} {argv[1]} took over {timeout:.0f}s"
            ) from None
        except OSError as exc:
            raise self._failure(f"could not run {argv[0]} as {who.name!r}: {exc}") from exc

    def _failure(self, why: str, proc: subprocess.CompletedProcess[str] | None = None) -> Exception:
        parts = [f"PostgreSQL on {HOST}:{self._port} (state dir {self._home}): {why}"]
        if proc is not None:
            output = (proc.stdout + proc.stderr).strip()
            if output:
                parts.append(output)
        last = tail(self.log_file, 30)
        if last:
            parts.append(f"--- last lines of {self.log_file} ---\n{last}")
        return LocalPostgresError("\n".join(parts))

    def _initialized(self) -> bool:
        return (self.data_dir / "PG_VERSION").is_file()

    def _initdb(self, who: ServerUser, password: str) -> None:
        """Create the cluster: superuser ``user`` with ``password``, SCRAM for every login."""
        data = self.data_dir
        if data.exists() and any(data.iterdir()):
            raise LocalPostgresError(
                f"{data} is not empty but holds no cluster (no PG_VERSION): remove it first"
            )
        data.mkdir(mode=0o700, exist_ok=True)
        who.give(data)
        # initdb reads the password from a file: a copy it can reach, gone right after
        pwfile = self.runtime_dir / ".initdb-pwfile"
        write_private(pwfile, password + "\n")
        who.give(pwfile)
        try:
            proc = self._run(
                who,
                tool("initdb"),
                "--pgdata",
                str(data),
                "--username",
                self.user,
                "--pwfile",
                str(pwfile),
                "--encoding=UTF8",
                "--locale=C.UTF-8",
                "--auth-local=scram-sha-256",
                "--auth-host=scram-sha-256",
                timeout=180,
            )
        finally:
            pwfile.unlink(missing_ok=True)
        if proc.returncode != 0:
            raise self._failure(f"initdb failed (exit {proc.returncode})", proc)
        with (data / "postgresql.conf").open("a") as conf:
            conf.write(f"\n{_INCLUDE_LINE}\n")

    def _write_settings(self, who: ServerUser) -> None:
        socket_dir: Path | None = self.socket_dir
        assert socket_dir is not None
        if len(str(socket_dir / f".s.PGSQL.{self._port}")) > _MAX_SOCKET_PATH:
            socket_dir = None  # too long a path for a unix socket: TCP only
        else:
            socket_dir.mkdir(mode=0o755, exist_ok=True)
            who.give(socket_dir)
        conf = self.data_dir / _CONF_NAME
        conf.write_text(render_settings(self._port, socket_dir))
        who.give(conf)
        if not self.log_file.exists():
            self.log_file.touch(mode=0o640)
        who.give(self.log_file)

    def _running(self, who: ServerUser) -> tuple[int, int] | None:
        """(pid, port) of the server running from the data dir, or None (``pg_ctl status``)."""
        if not self._initialized():
            return None
        proc = self._run(who, tool("pg_ctl"), "status", "--pgdata", str(self.data_dir))
        if proc.returncode != 0:
            return None
        try:
            lines = (self.data_dir / "postmaster.pid").read_text().splitlines()
            return int(lines[0]), int(lines[3])
        except (OSError, ValueError, IndexError):
            return None

    def _ensure_database(self, timeout: float) -> None:
        import psycopg
        from psycopg import sql

        url = libpq_url(self._url_for("postgres"))
        with psycopg.connect(url, connect_timeout=max(1, int(timeout)), autocommit=True) as conn:
            found = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (self.database,)
            ).fetchone()
            if found is None:
                with contextlib.suppress(psycopg.errors.DuplicateDatabase):
                    conn.execute(
                        sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.database))
                    )

    def _wait_ready(self, timeout: float) -> None:
        """Wait until the server accepts a login, create the database if missing, then wait
        until a login to the database itself works."""
        deadline = time.monotonic() + timeout
        why = "not tried"
        for database in ("postgres", self.database):
            while True:
                left = deadline - time.monotonic()
                problem = probe_connection(self._url_for(database), max(1.0, min(10.0, left)))
                if problem is None:
                    break
                why = problem
                if time.monotonic() >= deadline:
                    raise self._failure(f"no login to {database!r} after {timeout:.0f}s ({why})")
                time.sleep(0.2)
            if database == "postgres":
                try:
                    self._ensure_database(max(1.0, deadline - time.monotonic()))
                except Exception as exc:
                    raise self._failure(
                        f"creating database {self.database!r} failed: {exc}"
                    ) from exc

    # ---- lifecycle

    def start(self, timeout: float = 60.0) -> None:
        """Start the server unless it already runs; return once a login to the database works.

        The first start runs ``initdb`` (and writes the password file). Raises
        ``LocalPostgresError`` with the tail of the server log on failure.
        """
        self._home.mkdir(parents=True, exist_ok=True)
        with locked(self._home / ".lock"):
            who = server_user()
            self._ensure_runtime_dir(who)
            running = self._running(who)
            if running is not None:
                pid, port = running
                if port != self._port:
                    raise LocalPostgresError(
                        f"the cluster in {self.data_dir} already runs on port {port} (pid {pid}), "
                        f"not {self._port}: stop it first or use --port {port}"
                    )
                if read_password(self.password_file) is None:
                    raise self._lost_password()
                self._wait_ready(timeout)
                return
            if not port_free(self._port, HOST):
                raise LocalPostgresError(
                    f"cannot start PostgreSQL on {HOST}:{self._port}: the port is in use by "
                    f"another process (not a server of {self._home}); stop it or choose another "
                    "port (--port, BUZZWIRE_POSTGRES_PORT)"
                )
            if self._initialized():
                if read_password(self.password_file) is None:
                    raise self._lost_password()
            else:
                self._initdb(who, ensure_password(self.password_file))
            self._write_settings(who)
            proc = self._run(
                who,
                tool("pg_ctl"),
                "start",
                "--pgdata",
                str(self.data_dir),
                "--log",
                str(self.log_file),
                "--wait",
                "--timeout",
                str(max(1, int(timeout))),
                "--silent",
                timeout=timeout + 15,
            )
            if proc.returncode != 0:
                raise self._failure(f"pg_ctl start failed (exit {proc.returncode})", proc)
            try:
                self._wait_ready(timeout)
            except LocalPostgresError:
                self._stop(who, 15.0)
                raise

    def _lost_password(self) -> LocalPostgresError:
        return LocalPostgresError(
            f"the cluster in {self.data_dir} exists but its password file {self.password_file} "
            f"is gone: nobody can log in; remove {self._home} to start afresh"
        )

    def stop(self, timeout: float = 30.0) -> None:
        """Stop the server (``pg_ctl stop -m fast``: open sessions are ended, everything
        committed stays). Not running is fine."""
        if not self._home.is_dir():
            return
        with locked(self._home / ".lock"):
            self._stop(server_user(), timeout)

    def _stop(self, who: ServerUser, timeout: float) -> None:
        if self._running(who) is None:
            return
        data = str(self.data_dir)
        stop = tool("pg_ctl")
        wait = str(max(1, int(timeout)))
        fast = ("stop", "--pgdata", data, "-m", "fast", "-w", "-t", wait)
        proc = self._run(who, stop, *fast, timeout=timeout + 15)
        if proc.returncode != 0 and self._running(who) is not None:
            # not down in time: crash-stop (recovery replays the WAL on the next start)
            proc = self._run(who, stop, "stop", "--pgdata", data, "-m", "immediate", "-w")
            if self._running(who) is not None:
                raise self._failure(f"pg_ctl stop failed (exit {proc.returncode})", proc)

    def restart(self, timeout: float = 60.0) -> None:
        """Stop, then start on the same port with the same data."""
        self.stop()
        self.start(timeout=timeout)

    def status(self) -> PostgresStatus:
        """Whether the server runs, its pid and port, and whether a login works."""
        running = None
        if self._home.is_dir():
            running = self._running(server_user())
        accepting = False
        if running is not None and read_password(self.password_file) is not None:
            accepting = probe_connection(self._url_for(self.database), 5.0) is None
        return PostgresStatus(
            running=running is not None,
            pid=None if running is None else running[0],
            port=self._port if running is None else running[1],
            state_dir=self._home,
            data_dir=self.data_dir,
            accepting=accepting,
        )

    def destroy(self) -> None:
        """Stop the server and delete the cluster: the state dir and, when elsewhere, the
        runtime dir (throw-away clusters of tests)."""
        self.stop()
        runtime = self.runtime_dir
        if runtime != self._home:
            shutil.rmtree(runtime, ignore_errors=True)
        shutil.rmtree(self._home, ignore_errors=True)


class RemotePostgres:
    """A server somebody else runs (e.g. ``BUZZWIRE_TEST_DATABASE_URL``): the same ``url`` as
    ``LocalPostgres``, nothing to start or stop. ``postgres://``, ``postgresql://`` and
    ``postgresql+<driver>://`` URLs are accepted; ``url`` always names psycopg."""

    managed = False

    def __init__(self, url: str) -> None:
        parts = urlsplit(url.strip())
        if parts.scheme.split("+", 1)[0] not in ("postgres", "postgresql") or not parts.hostname:
            raise LocalPostgresError(
                "a PostgreSQL URL looks like postgresql://user:password@host:port/database "
                f"(got scheme {parts.scheme!r})"
            )
        self._url = SecretStr(urlunsplit(parts._replace(scheme=DRIVER)))

    def __repr__(self) -> str:
        return f"RemotePostgres({self.masked_url!r})"

    @property
    def url(self) -> SecretStr:
        return self._url

    @property
    def masked_url(self) -> str:
        parts = urlsplit(self._url.get_secret_value())
        if parts.password is None:
            return urlunsplit(parts)
        netloc = parts.netloc.rsplit("@", 1)
        user = netloc[0].split(":", 1)[0]
        return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc[1]}"))
