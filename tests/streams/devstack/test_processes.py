"""Free ports and stopping child processes: the helpers every part of the dev stack uses."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys

from streams.devstack.ports import free_port, free_ports, port_free, port_open
from streams.devstack.processes import pid_alive, stop_group, stop_pid

_IGNORES_SIGTERM = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); " + (
    "print('ready', flush=True); time.sleep(60)"
)


def _ignoring_sigterm() -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [sys.executable, "-c", _IGNORES_SIGTERM], stdout=subprocess.PIPE, start_new_session=True
    )
    assert proc.stdout is not None and proc.stdout.readline() == b"ready\n"
    return proc


def test_free_ports_are_distinct_and_bindable() -> None:
    ports = free_ports(3)
    assert len(set(ports)) == 3
    assert all(port_free(p) for p in ports)
    assert port_free(free_port())


def test_port_open_and_port_free_see_a_listener() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        assert port_open(port)
        assert not port_free(port)
    assert not port_open(port)


def test_stop_group_terminates_then_kills() -> None:
    polite = subprocess.Popen(["sleep", "60"], start_new_session=True)
    assert stop_group(polite, timeout=5) == -signal.SIGTERM
    stubborn = _ignoring_sigterm()
    assert stop_group(stubborn, timeout=0.5) == -signal.SIGKILL


def test_stop_pid_says_which_signal_ended_it() -> None:
    polite = subprocess.Popen(["sleep", "60"], start_new_session=True)
    assert stop_pid(polite.pid, 5, alive=lambda pid: polite.poll() is None) == "SIGTERM"
    stubborn = _ignoring_sigterm()
    assert stop_pid(stubborn.pid, 0.5, alive=lambda pid: stubborn.poll() is None) == "SIGKILL"
    assert not pid_alive(stubborn.pid)
