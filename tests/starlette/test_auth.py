"""authsessions.starlette over HTTP: the shared journeys, then what is
Starlette's own (dependencies in FastAPI, the middleware's absence, the
login redirect, the asyncio stores)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route
from starlette.testclient import TestClient

from authsessions import AsyncInMemorySessions, ConfigurationError
from authsessions.starlette import CookieSettings, SessionAuth
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


def make_app(store: Any = None, **options: Any) -> tuple[Starlette, SessionAuth[Any, Any]]:
    options.setdefault("reauth_url", "/reauth-page")
    auth: SessionAuth[str, dict[str, Any]] = SessionAuth(
        store if store is not None else AsyncInMemorySessions(), transport="both", **options
    )

    async def login(request: Request) -> JSONResponse:
        form = await request.form()
        remember = form.get("remember") != "0"
        token = await auth.login(request, user_id=str(form["user"]), meta={}, remember=remember)
        return JSONResponse({"token": token})

    async def reauth(request: Request) -> JSONResponse:
        return JSONResponse({"rotated": await auth.reauthenticate(request) is not None})

    recent = auth.require_recent(timedelta(minutes=10))

    async def sensitive(request: Request) -> JSONResponse:
        return JSONResponse(session_json(await recent(request)))

    async def me(request: Request) -> JSONResponse:
        return JSONResponse(session_json(await auth.required(request)))

    async def maybe(request: Request) -> JSONResponse:
        session = await auth.optional(request)
        return JSONResponse({"user": session.user_id if session else None})

    async def rotate(request: Request) -> JSONResponse:
        return JSONResponse({"rotated": await auth.rotate(request) is not None})

    async def logout(request: Request) -> JSONResponse:
        return JSONResponse({"ended": await auth.logout(request)})

    async def everywhere(request: Request) -> JSONResponse:
        return JSONResponse({"ended": await auth.logout_everywhere(request)})

    async def revoke(request: Request) -> JSONResponse:
        return JSONResponse({"ended": await auth.revoke(request, request.path_params["key"])})

    app = Starlette(
        routes=[
            Route("/login", login, methods=["POST"]),
            Route("/me", me),
            Route("/maybe", maybe),
            Route("/rotate", rotate, methods=["POST"]),
            Route("/logout", logout, methods=["POST"]),
            Route("/everywhere", everywhere, methods=["POST"]),
            Route("/revoke/{key}", revoke, methods=["POST"]),
            Route("/reauth", reauth, methods=["POST"]),
            Route("/sensitive", sensitive),
            Mount("/account", auth.account_app()),
        ],
        middleware=[auth.middleware],
    )
    return app, auth


@pytest.fixture
def client() -> Callable[..., httpx.Client]:
    app, _ = make_app()
    return lambda: TestClient(
        app, base_url=BASE, follow_redirects=False, client=(CLIENT_IP, 50000)
    )


def test_a_privileged_view_needs_a_recent_sign_in() -> None:
    clock = FakeClock()
    app, _ = make_app(AsyncInMemorySessions(clock=clock))
    a_privileged_view_needs_a_recent_sign_in(
        lambda: TestClient(app, base_url=BASE, follow_redirects=False, client=(CLIENT_IP, 1)),
        clock,
    )


@pytest.mark.parametrize("journey", JOURNEYS, ids=lambda j: j.__name__)
def test_journey(journey: Callable[..., None], client: Callable[..., httpx.Client]) -> None:
    journey(client)


def test_login_url_redirects_browsers_and_keeps_where_they_were_going() -> None:
    app, _ = make_app(login_url="/login")
    with TestClient(app, base_url=BASE, follow_redirects=False) as http:
        response = http.get("/account/devices?tab=1", headers={"Accept": "text/html"})
        assert response.status_code == 303
        assert response.headers["location"] == "/login?next=/account/devices%3Ftab%3D1"
        assert http.get("/account/devices").status_code == 401  # not a browser: 401
        assert http.post("/everywhere", headers=SAME_ORIGIN).status_code == 401


def test_without_the_middleware_the_error_says_what_to_add() -> None:
    auth: SessionAuth[str, dict[str, Any]] = SessionAuth(AsyncInMemorySessions())

    async def me(request: Request) -> JSONResponse:
        await auth.optional(request)
        return JSONResponse({})

    app = Starlette(routes=[Route("/me", me)])
    with TestClient(app, base_url=BASE) as http, pytest.raises(ConfigurationError) as info:
        http.get("/me")
    assert "auth.middleware" in str(info.value)


def test_plain_http_on_localhost_gets_an_unprefixed_cookie_when_asked() -> None:
    app, _ = make_app(cookie=CookieSettings(secure=False))
    with TestClient(app, base_url="http://localhost:8000") as http:
        origin = {"Origin": "http://localhost:8000"}
        response = http.post("/login", data={"user": "ann"}, headers=origin)
        assert response.headers["set-cookie"].startswith("session=")
        assert "Secure" not in response.headers["set-cookie"]
        assert http.get("/me").status_code == 200


def test_bad_settings_and_stores_are_configuration_errors() -> None:
    for bad in ({"transport": "header"}, {"trusted_origins": "https://x.test"},
                {"trusted_origins": ["x.test"]}, {"login_url": "https://evil.test/login"},
                {"csrf": 1}, {"label": "laptop"}):  # fmt: skip
        with pytest.raises(ConfigurationError):
            SessionAuth(AsyncInMemorySessions(), **bad)
    with pytest.raises(ConfigurationError):
        SessionAuth(object())  # type: ignore[arg-type]


def test_the_repr_shows_no_secret() -> None:
    app, auth = make_app()
    with TestClient(app, base_url=BASE) as http:
        token = http.post("/login", data={"user": "ann"}, headers=SAME_ORIGIN).json()["token"]
    assert "SessionAuth(store=AsyncInMemorySessions" in repr(auth)
    assert token.split(".")[1] not in repr(auth)


def test_a_store_outage_is_a_503_that_keeps_the_user_logged_in() -> None:
    store = Outage.Async()
    app, _ = make_app(store)
    a_store_outage_is_a_503_that_keeps_the_user_logged_in(
        lambda: TestClient(app, base_url=BASE, follow_redirects=False), store
    )


def test_a_sync_store_is_refused_at_construction() -> None:
    from authsessions import InMemorySessions

    with pytest.raises(ConfigurationError) as info:
        SessionAuth(InMemorySessions())  # type: ignore[arg-type]
    assert info.value.setting == "store"
    assert "InMemorySessions is a sync store" in str(info.value)


def test_a_secure_cookie_set_over_plain_http_warns_what_to_do() -> None:
    from authsessions.web import PlainHttpWarning

    app, _ = make_app()
    # TestClient's base is http://testserver: the cookie never comes back
    with (
        TestClient(app) as http,
        pytest.warns(PlainHttpWarning, match=r"base_url='https://testserver'"),
    ):
        http.post("/login", data={"user": "alice"})
    app, _ = make_app(cookie=CookieSettings(secure=False))
    with (
        TestClient(app) as http,
        pytest.warns(PlainHttpWarning, match=r"secure=False\) applies to localhost only"),
    ):
        http.post("/login", data={"user": "alice"})


def test_a_browser_on_localhost_gets_no_plain_http_warning() -> None:
    """Browsers send a Secure cookie back to localhost over plain HTTP (a
    secure context), so the README's `uvicorn app:app` works in a browser
    and a login there must not warn; an HTTP client there is warned."""
    import warnings

    from authsessions.web import PlainHttpWarning

    app, _ = make_app()
    browser = {"sec-fetch-mode": "navigate", "sec-fetch-site": "same-origin"}
    with TestClient(app, base_url="http://127.0.0.1:8000") as http:
        with warnings.catch_warnings():
            warnings.simplefilter("error", PlainHttpWarning)
            http.post("/login", data={"user": "alice"}, headers=browser)
        with pytest.warns(PlainHttpWarning, match="HTTP clients"):
            http.post("/login", data={"user": "alice"})
