"""What a view does with the request's session: the user, login and
logout, the devices, revocation, rotation, reauthentication. Each takes
the request the middleware prepared; the errors they raise
(``NotLoggedIn``, ``CrossSiteRefused``, ``ReauthenticationRequired``,
``SessionBackendError``) become responses in the middleware."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from datetime import timedelta
from typing import Any, ParamSpec, TypeVar

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth import get_user_model, load_backend, user_logged_in, user_logged_out
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.middleware.csrf import rotate_token
from django.utils.crypto import constant_time_compare

from authsessions.kit import ConfigurationError, Session, SessionId, Sessions
from authsessions.web import RequestState, positive_max_age

from ._config import configured

P = ParamSpec("P")
R = TypeVar("R")
STATE = "_authsessions"


def state_of(request: HttpRequest) -> RequestState[str, dict[str, Any]]:
    """The request's session state, as the middleware read it.

    Raises:
        ConfigurationError: the middleware is not installed.
    """
    state = getattr(request, STATE, None)
    if state is None:
        raise ConfigurationError(
            "MIDDLEWARE", "add 'authsessions.django.SessionMiddleware' to settings.MIDDLEWARE"
        )
    return state  # type: ignore[no-any-return]


def get_store() -> Sessions[str, dict[str, Any]]:
    """The project's store (``settings.AUTHSESSIONS['STORE']``): for an
    operator's code, or the command line
    (``authsessions ls --store authsessions.django:get_store`` with
    ``DJANGO_SETTINGS_MODULE`` set).

    Raises:
        ConfigurationError: the setting is missing or invalid.
    """
    from django.apps import apps

    if not apps.ready:  # the command line: set Django up from DJANGO_SETTINGS_MODULE
        import django

        django.setup()
    return configured().store


def get_session(request: HttpRequest) -> Session[str, dict[str, Any]] | None:
    """The request's live session, or None (one store read per request).

    Raises:
        SessionBackendError: the store failed (never "logged out").
    """
    return configured().flows.current(state_of(request))


def get_user(request: HttpRequest) -> Any:
    """The user of the request's session (loaded by the backend that logged
    it in, as Django does), or an ``AnonymousUser``. A session that no
    longer names a user ends here: its password changed (the session hash
    differs), the user is gone or inactive (the backend returns none), or
    the backend that logged it in is no longer configured.

    Raises:
        SessionBackendError: the store failed.
    """
    from django.contrib.auth.models import AnonymousUser

    session = get_session(request)
    user = None if session is None else user_of(session)
    if session is not None and user is None:
        conf = configured()
        state = state_of(request)
        if state.presented is not None:
            conf.store.destroy_session(state.presented)
        conf.flows.drop(state)
    return user or AnonymousUser()


async def aget_user(request: HttpRequest) -> Any:
    """``get_user`` for an async view (the sync store runs in Django's
    thread pool)."""
    return await sync_to_async(get_user)(request)


def user_of(session: Session[str, dict[str, Any]]) -> Any:
    """The user a session belongs to, if its backend and password hash still hold."""
    meta = session.meta if isinstance(session.meta, dict) else {}
    backend_path = meta.get("backend")
    if not isinstance(backend_path, str) or backend_path not in settings.AUTHENTICATION_BACKENDS:
        return None  # logged in through a backend the project no longer has
    try:
        pk = get_user_model()._meta.pk.to_python(session.user_id)
    except ValidationError:
        return None
    user = load_backend(backend_path).get_user(pk)
    if user is None or not hasattr(user, "get_session_auth_hash"):
        return user
    stored = meta.get("hash")
    if not isinstance(stored, str) or not stored:
        return None
    if constant_time_compare(stored, session_hash(user.get_session_auth_hash())):
        return user
    fallbacks = getattr(user, "get_session_auth_fallback_hash", lambda: ())()
    if any(constant_time_compare(stored, session_hash(old)) for old in fallbacks):
        return user  # signed with a SECRET_KEY_FALLBACKS key: still good
    return None


def session_hash(auth_hash: str) -> str:
    """What a session records of the user's session auth hash (Django's
    HMAC of the password hash): a digest of it, enough to tell that the
    password changed. The HMAC itself stays in Django's process: a
    session's meta is shown by listings, exports and the command line."""
    return hashlib.sha256(auth_hash.encode()).hexdigest()[:32]


def _with_hash(meta: dict[str, Any], user: Any) -> dict[str, Any]:
    """``meta`` with the digest of ``user``'s session auth hash (a user
    model without one records none)."""
    if hasattr(user, "get_session_auth_hash"):
        meta["hash"] = session_hash(user.get_session_auth_hash())
    return meta


def _backend_path(user: Any, backend: str | None) -> str:
    if backend is None:
        backend = getattr(user, "backend", None)
    if backend is None:
        backends = list(settings.AUTHENTICATION_BACKENDS)
        if len(backends) != 1:
            raise ConfigurationError(
                "backend",
                "several AUTHENTICATION_BACKENDS are configured: pass backend=, or log in "
                "a user that authenticate() returned",
            )
        backend = backends[0]
    if not isinstance(backend, str):
        raise ConfigurationError("backend", "must be a dotted path to an authentication backend")
    return backend


def login(
    request: HttpRequest,
    user: Any,
    backend: str | None = None,
    *,
    remember: bool = True,
    label: str | None = None,
) -> SessionId:
    """Log ``user`` in on this request, as ``django.contrib.auth.login``
    does: the session the request carried ends (fixation defence), a new
    one records the backend and the user's password hash (a password change
    ends it), the CSRF token rotates and ``user_logged_in`` is sent. The
    session records the client (address, user agent, location);
    ``remember=False`` makes the cookie end with the browser. Returns the
    new SessionId (already in the response's cookie).

    Raises:
        CrossSiteRefused: the login was posted from another site (403).
        ConfigurationError: no backend given and several configured.
        InvalidSessionDataError, LimitExceededError: a bad label; nothing changed.
        SessionBackendError: the store failed (503).
    """
    state = state_of(request)
    meta = _with_hash({"backend": _backend_path(user, backend)}, user)
    session_id = configured().flows.login(
        state,
        user_id=user._meta.pk.value_to_string(user),
        meta=meta,
        label=label,
        user_agent=request.headers.get("User-Agent"),
        ip=request.META.get("REMOTE_ADDR"),
        remember=remember,
    )
    request.user = user
    rotate_token(request)
    user_logged_in.send(sender=user.__class__, request=request, user=user)
    return session_id


def logout(request: HttpRequest) -> bool:
    """End the request's session and clear its cookie, as
    ``django.contrib.auth.logout`` does (``user_logged_out`` is sent first);
    True if a live session ended.

    Raises:
        CrossSiteRefused: the request comes from another site (403).
        SessionBackendError: the store failed (503).
    """
    from django.contrib.auth.models import AnonymousUser

    user = getattr(request, "user", None)
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    state = state_of(request)
    flows = configured().flows
    flows.refuse_cross_site(state)
    user_logged_out.send(sender=user.__class__, request=request, user=user)
    ended = flows.logout(state)
    request.user = AnonymousUser()
    return ended


async def alogin(
    request: HttpRequest,
    user: Any,
    backend: str | None = None,
    *,
    remember: bool = True,
    label: str | None = None,
) -> SessionId:
    """``login`` for an async view."""
    return await sync_to_async(login)(request, user, backend, remember=remember, label=label)


async def alogout(request: HttpRequest) -> bool:
    """``logout`` for an async view."""
    return await sync_to_async(logout)(request)


def logout_everywhere(request: HttpRequest) -> int:
    """End every other session of the request's user; how many ended.

    Raises:
        CrossSiteRefused: the request comes from another site (403).
        NotLoggedIn: no live session (401, or a redirect to the login page).
    """
    return configured().flows.logout_everywhere(state_of(request))


def devices(request: HttpRequest) -> list[Session[str, dict[str, Any]]]:
    """The request's user's sessions, most recently used first.

    Raises:
        NotLoggedIn: no live session (401, or a redirect to the login page).
    """
    return configured().flows.devices(state_of(request))


def revoke(request: HttpRequest, key: str) -> bool:
    """End the user's session ``key`` (another user's key counts as
    unknown; the current key is a logout); True if a live session ended.

    Raises:
        CrossSiteRefused: the request comes from another site (403).
        NotLoggedIn: no live session (401, or a redirect to the login page).
    """
    return configured().flows.revoke(state_of(request), key)


def rotate(request: HttpRequest) -> SessionId | None:
    """A new secret for the request's session, sent as the new cookie:
    call it on a privilege change (a user made staff, a role granted).
    None if there is no live session.

    Raises:
        CrossSiteRefused: the request comes from another site (403).
    """
    return configured().flows.rotate(state_of(request))


def reauthenticate(request: HttpRequest) -> SessionId | None:
    """Record a fresh sign-in once the user has entered their credentials
    again: ``authenticated_at`` becomes now and the secret rotates (the new
    cookie is sent). None without a live session.

    Raises:
        CrossSiteRefused: the request comes from another site (403).
    """
    return configured().flows.reauthenticate(state_of(request))


def update_session_auth_hash(request: HttpRequest, user: Any) -> SessionId | None:
    """After ``user`` changed their password on this request (Django's
    function of the same name): every other session of the user ends, and
    this one records the new password hash and gets a new secret (the new
    cookie is sent). It stays the same session, as Django's does: the same
    device, sign-in time and "remember me"; no ``user_logged_in``, no CSRF
    rotation, no new-sign-in event. None if the request had no session of
    this user.

    Raises:
        CrossSiteRefused: the request comes from another site (403).
        SessionBackendError: the store failed (503).
    """
    conf = configured()
    state = state_of(request)
    conf.flows.refuse_cross_site(state)
    session = conf.flows.current(state)
    user_id = user._meta.pk.value_to_string(user)
    conf.store.destroy_sessions_for_user(user_id, keep=state.presented)
    if session is None or session.user_id != user_id or state.presented is None:
        return None
    meta = _with_hash(dict(session.meta) if isinstance(session.meta, dict) else {}, user)
    if not conf.store.set_session_meta(state.presented, meta):
        return None  # ended meanwhile
    request.user = user
    return conf.flows.rotate(state)


def recent(request: HttpRequest, max_age: timedelta) -> Session[str, dict[str, Any]]:
    """The request's live session, if it signed in at most ``max_age`` ago.

    Raises:
        NotLoggedIn: no live session (401, or a redirect to the login page).
        ReauthenticationRequired: an older sign-in (a redirect to
            ``REAUTH_URL`` for a browser, else a 401 step-up challenge).
    """
    return configured().flows.recent(state_of(request), max_age)


def require_recent(max_age: timedelta) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorate a privileged view (``@require_recent(timedelta(minutes=10))``):
    it runs only for a session that signed in at most ``max_age`` ago; see
    ``recent`` for the answers otherwise (a class-based view takes it
    through ``method_decorator``). After checking the credentials
    again, call ``reauthenticate`` (``views.ReauthView`` does).

    Raises:
        ConfigurationError: ``max_age`` is not a positive timedelta.
    """
    positive_max_age(max_age)

    def decorate(view: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(view)
        def checked(*args: P.args, **kwargs: P.kwargs) -> R:
            recent(args[0], max_age)  # type: ignore[arg-type]
            return view(*args, **kwargs)

        return checked

    return decorate
