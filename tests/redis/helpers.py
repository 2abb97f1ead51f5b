"""Helpers for the Redis tests: clients that count what they send."""

from __future__ import annotations

import inspect
from typing import Any

import attrs
import redis
import redis.asyncio

from authsessions.redis import _compat
from authsessions.redis._layout import RedisLayout


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


# from_url, not Redis(connection_pool=...): a client given a pool does not
# own it, so closing the client would leave the pool's sockets open
def counting_client(url: str) -> tuple[redis.Redis, Counter]:
    counter = Counter()
    client = redis.Redis.from_url(url, connection_class=_counting(redis.Connection, counter))
    return client, counter


def counting_async_client(url: str) -> tuple[redis.asyncio.Redis, Counter]:
    counter = Counter()
    client = redis.asyncio.Redis.from_url(
        url, connection_class=_counting(redis.asyncio.Connection, counter)
    )
    return client, counter


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
        elif kind == b"hash":
            value = client.hgetall(key)
        else:
            value = kind
        out.append((key, value, client.pttl(key)))
    return out


OPS = [
    "create_session",
    "get_user_id_from_session",
    "get_session_meta",
    "get_session",
    "set_session_meta",
    "rotate_session",
    "destroy_session(Session)",
    "destroy_session(SessionId)",
    "destroy_sessions_for_user",
    "get_sessions_for_user",
]


async def _maybe(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value


async def exercise(store: Any, counter: Any) -> dict[str, tuple[int, int]]:
    """Run every one-round-trip operation once, warm, and count each; works
    for the sync and the asyncio store alike."""
    counts: dict[str, tuple[int, int]] = {}

    async def measure(name: str, fn: Any) -> Any:
        counter.reset()
        result = await _maybe(fn())
        counts[name] = counter.both
        return result

    await _maybe(store.create_session(user_id="warm", label="", meta={}))  # loads scripts
    sid = await measure(
        "create_session", lambda: store.create_session(user_id="u", label="l", meta={})
    )
    await measure("get_user_id_from_session", lambda: store.get_user_id_from_session(sid))
    await measure("get_session_meta", lambda: store.get_session_meta(sid))
    session = await measure("get_session", lambda: store.get_session(sid))
    await measure("set_session_meta", lambda: store.set_session_meta(sid, {"a": 1}))
    sid = await measure("rotate_session", lambda: store.rotate_session(sid))
    await measure("destroy_session(Session)", lambda: store.destroy_session(session))
    other = await _maybe(store.create_session(user_id="u", label="l", meta={}))
    await measure("destroy_session(SessionId)", lambda: store.destroy_session(other))
    await measure("destroy_sessions_for_user", lambda: store.destroy_sessions_for_user("u"))
    await measure("get_sessions_for_user", lambda: store.get_sessions_for_user("u"))
    counter.reset()
    for junk in [None, "x", "a" * 76, "0" * 32 + "." + "!" * 43]:
        assert await _maybe(store.get_session(junk)) is None
        assert await _maybe(store.rotate_session(junk)) is None
        assert await _maybe(store.destroy_session(junk)) is False
    counts["malformed ids (12 calls)"] = counter.both
    return counts


EXPECTED = {op: (1, 1) for op in OPS} | {"malformed ids (12 calls)": (0, 0)}


def slot_owner(cluster: Any, key: str) -> Any:
    """The primary of a LocalCluster that serves ``key``'s slot."""
    from redis.crc import key_slot

    slot = key_slot(key.encode())
    per = 16384 // len(cluster.primaries)
    return cluster.primaries[min(slot // per, len(cluster.primaries) - 1)]


# the library's own redis-py version shims, for clients the tests build
close_async = _compat.aclose
NO_HANDSHAKE = _compat.no_handshake()


def record_key(prefix: str, session_id: str) -> str:
    """The key of a session's record (from its SessionId or its key)."""
    return RedisLayout(prefix).session_keys(session_id[:32])[0]


def index_key(prefix: str, session_id: str) -> str:
    """The key of the last-use index that holds a session."""
    return RedisLayout(prefix).session_keys(session_id[:32])[1]
