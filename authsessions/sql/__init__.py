"""The SQL stores (``pip install 'authsessions[sql]'``): SQLAlchemy Core on
SQLite (``aiosqlite`` for asyncio) and PostgreSQL (psycopg 3, sync and
asyncio).

``SqlSessions(engine)`` (sync) and ``AsyncSqlSessions(async_engine)``;
``sessions_table()`` gives the table as SQLAlchemy metadata for your
migrations (``add_sign_in_columns`` / ``drop_sign_in_columns`` for the
Alembic revision that upgrades a table made before sign-in details;
``add_create_function`` / ``drop_create_function`` for the PostgreSQL
function that makes a create one round trip);
``sqlite_engine()`` / ``async_sqlite_engine()`` build an engine
configured for sessions (WAL, busy timeout; a shared connection in memory).
"""

try:
    import sqlalchemy as _sqlalchemy
except ImportError as _err:  # pragma: no cover - exercised in a subprocess test
    raise ImportError(
        "authsessions.sql needs SQLAlchemy: pip install 'authsessions[sql]'"
    ) from _err

from ._async import AsyncSqlSessions
from ._create_function import add_create_function, drop_create_function
from ._engines import async_sqlite_engine, sqlite_engine
from ._schema import (
    UPGRADABLE,
    add_sign_in_columns,
    drop_sign_in_columns,
    sessions_table,
)
from ._sync import SqlSessions

del _sqlalchemy

__all__ = [
    "AsyncSqlSessions",
    "SqlSessions",
    "UPGRADABLE",
    "add_create_function",
    "add_sign_in_columns",
    "async_sqlite_engine",
    "drop_create_function",
    "drop_sign_in_columns",
    "sessions_table",
    "sqlite_engine",
]
