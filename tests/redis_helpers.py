"""Helpers for the Redis tests: clients that count what they send."""

from __future__ import annotations

from typing import Any

import attrs
import redis
import redis.asyncio


@attrs.define
class Counter:
    """Round trips (socket writes) and commands sent by one client."""

    round_trips: int = 0
    commands: int = 0

    def reset(self) -> None:
        self.round_trips = self.commands = 0

    @property
    def both(self) -> tuple[int, int]:
        return self.round_trips, self.commands


def count_commands(packed: Any) -> int:
    """How many RESP commands (arrays of bulk strings) a packed write holds."""
    data = (
        packed
        if isinstance(packed, (bytes, bytearray, memoryview))
        else b"".join(bytes(chunk) for chunk in packed)
    )
    data = bytes(data)
    pos = commands = 0
    while pos < len(data):
        assert data[pos : pos + 1] == b"*", "not a RESP command array"
        end = data.index(b"\r\n", pos)
        items = int(data[pos + 1 : end])
        pos = end + 2
        for _ in range(items):
            end = data.index(b"\r\n", pos)
            pos = end + 2 + int(data[pos + 1 : end]) + 2
        commands += 1
    return commands


def _counting(base: Any, counter: Counter) -> Any:
    class CountingConnection(base):  # type: ignore[misc]
        def send_packed_command(self, command: Any, *args: Any, **kwargs: Any) -> Any:
            counter.round_trips += 1
            counter.commands += count_commands(command)
            return super().send_packed_command(command, *args, **kwargs)

    return CountingConnection


def counting_client(url: str) -> tuple[redis.Redis, Counter]:
    counter = Counter()
    pool = redis.ConnectionPool.from_url(
        url, connection_class=_counting(redis.Connection, counter)
    )
    return redis.Redis(connection_pool=pool), counter


def counting_async_client(url: str) -> tuple[redis.asyncio.Redis, Counter]:
    counter = Counter()
    pool = redis.asyncio.ConnectionPool.from_url(
        url, connection_class=_counting(redis.asyncio.Connection, counter)
    )
    return redis.asyncio.Redis(connection_pool=pool), counter


def dump(client: redis.Redis, prefix: str) -> list[tuple[bytes, Any, int]]:
    """Every key under ``prefix`` with its value and TTL in ms."""
    out = []
    # SCAN may repeat a key; a set keeps the dump exact
    for key in sorted(set(client.scan_iter(match=prefix.replace("*", "\\*") + "*"))):
        kind = client.type(key)
        if kind == b"string":
            value: Any = client.get(key)
        elif kind == b"zset":
            value = client.zrange(key, 0, -1, withscores=True)
        else:
            value = kind
        out.append((key, value, client.pttl(key)))
    return out
