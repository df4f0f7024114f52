"""Stopping the child processes of the developer stack (workers, Kafka, Prometheus) the same
way everywhere: SIGTERM, a grace period for a clean exit, then SIGKILL."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

__all__ = ["KILL_WAIT", "cmdline", "pid_alive", "stop_group", "stop_pid"]

#: seconds to wait for a process to vanish after SIGKILL
KILL_WAIT = 10.0


def stop_group(proc: subprocess.Popen[bytes], timeout: float) -> int | None:
    """Stop the process group led by ``proc`` (started with ``start_new_session=True``):
    SIGTERM, wait ``timeout`` seconds, then SIGKILL. Returns the exit code."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=KILL_WAIT)
    return proc.returncode


def pid_alive(pid: int) -> bool:
    """Whether process ``pid`` exists and is not a zombie (someone else's counts as alive)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, but someone else's
    with contextlib.suppress(OSError, IndexError):
        stat = Path(f"/proc/{pid}/stat").read_text()
        if stat.rsplit(")", 1)[1].split()[0] in ("Z", "X"):
            return False
    return True


def cmdline(pid: int) -> list[str] | None:
    """The command line of ``pid`` (Linux), or None where /proc cannot tell."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    return raw.decode(errors="replace").split("\0")


def _wait_gone(pid: int, timeout: float, alive: Callable[[int], bool]) -> bool:
    deadline = time.monotonic() + timeout
    while alive(pid):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.1)
    return True


def stop_pid(pid: int, timeout: float, *, alive: Callable[[int], bool] = pid_alive) -> str | None:
    """Stop process ``pid`` (not necessarily our child): SIGTERM, wait ``timeout`` seconds for
    ``alive(pid)`` to turn false, then SIGKILL and wait :data:`KILL_WAIT` seconds more.

    Returns the signal that ended it (``"SIGTERM"`` or ``"SIGKILL"``), or None if it survived
    SIGKILL. ``alive`` lets a caller that holds the ``Popen`` reap its child while waiting.
    """
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    if _wait_gone(pid, timeout, alive):
        return "SIGTERM"
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    if _wait_gone(pid, KILL_WAIT, alive):
        return "SIGKILL"
    return None
