"""SessionAuth for Flask: an extension (``init_app``), the current session,
``login_required``, the request flows and a blueprint for the account pages."""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection
from datetime import timedelta
from typing import Any, Generic, ParamSpec, TypeVar

from flask import Blueprint, Flask, Response, g, request, url_for
from werkzeug.exceptions import HTTPException

from authsessions.kit import (
    ConfigurationError,
    Session,
    SessionBackendError,
    SessionId,
    Sessions,
)
from authsessions.web import (
    CookieSettings,
    CrossSiteRefused,
    Flows,
    NotLoggedIn,
    ReauthenticationRequired,
    RequestState,
    Transport,
    WebSettings,
    device_label,
    devices_page,
    is_asyncio_store,
    positive_max_age,
)

U = TypeVar("U")
M = TypeVar("M")
P = ParamSpec("P")
R = TypeVar("R")


def _response(status: int, text: str, headers: dict[str, str] | None = None) -> HTTPException:
    error = HTTPException(response=Response(text, status, headers, mimetype="text/plain"))
    error.code = status
    return error


def _check_sync_store(store: object) -> None:
    """A store whose reads return values; an asyncio store is refused now,
    not at the first login. Reading ``None`` costs a store no I/O."""
    asyncio = is_asyncio_store(store)
    if asyncio is None:
        raise ConfigurationError("store", "must be a sync store (Sessions)")
    if asyncio:
        raise ConfigurationError(
            "store",
            f"must be a sync store (Sessions); {type(store).__name__} is an asyncio store: "
            "use its sync twin (e.g. RedisSessions), or authsessions.starlette",
        )


class SessionAuth(Generic[U, M]):
    """Login sessions for a Flask app, on a sync store.

    Args:
        store: any sync store (``RedisSessions``, ``SqlSessions``,
            ``InMemorySessions``, yours).
        app: the app, or None to call ``init_app`` later.
        transport, cookie, trusted_origins, csrf, login_url, label: as for
            ``authsessions.starlette.SessionAuth``.
        frame_ancestors, retry_after, locate, reauth_url: as for
            ``authsessions.starlette.SessionAuth``.

    The client's address is ``request.remote_addr``: behind a proxy, let
    werkzeug's ``ProxyFix`` take it from the proxy's headers.

    Raises:
        ConfigurationError: for an invalid setting, or a store that is not
            a sync store (an asyncio store belongs to
            ``authsessions.starlette``).
    """

    def __init__(
        self,
        store: Sessions[U, M],
        app: Flask | None = None,
        *,
        transport: Transport = "cookie",
        cookie: CookieSettings | None = None,
        trusted_origins: Collection[str] = (),
        csrf: bool = True,
        login_url: str | None = None,
        label: Callable[[str | None], str] = device_label,
        frame_ancestors: str | None = "'none'",
        retry_after: int = 5,
        locate: Callable[[Any], str | None] | None = None,
        reauth_url: str | None = None,
    ) -> None:
        _check_sync_store(store)
        self.settings = WebSettings(
            transport=transport,
            cookie=cookie if cookie is not None else CookieSettings(),
            trusted_origins=trusted_origins,
            csrf=csrf,
            login_url=login_url,
            label=label,
            frame_ancestors=frame_ancestors,
            retry_after=retry_after,
            locate=locate,
            reauth_url=reauth_url,
        )
        self.store = store
        self._flows: Flows[U, M] = Flows(store, self.settings)
        if app is not None:
            self.init_app(app)

    def __repr__(self) -> str:
        return f"SessionAuth(store={self.store!r}, transport={self.settings.transport!r})"

    def init_app(self, app: Flask) -> None:
        """Read each request's session before it runs (refusing cross-site
        requests that would use the cookie), send the cookie after, and
        answer 503 with ``Retry-After`` when the store fails."""
        app.extensions["authsessions"] = self
        app.before_request(self._before)
        app.after_request(self._after)
        app.register_error_handler(SessionBackendError, self._unavailable)

    def _before(self) -> Response | None:
        host = request.host
        own_origin = f"{request.scheme}://{host}".lower()
        state = self.settings.read(
            request.method, request.headers.get, own_origin, host, request.remote_addr
        )
        g.authsessions = state
        if self.settings.blocks(state):
            return Response(f"Forbidden: {state.refusal}", 403, mimetype="text/plain")
        return None

    def _after(self, response: Response) -> Response:
        state: RequestState[U, M] | None = g.get("authsessions")
        if state is not None:
            for name, value in self.settings.response_headers(state):
                if name == "Set-Cookie":
                    response.headers.add(name, value)
                elif name == "Vary":
                    response.vary.update(v.strip() for v in value.split(","))
                else:
                    response.headers[name] = value
        return response

    def _unavailable(self, error: SessionBackendError) -> Response:
        state: RequestState[U, M] | None = g.get("authsessions")
        if state is not None:
            state.set_cookie = None  # never "logged out" for an outage
        status, text, headers = self.settings.unavailable(error)
        return Response(text, status, headers, mimetype="text/plain")

    def _state(self) -> RequestState[U, M]:
        state: RequestState[U, M] | None = g.get("authsessions")
        if state is None:
            raise ConfigurationError("app", "SessionAuth.init_app(app) was not called")
        return state

    def _not_logged_in(self) -> HTTPException:
        target = request.full_path.rstrip("?")
        location = self.settings.login_redirect(
            request.method, request.headers.get("Accept"), target
        )
        if location is not None:
            return _response(303, "See Other", {"Location": location})
        return _response(401, "Unauthorized", {"WWW-Authenticate": self.settings.challenge()})

    # -- the current session -------------------------------------------------

    @property
    def session(self) -> Session[U, M] | None:
        """The request's live session, or None (one store read per request)."""
        return self._flows.current(self._state())

    def required(self) -> Session[U, M]:
        """The request's live session.

        Raises:
            werkzeug.exceptions.HTTPException: 401 with ``WWW-Authenticate``,
                or a 303 to ``login_url`` for a browser's page request when
                it is set.
        """
        try:
            return self._flows.required(self._state())
        except NotLoggedIn:
            raise self._not_logged_in() from None

    def login_required(self, view: Callable[P, R]) -> Callable[P, R]:
        """Decorate a view that needs a session (401, or 303 to
        ``login_url``); inside it, ``auth.session`` is not None."""

        @functools.wraps(view)
        def checked(*args: P.args, **kwargs: P.kwargs) -> R:
            self.required()
            return view(*args, **kwargs)

        return checked

    def recent(self, max_age: timedelta) -> Session[U, M]:
        """The request's live session, if it signed in at most ``max_age`` ago.

        Raises:
            werkzeug.exceptions.HTTPException: 401 or 303 to ``login_url``
                without a session; for an older sign-in, a 303 to
                ``reauth_url`` (or ``login_url``) for a browser's page
                request, else a 401 with an RFC 9470 step-up challenge.
        """
        try:
            return self._flows.recent(self._state(), max_age)
        except NotLoggedIn:
            raise self._not_logged_in() from None
        except ReauthenticationRequired:
            target = request.full_path.rstrip("?")
            location = self.settings.reauth_redirect(
                request.method, request.headers.get("Accept"), target
            )
            if location is not None:
                raise _response(303, "See Other", {"Location": location}) from None
            challenge = self.settings.step_up_challenge(max_age)
            raise _response(401, "Unauthorized", {"WWW-Authenticate": challenge}) from None

    def require_recent(self, max_age: timedelta) -> Callable[[Callable[P, R]], Callable[P, R]]:
        """Decorate a privileged view: it runs only for a session that
        signed in at most ``max_age`` ago
        (``@auth.require_recent(timedelta(minutes=10))``); see ``recent``
        for the answers otherwise. After checking the credentials again,
        call ``reauthenticate``.

        Raises:
            ConfigurationError: ``max_age`` is not a positive timedelta.
        """
        positive_max_age(max_age)

        def decorate(view: Callable[P, R]) -> Callable[P, R]:
            @functools.wraps(view)
            def checked(*args: P.args, **kwargs: P.kwargs) -> R:
                self.recent(max_age)
                return view(*args, **kwargs)

            return checked

        return decorate

    # -- flows ---------------------------------------------------------------

    def login(
        self, *, user_id: U, meta: M, label: str | None = None, remember: bool = True
    ) -> SessionId:
        """Log ``user_id`` in on this request (the session it carried ends
        first: fixation defence) and send the cookie. Returns the SessionId.
        The session records the client (address, user agent, ``locate``'s
        location); ``remember=False`` makes the cookie end with the browser
        and the session live at most the policy's ``browser_session_ttl``.

        Raises:
            werkzeug.exceptions.HTTPException: 403 for a login posted from
                another site.
            InvalidSessionDataError, LimitExceededError: bad user id, label
                or meta; nothing changed.
            SessionBackendError: the store failed.
        """
        try:
            return self._flows.login(
                self._state(),
                user_id=user_id,
                meta=meta,
                label=label,
                user_agent=request.headers.get("User-Agent"),
                ip=request.remote_addr,
                remember=remember,
            )
        except CrossSiteRefused as err:
            raise _response(403, f"Forbidden: {err.reason}") from None

    def reauthenticate(self) -> SessionId | None:
        """Record a fresh sign-in once the user has entered their
        credentials again: ``authenticated_at`` becomes now and the secret
        rotates (the new cookie is sent). None without a live session.

        Raises:
            werkzeug.exceptions.HTTPException: 403 for a request from
                another site.
        """
        try:
            return self._flows.reauthenticate(self._state())
        except CrossSiteRefused as err:
            raise _response(403, f"Forbidden: {err.reason}") from None

    def logout(self) -> bool:
        """End the request's session and clear the cookie.

        Raises:
            werkzeug.exceptions.HTTPException: 403 for a request from
                another site.
        """
        try:
            return self._flows.logout(self._state())
        except CrossSiteRefused as err:
            raise _response(403, f"Forbidden: {err.reason}") from None

    def logout_everywhere(self) -> int:
        """End every other session of the user; how many ended.

        Raises:
            werkzeug.exceptions.HTTPException: 401 (or 303) without a
                session, 403 for a request from another site.
        """
        try:
            return self._flows.logout_everywhere(self._state())
        except NotLoggedIn:
            raise self._not_logged_in() from None
        except CrossSiteRefused as err:
            raise _response(403, f"Forbidden: {err.reason}") from None

    def devices(self) -> list[Session[U, M]]:
        """The user's sessions, most recently used first.

        Raises:
            werkzeug.exceptions.HTTPException: 401 (or 303) without a session.
        """
        try:
            return self._flows.devices(self._state())
        except NotLoggedIn:
            raise self._not_logged_in() from None

    def revoke(self, key: str) -> bool:
        """End the user's session ``key`` (another user's key counts as
        unknown); True if a live session ended.

        Raises:
            werkzeug.exceptions.HTTPException: 401 (or 303) without a
                session, 403 for a request from another site.
        """
        try:
            return self._flows.revoke(self._state(), key)
        except NotLoggedIn:
            raise self._not_logged_in() from None
        except CrossSiteRefused as err:
            raise _response(403, f"Forbidden: {err.reason}") from None

    def rotate(self) -> SessionId | None:
        """A new secret for the request's session, sent as the new cookie.

        Raises:
            werkzeug.exceptions.HTTPException: 403 for a request from
                another site.
        """
        try:
            return self._flows.rotate(self._state())
        except CrossSiteRefused as err:
            raise _response(403, f"Forbidden: {err.reason}") from None

    # -- the account pages ---------------------------------------------------

    def blueprint(self, name: str = "authsessions", *, after_logout: str = "/") -> Blueprint:
        """The account pages, to register under a prefix
        (``app.register_blueprint(auth.blueprint(), url_prefix="/account")``):
        ``GET /devices``, ``POST /devices/<key>/revoke``,
        ``POST /logout-everywhere``, ``POST /logout`` (then a 303 to
        ``after_logout``)."""
        pages = Blueprint(name, __name__)

        def base() -> str:
            return url_for(f"{name}.devices").removesuffix("/devices")

        @pages.get("/devices")
        def devices() -> Response:
            session = self.required()
            html = devices_page(self.devices(), current_key=session.key, base=base())
            return Response(html, headers=self.settings.page_headers(), mimetype="text/html")

        def back(location: str) -> Response:
            return Response(
                "See Other", 303, {"Location": location, **self.settings.page_headers()}
            )

        @pages.post("/devices/<key>/revoke")
        def revoke(key: str) -> Response:
            self.revoke(key)
            return back(url_for(f"{name}.devices"))

        @pages.post("/logout-everywhere")
        def everywhere() -> Response:
            self.logout_everywhere()
            return back(url_for(f"{name}.devices"))

        @pages.post("/logout")
        def logout() -> Response:
            self.logout()
            return back(after_logout)

        return pages
