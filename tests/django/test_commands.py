"""``manage.py prune``, ``manage.py authsessions ...`` and the command
line's ``--store authsessions.django:get_store``."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from authsessions import InMemorySessions
from authsessions.testing import FakeClock


def _call(*args: str, err: io.StringIO | None = None) -> str:
    from django.core.management import call_command

    out = io.StringIO()
    call_command(*args, stdout=out, stderr=err or io.StringIO())
    return out.getvalue()


def test_prune_removes_the_expired_sessions(configure: Any) -> None:
    from datetime import timedelta

    clock = FakeClock()
    store = configure(InMemorySessions(clock=clock))
    store.create_session(user_id="1", label="old", meta={})
    clock.advance(timedelta(days=31))
    store.create_session(user_id="2", label="new", meta={})
    assert _call("prune") == "removed 1 expired session\n"
    assert _call("prune") == "removed 0 expired sessions\n"


def test_the_operator_commands_run_on_the_project_store(configure: Any) -> None:
    store = configure(InMemorySessions())
    secret = store.create_session(user_id="7", label="Firefox on Linux", meta={})
    listed = _call("authsessions", "ls", "--user", "7")
    assert "Firefox on Linux" in listed and secret not in listed
    assert "sessions: 1" in _call("authsessions", "stats")


def test_the_project_store_is_not_overridden(configure: Any) -> None:
    from django.core.management.base import CommandError

    configure(InMemorySessions())
    with pytest.raises(CommandError, match="leave out --store"):
        _call("authsessions", "ls", "--store", "x:y")


def test_a_failing_command_fails_the_management_command(configure: Any) -> None:
    from django.core.management.base import CommandError

    configure(InMemorySessions())
    with pytest.raises(CommandError, match="exited 1"):
        _call("authsessions", "revoke", "--user", "nobody")


def test_the_command_line_reaches_a_django_project_store(tmp_path: Path) -> None:
    from authsessions.sql import SqlSessions

    url = f"sqlite:///{tmp_path / 'sessions.db'}"
    store = SqlSessions.from_url(url)
    store.create_schema()
    secret = store.create_session(user_id="3", label="Chrome on Windows", meta={})
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "authsessions.examples.django_site.settings",
        "AUTHSESSIONS_SQL_URL": url,
        "EXAMPLE_DJANGO_DB": str(tmp_path / "users.db"),
    }
    result = subprocess.run(
        [sys.executable, "-m", "authsessions", "ls", "--store", "authsessions.django:get_store"],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Chrome on Windows" in result.stdout and secret not in result.stdout


def test_an_in_memory_store_is_said_to_be_this_process_only(configure: Any) -> None:
    configure(InMemorySessions())
    err = io.StringIO()
    _call("authsessions", "stats", err=err)
    assert "in memory, per process" in err.getvalue()
    err = io.StringIO()
    _call("prune", err=err)
    assert "in memory, per process" in err.getvalue()


def test_a_shared_store_gets_no_such_note(configure: Any, tmp_path: Path) -> None:
    from authsessions.sql import SqlSessions

    store = SqlSessions.from_url(f"sqlite:///{tmp_path / 'shared.db'}")
    store.create_schema()
    configure(store)
    err = io.StringIO()
    _call("authsessions", "stats", err=err)
    assert err.getvalue() == ""
