"""The local PostgreSQL cluster's settings: the defaults, what the environment overrides
(``BUZZWIRE_POSTGRES_*``), the server settings it runs with, and where its tools live."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

__all__ = [
    "DEFAULT_DATABASE",
    "DEFAULT_PORT",
    "DEFAULT_USER",
    "HOST",
    "SERVER_SETTINGS",
    "LocalPostgresError",
    "bin_dir",
    "check_port",
    "default_home",
    "default_port",
    "tool",
]

#: Not 5432, so a cluster of the system (Debian's ``postgresql`` service) never clashes.
DEFAULT_PORT = 55432
DEFAULT_DATABASE = "buzzwire"
DEFAULT_USER = "buzzwire"
HOST = "127.0.0.1"

#: ``postgresql.conf`` settings for a small development box. ``fsync`` stays on: the tests
#: prove durability on a real server, so the server must be a durable one.
SERVER_SETTINGS: dict[str, str] = {
    "max_connections": "100",
    "shared_buffers": "128MB",
    "fsync": "on",
    "synchronous_commit": "on",
    "full_page_writes": "on",
    "timezone": "UTC",
    "log_timezone": "UTC",
    "log_line_prefix": "%m [%p] %q%u@%d ",
}

_TOOLS = ("initdb", "pg_ctl", "postgres")


class LocalPostgresError(RuntimeError):
    """The local cluster could not be set up, started or stopped; the message says why."""


def check_port(port: int, source: str = "port") -> int:
    """``port`` if it is a TCP port a server can listen on (1-65535), else
    ``LocalPostgresError`` naming ``source``."""
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        raise LocalPostgresError(f"{source}={port!r} is not a TCP port (1-65535)")
    return port


def default_port() -> int:
    """The server port: ``BUZZWIRE_POSTGRES_PORT`` or 55432."""
    raw = os.environ.get("BUZZWIRE_POSTGRES_PORT", "").strip()
    if not raw:
        return DEFAULT_PORT
    try:
        port = int(raw)
    except ValueError:
        raise LocalPostgresError(f"BUZZWIRE_POSTGRES_PORT={raw!r} is not an integer") from None
    if not 1 <= port <= 65535:
        raise LocalPostgresError(f"BUZZWIRE_POSTGRES_PORT={raw!r} is not a TCP port (1-65535)")
    return port


def default_home(port: int) -> Path:
    """The state dir: ``BUZZWIRE_POSTGRES_HOME`` or ``~/.cache/buzzwire/postgres-state/<port>``."""
    raw = os.environ.get("BUZZWIRE_POSTGRES_HOME", "").strip()
    if raw:
        return Path(raw).expanduser().resolve()
    return Path.home() / ".cache" / "buzzwire" / "postgres-state" / str(port)


def _version_key(path: Path) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", path.parent.name)) or (0,)


def bin_dir() -> Path:
    """The folder of ``initdb``, ``pg_ctl`` and ``postgres``: ``BUZZWIRE_POSTGRES_BIN``, else the
    newest ``/usr/lib/postgresql/<version>/bin`` (Debian's layout), else ``initdb`` on ``PATH``.
    Raises ``LocalPostgresError`` saying how to install PostgreSQL when none is found."""
    raw = os.environ.get("BUZZWIRE_POSTGRES_BIN", "").strip()
    if raw:
        folder = Path(raw).expanduser()
        missing = [t for t in _TOOLS if not os.access(folder / t, os.X_OK)]
        if missing:
            raise LocalPostgresError(
                f"BUZZWIRE_POSTGRES_BIN={raw!r} has no executable {', '.join(missing)}"
            )
        return folder
    debian = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=_version_key)
    for initdb in reversed(debian):
        if os.access(initdb, os.X_OK):
            return initdb.parent
    found = shutil.which("initdb")
    if found is not None:
        return Path(found).resolve().parent
    raise LocalPostgresError(
        "PostgreSQL's initdb was not found (not in /usr/lib/postgresql/*/bin nor on PATH): "
        "install it (e.g. apt-get install postgresql, or run scripts/bootstrap.sh as root) or "
        "point BUZZWIRE_POSTGRES_BIN at the folder of initdb and pg_ctl"
    )


def tool(name: str) -> str:
    """The path of ``initdb``, ``pg_ctl`` or ``postgres`` in :func:`bin_dir`."""
    path = bin_dir() / name
    if not os.access(path, os.X_OK):
        raise LocalPostgresError(f"{path} is missing or not executable")
    return str(path)
