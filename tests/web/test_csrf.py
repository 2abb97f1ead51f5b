"""The cross-site check on requests that would use the session cookie."""

from __future__ import annotations

import pytest

from authsessions.web import origin_of, origin_refusal

OWN = "https://app.example.com"


def refusal(method: str = "POST", own: str = OWN, trusted: tuple[str, ...] = (),
            **headers: str) -> str | None:  # fmt: skip
    named = {k.replace("_", "-"): v for k, v in headers.items()}
    return origin_refusal(method, named.get, own, trusted)


@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS", "TRACE", "get"])
def test_safe_methods_always_pass(method: str) -> None:
    assert refusal(method, sec_fetch_site="cross-site", origin="https://evil.test") is None


@pytest.mark.parametrize("site", ["same-origin", "none"])
def test_fetch_metadata_from_our_pages_passes(site: str) -> None:
    assert refusal(sec_fetch_site=site) is None


@pytest.mark.parametrize("site", ["cross-site", "same-site"])
def test_fetch_metadata_from_another_site_is_refused(site: str) -> None:
    # same-site: a sibling subdomain or another port, which SameSite=Lax lets through
    assert refusal(sec_fetch_site=site, origin="https://evil.example.com") is not None


def test_origin_decides_without_fetch_metadata() -> None:
    assert refusal(origin=OWN) is None
    assert refusal(origin="HTTPS://APP.EXAMPLE.COM") is None
    assert refusal(origin="https://evil.test") is not None
    assert refusal(origin="null") is not None  # a sandboxed frame or a data: URL
    assert refusal(origin="http://app.example.com") is not None  # another scheme


def test_trusted_origins_pass_even_cross_site() -> None:
    front = "https://front.example.com"
    assert refusal(trusted=(front,), origin=front, sec_fetch_site="same-site") is None
    assert refusal(trusted=(front,), origin="https://other.example.com",
                   sec_fetch_site="same-site") is not None  # fmt: skip


def test_referer_decides_without_either() -> None:
    assert refusal(referer=f"{OWN}/account/devices") is None
    assert refusal(referer="https://evil.test/page") is not None
    assert refusal(referer="not a url") is not None


def test_a_request_with_no_browser_headers_passes() -> None:
    # curl with a cookie jar: no browser was tricked into sending it
    assert refusal() is None


def test_origin_of() -> None:
    assert origin_of("https://Example.com:8443/a?b") == "https://example.com:8443"
    assert origin_of("/relative") is None
    assert origin_of("http://[::1") is None
