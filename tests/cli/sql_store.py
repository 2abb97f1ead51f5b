"""An application's SQL store, as `authsessions --store` imports it (the
SQLite file comes from the environment)."""

from __future__ import annotations

import os

from authsessions.sql import SqlSessions, sqlite_engine


def make_store() -> SqlSessions[int, dict[str, object]]:
    store: SqlSessions[int, dict[str, object]] = SqlSessions(
        sqlite_engine(os.environ["APP_SQLITE"]), user_id_type=int
    )
    store.create_schema()
    return store
