"""What a session knows of its sign-in besides the user: the client it came
from (``ClientInfo``), whether it is remembered, and the hashes of the
secrets rotated away from it (for stolen-session detection).

Stores keep the first two as one canonical JSON object (*details*), the
last as one short string (*previous*); both are opaque to a store, which
persists them as it persists meta. Records written before these existed
have neither: ``"{}"`` and ``""`` read as "no client, remembered, nothing
rotated away".
"""

from __future__ import annotations

import ipaddress
from typing import Any, Literal

import attrs

from ._errors import InvalidSessionDataError, LimitExceededError, StoredDataError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

MAX_USER_AGENT = 512
"""Characters of a user agent a session keeps (``ClientInfo.from_request``
cuts longer ones; the constructor refuses them)."""
MAX_LOCATION = 200
"""Characters of a location a session keeps."""
PREVIOUS_KEPT = 4
"""Hashes of rotated-away secrets a session keeps, newest first: a reuse of
an older one is an unknown id, not a detected theft."""

ClientDetails = Literal["full", "truncated", "none"]


def _ip(value: object) -> IPAddress | None:
    if value is None or isinstance(value, ipaddress.IPv4Address | ipaddress.IPv6Address):
        return value
    if isinstance(value, str):
        try:
            return ipaddress.ip_address(value)
        except ValueError:
            pass
    raise InvalidSessionDataError(
        "client", "ip must be an IPv4Address, an IPv6Address, an address as str, or None"
    )


def _bounded(field: str, limit: int) -> Any:
    def check(_: object, __: object, value: object) -> None:
        if value is None:
            return
        if type(value) is not str:
            raise InvalidSessionDataError("client", f"{field} must be a str or None")
        if len(value) > limit:
            raise LimitExceededError(
                f"client.{field}", limit=limit, actual=len(value), unit="characters"
            )

    return check


@attrs.frozen(kw_only=True)
class ClientInfo:
    """The client a session signed in from.

    Attributes:
        ip: the client's address (an ``ipaddress`` value; a str is
            parsed), or None.
        user_agent: the browser's User-Agent header, or None.
        location: where the address is, from the application's resolver
            (e.g. ``"Berlin, DE"``), or None.

    Raises:
        InvalidSessionDataError: an ip that is not an address, or a field
            of the wrong type.
        LimitExceededError: a user agent over ``MAX_USER_AGENT`` or a
            location over ``MAX_LOCATION`` characters.
    """

    ip: IPAddress | None = attrs.field(default=None, converter=_ip)
    user_agent: str | None = attrs.field(
        default=None, validator=_bounded("user_agent", MAX_USER_AGENT)
    )
    location: str | None = attrs.field(default=None, validator=_bounded("location", MAX_LOCATION))

    @classmethod
    def from_request(
        cls, *, ip: str | None, user_agent: str | None, location: str | None = None
    ) -> ClientInfo:
        """What a web request says of its client, leniently: an address
        that does not parse (a proxy's placeholder, a Unix socket) is
        None, a long user agent or location is cut to its limit. Never
        raises for request data."""
        address: IPAddress | None = None
        if isinstance(ip, str):
            try:
                address = ipaddress.ip_address(ip.strip().strip("[]"))
            except ValueError:
                address = None
        agent = user_agent[:MAX_USER_AGENT] if isinstance(user_agent, str) else None
        place = location[:MAX_LOCATION] if isinstance(location, str) else None
        return cls(ip=address, user_agent=agent or None, location=place or None)

    def origin(self) -> str:
        """Where it is: ``"Berlin, DE (203.0.113.7)"``, the location or the
        address alone, or "" (unescaped: the devices page and the tables
        escape it for their medium)."""
        ip = "" if self.ip is None else str(self.ip)
        if self.location and ip:
            return f"{self.location} ({ip})"
        return self.location or ip

    def to_dict(self) -> dict[str, str | None]:
        """A JSON-ready dict (the address as text)."""
        return {
            "ip": None if self.ip is None else str(self.ip),
            "user_agent": self.user_agent,
            "location": self.location,
        }


def truncated_ip(ip: IPAddress) -> IPAddress:
    """The network an address belongs to: its /24 (IPv4) or /48 (IPv6)."""
    prefix = 24 if ip.version == 4 else 48
    return ipaddress.ip_network(f"{ip}/{prefix}", strict=False).network_address


def kept_ip(ip: object, keep: ClientDetails) -> str | None:
    """The address a read records (``get_session(..., ip=...)``) as the
    policy keeps it, as text; None for None or under ``"none"``.

    Raises:
        InvalidSessionDataError: ``ip`` is not an address (an
            ``ipaddress`` value or its text).
    """
    if ip is None or keep == "none":
        return None
    try:
        address = _ip(ip)
    except InvalidSessionDataError:
        raise InvalidSessionDataError(
            "ip", "must be an IPv4Address, an IPv6Address, an address as str, or None"
        ) from None
    if address is None:  # pragma: no cover - excluded above
        return None
    return str(address if keep == "full" else truncated_ip(address))


def stored_ip(key: str, text: object) -> IPAddress | None:
    """The last-use address a store kept (None or its text).

    Raises:
        StoredDataError: it is not an address.
    """
    if text is None:
        return None
    if isinstance(text, str):
        try:
            return ipaddress.ip_address(text)
        except ValueError:
            pass
    raise StoredDataError(key, "last_used_ip", "an IP address")


def details_dict(client: ClientInfo | None, remember: bool, keep: ClientDetails) -> dict[str, Any]:
    """The details object a store keeps (before canonical JSON): only what
    differs from the defaults, and of the client only what ``keep`` allows."""
    details: dict[str, Any] = {}
    if not remember:
        details["remember"] = False
    if client is not None and keep != "none":
        if client.ip is not None:
            details["ip"] = kept_ip(client.ip, keep)
        if client.user_agent is not None:
            details["ua"] = client.user_agent
        if client.location is not None:
            details["loc"] = client.location
    return details


_NO_DETAILS: tuple[bool, ClientInfo | None] = (True, None)


def from_details(key: str, details: object) -> tuple[bool, ClientInfo | None]:
    """``(remember, client)`` of a decoded details object (None or ``{}``
    for a record written before details existed).

    Raises:
        StoredDataError: it is not a details object this library wrote.
    """
    if not details:
        return _NO_DETAILS
    if type(details) is not dict:
        raise StoredDataError(key, "details", "a details object")
    remember = details.get("remember", True)
    ip, agent, place = details.get("ip"), details.get("ua"), details.get("loc")
    if type(remember) is not bool:
        raise StoredDataError(key, "details", "a details object")
    if ip is None and agent is None and place is None:
        return remember, None
    try:
        return remember, ClientInfo(ip=ip, user_agent=agent, location=place)
    except (InvalidSessionDataError, LimitExceededError) as err:
        raise StoredDataError(key, "details", "a details object") from err


# -- rotated-away secrets -------------------------------------------------------
# ``previous`` is "" or up to PREVIOUS_KEPT entries "<sha256 hex>@<rotated ms>"
# joined by ",", newest first: a plain string every backend can store and a
# Lua script can edit with string functions.


def push_previous(previous: str, secret_hash_hex: str, rotated_ms: int) -> str:
    """``previous`` with a just-rotated-away hash in front, bounded."""
    entries = [f"{secret_hash_hex}@{rotated_ms}"]
    if previous:
        entries += previous.split(",")[: PREVIOUS_KEPT - 1]
    return ",".join(entries)


def rotated_at(previous: str, secret_hash_hex: str) -> int | None:
    """When the secret with this hash was rotated away (ms), if it is one
    of the session's previous secrets; None otherwise."""
    if not previous or len(secret_hash_hex) != 64:
        return None
    start = previous.find(secret_hash_hex + "@")
    if start < 0 or (start and previous[start - 1] != ","):
        return None
    end = previous.find(",", start)
    try:
        return int(previous[start + 65 : end if end >= 0 else None])
    except ValueError:
        return None
