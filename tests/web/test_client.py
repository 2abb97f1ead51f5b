"""What a login records of its client: WebSettings.client and ``locate``."""

from __future__ import annotations

import ipaddress
import logging
from datetime import timedelta
from typing import Any

import pytest

from authsessions import AsyncInMemorySessions, ConfigurationError, InMemorySessions
from authsessions.web import WebSettings


def test_the_resolver_locates_the_address() -> None:
    seen: list[Any] = []

    def locate(ip: Any) -> str:
        seen.append(ip)
        return "Berlin, DE"

    client = WebSettings(locate=locate).client("203.0.113.9", "Firefox")
    assert client.location == "Berlin, DE" and client.user_agent == "Firefox"
    assert seen == [ipaddress.IPv4Address("203.0.113.9")]


def test_no_address_no_lookup_and_a_failing_resolver_never_fails_the_login(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(ip: Any) -> str:
        raise OSError("GeoLite2-City.mmdb: no such file")

    settings = WebSettings(locate=broken)
    assert settings.client("testclient", None).ip is None
    with caplog.at_level(logging.WARNING, logger="authsessions.web"):
        client = settings.client("2001:db8::1", "curl")
    assert client.location is None and str(client.ip) == "2001:db8::1"
    assert "location resolver failed" in caplog.text


def test_bad_settings_are_configuration_errors() -> None:
    for bad in ({"locate": "maxmind"}, {"reauth_url": "https://evil.test/reauth"}):
        with pytest.raises(ConfigurationError):
            WebSettings(**bad)  # type: ignore[arg-type]
    from authsessions.flask import SessionAuth as FlaskAuth
    from authsessions.starlette import SessionAuth as StarletteAuth

    for zero in (timedelta(0), 600):
        with pytest.raises(ConfigurationError):
            StarletteAuth(AsyncInMemorySessions()).require_recent(zero)  # type: ignore[arg-type]
        with pytest.raises(ConfigurationError):
            FlaskAuth(InMemorySessions()).require_recent(zero)  # type: ignore[arg-type]
