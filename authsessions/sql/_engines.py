"""SQLite engines set up for sessions (any SQLAlchemy engine works; these
save the three settings people forget)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import StaticPool


def _url(driver: str, path: str | Path | None) -> str:
    return f"sqlite+{driver}:///{path}" if path else f"sqlite+{driver}:///:memory:"


def _options(path: str | Path | None, busy_timeout: float) -> dict[str, Any]:
    if path:
        # a writer waits up to busy_timeout seconds for another's lock
        return {"connect_args": {"timeout": busy_timeout}}
    # an in-memory database lives in one connection: every caller shares it
    # (the store then runs one operation at a time)
    return {"connect_args": {"check_same_thread": False}, "poolclass": StaticPool}


def _wal(engine: Any) -> None:
    @event.listens_for(engine, "connect")
    def _journal(dbapi_connection: Any, record: Any) -> None:
        # readers never wait for the writer, and commits are cheaper
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()


def sqlite_engine(path: str | Path | None = None, *, busy_timeout: float = 10.0) -> Engine:
    """A SQLite engine for ``SqlSessions``: a file
    in WAL mode with a busy timeout, or (``path`` None) an in-memory
    database shared by every caller of the process."""
    engine = create_engine(_url("pysqlite", path), **_options(path, busy_timeout))
    if path:
        _wal(engine)
    return engine


def async_sqlite_engine(
    path: str | Path | None = None, *, busy_timeout: float = 10.0
) -> AsyncEngine:
    """The asyncio twin of ``sqlite_engine`` (``aiosqlite``)."""
    engine = create_async_engine(_url("aiosqlite", path), **_options(path, busy_timeout))
    if path:
        _wal(engine.sync_engine)
    return engine
