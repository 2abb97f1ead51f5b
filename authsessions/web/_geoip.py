"""A location for an address from a local MaxMind database (GeoLite2 or
GeoIP2 City / Country), for the integrations' ``locate`` setting.

A lookup reads a memory-mapped file: microseconds, no network call, so it
may run on a login's path. ``pip install 'authsessions[geoip]'`` (geoip2).
"""

from __future__ import annotations

from collections.abc import Callable
from ipaddress import IPv4Address, IPv6Address
from os import PathLike
from typing import Any

from authsessions.kit import ConfigurationError


def geoip_locator(
    database: str | PathLike[str], *, language: str = "en"
) -> Callable[[IPv4Address | IPv6Address], str | None]:
    """A ``locate`` function on a MaxMind database file: ``"Berlin, DE"``
    (city and country code), ``"Germany"`` when the database knows only
    the country, None for an address it does not know (a private one, say).

    Args:
        database: the ``.mmdb`` file (e.g. ``GeoLite2-City.mmdb``).
        language: the language of the names (a language the file holds).

    Raises:
        ImportError: geoip2 is not installed (``pip install 'authsessions[geoip]'``).
        ConfigurationError: the file cannot be opened as a MaxMind database.
    """
    try:
        import geoip2.database
        import geoip2.errors
    except ImportError as err:
        raise ImportError("geoip_locator needs geoip2: pip install 'authsessions[geoip]'") from err
    try:
        reader: Any = geoip2.database.Reader(str(database), locales=[language])
    except (OSError, ValueError, RuntimeError) as err:  # InvalidDatabaseError: a RuntimeError
        raise ConfigurationError(
            "locate", f"{database} is not a readable MaxMind database ({type(err).__name__})"
        ) from None
    city = "City" in str(reader.metadata().database_type)
    not_found = geoip2.errors.AddressNotFoundError

    def locate(ip: IPv4Address | IPv6Address) -> str | None:
        try:
            found = reader.city(ip) if city else reader.country(ip)
        except (not_found, ValueError):
            return None
        country = found.country
        place: str | None = found.city.name if city else None
        code: str | None = country.iso_code
        if place and code:
            return f"{place}, {code}"
        name: str | None = country.name
        return place or name or code

    return locate
