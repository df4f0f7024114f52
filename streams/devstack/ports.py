"""TCP ports on the loopback interface: finding free ones for child processes and tests, and
telling whether a port is taken or already serving."""

from __future__ import annotations

import socket
from contextlib import ExitStack

__all__ = ["LOOPBACK", "free_port", "free_ports", "port_free", "port_open"]

LOOPBACK = "127.0.0.1"


def free_ports(count: int, host: str = LOOPBACK) -> list[int]:
    """``count`` distinct TCP ports that are free on ``host`` right now (all sockets are held
    until every port is picked, so none is handed out twice)."""
    with ExitStack() as stack:
        ports = []
        for _ in range(count):
            sock = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
            sock.bind((host, 0))
            ports.append(int(sock.getsockname()[1]))
        return ports


def free_port(host: str = LOOPBACK) -> int:
    """A TCP port that is free on ``host`` right now."""
    (port,) = free_ports(1, host)
    return port


def port_free(port: int, host: str = LOOPBACK) -> bool:
    """Whether a server could bind ``port`` on ``host`` now (``SO_REUSEADDR``, as servers do)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def port_open(port: int, host: str = LOOPBACK, timeout: float = 0.5) -> bool:
    """Whether something accepts TCP connections on ``host:port``."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False
