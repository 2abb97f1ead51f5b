"""Refusing cross-site requests that would ride on the session cookie.

A browser attaches cookies to requests other sites make it send (a form
POST, a fetch with credentials). A request that changes state and is
authenticated by the cookie must therefore prove it comes from our own
pages. Modern browsers say where a request comes from in two headers a page
cannot forge: ``Sec-Fetch-Site`` (Chromium 76+, Firefox 90+, Safari 16.4+)
and ``Origin`` (sent on every cross-origin request and every POST). See
SECURITY.md for the threat model and why there is no token.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from urllib.parse import urlsplit

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def origin_of(url: str) -> str | None:
    """``scheme://host[:port]`` of a URL, lower-cased; None if it has none."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if not parts.scheme or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


def origin_refusal(
    method: str,
    header: Callable[[str], str | None],
    own_origin: str,
    trusted_origins: Collection[str] = (),
) -> str | None:
    """Why a request must not act with the session cookie, or None if it
    may. Safe methods (GET, HEAD, OPTIONS, TRACE) always may: they must not
    change state.

    Args:
        method: the request method.
        header: looks a request header up by lower-case name.
        own_origin: this app's origin as the request reached it
            (``scheme://host[:port]``).
        trusted_origins: other origins whose pages may send such requests
            (a separate front end), each ``scheme://host[:port]``.

    The order: an ``Origin`` equal to ours or trusted passes; then
    ``Sec-Fetch-Site`` decides (``same-origin`` and ``none``, a request the
    user started, pass; ``same-site`` and ``cross-site`` are refused);
    without it an ``Origin`` naming another site is refused, and without
    both a ``Referer`` must name our origin. A request with none of the
    three is not from a browser that could be tricked, and passes.
    """
    if method.upper() in SAFE_METHODS:
        return None
    own = own_origin.lower()
    trusted = {o.lower().rstrip("/") for o in trusted_origins}
    origin = header("origin")
    if origin is not None:
        origin = origin.strip().lower()
        if origin == own or origin in trusted:
            return None
    site = header("sec-fetch-site")
    if site is not None:
        if site.strip().lower() in ("same-origin", "none"):
            return None
        return f"a {site.strip().lower()} request may not use the session cookie"
    if origin is not None:
        return "the request's Origin is another site"
    referer = header("referer")
    if referer is not None:
        source = origin_of(referer.strip())
        if source != own and source not in trusted:
            return "the request's Referer is another site"
    return None
