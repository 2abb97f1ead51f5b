"""What the integrations share: how a request presents its session, the
per-request state, and the settings every integration takes."""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from datetime import timedelta
from ipaddress import IPv4Address, IPv6Address
from typing import Any, Generic, Literal, TypeVar
from urllib.parse import quote

import attrs

from authsessions import SessionUtils
from authsessions.kit import (
    AuthSessionsError,
    ClientInfo,
    ConfigurationError,
    Session,
    SessionId,
)

from ._cookies import CookieSettings, check_bool, is_loopback
from ._csrf import origin_refusal
from ._labels import device_label

_log = logging.getLogger("authsessions.web")

U = TypeVar("U")
M = TypeVar("M")

IPAddress = IPv4Address | IPv6Address
Transport = Literal["cookie", "bearer", "both"]
Source = Literal["cookie", "bearer"]
Header = Callable[[str], str | None]


class NotLoggedIn(AuthSessionsError):
    """The request has no live session (an integration answers 401, or
    redirects to the login page)."""

    def __init__(self) -> None:
        super().__init__("the request has no live session")


class ReauthenticationRequired(AuthSessionsError):
    """The request's session signed in longer ago than a view allows
    (``require_recent``): the user must enter their credentials again (an
    integration redirects a browser to ``reauth_url``, or answers 401 with
    an RFC 9470 step-up challenge).

    Attributes:
        max_age: the longest time since sign-in the view accepts.
        session: the request's (live) session.
    """

    def __init__(self, max_age: timedelta, session: Session[Any, Any]) -> None:
        self.max_age = max_age
        self.session = session
        super().__init__(f"this needs a sign-in within the last {max_age}")


class PlainHttpWarning(UserWarning):
    """A session cookie was set on a plain-HTTP request that will never get
    it back (it is ``Secure``): the next request is not logged in. The
    message says what to do (HTTPS; an ``https://`` base URL in tests)."""


class CrossSiteRefused(AuthSessionsError):
    """A request from another site tried to act with the session cookie,
    or to log in (an integration answers 403).

    Attributes:
        reason: which check refused it.
    """

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"cross-site request refused: {reason}")


@attrs.define
class RequestState(Generic[U, M]):
    """One request's session, found lazily; the cookie to send back.

    ``presented`` is the SessionId the request carried (never in the repr);
    ``source`` where it came from; ``refusal`` why this request, if it
    changes state, comes from another site (None: it does not); ``ip``
    the client's address, if it is one (recorded with the session's touch)."""

    presented: SessionId | None = attrs.field(repr=False)
    source: Source | None
    host: str
    refusal: str | None
    https: bool = True
    browser: bool = False
    loaded: bool = False
    session: Session[U, M] | None = None
    set_cookie: str | None = attrs.field(default=None, repr=False)
    ip: IPAddress | None = None


def _check_transport(_: object, __: object, value: Any) -> None:
    if value not in ("cookie", "bearer", "both"):
        raise ConfigurationError("transport", "must be 'cookie', 'bearer' or 'both'")


def _check_cookie(_: object, __: object, value: Any) -> None:
    if not isinstance(value, CookieSettings):
        raise ConfigurationError("cookie", "must be a CookieSettings")


def _check_login_url(_: object, __: object, value: Any) -> None:
    if value is not None and (not isinstance(value, str) or not value.startswith("/")):
        raise ConfigurationError("login_url", "must be a local path such as '/login', or None")


def _check_label(_: object, __: object, value: Any) -> None:
    if not callable(value):
        raise ConfigurationError("label", "must be a callable from a User-Agent to a str")


def _check_frame_ancestors(_: object, __: object, value: Any) -> None:
    if value is not None and (
        not isinstance(value, str) or not value.strip() or any(c in value for c in ";,\r\n")
    ):
        raise ConfigurationError(
            "frame_ancestors",
            "must be a CSP frame-ancestors source list such as \"'none'\" or \"'self'\", or None",
        )


def _check_locate(_: object, __: object, value: Any) -> None:
    if value is not None and not callable(value):
        raise ConfigurationError(
            "locate", "must be a callable from an IP address to a location str, or None"
        )


def _check_reauth_url(_: object, __: object, value: Any) -> None:
    if value is not None and (not isinstance(value, str) or not value.startswith("/")):
        raise ConfigurationError("reauth_url", "must be a local path such as '/reauth', or None")


def _check_retry_after(_: object, __: object, value: Any) -> None:
    if type(value) is not int or value < 0:
        raise ConfigurationError("retry_after", "must be a whole number of seconds, 0 or more")


def _origins(values: Collection[str]) -> frozenset[str]:
    if isinstance(values, str):
        raise ConfigurationError("trusted_origins", "must be a collection of origins, not a str")
    origins = set()
    for value in values:
        if not isinstance(value, str) or "://" not in value or value.rstrip("/").count("/") > 2:
            raise ConfigurationError("trusted_origins", f"{value!r} is not scheme://host[:port]")
        origins.add(value.lower().rstrip("/"))
    return frozenset(origins)


def positive_max_age(max_age: object) -> timedelta:
    """``max_age`` of a ``require_recent``, checked when the view is decorated.

    Raises:
        ConfigurationError: not a positive timedelta.
    """
    if not isinstance(max_age, timedelta) or max_age <= timedelta(0):
        raise ConfigurationError("max_age", "must be a positive timedelta")
    return max_age


def _page_redirect(url: str | None, method: str, accept: str | None, target: str) -> str | None:
    """``url?next=<target>`` for a browser navigating (GET or HEAD
    accepting HTML), else None (the caller answers 401)."""
    if url is None or method.upper() not in ("GET", "HEAD"):
        return None
    if "text/html" not in (accept or ""):
        return None
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}next={quote(target)}"


@attrs.frozen
class WebSettings:
    """The settings every integration takes (see their ``SessionAuth``).

    Raises:
        ConfigurationError: for an invalid setting.
    """

    transport: Transport = attrs.field(default="cookie", validator=_check_transport)
    cookie: CookieSettings = attrs.field(factory=CookieSettings, validator=_check_cookie)
    trusted_origins: frozenset[str] = attrs.field(default=frozenset(), converter=_origins)
    csrf: bool = attrs.field(default=True, validator=check_bool("csrf"))
    login_url: str | None = attrs.field(default=None, validator=_check_login_url)
    label: Callable[[str | None], str] = attrs.field(default=device_label, validator=_check_label)
    frame_ancestors: str | None = attrs.field(default="'none'", validator=_check_frame_ancestors)
    retry_after: int = attrs.field(default=5, validator=_check_retry_after)
    locate: Callable[[IPAddress], str | None] | None = attrs.field(
        default=None, validator=_check_locate
    )
    reauth_url: str | None = attrs.field(default=None, validator=_check_reauth_url)

    def client(self, ip: str | None, user_agent: str | None) -> ClientInfo:
        """What a login records of its client: the address and user agent
        as the request gives them (leniently), and the location ``locate``
        finds for the address. A resolver that fails is logged and skipped:
        it never fails a login."""
        client = ClientInfo.from_request(ip=ip, user_agent=user_agent)
        if self.locate is None or client.ip is None:
            return client
        try:
            place = self.locate(client.ip)
        except Exception:  # a resolver's failure must not fail the login
            _log.warning("the location resolver failed; the login goes on without it",
                         exc_info=True)  # fmt: skip
            return client
        return ClientInfo.from_request(ip=ip, user_agent=user_agent, location=place)

    @property
    def uses_cookie(self) -> bool:
        return self.transport != "bearer"

    def response_headers(self, state: RequestState[Any, Any]) -> list[tuple[str, str]]:
        """What a response to this request must carry: the cookie a flow
        set, and, when the integration looked at the session (or set a
        cookie), ``Cache-Control: no-store`` and ``Vary`` on the
        credentials, so no cache keeps or shares an authenticated answer."""
        headers = []
        if state.set_cookie is not None:
            headers.append(("Set-Cookie", state.set_cookie))
        if state.loaded or state.set_cookie is not None:
            headers.append(("Cache-Control", "no-store"))
            vary = {"cookie": "Cookie", "bearer": "Authorization"}.get(
                self.transport, "Cookie, Authorization"
            )
            headers.append(("Vary", vary))
        return headers

    def plain_http_problem(self, state: RequestState[Any, Any]) -> str | None:
        """Why a cookie set on this request will not come back, or None."""
        if state.https or not self.cookie.secure_for(state.host):
            return None
        if is_loopback(state.host):
            if state.browser:
                return None  # browsers treat localhost as a secure context
            return (
                f"the session cookie is Secure and this request reached {state.host!r} over "
                "plain HTTP: browsers send it back to localhost, but HTTP clients (httpx, "
                "requests, TestClient) do not, so this client's next request is not logged "
                f"in. In tests, use an https base URL (TestClient(app, base_url='https://"
                f"{state.host}'); Django's test client: secure=True), or "
                "CookieSettings(secure=False) on localhost"
            )
        if not self.cookie.secure:
            return (
                f"CookieSettings(secure=False) applies to localhost only: for host "
                f"{state.host!r} the session cookie stays Secure, and this plain-HTTP "
                "client will not send it back. Serve over HTTPS, or in tests use an https "
                f"base URL (TestClient(app, base_url='https://{state.host}'); Django's test "
                "client: secure=True)"
            )
        return (
            f"the session cookie is Secure, but this request reached {state.host!r} over "
            "plain HTTP: no browser or HTTP client sends it back, so the next request is "
            "not logged in. Serve over HTTPS; in tests, use an https base URL "
            f"(TestClient(app, base_url='https://{state.host}'); Django's test client: "
            "secure=True); for plain-HTTP "
            "development on localhost, CookieSettings(secure=False)"
        )

    def page_headers(self) -> dict[str, str]:
        """Headers of the account pages: no caching, and no framing by
        another page (clickjacking) unless ``frame_ancestors`` allows it."""
        headers = {"Cache-Control": "no-store"}
        if self.frame_ancestors is not None:
            headers["Content-Security-Policy"] = f"frame-ancestors {self.frame_ancestors}"
            legacy = {"'none'": "DENY", "'self'": "SAMEORIGIN"}.get(self.frame_ancestors)
            if legacy is not None:
                headers["X-Frame-Options"] = legacy
        return headers

    def unavailable(self, error: BaseException | None = None) -> tuple[int, str, dict[str, str]]:
        """The answer when the store fails: 503 with ``Retry-After``; never
        "logged out", never a cookie, nothing about the failure (which is
        logged as a warning on ``authsessions.web``: an operator must see
        it; its message names the backend and the operation, never a
        secret)."""
        if error is not None:
            _log.warning("the session store failed; answering 503: %s", error)
        headers = {"Retry-After": str(self.retry_after), "Cache-Control": "no-store"}
        return 503, "Service Unavailable: sessions cannot be checked right now", headers

    def read(
        self, method: str, header: Header, own_origin: str, host: str, ip: str | None = None
    ) -> RequestState[Any, Any]:
        """The state of a new request: the SessionId it presents (the
        Authorization header first, with transport "both"), whether it is
        cross-site, and the client's address (``ip``, when it is one)."""
        presented: SessionId | None = None
        source: Source | None = None
        if self.transport != "cookie":
            presented = SessionUtils.get_session_id_from_auth_token(header("authorization"))
            source = "bearer" if presented is not None else None
        if presented is None and self.uses_cookie:
            presented = self.cookie.read(header("cookie"), host)
            source = "cookie" if presented is not None else None
        refusal = (
            origin_refusal(method, header, own_origin, self.trusted_origins) if self.csrf else None
        )
        return RequestState(
            presented,
            source,
            host,
            refusal,
            https=own_origin.lower().startswith("https:"),
            # every current browser sends Sec-Fetch-Mode; HTTP clients do not
            browser=header("sec-fetch-mode") is not None,
            ip=ClientInfo.from_request(ip=ip, user_agent=None).ip,
        )

    def blocks(self, state: RequestState[Any, Any]) -> bool:
        """Whether the request must be refused before it runs: it changes
        state, comes from another site, and carries the session cookie."""
        return state.refusal is not None and state.source == "cookie"

    def login_redirect(self, method: str, accept: str | None, target: str) -> str | None:
        """Where to send a request without a session: ``login_url`` with
        ``?next=<target>`` for a browser navigating (GET or HEAD accepting
        HTML); None (answer 401) for anything else, such as an API call."""
        return _page_redirect(self.login_url, method, accept, target)

    def challenge(self) -> str:
        """The ``WWW-Authenticate`` value of a 401."""
        if self.transport == "cookie":
            return f'Cookie name="{self.cookie.name}"'
        return "Bearer"

    def reauth_redirect(self, method: str, accept: str | None, target: str) -> str | None:
        """Where to send a browser whose sign-in is too old:
        ``reauth_url`` (else ``login_url``) with ``?next=<target>``, for a
        GET or HEAD accepting HTML; None (answer 401) otherwise."""
        return _page_redirect(self.reauth_url or self.login_url, method, accept, target)

    def step_up_challenge(self, max_age: timedelta) -> str:
        """The ``WWW-Authenticate`` value of a 401 for a sign-in too old
        (RFC 9470's ``insufficient_user_authentication``, with ``max_age``
        in seconds)."""
        return (
            f'{self.challenge()}, error="insufficient_user_authentication", '
            f'error_description="A more recent sign-in is required", '
            f'max_age="{int(max_age.total_seconds())}"'
        )
