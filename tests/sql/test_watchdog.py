"""The deadline watchdog on its own, with socket pairs standing in for
database connections: what it holds between calls, and that it shuts down
exactly the sockets whose deadline passed. (The stores' bounds against a
hung PostgreSQL are in test_sql.py.)"""

from __future__ import annotations

import multiprocessing
import socket
import time
import tracemalloc
from collections.abc import Iterator
from typing import Any

import pytest

from authsessions.sql._watchdog import WATCHDOG, Watchdog


@pytest.fixture
def pairs() -> Iterator[list[tuple[socket.socket, socket.socket]]]:
    made: list[tuple[socket.socket, socket.socket]] = []
    yield made
    for a, b in made:
        a.close()
        b.close()


def _pair(made: list[tuple[socket.socket, socket.socket]]) -> tuple[socket.socket, socket.socket]:
    a, b = socket.socketpair()
    b.settimeout(5)  # bounds a test whose deadline never fires
    made.append((a, b))
    return a, b


def _shut(peer: socket.socket) -> bool:
    """Whether the other end was shut down (the peer reads end of file)."""
    peer.setblocking(False)
    try:
        return peer.recv(1) == b""
    except BlockingIOError:
        return False
    finally:
        peer.settimeout(5)


def test_calls_that_ended_leave_nothing_behind_until_a_deadline() -> None:
    # one call's deadline armed and disarmed per database call: with an hour
    # long operation_timeout the old watchdog kept every call's entry until
    # the first deadline passed (an hour of calls, ~150 bytes each)
    watchdog = Watchdog()
    far = time.monotonic() + 3600
    token = watchdog.arm(-1, far)  # the first arm starts the thread
    watchdog.disarm(token)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(20_000):
            watchdog.disarm(watchdog.arm(-1, far))
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert grown < 100_000, f"{grown:,} bytes held after 20,000 finished calls"


def test_a_deadline_earlier_than_the_one_waited_for_fires(
    pairs: list[tuple[socket.socket, socket.socket]],
) -> None:
    # a store with a short operation_timeout beside one with a long one
    watchdog = Watchdog()
    slow, slow_peer = _pair(pairs)
    fast, fast_peer = _pair(pairs)
    watchdog.arm(slow.fileno(), time.monotonic() + 3600)
    watchdog.arm(fast.fileno(), time.monotonic() + 0.05)
    assert fast_peer.recv(1) == b""  # shut down (a 5 s timeout otherwise)
    assert not _shut(slow_peer)


def test_only_the_armed_sockets_are_shut_down(
    pairs: list[tuple[socket.socket, socket.socket]],
) -> None:
    watchdog = Watchdog()
    ended, ended_peer = _pair(pairs)
    hung, hung_peer = _pair(pairs)
    now = time.monotonic()
    watchdog.disarm(watchdog.arm(ended.fileno(), now + 0.02))  # the call ended in time
    watchdog.arm(hung.fileno(), now + 0.04)
    assert hung_peer.recv(1) == b""
    # the ended call's deadline came first: had it fired, it would have by now
    assert not _shut(ended_peer)
    ended.sendall(b"x")
    assert ended_peer.recv(1) == b"x"


def _child_deadline_fires(at: float, result: Any) -> None:
    a, b = socket.socketpair()
    b.settimeout(5)
    WATCHDOG.arm(a.fileno(), at)
    try:
        result.put(b.recv(1) == b"")
    except TimeoutError:
        result.put(False)


def test_a_forked_worker_still_bounds_its_calls() -> None:
    # a pre-forking server (gunicorn --preload) forks after the parent's
    # calls started the watchdog: the child has the parent's idea of the
    # deadline its thread sleeps towards, but no thread; a deadline after
    # that one must still start the child's
    base = time.monotonic()
    token = WATCHDOG.arm(-1, base + 0.3)
    try:
        while WATCHDOG._next > base + 0.3 and time.monotonic() < base + 5:
            time.sleep(0.001)  # until the parent's thread sleeps towards it
        context = multiprocessing.get_context("fork")
        result = context.Queue()
        child = context.Process(target=_child_deadline_fires, args=(base + 0.35, result))
        child.start()
    finally:
        WATCHDOG.disarm(token)
    fired = result.get(timeout=10)
    child.join(10)
    assert fired, "the child's deadline never fired"
