"""Static checks, run by mypy (``make typecheck``), never executed: an engine
of the wrong kind is a type error, and ``from_url`` returns a typed store.
Each ``type: ignore`` must be needed (mypy --strict reports unused ones)."""

from __future__ import annotations

import uuid
from typing import Any, assert_type

from sqlalchemy import create_engine
from sqlalchemy.ext.asyncio import create_async_engine

from authsessions.sql import AsyncSqlSessions, SqlSessions


def mixed_up_engines() -> None:
    SqlSessions(create_async_engine("sqlite+aiosqlite://"))  # type: ignore[call-overload]
    AsyncSqlSessions(create_engine("sqlite://"))  # type: ignore[call-overload]


def typed_stores() -> None:
    assert_type(SqlSessions(create_engine("sqlite://")), SqlSessions[str, dict[str, Any]])
    assert_type(SqlSessions.from_url("sqlite://"), SqlSessions[str, dict[str, Any]])
    assert_type(
        AsyncSqlSessions.from_url("sqlite+aiosqlite://", user_id_type=uuid.UUID),
        AsyncSqlSessions[uuid.UUID, dict[str, Any]],
    )
    assert_type(
        SqlSessions.from_url("sqlite://", user_id_type=int, meta_type=str),
        SqlSessions[int, str],
    )
