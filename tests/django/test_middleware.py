"""The middleware: the cookie it sends, cross-site requests it refuses,
the cache headers, and the answers for no session, an old sign-in and a
failing store."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from authsessions import InMemorySessions
from authsessions.testing import FakeClock
from tests.django.fixtures import PAGE, SAME_ORIGIN, https_client, log_in, pk, post, token, user


def _cookie(response: Any) -> Any:
    return response.cookies["__Host-session"]


def test_the_login_cookie_has_the_safe_defaults(memory_store: Any) -> None:
    response = log_in(https_client())
    cookie = _cookie(response)
    assert cookie["httponly"] and cookie["secure"]
    assert cookie["samesite"] == "Lax" and cookie["path"] == "/"
    assert int(cookie["max-age"]) == 30 * 24 * 3600  # the policy's absolute lifetime
    assert not cookie["domain"]


def test_without_remember_me_the_cookie_has_no_expiry(memory_store: Any) -> None:
    client = https_client()
    cookie = _cookie(log_in(client, remember=False))
    assert cookie["max-age"] == "" and cookie["expires"] == ""
    (session,) = memory_store.list_sessions()
    assert session.remember is False


def test_a_cross_site_post_with_the_cookie_is_refused_before_any_view(memory_store: Any) -> None:
    client = https_client()
    log_in(client)
    form = {"csrfmiddlewaretoken": client.cookies["csrftoken"].value}
    refused = client.post("/account/logout-everywhere", form,
                          headers={"Origin": "https://evil.test"})  # fmt: skip
    assert refused.status_code == 403
    assert refused.content.startswith(b"Forbidden: ")
    assert client.get("/api/me").status_code == 200
    assert len(memory_store.list_sessions()) == 1


def test_a_login_posted_from_another_site_is_refused(memory_store: Any) -> None:
    client = https_client(enforce_csrf_checks=False)  # our own check, not Django's
    form = {"username": "alice", "password": "wonderland"}
    refused = client.post("/login", form, headers={"Sec-Fetch-Site": "cross-site"})
    assert refused.status_code == 403
    assert memory_store.list_sessions() == []


def test_django_csrf_still_guards_the_forms(memory_store: Any) -> None:
    client = https_client()
    log_in(client)
    without_token = client.post("/account/logout", headers=SAME_ORIGIN)
    assert without_token.status_code == 403 and b"CSRF" in without_token.content
    assert client.get("/api/me").status_code == 200


def test_a_page_that_read_the_session_is_not_cached(memory_store: Any) -> None:
    client = https_client()
    log_in(client)
    page = client.get("/account/devices", headers=PAGE)
    assert page["Cache-Control"] == "no-store"
    assert "Cookie" in page["Vary"]
    assert page["Content-Security-Policy"] == "frame-ancestors 'none'"


def test_without_a_session_a_browser_is_sent_to_log_in_and_an_api_gets_401(
    memory_store: Any,
) -> None:
    client = https_client()
    page = client.get("/account/devices", headers=PAGE)
    assert (page.status_code, page["Location"]) == (303, "/login?next=/account/devices")
    api = client.get("/account/devices")
    assert api.status_code == 401 and api["WWW-Authenticate"] == 'Cookie name="session"'


def test_a_cookie_naming_no_session_is_cleared(memory_store: Any) -> None:
    client = https_client()
    log_in(client)
    memory_store.destroy_sessions_for_user(pk("alice"))
    response = client.get("/t/user")
    assert response.content == b"anonymous"
    assert _cookie(response).value == "" and _cookie(response)["max-age"] == "0"


def test_a_failing_store_is_a_503_never_logged_out(configure: Any) -> None:
    from authsessions.redis import RedisSessions

    client = https_client()
    configure(InMemorySessions())
    log_in(client)
    configure(RedisSessions.from_url("redis://127.0.0.1:1/0", prefix="gone:"))
    response = client.get("/account/devices", headers=PAGE)
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "__Host-session" not in response.cookies


def test_other_exceptions_are_left_to_django(memory_store: Any) -> None:
    client = https_client(raise_request_exception=True)
    with pytest.raises(KeyError):
        client.get("/t/broken")


def test_a_bearer_token_works_with_transport_both(configure: Any) -> None:
    store = configure(InMemorySessions(), TRANSPORT="both")
    meta = {"backend": "django.contrib.auth.backends.ModelBackend", "hash": _hash("bob")}
    session_id = store.create_session(user_id=pk("bob"), label="API", meta=meta)
    client = https_client()
    response = client.get("/t/user", headers={"Authorization": f"Bearer {session_id}"})
    assert response.content == b"bob"


def _hash(username: str) -> str:
    from authsessions.django._auth import session_hash

    return session_hash(user(username).get_session_auth_hash())


def test_a_sign_in_older_than_a_view_allows(configure: Any) -> None:
    clock = FakeClock()
    configure(InMemorySessions(clock=clock))
    client = https_client()
    log_in(client)
    assert client.get("/security", headers=PAGE).status_code == 200
    clock.advance(timedelta(minutes=11))
    page = client.get("/security", headers=PAGE)
    assert (page.status_code, page["Location"]) == (303, "/reauth?next=/security")
    api = client.get("/t/fresh")
    assert api.status_code == 401
    assert 'error="insufficient_user_authentication"' in api["WWW-Authenticate"]
    assert 'max_age="600"' in api["WWW-Authenticate"]
    token(client, "/reauth?next=/security")
    wrong = post(client, "/reauth", {"password": "nope", "next": "/security"})
    assert wrong.status_code == 401 and b"Wrong password" in wrong.content
    right = post(client, "/reauth", {"password": "wonderland", "next": "/security"})
    assert (right.status_code, right["Location"]) == (303, "/security")
    assert client.get("/security", headers=PAGE).status_code == 200


def test_a_login_over_plain_http_says_how_to_test_over_https(memory_store: Any) -> None:
    from django.test import Client

    from authsessions.web import PlainHttpWarning

    client = Client()
    client.get("/login")
    form = {"username": "alice", "password": "wonderland"}
    with pytest.warns(PlainHttpWarning, match="Django's test client: secure=True"):
        client.post("/login", form, headers={"Origin": "http://testserver"})


def test_under_asgi_the_middleware_runs_in_the_event_loop(memory_store: Any) -> None:
    import asyncio

    from asgiref.sync import iscoroutinefunction
    from django.http import HttpResponse
    from django.test import RequestFactory

    from authsessions.django import SessionMiddleware

    seen: list[Any] = []

    async def view(request: Any) -> HttpResponse:
        seen.append((await request.auser()).get_username())
        return HttpResponse("ok")

    def sync_view(request: Any) -> HttpResponse:
        return HttpResponse("ok")

    middleware = SessionMiddleware(view)
    assert iscoroutinefunction(middleware)  # no thread hop for the middleware itself
    assert not iscoroutinefunction(SessionMiddleware(sync_view))
    client = https_client()
    log_in(client, "bob")
    cookie = f"__Host-session={client.cookies['__Host-session'].value}"
    request = RequestFactory().get("/", secure=True, headers={"Cookie": cookie})
    response = asyncio.run(middleware(request))
    assert response.status_code == 200 and seen == ["bob"]
    assert response["Cache-Control"] == "no-store"  # the session was read: not cached
    attack = RequestFactory().post(
        "/", secure=True, headers={"Cookie": cookie, "Origin": "https://evil.test"}
    )
    refused = asyncio.run(middleware(attack))
    assert refused.status_code == 403 and len(seen) == 1  # refused before the view
