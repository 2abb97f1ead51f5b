"""local_path: a login's `next` may name a path on this site only. The
browser's own reading of the same strings is checked in tests/browser."""

from __future__ import annotations

from typing import Any

import pytest

from authsessions.web import local_path

REFUSED = [
    None,
    "",
    "account",
    "https://evil.example/",
    "//evil.example/",
    "/\\evil.example/",
    "\\\\evil.example/",
    "/\t/evil.example/",  # browsers drop the tab: //evil.example/
    "/\n/evil.example/",
    "/\r\n/evil.example/",
    "/ /evil.example/",
    "/\x00/evil.example/",
    "/\x7f",
    " /account",
    "/account\\..\\..",
    "/" + "a" * 2048,
    b"/account",
    ["/account"],
]
ACCEPTED = [
    "/",
    "/account/devices",
    "/search?q=a%20b&next=//evil.example",
    "/%2F%2Fevil.example/",  # encoded: a path on this site
    "/@evil.example",
    "/a:b@c",
    "/#//evil.example",
    "/caf\u00e9",
]


@pytest.mark.parametrize("target", REFUSED, ids=repr)
def test_anything_a_browser_could_read_as_another_site_is_refused(target: Any) -> None:
    assert local_path(target, default="/home") == "/home"


@pytest.mark.parametrize("target", ACCEPTED, ids=repr)
def test_local_paths_pass_unchanged(target: str) -> None:
    assert local_path(target) == target
