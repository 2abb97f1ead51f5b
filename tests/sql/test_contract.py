"""The SQL stores pass the contract, tested exactly as a third party would:
SQLite in a file and in memory, PostgreSQL, sync and asyncio."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from authsessions.sql import AsyncSqlSessions
from contract_tests import SessionsContract

from .conftest import sync_factory, table_of


class TestSqlSessionsOnSqliteFile(SessionsContract):
    @pytest.fixture
    def sessions_factory(self, sqlite_file_engine: Any) -> Any:
        return sync_factory(lambda namespace: sqlite_file_engine)


class TestSqlSessionsOnSqliteInMemory(SessionsContract):
    @pytest.fixture
    def sessions_factory(self, memory_engines: Any) -> Any:
        return sync_factory(memory_engines)


class TestAsyncSqlSessionsOnSqliteFile(SessionsContract):
    @pytest.fixture
    def sessions_factory(self, sqlite_file: Path) -> Any:
        # an asyncio engine belongs to the event loop it was made in, and the
        # contract gives every example a loop of its own: one engine per store
        async def factory(namespace: str, clock: Any, **options: Any) -> Any:
            store: Any = AsyncSqlSessions.from_url(
                f"sqlite+aiosqlite:///{sqlite_file}",
                engine_options={"connect_args": {"timeout": 10}},
                table=table_of(namespace),
                clock=clock,
                **options,
            )
            await store.create_schema()
            return store

        return factory


@pytest.mark.postgres
class TestSqlSessionsOnPostgres(SessionsContract):
    @pytest.fixture
    def sessions_factory(self, postgres_engine: Any) -> Any:
        return sync_factory(lambda namespace: postgres_engine)


@pytest.mark.postgres
class TestAsyncSqlSessionsOnPostgres(SessionsContract):
    @pytest.fixture
    def sessions_factory(self, postgres_server: Any) -> Any:
        async def factory(namespace: str, clock: Any, **options: Any) -> Any:
            store: Any = AsyncSqlSessions.from_url(
                postgres_server.async_url, table=table_of(namespace), clock=clock, **options
            )
            await store.create_schema()
            return store

        return factory
