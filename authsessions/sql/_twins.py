"""The few helpers whose asyncio and sync forms differ (the generator maps
``AsyncSerial`` to ``Serial``, ``create_all_async`` to ``create_all`` and
``table_columns_async`` to ``table_columns``).

The serials run one operation at a time for engines that share a single
connection (an in-memory SQLite database lives in one connection:
transactions of concurrent callers would interleave on it). Engines with a
real pool get a no-op: the database isolates their transactions."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from types import TracebackType
from typing import Any

from sqlalchemy import MetaData, inspect
from sqlalchemy.pool import SingletonThreadPool, StaticPool


def shares_one_connection(engine: Any) -> bool:
    """Whether every checkout of ``engine`` hands out the same connection."""
    pool = getattr(engine, "sync_engine", engine).pool
    return isinstance(pool, StaticPool | SingletonThreadPool)


class AsyncSerial:
    """An asyncio lock when ``needed``, else nothing."""

    def __init__(self, needed: bool) -> None:
        self._lock = asyncio.Lock() if needed else None

    async def __aenter__(self) -> None:
        if self._lock is not None:
            await self._lock.acquire()

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._lock is not None:
            self._lock.release()


class Serial(contextlib.AbstractContextManager[None]):
    """A thread lock when ``needed``, else nothing (the sync twin's)."""

    def __init__(self, needed: bool) -> None:
        self._lock = threading.Lock() if needed else None

    def __enter__(self) -> None:
        if self._lock is not None:
            self._lock.acquire()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._lock is not None:
            self._lock.release()


async def create_all_async(connection: Any, metadata: MetaData) -> None:
    """Create the tables of ``metadata`` on an AsyncConnection."""
    await connection.run_sync(metadata.create_all)


def create_all(connection: Any, metadata: MetaData) -> None:
    """Create the tables of ``metadata`` on a Connection."""
    metadata.create_all(connection)


def _columns(connection: Any, name: str) -> list[dict[str, Any]] | None:
    inspector = inspect(connection)
    if not inspector.has_table(name):
        return None
    return [dict(column) for column in inspector.get_columns(name)]


async def table_columns_async(connection: Any, name: str) -> list[dict[str, Any]] | None:
    """The columns of table ``name`` as SQLAlchemy's inspector describes
    them (on an AsyncConnection), or None if there is no such table."""
    result: list[dict[str, Any]] | None = await connection.run_sync(_columns, name)
    return result


def table_columns(connection: Any, name: str) -> list[dict[str, Any]] | None:
    """The sync twin of ``table_columns_async``."""
    return _columns(connection, name)
