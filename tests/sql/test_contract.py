"""The SQL stores pass the contract, tested exactly as a third party would:
SQLite in a file and in memory, PostgreSQL, sync and asyncio.

The full profile runs once per dialect on its own code: the asyncio store
(the source the sync twin is generated from) on PostgreSQL, and the sync
store on a SQLite file (sqlite3, SQLite's main driver). The others run the
short ``dev`` profile, every example rule and a short state machine: the
sync twin on PostgreSQL (``scripts/unasync.py --check`` proves it is the
source token for token), SQLite in memory (the file's dialect) and
aiosqlite (the asyncio store on a driver whose every call hops to a
thread)."""

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
    # the sync twin is generated from the asyncio store (`scripts/unasync.py
    # --check` proves it token for token): the full profile runs on the
    # source, the twin runs every example rule and a short state machine
    contract_profile = "dev"

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
