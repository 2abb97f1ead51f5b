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
import itertools
import logging
import math
import os
import socket
import threading
import time
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
    """One daemon thread that shuts down sockets whose deadline passed.

    Arming and disarming are a dict store and a pop (atomic under the GIL,
    no lock): every database call pays them. The thread sleeps until the
    earliest armed deadline and is woken only by an arm that comes before
    the deadline it sleeps towards, so steady traffic (each deadline later
    than the last) never wakes it, and a finished call leaves nothing
    behind."""

    def __init__(self) -> None:
        self._armed: dict[int, tuple[float, int]] = {}  # token -> (deadline, fd)
        self._tokens = itertools.count()
        self._reset()

    def _reset(self) -> None:
        """No thread yet (also a forked child: it inherits this object but
        not the parent's thread, nor its connections' calls)."""
        self._armed.clear()
        # the deadline the thread sleeps towards; +inf while it is asleep
        # with nothing armed or scanning (then every arm wakes it)
        self._next = math.inf
        self._wake = threading.Event()
        self._start = threading.Lock()
        self._thread: threading.Thread | None = None

    def arm(self, fd: int, deadline: float) -> int:
        """Shut ``fd`` down at ``deadline`` (``time.monotonic`` seconds)
        unless disarmed first."""
        token = next(self._tokens)
        self._armed[token] = (deadline, fd)
        if deadline < self._next:
            self._alert()
        return token

    def disarm(self, token: int) -> None:
        self._armed.pop(token, None)

    def _alert(self) -> None:
        thread = self._thread
        if thread is None or not thread.is_alive():
            with self._start:
                if self._thread is None or not self._thread.is_alive():
                    self._thread = threading.Thread(
                        target=self._run, name="authsessions-sql-watchdog", daemon=True
                    )
                    self._thread.start()
        self._wake.set()

    def _run(self) -> None:
        while True:
            # an arm from here on sees +inf and sets the event again, so a
            # deadline armed during the scan is never slept past
            self._next = math.inf
            self._wake.clear()
            now = time.monotonic()
            earliest = math.inf
            for token, (deadline, fd) in self._armed.copy().items():
                if deadline > now:
                    earliest = min(earliest, deadline)
                elif self._armed.pop(token, None) is not None:
                    _log.warning(
                        "a database call ran past operation_timeout: closing its "
                        "connection (the call raises SessionBackendError)"
                    )
                    _shutdown(fd)
            self._next = earliest
            self._wake.wait(None if earliest == math.inf else earliest - now)


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
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=WATCHDOG._reset)


class deadline:  # lower case: called like the function it replaced
    """Bound the calls made on ``connection`` (a SQLAlchemy Connection,
    AsyncConnection or pooled DBAPI connection) inside the block to end
    ``seconds`` after ``since`` (``time.monotonic()`` when the call began:
    the wait for a pooled connection counts against the same bound). A
    class rather than a generator: every database call enters one, and a
    generator-based context manager costs three times as much."""

    __slots__ = ("_token",)

    def __init__(self, connection: Any, seconds: float | None, since: float) -> None:
        fd = connection.info.get(SOCKET) if seconds else None
        self._token = None if fd is None else WATCHDOG.arm(fd, since + float(seconds or 0))

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc_info: object) -> None:
        if self._token is not None:
            WATCHDOG.disarm(self._token)
