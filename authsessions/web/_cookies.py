"""The session cookie: its attributes, chosen safe by default, and reading
it back from a ``Cookie`` header."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any, Literal

import attrs

from authsessions import SessionUtils
from authsessions.kit import ConfigurationError, SessionId

SameSite = Literal["lax", "strict"]

_LOOPBACK = ("localhost", "127.0.0.1", "[::1]")


def _check_name(_: object, __: object, name: Any) -> None:
    # RFC 6265 token characters, and no prefix: the prefix is ours to add
    if not isinstance(name, str) or not name or not all(c.isalnum() or c in "-_" for c in name):
        raise ConfigurationError("cookie.name", "must be letters, digits, - or _")
    if name.lower().startswith(("__host-", "__secure-")):
        raise ConfigurationError("cookie.name", "leave out the __Host- prefix: it is added")


def _check_same_site(_: object, __: object, value: Any) -> None:
    if value not in ("lax", "strict"):
        raise ConfigurationError(
            "cookie.same_site",
            "must be 'lax' or 'strict' ('none' would send the cookie cross-site)",
        )


def _check_max_age(_: object, __: object, value: Any) -> None:
    if value is not None and (not isinstance(value, timedelta) or value <= timedelta(0)):
        raise ConfigurationError("cookie.max_age", "must be a positive timedelta or None")


def check_bool(setting: str) -> Callable[[object, object, Any], None]:
    """An attrs validator: a bool, else ConfigurationError naming ``setting``."""

    def check(_: object, __: object, value: Any) -> None:
        if not isinstance(value, bool):
            raise ConfigurationError(setting, "must be True or False")

    return check


def is_loopback(host: str) -> bool:
    """Whether a ``Host`` header (with or without a port) names this machine."""
    name = host.lower()
    # "[::1]:8000" -> "[::1]", "localhost:8000" -> "localhost"
    name = name[: name.find("]") + 1] if name.startswith("[") else name.partition(":")[0]
    return name in _LOOPBACK


@attrs.frozen
class CookieSettings:
    """How the session cookie is written. The defaults are the safe ones.

    Attributes:
        name: the cookie's name; sent as ``__Host-<name>`` whenever the
            cookie is Secure (the browser then refuses it from a sibling
            subdomain or over plain HTTP, and for any path but ``/``).
        secure: ``Secure`` and the ``__Host-`` prefix. ``False`` is for
            plain-HTTP development on localhost only: for any other host the
            cookie stays Secure (so it fails closed, not open).
        same_site: ``"lax"`` (default: sent on top-level navigations from
            other sites, e.g. a link, never on their POSTs) or
            ``"strict"``. ``"none"`` is refused.
        max_age: how long the browser keeps it; None (default) takes the
            store's absolute lifetime (``policy.absolute_ttl``), or makes it
            a browser-session cookie for a store without a policy.

    The cookie is always ``HttpOnly`` (scripts cannot read it) and
    ``Path=/``, with no ``Domain`` (host-only).

    Raises:
        ConfigurationError: for a bad name, ``same_site`` or ``max_age``.
    """

    name: str = attrs.field(default="session", validator=_check_name)
    secure: bool = attrs.field(default=True, validator=check_bool("cookie.secure"))
    same_site: SameSite = attrs.field(default="lax", validator=_check_same_site)
    max_age: timedelta | None = attrs.field(default=None, validator=_check_max_age)

    def secure_for(self, host: str) -> bool:
        """Whether the cookie sent to ``host`` is Secure."""
        return self.secure or not is_loopback(host)

    def name_for(self, host: str) -> str:
        """The cookie's name on the wire for ``host``."""
        return "__Host-" + self.name if self.secure_for(host) else self.name

    def header(self, session_id: SessionId, host: str, max_age: int | None) -> str:
        """The ``Set-Cookie`` value that stores ``session_id``."""
        parts = [f"{self.name_for(host)}={session_id}", "HttpOnly", "Path=/"]
        parts.append("SameSite=" + self.same_site.capitalize())
        if self.secure_for(host):
            parts.append("Secure")
        if max_age is not None:
            parts.append(f"Max-Age={max_age}")
        return "; ".join(parts)

    def clearing_header(self, host: str) -> str:
        """The ``Set-Cookie`` value that removes the cookie."""
        parts = [f"{self.name_for(host)}=", "HttpOnly", "Path=/", "Max-Age=0"]
        parts.append("SameSite=" + self.same_site.capitalize())
        if self.secure_for(host):
            parts.append("Secure")
        return "; ".join(parts)

    def read(self, cookie_header: str | None, host: str) -> SessionId | None:
        """The SessionId in a ``Cookie`` header: the first well-formed value
        of the cookie's name; None if there is none."""
        if not cookie_header or len(cookie_header) > 16_384:
            return None
        wanted = self.name_for(host)
        for part in cookie_header.split(";"):
            name, _, value = part.strip().partition("=")
            if name == wanted:
                found = SessionUtils.to_session_id(value.strip().strip('"'))
                if found is not None:
                    return found
        return None
