"""``settings.AUTHSESSIONS`` read into the store and the web settings, and
``manage.py check`` saying what is wrong before the first request."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from authsessions import AsyncInMemorySessions, ConfigurationError, InMemorySessions
from authsessions.web import CookieSettings

STORE = InMemorySessions()


def make_store() -> InMemorySessions[str, dict[str, Any]]:
    return STORE


def locate(ip: Any) -> str:
    return "Testville"


def _build(options: Any) -> Any:
    from authsessions.django._config import build

    return build(options)


def test_the_store_as_an_object_a_function_or_a_dotted_path(django_site: None) -> None:
    assert _build({"STORE": STORE}).store is STORE
    assert _build({"STORE": make_store}).store is STORE
    assert _build({"STORE": "tests.django.test_config.make_store"}).store is STORE
    assert _build({"STORE": "tests.django.test_config:STORE"}).store is STORE
    assert isinstance(_build({"STORE": "authsessions.InMemorySessions"}).store, InMemorySessions)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (None, "must be a dict"),
        ({}, "'STORE'.*is required"),
        ({"STORE": STORE, "COOKIES": {}}, "unknown key 'COOKIES'"),
        ({"STORE": "nowhere.store"}, "cannot import 'nowhere.store'"),
        ({"STORE": "store"}, "not a dotted path"),
        ({"STORE": 42}, "int is not a session store"),
        (
            {"STORE": AsyncInMemorySessions()},
            "is an asyncio store; authsessions.django takes a sync",
        ),
        ({"STORE": STORE, "TRANSPORT": "carrier pigeon"}, "'transport'"),
        ({"STORE": STORE, "COOKIE": {"same_site": "none"}}, "'cookie.same_site'"),
    ],
)
def test_a_bad_setting_is_a_clear_error(django_site: None, options: Any, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        _build(options)


def test_web_settings_come_from_the_keys_and_django_defaults(settings_override: Any) -> None:
    with settings_override(CSRF_TRUSTED_ORIGINS=["https://app.example"], LOGIN_URL="/in"):
        built = _build({
            "STORE": STORE,
            "COOKIE": {"name": "sid", "max_age": timedelta(days=1)},
            "LOCATE": "tests.django.test_config.locate",
            "RETRY_AFTER": 9,
        })  # fmt: skip
    assert built.settings.cookie == CookieSettings(name="sid", max_age=timedelta(days=1))
    assert built.settings.trusted_origins == {"https://app.example"}
    assert built.settings.login_url == "/in"
    assert built.settings.locate is locate and built.settings.retry_after == 9
    with settings_override(LOGIN_URL="accounts:login"):  # a name that resolves to nothing
        assert _build({"STORE": STORE}).settings.login_url is None
    with settings_override(LOGIN_URL="authsessions:login"):  # a URL name, resolved
        assert _build({"STORE": STORE}).settings.login_url == "/account/login"
    with settings_override(LOGIN_URL="https://sso.example/login"):  # not ours to redirect to
        assert _build({"STORE": STORE}).settings.login_url is None


def test_a_changed_setting_is_read_again(configure: Any) -> None:
    from authsessions.django import get_store

    first, second = InMemorySessions(), InMemorySessions()
    configure(first)
    assert get_store() is first
    configure(second)
    assert get_store() is second


def _check_ids(settings_override: Any, **overrides: Any) -> list[str]:
    from authsessions.django.checks import check_setup

    with settings_override(**overrides):
        return [str(message.id) for message in check_setup()]


def test_the_system_checks(configure: Any, settings_override: Any) -> None:
    from django.conf import settings

    configure(STORE)
    ours = "authsessions.django.SessionMiddleware"
    assert _check_ids(settings_override) == []
    without = [m for m in settings.MIDDLEWARE if m != ours]
    assert _check_ids(settings_override, MIDDLEWARE=without) == ["authsessions.E001"]
    after = [ours, "django.contrib.auth.middleware.AuthenticationMiddleware"]
    assert _check_ids(settings_override, MIDDLEWARE=after) == ["authsessions.E002"]
    before = ["django.contrib.auth.middleware.AuthenticationMiddleware", ours]
    assert _check_ids(settings_override, MIDDLEWARE=before) == []
    assert _check_ids(settings_override, AUTHSESSIONS={"STORE": 1}) == ["authsessions.E003"]


def test_manage_py_check_runs_them(configure: Any, settings_override: Any) -> None:
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    configure(STORE)
    call_command("check", verbosity=0)
    with settings_override(AUTHSESSIONS={}), pytest.raises(SystemCheckError, match="E003"):
        call_command("check", verbosity=0)
