"""A SQL store on the project's own database: SQLAlchemy on the URL of a
``DATABASES`` entry, its table created by ``manage.py migrate``."""

from __future__ import annotations

import weakref
from typing import Any

from authsessions.kit import ConfigurationError

# stores database_store built, and the alias each lives on (for migrate)
_ON_DATABASE: weakref.WeakKeyDictionary[Any, str] = weakref.WeakKeyDictionary()


def in_process(store: object) -> bool:
    """Whether ``store`` keeps its sessions in this process's memory (the
    memory and reference stores): a management command, its own process,
    sees none of the server's."""
    return getattr(store, "backend", None) in ("memory", "dict")


def database_url(alias: str = "default") -> Any:
    """The SQLAlchemy URL of the Django database ``alias`` (SQLite or
    PostgreSQL, the store's tested dialects).

    Raises:
        ConfigurationError: an unknown alias, another engine, or an
            in-memory SQLite database (private to Django's connection).
    """
    from django.db import connections
    from sqlalchemy.engine import URL

    if alias not in connections:
        raise ConfigurationError("alias", f"no database {alias!r} in settings.DATABASES")
    found = connections[alias].settings_dict
    engine, name = found["ENGINE"], str(found.get("NAME") or "")
    if engine == "django.db.backends.sqlite3":
        if not name or name == ":memory:" or "mode=memory" in name:
            raise ConfigurationError(
                "alias",
                f"database {alias!r} is an in-memory SQLite database, which only Django's "
                "own connection sees: give it a file, or use another store",
            )
        return URL.create("sqlite", database=name)
    if engine == "django.db.backends.postgresql":
        host = str(found.get("HOST") or "")
        # a directory is a Unix socket: libpq takes it as the host parameter
        socket = host.startswith("/")
        return URL.create(
            "postgresql+psycopg",
            username=found.get("USER") or None,
            password=found.get("PASSWORD") or None,
            host=None if socket or not host else host,
            port=int(found["PORT"]) if found.get("PORT") else None,
            database=name or None,
            query={"host": host} if socket else {},
        )
    raise ConfigurationError(
        "alias", f"database {alias!r} uses {engine}; SqlSessions supports SQLite and PostgreSQL"
    )


def database_store(alias: str = "default", **options: Any) -> Any:
    """A ``SqlSessions`` on the Django database ``alias``, through its own
    SQLAlchemy pool on the same URL (SQLite or PostgreSQL). ``manage.py
    migrate`` on that database creates (or upgrades) its table. Name it in
    settings: ``AUTHSESSIONS = {"STORE": "authsessions.django.database_store"}``,
    or call it with the store's options (``table``, ``policy``, ...) in a
    function of yours that you name there.

    Raises:
        ConfigurationError: see ``database_url``; a bad store option.
    """
    from authsessions.sql import SqlSessions

    url = database_url(alias).render_as_string(hide_password=False)
    store = SqlSessions.from_url(url, **options)
    _ON_DATABASE[store] = alias
    return store


def create_tables(*, using: str, **_: Any) -> None:
    """``post_migrate``: create the table of the project's store when it is
    a ``database_store`` on the database just migrated."""
    from ._config import configured

    try:
        store = configured().store
    except ConfigurationError:
        return  # AUTHSESSIONS not set up yet: `check` reports it
    if _ON_DATABASE.get(store) == using:
        store.create_schema()  # type: ignore[attr-defined]
