"""The SQL stores pass the contract, tested exactly as a third party would:
SQLite in a file and in memory, PostgreSQL, sync and asyncio.

The full profile runs on every distinct piece of code: the sync and asyncio
stores on PostgreSQL and the sync store on a SQLite file. SQLite in memory
(the same dialect as the file) and aiosqlite (the asyncio store of the
PostgreSQL runs, on a driver whose every call hops to a thread, 3x slower
than the sync one) run the short ``dev`` profile: under ``ci`` the two cost
six minutes and cover no new statement."""

from __future__ import annotations

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
    contract_profile = "dev"

    @pytest.fixture
    def sessions_factory(self, memory_engines: Any) -> Any:
        return sync_factory(memory_engines)


class TestAsyncSqlSessionsOnSqliteFile(SessionsContract):
    contract_profile = "dev"

    @pytest.fixture
    def sessions_factory(self, tmp_path_factory: pytest.TempPathFactory) -> Any:
        # an asyncio engine belongs to the event loop it was made in, and the
        # contract gives every example a loop of its own: one engine per
        # store, so one file per namespace (a new connection reads the whole
        # schema, and one shared file would grow a table per example)
        folder = tmp_path_factory.mktemp("sqlite-async")

        async def factory(namespace: str, clock: Any, **options: Any) -> Any:
            store: Any = AsyncSqlSessions.from_url(
                f"sqlite+aiosqlite:///{folder / table_of(namespace)}.db",
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
