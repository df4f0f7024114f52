"""The operating-system user that runs the server's tools.

``initdb`` and ``postgres`` refuse to run as root. As root (this machine and CI), ``initdb``
and ``pg_ctl`` therefore run as the unprivileged user ``postgres`` that Debian's package
creates (uid, gid and its groups, with its own ``HOME``), and the files they write are handed
to it; when that user is missing, :func:`server_user` says so. Anyone else runs them as
themselves. Every command is an argv list; nothing goes through a shell of ours.
"""

from __future__ import annotations

import os
import pwd
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from streams.devstack.localpostgres.settings import LocalPostgresError

__all__ = ["ROOT_SERVER_USER", "ServerUser", "server_user"]

#: The user that runs the server when buzzwire runs as root (Debian's ``postgresql`` package).
ROOT_SERVER_USER = "postgres"

#: Environment variables passed on to the server's tools (PG* variables such as ``PGDATA`` or
#: ``PGPORT`` are not: every setting is given explicitly).
_KEPT_ENV = ("PATH", "TZ", "TMPDIR")


@dataclass(frozen=True)
class ServerUser:
    """Who runs ``initdb``/``pg_ctl``: ``switch`` is True when that is not the current user."""

    name: str
    uid: int
    gid: int
    groups: tuple[int, ...]
    home: str
    switch: bool

    def env(self) -> dict[str, str]:
        env = {k: os.environ[k] for k in _KEPT_ENV if k in os.environ}
        env.setdefault("PATH", "/usr/local/bin:/usr/bin:/bin")
        env.update(HOME=self.home, USER=self.name, LOGNAME=self.name, LC_ALL="C.UTF-8")
        return env

    def run(
        self, argv: Sequence[str], *, cwd: Path, timeout: float
    ) -> subprocess.CompletedProcess[str]:
        """Run ``argv`` as this user (stdin closed, output captured, no check)."""
        extra: dict[str, object] = {}
        if self.switch:
            extra = {"user": self.uid, "group": self.gid, "extra_groups": list(self.groups)}
        return subprocess.run(  # type: ignore[call-overload]
            list(argv),
            cwd=cwd,
            env=self.env(),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            start_new_session=True,  # Ctrl-C in a terminal does not reach the server
            **extra,
        )

    def give(self, path: Path) -> None:
        """Make ``path`` (one file or folder, not recursive) this user's."""
        if self.switch:
            os.chown(path, self.uid, self.gid)

    def can_traverse(self, folder: Path) -> bool:
        """Whether this user can reach files inside ``folder`` (search permission on it and
        every folder above it), asked of the kernel by running ``test -x`` as that user."""
        if not self.switch:
            return os.access(folder, os.X_OK)
        try:
            proc = self.run(["test", "-x", str(folder)], cwd=Path("/"), timeout=10)
        except (OSError, subprocess.SubprocessError):
            return False
        return proc.returncode == 0


def server_user() -> ServerUser:
    """The current user, or ``postgres`` when running as root."""
    if os.geteuid() != 0:
        me = pwd.getpwuid(os.geteuid())
        return ServerUser(
            name=me.pw_name,
            uid=me.pw_uid,
            gid=me.pw_gid,
            groups=tuple(os.getgroups()),
            home=me.pw_dir,
            switch=False,
        )
    try:
        entry = pwd.getpwnam(ROOT_SERVER_USER)
    except KeyError:
        raise LocalPostgresError(
            f"running as root, but the OS user {ROOT_SERVER_USER!r} does not exist: PostgreSQL "
            f"refuses to run as root, so buzzwire runs it as {ROOT_SERVER_USER!r} (created by "
            "Debian's postgresql package: apt-get install postgresql), or run buzzwire as an "
            "unprivileged user"
        ) from None
    return ServerUser(
        name=entry.pw_name,
        uid=entry.pw_uid,
        gid=entry.pw_gid,
        groups=tuple(os.getgrouplist(entry.pw_name, entry.pw_gid)),
        home=entry.pw_dir,
        switch=True,
    )
