"""Static checks, run by mypy (``make typecheck``), never executed: stores
on the kit's base are ``Sessions`` / ``AsyncSessions`` (the protocols are
generated from one source), and a store on the wrong base is not.
Each ``type: ignore`` must be needed (mypy --strict reports unused ones)."""

from __future__ import annotations

from typing import Any

from authsessions import (
    AsyncInMemorySessions,
    AsyncRedisSessions,
    AsyncSessions,
    AsyncSqlSessions,
    InMemorySessions,
    RedisSessions,
    Sessions,
    SqlSessions,
)
from authsessions.reference import AsyncDictSessions, DictSessions


def stores_on_the_base_are_sessions(
    redis: RedisSessions[str, Any],
    async_redis: AsyncRedisSessions[str, Any],
    sql: SqlSessions[str, Any],
    async_sql: AsyncSqlSessions[str, Any],
) -> None:
    sync_stores: list[Sessions[str, Any]] = [
        DictSessions[str, Any](),
        InMemorySessions[str, Any](),
        redis,
        sql,
    ]
    async_stores: list[AsyncSessions[str, Any]] = [
        AsyncDictSessions[str, Any](),
        AsyncInMemorySessions[str, Any](),
        async_redis,
        async_sql,
    ]
    wrong: Sessions[str, Any] = AsyncDictSessions[str, Any]()  # type: ignore[assignment]
    del sync_stores, async_stores, wrong
