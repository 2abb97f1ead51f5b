"""A TCP proxy on loopback that cuts or stalls a connection on command.

It sits between a store's client and a real redis-server. Armed with a
fault, it forwards exactly ``after`` more bytes in one direction and then
cuts both sockets (``cut``) or stops forwarding (``stall``), so a test can
break a request or a reply at any byte.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from typing import Any

import attrs


@attrs.define
class Fault:
    direction: str  # "up" (client -> server) or "down" (server -> client)
    after: int  # bytes still forwarded before the fault fires
    mode: str = "cut"  # "cut" or "stall"
    fired: bool = False


class FaultProxy:
    """Forward 127.0.0.1:<port> to an upstream redis-server."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self.listener.getsockname()[1]
        self.fault: Fault | None = None
        self.lock = threading.Lock()
        self.closed = threading.Event()
        self.connections: list[tuple[socket.socket, socket.socket]] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def arm(self, direction: str, after: int, mode: str = "cut") -> Fault:
        with self.lock:
            self.fault = Fault(direction, after, mode)
            return self.fault

    def disarm(self) -> None:
        with self.lock:
            self.fault = None

    def _accept(self) -> None:
        while not self.closed.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
            self.connections.append((client, upstream))
            threading.Thread(target=self._pump, args=(client, upstream, "up"), daemon=True).start()
            threading.Thread(
                target=self._pump, args=(upstream, client, "down"), daemon=True
            ).start()

    def _pump(self, source: socket.socket, target: socket.socket, direction: str) -> None:
        try:
            while True:
                chunk = source.recv(65536)
                if not chunk:
                    break
                fires = None
                with self.lock:
                    fault = self.fault
                    if fault is not None and fault.direction == direction and not fault.fired:
                        if len(chunk) > fault.after:
                            chunk, fault.fired, fires = chunk[: fault.after], True, fault
                        else:
                            fault.after -= len(chunk)
                if chunk:
                    target.sendall(chunk)
                if fires is not None:  # only this connection breaks
                    if fires.mode == "stall":
                        self.closed.wait()  # forward nothing more, ever
                    break
        except OSError:
            pass
        finally:
            for sock in (source, target):
                _close(sock)

    def close(self) -> None:
        self.closed.set()
        _close(self.listener)
        for pair in self.connections:
            for sock in pair:
                _close(sock)


def _close(sock: Any) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()
