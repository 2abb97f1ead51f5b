"""Static checks, run by mypy (``make typecheck``), never executed: a mixed-up
client is a type error, and ``from_url`` returns a typed store. Each
``type: ignore`` must be needed (mypy --strict reports unused ones), so a
store that accepted any client would fail the type check."""

from __future__ import annotations

import uuid
from typing import Any, assert_type

import redis
import redis.asyncio
import redis.asyncio.cluster
import redis.cluster

from authsessions import AsyncRedisSessions, RedisSessions


def mixed_up_clients() -> None:
    RedisSessions(redis.asyncio.Redis())  # type: ignore[call-overload]
    RedisSessions(redis.asyncio.cluster.RedisCluster())  # type: ignore[call-overload]
    AsyncRedisSessions(redis.Redis())  # type: ignore[call-overload]
    AsyncRedisSessions(redis.cluster.RedisCluster())  # type: ignore[call-overload]
    RedisSessions(object())  # type: ignore[call-overload]


def right_clients() -> None:
    assert_type(RedisSessions(redis.Redis()), RedisSessions[str, dict[str, Any]])
    assert_type(
        AsyncRedisSessions(redis.asyncio.cluster.RedisCluster(), user_id_type=int),
        AsyncRedisSessions[int, dict[str, Any]],
    )


def from_url_returns_a_typed_store() -> None:
    assert_type(RedisSessions.from_url("redis://"), RedisSessions[str, dict[str, Any]])
    assert_type(
        RedisSessions.from_url("redis://", user_id_type=uuid.UUID),
        RedisSessions[uuid.UUID, dict[str, Any]],
    )
    assert_type(
        AsyncRedisSessions.from_url("redis://", meta_type=list[int], cluster=True),
        AsyncRedisSessions[str, list[int]],
    )
    assert_type(
        AsyncRedisSessions.from_url("redis://", user_id_type=int, meta_type=list[int]),
        AsyncRedisSessions[int, list[int]],
    )
