"""Logging: quiet by default, nothing at INFO or above on a request's
path, a warning for what an operator must see, never a secret."""

from __future__ import annotations

import logging
import re
import subprocess
import sys
from typing import Any

import pytest

import authsessions
from authsessions import InMemorySessions
from authsessions.kit import mint_session_id

SESSION_ID = re.compile(r"[0-9a-f]{32}\.[A-Za-z0-9_-]{43}")


def test_the_package_logger_has_only_a_null_handler_and_prints_nothing() -> None:
    handlers = logging.getLogger("authsessions").handlers
    assert [type(h).__name__ for h in handlers] == ["NullHandler"]
    code = (
        "import logging, authsessions\n"
        "logging.getLogger('authsessions.store').warning('an operator message')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)  # fmt: skip
    assert result.stderr == "", "a library must not print through logging's last resort"


def test_the_request_path_logs_nothing(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="authsessions")
    store = InMemorySessions()
    sid = store.create_session(user_id="ann", label="laptop", meta={})
    store.get_session(sid)
    store.get_user_id_from_session(None)
    new = store.rotate_session(sid)
    store.get_sessions_for_user("ann")
    assert new is not None and store.destroy_session(new)
    assert caplog.records == []


def test_a_key_collision_is_a_warning_without_the_key(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    import authsessions._base_sync as base

    store = InMemorySessions()
    taken = store.create_session(user_id="ann", label="", meta={})
    drawn = [mint_session_id(taken[:16]) for _ in range(2)]
    drawn[0] = type(drawn[0])(taken[:32], "x" * 43)
    monkeypatch.setattr(base, "mint_session_id", lambda tag: drawn.pop(0))
    with caplog.at_level(logging.WARNING, logger="authsessions"):
        created = store.create_session(user_id="ann", label="", meta={})
    assert created != taken
    (record,) = caplog.records
    assert record.name == "authsessions.store" and "key that is taken" in record.getMessage()
    assert taken[:32] not in record.getMessage()


def test_a_store_outage_in_a_web_app_is_a_warning_without_secrets(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from starlette.testclient import TestClient

    from tests.starlette.test_auth import make_app
    from tests.web.journeys import Outage

    store = Outage.Async()
    app, _ = make_app(store)
    with TestClient(app, base_url="https://testserver") as http:
        http.post("/login", data={"user": "ann"}, headers={"origin": "https://testserver"})
        cookie = http.cookies["__Host-session"]
        store.down = True
        with caplog.at_level(logging.WARNING, logger="authsessions"):
            assert http.get("/me").status_code == 503
    warnings = [r for r in caplog.records if r.name == "authsessions.web"]
    assert len(warnings) == 1 and "answering 503" in warnings[0].getMessage()
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert not SESSION_ID.search(text) and cookie.partition(".")[2] not in text


def test_the_loggers_are_named_after_public_parts() -> None:
    names: set[Any] = {
        name for name in logging.root.manager.loggerDict if name.startswith("authsessions")
    }
    assert names <= {
        "authsessions", "authsessions.store", "authsessions.redis", "authsessions.sql",
        "authsessions.web",
    }, names  # fmt: skip
    assert authsessions.__name__ == "authsessions"
