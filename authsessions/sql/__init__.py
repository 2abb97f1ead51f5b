"""The SQL stores (``pip install 'authsessions[sql]'``): SQLAlchemy Core on
SQLite (``aiosqlite`` for asyncio) and PostgreSQL (psycopg 3, sync and
asyncio).

``SqlSessions(engine)`` (sync) and ``AsyncSqlSessions(async_engine)``;
``sessions_table()`` gives the table as SQLAlchemy metadata for your
migrations; ``sqlite_engine()`` / ``async_sqlite_engine()`` build an engine
configured for sessions (WAL, busy timeout; a shared connection in memory).
"""

try:
    import sqlalchemy as _sqlalchemy
except ImportError as _err:  # pragma: no cover - exercised in a subprocess test
    raise ImportError(
        "authsessions.sql needs SQLAlchemy: pip install 'authsessions[sql]'"
    ) from _err

from ._async import AsyncSqlSessions
from ._engines import async_sqlite_engine, sqlite_engine
from ._schema import sessions_table
from ._sync import SqlSessions

del _sqlalchemy

__all__ = [
    "AsyncSqlSessions",
    "SqlSessions",
    "async_sqlite_engine",
    "sessions_table",
    "sqlite_engine",
]
