"""Device labels from User-Agent strings."""

from __future__ import annotations

import pytest

from authsessions.web import device_label

AGENTS = {
    "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0": "Firefox on Linux",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36": "Chrome on Windows",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0": "Edge on Windows",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/18.1 Mobile/15E148 Safari/604.1": "Safari on iPhone",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.1 Safari/605.1.15": "Safari on macOS",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Mobile Safari/537.36": "Chrome on Android",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0 "
    "Safari/537.36": "Chrome on Linux",
    "curl/8.5.0": "curl",
    "python-httpx/0.28.1": "Python",
    "Mozilla/5.0 (X11; Linux x86_64)": "Browser on Linux",
}


@pytest.mark.parametrize(("agent", "label"), AGENTS.items())
def test_common_agents(agent: str, label: str) -> None:
    assert device_label(agent) == label


@pytest.mark.parametrize("agent", [None, "", "   ", "x" * 100_000, "\x00\u202e", 42])
def test_anything_else_is_an_unknown_device_and_never_raises(agent: object) -> None:
    label = device_label(agent)  # type: ignore[arg-type]
    assert label == "Unknown device" or len(label) <= 40
