"""The project's ``AUTHSESSIONS`` setting, read once into the store, the
web settings and the flows every request uses (read again when a test
overrides a setting it depends on)."""

from __future__ import annotations

import threading
from typing import Any

import attrs
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string

from authsessions.kit import ConfigurationError, Sessions
from authsessions.web import CookieSettings, Flows, WebSettings, is_asyncio_store

# the keys of settings.AUTHSESSIONS, and the WebSettings field each sets
_WEB_KEYS = {
    "TRANSPORT": "transport",
    "TRUSTED_ORIGINS": "trusted_origins",
    "CSRF": "csrf",
    "LOGIN_URL": "login_url",
    "REAUTH_URL": "reauth_url",
    "LABEL": "label",
    "FRAME_ANCESTORS": "frame_ancestors",
    "RETRY_AFTER": "retry_after",
    "LOCATE": "locate",
}
KEYS = frozenset({"STORE", "COOKIE", *_WEB_KEYS})
# Django settings the defaults come from: a change to one rebuilds too
_DEPENDS_ON = {"AUTHSESSIONS", "CSRF_TRUSTED_ORIGINS", "LOGIN_URL"}


@attrs.frozen
class Configured:
    """What the integration runs on: the store, the settings, the flows."""

    store: Sessions[str, dict[str, Any]]
    settings: WebSettings
    flows: Flows[str, dict[str, Any]]


def _import(path: str, what: str) -> Any:
    """The object at ``package.module.name`` (or ``package.module:name``),
    through Django's ``import_string``."""
    dotted = path.replace(":", ".", 1)
    if "." not in dotted.strip("."):
        raise ConfigurationError(
            what, f"{path!r} is not a dotted path such as 'mysite.sessions.store'"
        )
    try:
        return import_string(dotted)
    except ImportError as err:
        raise ConfigurationError(what, f"cannot import {path!r}: {err}") from err


def check_sync_store(store: object, what: str = "AUTHSESSIONS['STORE']") -> None:
    """Refuse anything but a sync store, now rather than at the first login
    (reading ``None`` costs a store no I/O).

    Raises:
        ConfigurationError: not a store, or an asyncio store.
    """
    asyncio = is_asyncio_store(store)
    if asyncio is None or not callable(getattr(store, "create_session", None)):
        raise ConfigurationError(what, f"{type(store).__name__} is not a session store")
    if asyncio:
        raise ConfigurationError(
            what,
            f"{type(store).__name__} is an asyncio store; authsessions.django takes a sync "
            "store (e.g. RedisSessions, SqlSessions), which also serves async views under "
            "ASGI (Django runs it in its thread pool, as it does its ORM)",
        )


def _store(value: Any) -> Any:
    if isinstance(value, str):
        value = _import(value, "AUTHSESSIONS['STORE']")
    if isinstance(value, type) or (not hasattr(value, "get_session") and callable(value)):
        value = value()  # a store class (its defaults) or a function returning a store
    check_sync_store(value)
    return value


def _local_path(value: Any) -> str | None:
    # Django's LOGIN_URL may be a path, a URL name or an absolute URL: a
    # name is resolved; only a local path is a login_url of ours (else set
    # AUTHSESSIONS['LOGIN_URL'])
    from django.shortcuts import resolve_url
    from django.urls import NoReverseMatch

    if isinstance(value, str) and value and not value.startswith("/") and "://" not in value:
        try:
            value = resolve_url(value)
        except NoReverseMatch:
            return None
    if isinstance(value, str) and value.startswith("/") and not value.startswith("//"):
        return value
    return None


def build(options: Any) -> Configured:
    """The store, settings and flows for an ``AUTHSESSIONS`` dict.

    Raises:
        ConfigurationError: an unknown key, a missing or asyncio store, or
            an invalid web setting.
    """
    if not isinstance(options, dict):
        raise ConfigurationError("AUTHSESSIONS", "must be a dict with at least 'STORE'")
    unknown = sorted(set(options) - KEYS)
    if unknown:
        raise ConfigurationError(
            "AUTHSESSIONS", f"unknown key {unknown[0]!r}; known: {', '.join(sorted(KEYS))}"
        )
    if "STORE" not in options:
        raise ConfigurationError(
            "AUTHSESSIONS['STORE']",
            "is required: a sync store, a function returning one, or a dotted path to either",
        )
    store = _store(options["STORE"])
    web: dict[str, Any] = {
        "trusted_origins": getattr(settings, "CSRF_TRUSTED_ORIGINS", ()),
        "login_url": _local_path(getattr(settings, "LOGIN_URL", None)),
    }
    for key, field in _WEB_KEYS.items():
        if key in options:
            web[field] = options[key]
    if "LOCATE" in options and isinstance(options["LOCATE"], str):
        web["locate"] = _import(options["LOCATE"], "AUTHSESSIONS['LOCATE']")
    cookie = options.get("COOKIE", CookieSettings())
    if isinstance(cookie, dict):
        cookie = CookieSettings(**cookie)
    web_settings = WebSettings(cookie=cookie, **web)
    return Configured(store, web_settings, Flows(store, web_settings))


_lock = threading.Lock()
_configured: Configured | None = None


def configured() -> Configured:
    """The project's configuration, built on first use.

    Raises:
        ConfigurationError: ``settings.AUTHSESSIONS`` is missing or invalid.
    """
    global _configured
    found = _configured
    if found is None:
        with _lock:
            if _configured is None:
                _configured = build(getattr(settings, "AUTHSESSIONS", None))
            found = _configured
    return found


@receiver(setting_changed)
def _forget(*, setting: str, **_: Any) -> None:
    global _configured
    if setting in _DEPENDS_ON:
        with _lock:
            _configured = None
