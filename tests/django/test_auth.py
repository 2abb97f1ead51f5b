"""The helpers a view calls: login and logout as django.contrib.auth's,
the password hash that ends sessions, rotation, and their async twins."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from authsessions import ConfigurationError
from tests.django.fixtures import STORE_KINDS, https_client, log_in, pk, post, token, user


@pytest.fixture
def signals() -> Iterator[list[str]]:
    from django.contrib.auth import user_logged_in, user_logged_out

    seen: list[str] = []

    def logged_in(sender: Any, user: Any, **_: Any) -> None:
        seen.append(f"in:{user.get_username()}")

    def logged_out(sender: Any, user: Any, **_: Any) -> None:
        seen.append(f"out:{user.get_username() if user else None}")

    user_logged_in.connect(logged_in)
    user_logged_out.connect(logged_out)
    yield seen
    user_logged_in.disconnect(logged_in)
    user_logged_out.disconnect(logged_out)


def test_login_ends_the_carried_session_rotates_csrf_and_signals(
    memory_store: Any, signals: list[str]
) -> None:
    client = https_client()
    log_in(client)
    first = client.cookies["__Host-session"].value
    csrf = client.cookies["csrftoken"].value
    before = user("alice").last_login
    log_in(client)
    assert client.cookies["__Host-session"].value != first
    assert client.cookies["csrftoken"].value != csrf  # no CSRF token fixation
    assert memory_store.get_session(first) is None
    assert len(memory_store.list_sessions()) == 1
    assert signals == ["in:alice", "in:alice"]
    assert user("alice").last_login != before  # contrib.auth's receiver ran


def test_the_session_records_the_backend_and_client(memory_store: Any) -> None:
    client = https_client()
    log_in(client, agent="Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) Safari/605.1.15")
    (session,) = memory_store.list_sessions()
    assert session.user_id == pk("alice")
    assert session.meta["backend"] == "django.contrib.auth.backends.ModelBackend"
    assert session.label == "Safari on macOS"
    assert str(session.client.ip) == "127.0.0.1"


def test_logout_signals_and_clears_the_cookie(memory_store: Any, signals: list[str]) -> None:
    client = https_client()
    log_in(client)
    response = post(client, "/account/logout")
    assert response.cookies["__Host-session"]["max-age"] == "0"
    assert signals == ["in:alice", "out:alice"]
    assert memory_store.list_sessions() == []


def test_a_password_changed_elsewhere_ends_the_session(memory_store: Any) -> None:
    client = https_client()
    log_in(client, "bob")
    assert client.get("/t/user").content == b"bob"
    bob = user("bob")
    bob.set_password("rebuilt")
    bob.save()
    try:
        response = client.get("/t/user")
        assert response.content == b"anonymous"
        assert response.cookies["__Host-session"]["max-age"] == "0"
        assert memory_store.list_sessions() == []  # ended, not only ignored
    finally:
        bob.set_password("builder")
        bob.save()


def test_update_session_auth_hash_keeps_this_device_and_ends_the_others(
    memory_store: Any,
) -> None:
    laptop, phone = https_client(), https_client()
    log_in(laptop, "bob", remember=False)
    log_in(phone, "bob")
    try:
        assert post(laptop, "/t/change-password", {"password": "rebuilt"}).status_code == 200
        assert laptop.get("/t/user").content == b"bob"
        assert phone.get("/t/user").content == b"anonymous"
        (kept,) = memory_store.list_sessions()
        assert kept.remember is False  # the same kind of session as before
    finally:
        bob = user("bob")
        bob.set_password("builder")
        bob.save()


def test_update_session_auth_hash_is_the_same_session_with_a_new_secret_not_a_new_login(
    memory_store: Any, signals: list[str]
) -> None:
    # Django's cycles the session key and records the new hash: no login
    # signal (last_login), no CSRF rotation, no "new sign-in" event
    laptop = https_client()
    log_in(laptop, "bob")
    (before,) = memory_store.list_sessions()
    old_cookie, csrf = laptop.cookies["__Host-session"].value, laptop.cookies["csrftoken"].value
    events: list[Any] = []
    memory_store.add_hook(events.append)
    signals.clear()
    try:
        assert post(laptop, "/t/change-password", {"password": "rebuilt"}).status_code == 200
        (after,) = memory_store.list_sessions()
        assert (after.key, after.created_at, after.authenticated_at, after.label) == (
            before.key, before.created_at, before.authenticated_at, before.label
        )  # fmt: skip
        assert after.meta["hash"] != before.meta["hash"]
        assert signals == [] and [type(e).__name__ for e in events] == ["SessionRotated"]
        assert laptop.cookies["csrftoken"].value == csrf
        assert laptop.cookies["__Host-session"].value != old_cookie
        assert memory_store.get_session(old_cookie) is None
        assert laptop.get("/t/user").content == b"bob"
    finally:
        bob = user("bob")
        bob.set_password("builder")
        bob.save()


def test_rotate_sends_a_new_cookie_and_the_old_one_stops_working(memory_store: Any) -> None:
    client = https_client()
    log_in(client)
    old = client.cookies["__Host-session"].value
    assert post(client, "/t/promote").content == b"rotated"
    assert client.cookies["__Host-session"].value != old
    assert client.get("/t/user").content == b"alice"
    assert memory_store.get_session(old) is None


def test_a_session_of_a_backend_the_project_dropped_is_anonymous(
    memory_store: Any, settings_override: Any
) -> None:
    client = https_client()
    log_in(client)
    with settings_override(AUTHENTICATION_BACKENDS=["tests.django.test_auth.NoBackend"]):
        assert client.get("/t/user").content == b"anonymous"


class NoBackend:
    def authenticate(self, request: Any, **credentials: Any) -> None:
        return None

    def get_user(self, user_id: Any) -> None:
        return None


def test_login_without_a_backend_among_several_says_what_to_do(
    memory_store: Any, settings_override: Any
) -> None:
    from django.test import RequestFactory

    from authsessions.django import SessionMiddleware, login

    request = RequestFactory().post("/", secure=True, headers={"Origin": "https://testserver"})
    backends = ["django.contrib.auth.backends.ModelBackend", "tests.django.test_auth.NoBackend"]
    with settings_override(AUTHENTICATION_BACKENDS=backends):

        def view(request: Any) -> Any:
            login(request, user("alice"))

        with pytest.raises(ConfigurationError, match="pass backend="):
            SessionMiddleware(view)(request)
    assert memory_store.list_sessions() == []


def test_the_helpers_without_the_middleware_say_how_to_install_it(memory_store: Any) -> None:
    from django.test import RequestFactory

    from authsessions.django import get_session

    with pytest.raises(ConfigurationError, match=r"authsessions\.django\.SessionMiddleware"):
        get_session(RequestFactory().get("/"))


@pytest.mark.parametrize("store", STORE_KINDS, indirect=True)
def test_async_views_under_asgi(store: Any) -> None:
    import asyncio

    from django.test import AsyncClient

    async def journey() -> None:
        client = AsyncClient(headers={"Origin": "https://testserver"})
        assert (await client.get("/t/user", secure=True)).content == b"anonymous"
        await client.post("/t/async-login", {"username": "bob"}, secure=True)
        who = await client.get("/t/whoami", secure=True)
        assert who.json() == {"user": "bob", "same": "bob"}
        assert (await client.post("/t/async-logout", secure=True)).json() == {"ended": True}
        assert (await client.get("/t/whoami", secure=True)).json()["user"] == ""

    asyncio.run(journey())


def test_the_devices_page_escapes_what_a_client_sent(memory_store: Any) -> None:
    client = https_client()
    token(client)
    form = {"username": "alice", "label": "<script>alert(1)</script>", "remember": "1"}
    post(client, "/t/labelled-login", form)
    page = client.get("/account/devices", headers={"Accept": "text/html"}).content.decode()
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page


@pytest.mark.parametrize("max_age", [timedelta(0), 600, None])
def test_require_recent_takes_a_positive_timedelta(max_age: Any) -> None:
    from authsessions.django import require_recent

    with pytest.raises(ConfigurationError, match="positive timedelta"):
        require_recent(max_age)


def test_the_backend_authenticates_a_session_token(
    memory_store: Any, settings_override: Any
) -> None:
    from django.contrib.auth import authenticate, user_login_failed
    from django.test import RequestFactory

    backends = ["django.contrib.auth.backends.ModelBackend",
                "authsessions.django.backends.SessionBackend"]  # fmt: skip
    client = https_client()
    log_in(client, "bob")
    token = client.cookies["__Host-session"].value
    failed: list[Any] = []

    def record(sender: Any, credentials: Any, **_: Any) -> None:
        failed.append(credentials)

    user_login_failed.connect(record)
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.7")
    try:
        with settings_override(AUTHENTICATION_BACKENDS=backends):
            found = authenticate(request, session_token=token)
            assert found is not None and found.get_username() == "bob"
            assert authenticate(request, username="bob", password="builder") is not None
            wrong = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
            assert authenticate(request, session_token=wrong) is None
            assert authenticate(request, session_token="not a token") is None
    finally:
        user_login_failed.disconnect(record)
    (session,) = memory_store.list_sessions()
    assert str(session.last_used_ip) == "192.0.2.7"  # the read recorded its address
    assert failed and all(token not in str(c) and wrong not in str(c) for c in failed)


def test_a_deactivated_user_is_logged_out_on_every_device(memory_store: Any) -> None:
    laptop, phone = https_client(), https_client()
    log_in(laptop, "bob")
    log_in(phone, "bob")
    bob = user("bob")
    bob.is_active = False
    bob.save()
    try:
        assert laptop.get("/t/user").content == b"anonymous"
        assert phone.get("/t/user").content == b"anonymous"
        assert memory_store.list_sessions() == []
    finally:
        bob.is_active = True
        bob.save()


def test_logout_goes_to_a_named_logout_redirect(memory_store: Any, settings_override: Any) -> None:
    client = https_client()
    log_in(client)
    with settings_override(LOGOUT_REDIRECT_URL="authsessions:devices"):
        assert post(client, "/account/logout")["Location"] == "/account/devices"


def test_the_session_keeps_a_digest_of_the_password_hash_not_the_hash(
    memory_store: Any,
) -> None:
    client = https_client()
    log_in(client, "bob")
    (session,) = memory_store.list_sessions()
    raw = user("bob").get_session_auth_hash()
    assert session.meta["hash"] != raw and raw not in str(session.meta)
    assert len(session.meta["hash"]) == 32
    assert client.get("/t/user").content == b"bob"  # and it still verifies


def test_a_rotated_secret_key_in_the_fallbacks_keeps_sessions(
    memory_store: Any, settings_override: Any
) -> None:
    from django.conf import settings

    client = https_client()
    log_in(client, "bob")
    old = settings.SECRET_KEY
    with settings_override(SECRET_KEY="a-new-key-" + "x" * 40, SECRET_KEY_FALLBACKS=[old]):
        assert client.get("/t/user").content == b"bob"
    with settings_override(SECRET_KEY="a-new-key-" + "x" * 40, SECRET_KEY_FALLBACKS=[]):
        assert client.get("/t/user").content == b"anonymous"  # and the session ended
    assert memory_store.list_sessions() == []
