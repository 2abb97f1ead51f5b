"""Bounding every database call in time, even against a hung server.

A server that stops answering (a SIGSTOPped PostgreSQL, a frozen VM) leaves
a client blocked in a read the kernel never ends: TCP is healthy, and the
server-side statement_timeout runs in the stopped process. A client-side
deadline is the only bound. One watchdog thread holds every armed deadline;
at a deadline it shuts down that connection's socket, so the blocked read
(sync) or awaited read (asyncio) fails at once with a connection error,
which the store raises as SessionBackendError and SQLAlchemy treats as a
disconnect (the connection is not reused). asyncio cancellation alone is
not enough: psycopg then waits 5 s more for the server to confirm.

The socket of each new DBAPI connection is recorded in its pool record
(``info["authsessions.socket"]``) by a ``connect`` event; connections without
one (SQLite) are never armed: a local file does not hang, and SQLite's own
busy timeout bounds lock waits.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import logging
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

from sqlalchemy import event

SOCKET = "authsessions.socket"
_log = logging.getLogger("authsessions.sql")


def record_sockets(engine: Any) -> None:
    """Record each new connection's socket (psycopg) for the watchdog."""
    sync_engine = getattr(engine, "sync_engine", engine)
    if event.contains(sync_engine, "connect", _remember):
        return
    event.listen(sync_engine, "connect", _remember)


def _remember(dbapi_connection: Any, record: Any) -> None:
    driver = getattr(dbapi_connection, "driver_connection", dbapi_connection)
    pgconn = getattr(driver, "pgconn", None)
    if pgconn is not None:
        record.info[SOCKET] = pgconn.socket


class Watchdog:
    """One daemon thread that shuts down sockets whose deadline passed."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, int]] = []
        self._armed: dict[int, int] = {}  # token -> fd
        self._tokens = itertools.count()
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None

    def arm(self, fd: int, deadline: float) -> int:
        """Shut ``fd`` down at ``deadline`` (``time.monotonic`` seconds)
        unless disarmed first."""
        token = next(self._tokens)
        with self._wake:
            self._armed[token] = fd
            heapq.heappush(self._heap, (deadline, token, fd))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="authsessions-sql-watchdog", daemon=True
                )
                self._thread.start()
            elif self._heap[0][1] == token:
                self._wake.notify()
        return token

    def disarm(self, token: int) -> None:
        with self._wake:
            self._armed.pop(token, None)

    def _run(self) -> None:
        with self._wake:
            while True:
                while self._heap and self._heap[0][1] not in self._armed:
                    heapq.heappop(self._heap)  # disarmed
                if not self._heap:
                    self._wake.wait()
                    continue
                deadline, token, fd = self._heap[0]
                wait = deadline - time.monotonic()
                if wait > 0:
                    self._wake.wait(wait)
                    continue
                heapq.heappop(self._heap)
                if self._armed.pop(token, None) is not None:
                    _log.warning(
                        "a database call ran past operation_timeout: closing its "
                        "connection (the call raises SessionBackendError)"
                    )
                    _shutdown(fd)


def _shutdown(fd: int) -> None:
    """Shut a socket down without closing its descriptor (the driver owns
    it and closes it when it notices)."""
    with contextlib.suppress(OSError):
        sock = socket.socket(fileno=fd)
        try:
            sock.shutdown(socket.SHUT_RDWR)
        finally:
            sock.detach()


WATCHDOG = Watchdog()


@contextlib.contextmanager
def deadline(connection: Any, seconds: float | None, since: float) -> Iterator[None]:
    """Bound the calls made on ``connection`` (a SQLAlchemy Connection or
    AsyncConnection) inside the block to end ``seconds`` after ``since``
    (``time.monotonic()`` when the call began: the wait for a pooled
    connection counts against the same bound)."""
    fd = connection.info.get(SOCKET) if seconds else None
    if fd is None:
        yield
        return
    token = WATCHDOG.arm(fd, since + float(seconds))  # type: ignore[arg-type]
    try:
        yield
    finally:
        WATCHDOG.disarm(token)
