"""The session cookie's attributes and reading it back."""

from __future__ import annotations

from datetime import timedelta

import pytest

from authsessions import ConfigurationError, SessionId
from authsessions.web import CookieSettings, is_loopback

SID = SessionId("0" * 32 + "." + "A" * 43)


def attributes(header: str) -> tuple[str, set[str]]:
    first, *rest = header.split("; ")
    return first, set(rest)


def test_the_defaults_are_the_safe_ones() -> None:
    value, flags = attributes(CookieSettings().header(SID, "example.com", 3600))
    assert value == f"__Host-session={SID}"
    assert flags == {"HttpOnly", "Path=/", "SameSite=Lax", "Secure", "Max-Age=3600"}


def test_insecure_is_honoured_on_loopback_only() -> None:
    cookie = CookieSettings(secure=False)
    for host in ("localhost:8000", "127.0.0.1", "[::1]:5000"):
        value, flags = attributes(cookie.header(SID, host, None))
        assert value == f"session={SID}" and "Secure" not in flags, host
    for host in ("example.com", "localhost.evil.com", "127.0.0.2"):
        value, flags = attributes(cookie.header(SID, host, None))
        assert value.startswith("__Host-session=") and "Secure" in flags, host


def test_clearing_matches_the_cookie_it_clears() -> None:
    value, flags = attributes(CookieSettings(same_site="strict").clearing_header("example.com"))
    assert value == "__Host-session="
    assert flags == {"HttpOnly", "Path=/", "SameSite=Strict", "Secure", "Max-Age=0"}


def test_reading_takes_the_first_well_formed_value_of_the_prefixed_name() -> None:
    cookie = CookieSettings()
    header = f"session={SID}; __Host-session=junk; other=1; __Host-session={SID}"
    assert cookie.read(header, "example.com") == SID
    assert cookie.read(f"session={SID}", "example.com") is None  # unprefixed: not ours
    assert cookie.read(f"session={SID}", "localhost") is None  # secure even on loopback
    assert CookieSettings(secure=False).read(f"session={SID}", "localhost") == SID
    assert cookie.read(None, "example.com") is None
    assert cookie.read("x" * 20_000, "example.com") is None


@pytest.mark.parametrize(
    "bad",
    [
        {"name": ""},
        {"name": "a b"},
        {"name": "__Host-session"},
        {"same_site": "none"},
        {"max_age": timedelta(0)},
        {"max_age": 10},
        {"secure": "yes"},
    ],
)
def test_bad_settings_are_configuration_errors(bad: dict[str, object]) -> None:
    with pytest.raises(ConfigurationError):
        CookieSettings(**bad)  # type: ignore[arg-type]


def test_loopback_hosts() -> None:
    assert is_loopback("LOCALHOST:80") and is_loopback("[::1]")
    assert not is_loopback("localhost.example.com") and not is_loopback("[::2]:80")
