"""A short device label from a User-Agent: "Firefox on Linux"."""

from __future__ import annotations

import re

# checked in order: several browsers claim to be the ones after them
_BROWSERS = (
    ("Edge", re.compile(r"\bEdg(?:e|A|iOS)?/")),
    ("Opera", re.compile(r"\bOPR/|\bOpera\b")),
    ("Samsung Internet", re.compile(r"\bSamsungBrowser/")),
    ("Firefox", re.compile(r"\b(?:Firefox|FxiOS)/")),
    ("Chrome", re.compile(r"\b(?:Chrome|CriOS|Chromium|HeadlessChrome)/")),
    ("Safari", re.compile(r"\bSafari/")),
    ("curl", re.compile(r"^curl/")),
    ("HTTPie", re.compile(r"^HTTPie/")),
    ("Python", re.compile(r"^(?:python-requests|python-httpx|Python-urllib|aiohttp)/")),
)
_SYSTEMS = (
    ("iPhone", re.compile(r"\biPhone\b")),
    ("iPad", re.compile(r"\biPad\b")),
    ("Android", re.compile(r"\bAndroid\b")),
    ("Windows", re.compile(r"\bWindows\b")),
    ("ChromeOS", re.compile(r"\bCrOS\b")),
    ("macOS", re.compile(r"\bMac OS X\b|\bMacintosh\b")),
    ("Linux", re.compile(r"\bLinux\b")),
)
UNKNOWN = "Unknown device"


def device_label(user_agent: str | None) -> str:
    """A label for the device that sent ``user_agent``: "Firefox on
    Linux", "Safari on iPhone", "curl", or "Unknown device". Never raises;
    never longer than 40 characters."""
    if not isinstance(user_agent, str) or not user_agent.strip():
        return UNKNOWN
    agent = user_agent[:512]
    browser = next((name for name, pattern in _BROWSERS if pattern.search(agent)), None)
    system = next((name for name, pattern in _SYSTEMS if pattern.search(agent)), None)
    if browser and system:
        return f"{browser} on {system}"
    return browser or (f"Browser on {system}" if system else UNKNOWN)
