"""Files of a cluster's state dir: an exclusive lock between processes, the superuser's
password file, the record of a data dir kept outside the state dir, and log tails for error
messages."""

from __future__ import annotations

import contextlib
import fcntl
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

__all__ = ["ensure_password", "locked", "read_password", "tail", "write_private"]


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``path`` (created with its folder) for the block."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to a new file ``path`` that only its owner may read (0600 from the
    moment it exists, whatever the umask); an existing file is replaced."""
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)


def read_password(path: Path) -> str | None:
    """The password kept in ``path``, or None when there is none."""
    try:
        password = path.read_text().strip()
    except FileNotFoundError:
        return None
    return password or None


def ensure_password(path: Path) -> str:
    """The password in ``path``; a new random one (32 URL-safe characters) written there with
    mode 0600 when there is none yet."""
    password = read_password(path)
    if password is None:
        password = secrets.token_urlsafe(24)
        write_private(path, password + "\n")
    return password


def tail(path: Path, lines: int = 40) -> str:
    """The last ``lines`` lines of ``path`` (read from its last 64 KiB); "" if unreadable."""
    try:
        with path.open("rb") as fh:
            fh.seek(0, os.SEEK_END)
            fh.seek(max(0, fh.tell() - 64 * 1024))
            text = fh.read().decode(errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])
