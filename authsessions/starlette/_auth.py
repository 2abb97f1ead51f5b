"""SessionAuth for Starlette and FastAPI: a middleware, dependencies, the
request flows and a small account app (devices page, revoke, logout)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from datetime import timedelta
from typing import Any, Generic, TypeVar

from starlette.applications import Starlette
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from authsessions.kit import (
    AsyncSessions,
    ConfigurationError,
    Session,
    SessionBackendError,
    SessionId,
)
from authsessions.web import (
    AsyncFlows,
    CookieSettings,
    CrossSiteRefused,
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

STATE = "authsessions"


class SessionMiddleware:
    """Reads the session a request presents (lazily: no store call until a
    route asks), refuses cross-site requests that would use the session
    cookie (403), and sends the cookie a login, rotation or logout set."""

    def __init__(self, app: ASGIApp, auth: SessionAuth[Any, Any]) -> None:
        self.app = app
        self.auth = auth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        host = headers.get("host", "")
        own_origin = f"{scope.get('scheme', 'http')}://{host}".lower()
        settings = self.auth.settings
        client = scope.get("client")
        state = settings.read(
            scope["method"], headers.get, own_origin, host, client[0] if client else None
        )
        scope[STATE] = state
        if settings.blocks(state):
            refused = PlainTextResponse(f"Forbidden: {state.refusal}", status_code=403)
            await refused(scope, receive, send)
            return

        started = False

        async def send_with_cookie(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                response_headers = MutableHeaders(scope=message)
                for name, value in settings.response_headers(state):
                    if name == "Set-Cookie":
                        response_headers.append(name, value)
                    elif name == "Vary":
                        response_headers.add_vary_header(value)
                    else:
                        response_headers[name] = value
            await send(message)

        try:
            await self.app(scope, receive, send_with_cookie)
        except SessionBackendError as error:
            if started:
                raise
            status, text, unavailable_headers = settings.unavailable(error)
            await PlainTextResponse(text, status, unavailable_headers)(scope, receive, send)


def _check_asyncio_store(store: object) -> None:
    """A store whose reads are awaitable; anything else is refused now,
    not at the first login. Reading ``None`` costs a store no I/O."""
    asyncio = is_asyncio_store(store)
    if asyncio is None:
        raise ConfigurationError("store", "must be an asyncio store (AsyncSessions)")
    if not asyncio:
        raise ConfigurationError(
            "store",
            f"must be an asyncio store (AsyncSessions); {type(store).__name__} is a sync store: "
            "use its asyncio twin (e.g. AsyncRedisSessions), or authsessions.flask",
        )


class SessionAuth(Generic[U, M]):
    """Login sessions for a Starlette or FastAPI app, on an asyncio store.

    Args:
        store: any asyncio store (``AsyncRedisSessions``,
            ``AsyncSqlSessions``, ``AsyncInMemorySessions``, yours).
        transport: where a request presents its SessionId: ``"cookie"``
            (default; browsers), ``"bearer"`` (``Authorization: Bearer``;
            API clients) or ``"both"`` (the header wins).
        cookie: the cookie's settings (safe by default: ``__Host-``,
            ``Secure``, ``HttpOnly``, ``SameSite=Lax``, ``Path=/``).
        trusted_origins: other origins whose pages may send state-changing
            requests with the cookie (``https://app.example.com``).
        csrf: refuse cross-site state-changing requests that carry the
            cookie, and cross-site requests to every state-changing flow
            (default True; see SECURITY.md before turning it off).
        login_url: where ``required`` sends a browser without a session (a
            GET accepting HTML: 303 to ``login_url?next=<path>``); anything
            else, and everything when None, gets a 401.
        label: the device label of a login from its User-Agent.
        frame_ancestors: who may frame the account pages, as a CSP
            ``frame-ancestors`` source list (default ``"'none'"``, also sent
            as ``X-Frame-Options: DENY``); None to send neither.
        retry_after: the ``Retry-After`` seconds of the 503 a request gets
            when the store fails (default 5).
        locate: a location for a login's IP address (``"Berlin, DE"``),
            e.g. from a local MaxMind database; None (default) records
            none. It must not make a network call on the login's path; if
            it raises, the login goes on without a location (logged).
        reauth_url: where ``require_recent`` sends a browser whose sign-in
            is too old (``?next=<path>``); None: ``login_url``.

    The client's address is the ASGI peer (``request.client``): behind a
    proxy, let the server take it from the proxy's headers (uvicorn
    ``--proxy-headers --forwarded-allow-ips``).

    Raises:
        ConfigurationError: for an invalid setting, or a store that is not
            an asyncio store (a sync store belongs to
            ``authsessions.flask``).
    """

    def __init__(
        self,
        store: AsyncSessions[U, M],
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
        _check_asyncio_store(store)
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
        self._flows: AsyncFlows[U, M] = AsyncFlows(store, self.settings)

    def __repr__(self) -> str:
        return f"SessionAuth(store={self.store!r}, transport={self.settings.transport!r})"

    @property
    def middleware(self) -> Middleware:
        """The middleware to add: ``FastAPI(middleware=[auth.middleware])``
        or ``Starlette(middleware=[...])``."""
        return Middleware(SessionMiddleware, auth=self)

    def _state(self, request: Request) -> RequestState[U, M]:
        state: RequestState[U, M] | None = request.scope.get(STATE)
        if state is None:
            raise ConfigurationError(
                "middleware", "the app has no SessionMiddleware: add auth.middleware to it"
            )
        return state

    @staticmethod
    def _target(request: Request) -> str:
        """Where the request was going, as a ``next`` parameter names it."""
        query = request.url.query
        return request.url.path + (f"?{query}" if query else "")

    def _not_logged_in(self, request: Request) -> HTTPException:
        location = self.settings.login_redirect(
            request.method, request.headers.get("accept"), self._target(request)
        )
        if location is not None:
            return HTTPException(303, headers={"Location": location})
        return HTTPException(
            401, "not logged in", headers={"WWW-Authenticate": self.settings.challenge()}
        )

    # -- dependencies --------------------------------------------------------

    async def optional(self, request: Request) -> Session[U, M] | None:
        """The request's live session, or None (a FastAPI dependency:
        ``Depends(auth.optional)``)."""
        return await self._flows.current(self._state(request))

    async def required(self, request: Request) -> Session[U, M]:
        """The request's live session (``Depends(auth.required)``).

        Raises:
            HTTPException: 401 with ``WWW-Authenticate``, or a 303 to
                ``login_url`` for a browser's page request when it is set.
        """
        try:
            return await self._flows.required(self._state(request))
        except NotLoggedIn:
            raise self._not_logged_in(request) from None

    def require_recent(self, max_age: timedelta) -> Callable[[Request], Awaitable[Session[U, M]]]:
        """A dependency for a privileged view: the request's session, if it
        signed in at most ``max_age`` ago
        (``Depends(auth.require_recent(timedelta(minutes=10)))``). A
        browser's page request with an older sign-in is sent to
        ``reauth_url`` (or ``login_url``) with ``?next=``; anything else
        gets a 401 with an RFC 9470 step-up challenge. After checking the
        credentials again, call ``reauthenticate``.

        Raises:
            ConfigurationError: ``max_age`` is not a positive timedelta.
        """
        positive_max_age(max_age)

        async def recent(request: Request) -> Session[U, M]:
            try:
                return await self._flows.recent(self._state(request), max_age)
            except NotLoggedIn:
                raise self._not_logged_in(request) from None
            except ReauthenticationRequired:
                raise self._too_old(request, max_age) from None

        return recent

    def _too_old(self, request: Request, max_age: timedelta) -> HTTPException:
        location = self.settings.reauth_redirect(
            request.method, request.headers.get("accept"), self._target(request)
        )
        if location is not None:
            return HTTPException(303, headers={"Location": location})
        return HTTPException(
            401,
            "a more recent sign-in is required",
            headers={"WWW-Authenticate": self.settings.step_up_challenge(max_age)},
        )

    # -- flows ---------------------------------------------------------------

    async def login(
        self,
        request: Request,
        *,
        user_id: U,
        meta: M,
        label: str | None = None,
        remember: bool = True,
    ) -> SessionId:
        """Log ``user_id`` in on this request: the session the request
        carried ends (fixation defence), a new one starts, and its cookie is
        sent. Returns the SessionId (for bearer clients, to hand over). The
        session records the client (address, user agent, ``locate``'s
        location); ``remember=False`` ("remember me" unticked) makes the
        cookie end with the browser and the session live at most the
        policy's ``browser_session_ttl``.

        Raises:
            HTTPException: 403 for a login posted from another site.
            InvalidSessionDataError, LimitExceededError: bad user id, label
                or meta; nothing changed.
            SessionBackendError: the store failed.
        """
        try:
            return await self._flows.login(
                self._state(request),
                user_id=user_id,
                meta=meta,
                label=label,
                user_agent=request.headers.get("user-agent"),
                ip=request.client.host if request.client else None,
                remember=remember,
            )
        except CrossSiteRefused as err:
            raise HTTPException(403, f"Forbidden: {err.reason}") from None

    async def reauthenticate(self, request: Request) -> SessionId | None:
        """Record a fresh sign-in once the user has entered their
        credentials again: the session's ``authenticated_at`` becomes now
        and its secret rotates (the new cookie is sent). None if the
        request has no live session.

        Raises:
            HTTPException: 403 for a request from another site.
        """
        try:
            return await self._flows.reauthenticate(self._state(request))
        except CrossSiteRefused as err:
            raise HTTPException(403, f"Forbidden: {err.reason}") from None

    async def logout(self, request: Request) -> bool:
        """End the request's session and clear the cookie; True if a live
        session ended.

        Raises:
            HTTPException: 403 for a request from another site.
        """
        try:
            return await self._flows.logout(self._state(request))
        except CrossSiteRefused as err:
            raise HTTPException(403, f"Forbidden: {err.reason}") from None

    async def logout_everywhere(self, request: Request) -> int:
        """End every other session of the user; how many ended.

        Raises:
            HTTPException: 401 (or 303 to ``login_url``) without a session,
                403 for a request from another site.
        """
        try:
            return await self._flows.logout_everywhere(self._state(request))
        except NotLoggedIn:
            raise self._not_logged_in(request) from None
        except CrossSiteRefused as err:
            raise HTTPException(403, f"Forbidden: {err.reason}") from None

    async def devices(self, request: Request) -> list[Session[U, M]]:
        """The user's sessions, most recently used first.

        Raises:
            HTTPException: 401 (or 303 to ``login_url``) without a session.
        """
        try:
            return await self._flows.devices(self._state(request))
        except NotLoggedIn:
            raise self._not_logged_in(request) from None

    async def revoke(self, request: Request, key: str) -> bool:
        """End the user's session ``key`` (another user's key counts as
        unknown); True if a live session ended.

        Raises:
            HTTPException: 401 (or 303 to ``login_url``) without a session,
                403 for a request from another site.
        """
        try:
            return await self._flows.revoke(self._state(request), key)
        except NotLoggedIn:
            raise self._not_logged_in(request) from None
        except CrossSiteRefused as err:
            raise HTTPException(403, f"Forbidden: {err.reason}") from None

    async def rotate(self, request: Request) -> SessionId | None:
        """A new secret for the request's session (after a privilege
        change), sent as the new cookie; None if there is no session.

        Raises:
            HTTPException: 403 for a request from another site.
        """
        try:
            return await self._flows.rotate(self._state(request))
        except CrossSiteRefused as err:
            raise HTTPException(403, f"Forbidden: {err.reason}") from None

    # -- the account app -----------------------------------------------------

    def account_app(self, *, after_logout: str = "/") -> Starlette:
        """A small app to mount (``app.mount("/account", auth.account_app())``):

        - ``GET /devices``: the "Your devices" page (HTML);
        - ``POST /devices/{key}/revoke``: revoke one of the user's devices;
        - ``POST /logout-everywhere``: every device but this one;
        - ``POST /logout``: this device, then a 303 to ``after_logout``.

        The forms post to the same origin, so they pass the cross-site check.
        """

        def base(request: Request) -> str:
            return str(request.scope.get("root_path", "")).rstrip("/")

        async def page(request: Request) -> Response:
            session = await self.required(request)
            devices = await self.devices(request)
            html = devices_page(devices, current_key=session.key, base=base(request))
            return HTMLResponse(html, headers=self.settings.page_headers())

        def back(location: str) -> Response:
            return RedirectResponse(location, 303, headers=self.settings.page_headers())

        async def revoke(request: Request) -> Response:
            await self.revoke(request, request.path_params["key"])
            return back(f"{base(request)}/devices")

        async def everywhere(request: Request) -> Response:
            await self.logout_everywhere(request)
            return back(f"{base(request)}/devices")

        async def logout(request: Request) -> Response:
            await self.logout(request)
            return back(after_logout)

        async def unavailable(request: Request, error: Exception) -> Response:
            # a mounted app answers for itself: its own error middleware
            # would send a 500 before the outer SessionMiddleware saw this
            status, text, headers = self.settings.unavailable(error)
            return PlainTextResponse(text, status, headers)

        return Starlette(
            exception_handlers={SessionBackendError: unavailable},
            routes=[
                Route("/devices", page, methods=["GET"]),
                Route("/devices/{key}/revoke", revoke, methods=["POST"]),
                Route("/logout-everywhere", everywhere, methods=["POST"]),
                Route("/logout", logout, methods=["POST"]),
            ],
        )
