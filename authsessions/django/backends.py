"""An authentication backend for the places the middleware does not run:
``authenticate(request, session_token=...)`` returns the user of a live
session (a websocket consumer, a Django REST framework authentication
class, a task handed a token)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from authsessions import SessionUtils
from authsessions.kit import ClientInfo

from ._auth import get_store, user_of


class SessionBackend(ModelBackend):
    """Add it to ``AUTHENTICATION_BACKENDS`` (after ``ModelBackend``); then
    ``django.contrib.auth.authenticate(request, session_token=token)``
    returns the user of the live session ``token`` names (one store read,
    which records the use and the request's address), or None. The same
    checks as a request through the middleware apply: the backend that
    logged the user in must still be configured, and the user's session
    hash must still match. Passwords are left to the other backends (this
    one returns None without ``session_token``); users load and permissions
    resolve as ``ModelBackend``'s.

    The keyword is ``session_token`` so that Django's ``user_login_failed``
    signal sends it masked, never the secret.
    """

    def authenticate(  # type: ignore[override]
        self, request: HttpRequest | None, session_token: str | None = None, **_: Any
    ) -> Any:
        session_id = SessionUtils.to_session_id(session_token) if session_token else None
        if session_id is None:
            return None
        address = None if request is None else request.META.get("REMOTE_ADDR")
        ip = ClientInfo.from_request(ip=address, user_agent=None).ip  # lenient, as a login
        session = get_store().get_session(session_id, ip=ip)
        return None if session is None else user_of(session)
