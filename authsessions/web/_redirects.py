"""Where a login may send the browser next: a path on this site, never
another site (an open redirect turns a login page into a phishing link)."""

from __future__ import annotations

MAX_LENGTH = 2048


def local_path(target: object, default: str = "/") -> str:
    """``target`` if every browser resolves it to a path on this origin,
    else ``default``: for the ``next`` of a login form or query.

    Accepted: a string of at most 2,048 characters that starts with one
    ``/`` and holds no control character, space or backslash. That rules
    out the forms browsers read as another host: ``//host`` and ``/\\host``
    (a backslash is a slash to a browser), and ``/<tab>/host`` or
    ``/<newline>/host`` (browsers and some frameworks drop tabs and
    newlines, leaving ``//host``). Percent-encoded characters are left as
    they are: a browser does not decode them when it resolves a path, and
    ``tests/browser`` checks the rule against Chromium's own URL parser.

    Args:
        target: the requested destination, usually from the request.
        default: what to use instead (itself a local path).

    Returns:
        ``target`` or ``default``; never raises.
    """
    if not isinstance(target, str) or not 0 < len(target) <= MAX_LENGTH:
        return default
    if target[0] != "/" or target.startswith("//"):
        return default
    if any(c <= " " or c == "\x7f" or c == "\\" for c in target):
        return default
    return target
