"""``database_store``: sessions in the project's own database, the table
made by ``manage.py migrate``."""

from __future__ import annotations

from typing import Any

import pytest

from authsessions import ConfigurationError
from tests.django.fixtures import https_client, log_in


def test_sessions_live_in_the_project_database_after_migrate(configure: Any) -> None:
    from django.core.management import call_command
    from django.db import connection

    from authsessions.django import database_store, get_store

    configure("authsessions.django.database_store")
    call_command("migrate", verbosity=0)  # post_migrate creates the table
    client = https_client()
    log_in(client)
    assert client.get("/t/user").content == b"alice"
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM authsessions")  # Django's own connection
        assert cursor.fetchall() == [(1,)]
    get_store().destroy_sessions_for_user(get_store().list_sessions()[0].user_id)
    assert database_store().list_sessions() == []


def test_an_in_memory_or_unsupported_database_is_refused(settings_override: Any) -> None:
    from django.db import connections

    from authsessions.django import database_store

    with pytest.raises(ConfigurationError, match="no database 'other'"):
        database_store("other")
    settings = connections["default"].settings_dict
    saved = dict(settings)
    try:
        settings["NAME"] = ":memory:"
        with pytest.raises(ConfigurationError, match="in-memory SQLite"):
            database_store()
        settings["ENGINE"] = "django.db.backends.mysql"
        with pytest.raises(ConfigurationError, match="supports SQLite and PostgreSQL"):
            database_store()
    finally:
        settings.update(saved)


def test_the_url_of_a_postgresql_database(settings_override: Any) -> None:
    from django.db import connections

    from authsessions.django._store import database_url

    settings = connections["default"].settings_dict
    saved = dict(settings)
    try:
        settings.update(ENGINE="django.db.backends.postgresql", NAME="app", USER="web",
                        PASSWORD="p@ss", HOST="127.0.0.1", PORT="5433")  # fmt: skip
        url = database_url()
        assert url.render_as_string(hide_password=False) == (
            "postgresql+psycopg://web:p%40ss@127.0.0.1:5433/app"
        )
        settings.update(HOST="/run/postgresql", PORT="", PASSWORD="")
        assert database_url().render_as_string() == (
            "postgresql+psycopg://web@/app?host=%2Frun%2Fpostgresql"
        )
    finally:
        settings.update(saved)
