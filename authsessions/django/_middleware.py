"""The middleware: each request's session read from its cookie (or
bearer token), ``request.user`` from it, cross-site requests that would
ride on the cookie refused, the cookie and cache headers sent, and the
integration's errors turned into answers."""

from __future__ import annotations

import functools
from collections.abc import Callable
from http.cookies import Morsel
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils.cache import patch_vary_headers
from django.utils.functional import SimpleLazyObject

from authsessions.kit import SessionBackendError
from authsessions.web import (
    CrossSiteRefused,
    NotLoggedIn,
    ReauthenticationRequired,
    RequestState,
    WebSettings,
)

from ._auth import STATE, aget_user, get_user
from ._config import configured

_FLAGS = {"httponly": "httponly", "secure": "secure"}
_VALUED = {"path": "path", "samesite": "samesite", "max-age": "max-age", "domain": "domain"}


def cookie_morsel(header: str) -> Morsel[str]:
    """A ``Set-Cookie`` value of ours as the morsel Django's responses (and
    its test client) carry their cookies in."""
    first, *attributes = header.split("; ")
    name, _, value = first.partition("=")
    morsel: Morsel[str] = Morsel()
    morsel.set(name, value, value)
    for attribute in attributes:
        key, _, given = attribute.partition("=")
        key = key.lower()
        if key in _FLAGS:
            morsel[_FLAGS[key]] = True
        elif key in _VALUED:
            morsel[_VALUED[key]] = given
    return morsel


def _text(status: int, text: str, headers: dict[str, str] | None = None) -> HttpResponse:
    response = HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")
    for name, value in (headers or {}).items():
        response[name] = value
    return response


class SessionMiddleware:
    """Put it in ``MIDDLEWARE`` where ``SessionMiddleware`` and
    ``AuthenticationMiddleware`` of ``django.contrib`` would go (after
    ``SecurityMiddleware``, before ``CsrfViewMiddleware``): it provides
    ``request.user`` (lazily, one store read when first used) and
    ``request.auser()``. It is sync- and async-capable: under ASGI it runs
    in the event loop, and ``await request.auser()`` reads the sync store
    in Django's thread pool.

    A state-changing request (POST, PUT, PATCH, DELETE) from another site
    that carries the session cookie is answered 403 before any view runs;
    Django's CSRF check still applies to every form (see docs/django.md).
    A store failure is a 503 with ``Retry-After``, never "logged out".
    """

    # Under ASGI it runs in the event loop (reading the cookie is pure
    # Python); the store is read when a view asks: ``await
    # request.auser()`` in Django's thread pool, as its ORM is.
    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> Any:
        if self.is_async:
            return self._acall(request)
        settings, state, refused = self._begin(request)
        response = refused if refused is not None else self.get_response(request)
        self._finish(settings, state, response)
        return response

    async def _acall(self, request: HttpRequest) -> HttpResponseBase:
        settings, state, refused = self._begin(request)
        response = refused if refused is not None else await self.get_response(request)
        self._finish(settings, state, response)
        return response

    @staticmethod
    def _begin(
        request: HttpRequest,
    ) -> tuple[WebSettings, RequestState[Any, Any], HttpResponse | None]:
        """Read the request's session state; a 403 if it must be refused."""
        settings = configured().settings
        host = request.get_host()
        state = settings.read(
            request.method or "GET",
            request.headers.get,
            f"{request.scheme}://{host}".lower(),
            host,
            request.META.get("REMOTE_ADDR"),
        )
        setattr(request, STATE, state)
        if settings.blocks(state):
            return settings, state, _text(403, f"Forbidden: {state.refusal}")
        request.user = SimpleLazyObject(lambda: get_user(request))  # type: ignore[assignment]
        request.auser = functools.partial(aget_user, request)
        return settings, state, None

    @staticmethod
    def _finish(
        settings: WebSettings, state: RequestState[Any, Any], response: HttpResponseBase
    ) -> None:
        for name, value in settings.response_headers(state):
            if name == "Set-Cookie":
                morsel = cookie_morsel(value)
                response.cookies[morsel.key] = morsel
            elif name == "Vary":
                patch_vary_headers(response, [v.strip() for v in value.split(",")])
            else:
                response[name] = value

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """The integration's errors, raised in a view, as answers."""
        state: RequestState[Any, Any] | None = getattr(request, STATE, None)
        if state is None:
            return None
        settings = configured().settings
        target = request.get_full_path()
        accept = request.headers.get("Accept")
        method = request.method or "GET"
        if isinstance(exception, SessionBackendError):
            state.set_cookie = None  # never "logged out" for an outage
            return _text(*settings.unavailable(exception))
        if isinstance(exception, CrossSiteRefused):
            return _text(403, f"Forbidden: {exception.reason}")
        if isinstance(exception, NotLoggedIn):
            location = settings.login_redirect(method, accept, target)
            if location is not None:
                return _text(303, "See Other", {"Location": location})
            return _text(401, "Unauthorized", {"WWW-Authenticate": settings.challenge()})
        if isinstance(exception, ReauthenticationRequired):
            location = settings.reauth_redirect(method, accept, target)
            if location is not None:
                return _text(303, "See Other", {"Location": location})
            challenge = settings.step_up_challenge(exception.max_age)
            return _text(401, "Unauthorized", {"WWW-Authenticate": challenge})
        return None
