"""authsessions.flask over HTTP: the shared journeys, then what is Flask's
own (``login_required``, ``init_app`` later, the missing extension)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest
from flask import Flask, request

from authsessions import ConfigurationError, InMemorySessions
from authsessions.flask import CookieSettings, SessionAuth
from authsessions.testing import FakeClock
from tests.web.journeys import (
    BASE,
    CLIENT_IP,
    JOURNEYS,
    SAME_ORIGIN,
    Outage,
    a_privileged_view_needs_a_recent_sign_in,
    a_store_outage_is_a_503_that_keeps_the_user_logged_in,
    session_json,
)


def make_app(store: Any = None, **options: Any) -> tuple[Flask, SessionAuth[Any, Any]]:
    app = Flask(__name__)
    options.setdefault("reauth_url", "/reauth-page")
    auth: SessionAuth[str, dict[str, Any]] = SessionAuth(
        store if store is not None else InMemorySessions(), app, transport="both", **options
    )
    app.register_blueprint(auth.blueprint(), url_prefix="/account")

    @app.post("/login")
    def login() -> Any:
        remember = request.form.get("remember") != "0"
        return {"token": auth.login(user_id=request.form["user"], meta={}, remember=remember)}

    @app.post("/reauth")
    def reauth() -> Any:
        return {"rotated": auth.reauthenticate() is not None}

    @app.get("/sensitive")
    @auth.require_recent(timedelta(minutes=10))
    def sensitive() -> Any:
        return session_json(auth.session)

    @app.get("/me")
    @auth.login_required
    def me() -> Any:
        return session_json(auth.session)

    @app.get("/maybe")
    def maybe() -> Any:
        session = auth.session
        return {"user": session.user_id if session else None}

    @app.post("/rotate")
    def rotate() -> Any:
        return {"rotated": auth.rotate() is not None}

    @app.post("/logout")
    def logout() -> Any:
        return {"ended": auth.logout()}

    @app.post("/everywhere")
    def everywhere() -> Any:
        return {"ended": auth.logout_everywhere()}

    @app.post("/revoke/<key>")
    def revoke(key: str) -> Any:
        return {"ended": auth.revoke(key)}

    return app, auth


def http_client(app: Flask, base: str = BASE) -> Callable[[], httpx.Client]:
    transport = httpx.WSGITransport(app=app, remote_addr=CLIENT_IP)
    return lambda: httpx.Client(transport=transport, base_url=base)


def test_a_privileged_view_needs_a_recent_sign_in() -> None:
    clock = FakeClock()
    app, _ = make_app(InMemorySessions(clock=clock))
    a_privileged_view_needs_a_recent_sign_in(http_client(app), clock)


@pytest.fixture
def client() -> Callable[[], httpx.Client]:
    return http_client(make_app()[0])


@pytest.mark.parametrize("journey", JOURNEYS, ids=lambda j: j.__name__)
def test_journey(journey: Callable[..., None], client: Callable[..., httpx.Client]) -> None:
    journey(client)


def test_login_url_redirects_browsers_and_keeps_where_they_were_going() -> None:
    app, _ = make_app(login_url="/login")
    with http_client(app)() as http:
        response = http.get("/account/devices?tab=1", headers={"Accept": "text/html"})
        assert response.status_code == 303
        assert response.headers["location"] == "/login?next=/account/devices%3Ftab%3D1"
        assert http.get("/account/devices").status_code == 401  # not a browser: 401
        assert http.post("/everywhere", headers=SAME_ORIGIN).status_code == 401


def test_init_app_later_and_without_it_the_error_says_what_to_call() -> None:
    app = Flask(__name__)
    auth: SessionAuth[str, dict[str, Any]] = SessionAuth(InMemorySessions())

    @app.get("/me")
    def me() -> Any:
        return {"user": auth.session and auth.session.user_id}

    app.testing = True
    with pytest.raises(ConfigurationError) as info, app.test_client() as flask_client:
        flask_client.get("/me")
    assert "init_app" in str(info.value)

    later = Flask(__name__)
    later.add_url_rule("/me", view_func=me)
    auth.init_app(later)
    with http_client(later)() as http:
        assert http.get("/me").json() == {"user": None}
    assert later.extensions["authsessions"] is auth


def test_plain_http_on_localhost_gets_an_unprefixed_cookie_when_asked() -> None:
    app, _ = make_app(cookie=CookieSettings(secure=False))
    with http_client(app, "http://localhost:5000")() as http:
        response = http.post(
            "/login", data={"user": "ann"}, headers={"Origin": "http://localhost:5000"}
        )
        assert response.headers["set-cookie"].startswith("session=")
        assert "Secure" not in response.headers["set-cookie"]
        assert http.get("/me").status_code == 200


def test_bad_settings_and_stores_are_configuration_errors() -> None:
    for bad in ({"transport": "header"}, {"trusted_origins": ["x.test"]}, {"csrf": "yes"}):
        with pytest.raises(ConfigurationError):
            SessionAuth(InMemorySessions(), **bad)
    with pytest.raises(ConfigurationError):
        SessionAuth(object())  # type: ignore[arg-type]


def test_a_store_outage_is_a_503_that_keeps_the_user_logged_in() -> None:
    store = Outage.Sync()
    app, _ = make_app(store)
    a_store_outage_is_a_503_that_keeps_the_user_logged_in(http_client(app), store)


def test_an_asyncio_store_is_refused_at_construction() -> None:
    from authsessions import AsyncInMemorySessions

    with pytest.raises(ConfigurationError) as info:
        SessionAuth(AsyncInMemorySessions())  # type: ignore[arg-type]
    assert info.value.setting == "store"
    assert "AsyncInMemorySessions is an asyncio store" in str(info.value)


def test_a_secure_cookie_set_over_plain_http_warns_what_to_do() -> None:
    from authsessions.web import PlainHttpWarning

    app, _ = make_app()
    with (
        http_client(app, "http://testserver")() as http,
        pytest.warns(PlainHttpWarning, match=r"base_url='https://testserver'"),
    ):
        http.post("/login", data={"user": "alice"})
