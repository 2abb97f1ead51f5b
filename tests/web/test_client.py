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


def test_a_maxmind_database_locates_the_login(tmp_path: Any) -> None:
    from mmdb_writer import MMDBWriter
    from netaddr import IPSet  # type: ignore[import-untyped]

    from authsessions.web import geoip_locator

    writer = MMDBWriter(ip_version=6, ipv4_compatible=True, database_type="GeoLite2-City")
    writer.insert_network(IPSet(["203.0.113.0/24"]), {
        "city": {"names": {"en": "Berlin"}},
        "country": {"iso_code": "DE", "names": {"en": "Germany"}},
    })  # fmt: skip
    writer.insert_network(IPSet(["2001:db8:1::/48"]), {
        "country": {"iso_code": "FR", "names": {"en": "France"}},
    })  # fmt: skip
    writer.to_db_file(str(tmp_path / "city.mmdb"))
    locate = geoip_locator(tmp_path / "city.mmdb")
    assert locate(ipaddress.ip_address("203.0.113.9")) == "Berlin, DE"
    assert locate(ipaddress.ip_address("2001:db8:1::7")) == "France"
    assert locate(ipaddress.ip_address("198.51.100.1")) is None
    client = WebSettings(locate=locate).client("203.0.113.200", "Firefox")
    assert client.location == "Berlin, DE"
    (tmp_path / "junk.mmdb").write_bytes(b"not a database")
    with pytest.raises(ConfigurationError):
        geoip_locator(tmp_path / "junk.mmdb")
