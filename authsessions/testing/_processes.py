"""Helpers for real server processes in tests: free ports, waiting for
readiness. Standard library only, so every provisioner (and the embedded
Redis of ``authsessions.redis``) shares one copy."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable


def wait_until(ready: Callable[[], bool], *, timeout: float, interval: float = 0.05) -> bool:
    """Poll ``ready()`` until it returns True or ``timeout`` seconds pass (for
    real processes starting or failing over, where no fake clock helps).

    Returns:
        True if ``ready()`` returned True in time.
    """
    deadline = time.monotonic() + timeout
    while True:
        if ready():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


def free_port(below: int = 55535) -> int:
    """A free loopback port whose cluster bus port (+10000) is free too.

    Raises:
        OSError: if none is found.
    """
    for _ in range(200):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port: int = sock.getsockname()[1]
        if port >= below:  # its bus port would not exist
            continue
        with socket.socket() as bus:
            try:
                bus.bind(("127.0.0.1", port + 10000))
            except OSError:
                continue
        return port
    raise OSError(f"no free loopback port below {below}")


def ping(host: str, port: int) -> bool:
    """Whether something answers PING (or asks for a password) on a port."""
    try:
        with socket.create_connection((host, port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith((b"+PONG", b"-NOAUTH"))
    except OSError:
        return False
