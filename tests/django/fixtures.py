"""Django set up once per test process on the example project's settings,
with a test database of its own (a file, so the threads of a served app
share it) and fast password hashing; each test's store is put in place
with ``override_settings``."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

SETTINGS = "authsessions.examples.django_site.settings"
USERS = {"alice": "wonderland", "bob": "builder"}


@pytest.fixture(scope="session")
def django_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Django configured, its test database migrated, alice and bob in it."""
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS
    import django
    from django.conf import settings

    database = tmp_path_factory.mktemp("django") / "test.sqlite3"
    settings.DATABASES["default"]["TEST"] = {"NAME": str(database)}
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    django.setup()
    from django.contrib.auth import get_user_model
    from django.test.utils import (
        setup_databases,
        setup_test_environment,
        teardown_databases,
        teardown_test_environment,
    )

    setup_test_environment()
    old = setup_databases(verbosity=0, interactive=False)
    for name, password in USERS.items():
        users: Any = get_user_model()
        users.objects.create_user(name, password=password)
    yield
    teardown_databases(old, verbosity=0)
    teardown_test_environment()


def make_store(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    """A fresh sync store of ``kind``: memory, redis or sqlite."""
    if kind == "memory":
        from authsessions import InMemorySessions

        return InMemorySessions()
    if kind == "redis":
        from authsessions.redis import RedisSessions

        server = request.getfixturevalue("redis_server")
        return RedisSessions.from_url(server.url, prefix=f"django-{id(request)}:")
    from authsessions.sql import SqlSessions

    store = SqlSessions.from_url(f"sqlite:///{tmp_path / 'sessions.db'}")
    store.create_schema()
    return store


@pytest.fixture
def configure(django_site: None) -> Iterator[Callable[..., Any]]:
    """Put a store (and other AUTHSESSIONS keys) in place for the test."""
    from django.test import override_settings

    active: list[Any] = []

    def put(store: Any, **keys: Any) -> Any:
        options = {"STORE": store, "REAUTH_URL": "/reauth", **keys}
        override = override_settings(AUTHSESSIONS=options, ROOT_URLCONF="tests.django.urls")
        override.enable()
        active.append(override)
        return store

    yield put
    for override in reversed(active):
        override.disable()


STORE_KINDS = ["memory", pytest.param("redis", marks=pytest.mark.redis), "sqlite"]


@pytest.fixture(params=STORE_KINDS)
def store(request: pytest.FixtureRequest, tmp_path: Path, configure: Callable[..., Any]) -> Any:
    """The example project on a fresh store of each sync kind."""
    return configure(make_store(request.param, request, tmp_path))


@pytest.fixture
def settings_override(django_site: None) -> Any:
    """``override_settings`` (a context manager) once Django is set up."""
    from django.test import override_settings

    return override_settings


@pytest.fixture
def memory_store(configure: Callable[..., Any]) -> Any:
    from authsessions import InMemorySessions

    return configure(InMemorySessions())


def https_client(**options: Any) -> Any:
    """Django's test client, over HTTPS (the cookie is Secure), checking
    CSRF tokens as a browser's requests are checked."""
    from django.test import Client

    class HttpsClient(Client):
        def request(self, **request: Any) -> Any:
            request["wsgi.url_scheme"] = "https"
            request["SERVER_PORT"] = "443"
            return super().request(**request)

    options.setdefault("enforce_csrf_checks", True)
    return HttpsClient(**options)


SAME_ORIGIN = {"Origin": "https://testserver", "Sec-Fetch-Site": "same-origin"}
PAGE = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def token(client: Any, path: str = "/login") -> str:
    """The CSRF token of the form on ``path`` (as a browser would post it)."""
    page = client.get(path, headers=PAGE)
    found = _TOKEN.search(page.content.decode())
    assert found is not None, page.content.decode()[:300]
    return found.group(1)


def post(client: Any, path: str, data: dict[str, str] | None = None, **headers: str) -> Any:
    """A same-origin form POST with the CSRF token of the page it is on."""
    form = dict(data or {})
    form["csrfmiddlewaretoken"] = client.cookies["csrftoken"].value
    return client.post(path, form, headers={**SAME_ORIGIN, **headers})


def log_in(client: Any, user: str = "alice", *, remember: bool = True, next: str = "",
           agent: str | None = None) -> Any:  # fmt: skip
    """The login form, filled in and posted."""
    token(client)
    form = {"username": user, "password": USERS.get(user, "wrong"), "next": next}
    if remember:
        form["remember"] = "1"
    extra = {"User-Agent": agent} if agent else {}
    return post(client, "/login", form, **extra)


def user(username: str) -> Any:
    """The test database's user ``username``."""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=username)


def pk(username: str) -> str:
    """The user id a session of ``username`` carries (the primary key as text)."""
    return str(user(username).pk)
