"""Provisioning helpers the plugin's servers rely on."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest

from contract_tests import _provision


def test_free_port_skips_ports_whose_bus_port_cannot_exist(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the kernel hands out ephemeral ports up to 60999 here: 60999 has no
    # +10000 bus port, and binding one raised OverflowError
    offered: Iterator[int] = iter([60999, 40000])

    class Socket:
        """Binds port 0 to the next offered port, like the kernel would."""

        def __enter__(self) -> Socket:
            return self

        def __exit__(self, *exc: object) -> None:
            pass

        def bind(self, address: tuple[str, int]) -> None:
            port = address[1] or next(offered)
            if not 0 <= port <= 65535:
                raise OverflowError("bind(): port must be 0-65535.")
            self.address = (address[0], port)

        def getsockname(self) -> Any:
            return self.address

    monkeypatch.setattr(socket, "socket", Socket)
    assert _provision.free_port() == 40000
