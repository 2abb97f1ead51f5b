"""The project's session store: named in settings (``AUTHSESSIONS["STORE"]``)."""

from __future__ import annotations

import logging
import os
from typing import Any

from authsessions import InMemorySessions, SessionCreated, SessionEvent, Sessions

log = logging.getLogger("example")


def announce(event: SessionEvent[Any]) -> None:
    """A hook: where a real app sends its "new sign-in" e-mail."""
    if isinstance(event, SessionCreated):
        where = event.client.ip if event.client else "an unknown address"
        log.warning("new sign-in for user %s from %s", event.user_id, where)


def store() -> Sessions[str, dict[str, Any]]:
    """The store the environment names, else in memory."""
    found: Sessions[str, dict[str, Any]]
    if url := os.environ.get("AUTHSESSIONS_REDIS_URL"):
        from authsessions.redis import RedisSessions

        found = RedisSessions.from_url(url, prefix="example-django:")
    elif url := os.environ.get("AUTHSESSIONS_SQL_URL"):
        from authsessions.sql import SqlSessions

        sql_store = SqlSessions.from_url(url)
        sql_store.create_schema()
        found = sql_store
    else:
        found = InMemorySessions()
    found.add_hook(announce)
    return found
