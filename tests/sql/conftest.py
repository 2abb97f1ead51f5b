"""SQL stores for the tests: SQLite (file and in memory, sync and asyncio)
and PostgreSQL (sync and asyncio) on a real server from the plugin."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from authsessions.sql import (
    SqlSessions,
    sqlite_engine,
)


def table_of(namespace: str) -> str:
    """A table per contract namespace (each example its own data)."""
    return "t_" + hashlib.sha1(namespace.encode()).hexdigest()[:20]


@pytest.fixture(scope="session")
def sqlite_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("sqlite") / "sessions.db"


def sync_factory(engine_for: Callable[[str], Any]) -> Callable[..., Any]:
    def factory(namespace: str, clock: Any, **options: Any) -> SqlSessions[Any, Any]:
        store: SqlSessions[Any, Any] = SqlSessions(
            engine_for(namespace), table=table_of(namespace), clock=clock, **options
        )
        store.create_schema()
        return store

    return factory


@pytest.fixture(scope="session")
def sqlite_file_engine(sqlite_file: Path) -> Iterator[Any]:
    engine = sqlite_engine(sqlite_file)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def postgres_engine(postgres_server: Any) -> Iterator[Any]:
    from sqlalchemy import create_engine

    engine = create_engine(postgres_server.url, pool_timeout=10)
    yield engine
    engine.dispose()


@pytest.fixture
def memory_engines() -> Iterator[Callable[[str], Any]]:
    """An in-memory database per namespace (stores of one namespace share it)."""
    engines: dict[str, Any] = {}

    def engine_for(namespace: str) -> Any:
        if namespace not in engines:
            engines[namespace] = sqlite_engine()
        return engines[namespace]

    yield engine_for
    for engine in engines.values():
        engine.dispose()
