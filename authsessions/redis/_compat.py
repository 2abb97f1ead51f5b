"""The differences between the redis-py versions we support (5.0 and newer),
in one place for both store twins and the tests."""

from __future__ import annotations

import inspect
from typing import Any


def no_handshake() -> dict[str, Any]:
    """Client options that skip the CLIENT SETINFO handshake. In redis-py
    8.1's asyncio cluster client, tasks racing to open connections can hit a
    connection another task is still handshaking ('NoneType' object has no
    attribute 'writelines'); without the handshake there is nothing to race
    on (tests/redis/test_cluster.py). redis-py 7 and newer name the option
    ``driver_info`` (and warn about the older ``lib_name`` and
    ``lib_version``); older versions know only those two."""
    import redis.connection

    if "driver_info" in inspect.signature(redis.connection.AbstractConnection.__init__).parameters:
        return {"driver_info": None}
    return {"lib_name": None, "lib_version": None}


async def aclose(client: Any) -> None:
    """Close an asyncio client: ``aclose()``, or ``close()`` before redis-py
    5.0.1."""
    await (getattr(client, "aclose", None) or client.close)()


def close(client: Any) -> None:
    """Close a sync client (the generated twin of ``aclose``)."""
    client.close()


def connection_args(pool: Any) -> tuple[str, ...]:
    """What ``pool.get_connection`` takes: redis-py 5.0 requires a command
    name (which it ignores); later versions deprecate passing one."""
    method = type(pool).get_connection
    found = _CONNECTION_ARGS.get(method)
    if found is None:
        parameter = inspect.signature(method).parameters.get("command_name")
        required = parameter is not None and parameter.default is inspect.Parameter.empty
        found = _CONNECTION_ARGS[method] = ("GET",) if required else ()
    return found


_CONNECTION_ARGS: dict[Any, tuple[str, ...]] = {}
