"""The `next` of a login, as Chromium reads it: every string
authsessions.web.local_path accepts resolves to this origin in the
browser's own URL parser, and the examples' login never lands elsewhere."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from authsessions.web import local_path
from tests.browser.conftest import Served
from tests.browser.test_devices_page import path, wait_for

pytestmark = pytest.mark.browser

BASE = "http://localhost:8000/login"
# the characters URL parsers treat specially, and a few ordinary ones
TRICKY = "/\\\t\n\r @:%.?#ae0\x00\x0b\u3002\uff0f"
PREFIXES = ["/", "//", "/\\", "/%09/", "/%2f", "/\t/", "/../", "/./", ""]


def _prefixed(prefix: str, rest: str) -> str:
    return prefix + rest


candidates = st.builds(_prefixed, st.sampled_from(PREFIXES), st.text(TRICKY, max_size=12))


def test_every_accepted_next_stays_on_this_origin_in_chromium(
    browser: Callable[[], Any],
) -> None:
    driver = browser()
    driver.get("about:blank")
    script = (
        "return arguments[0].map(s => {"
        " try { return new URL(s, arguments[1]).origin } catch (e) { return 'error' } })"
    )
    checked = 0

    @settings(max_examples=150, deadline=None, database=None, derandomize=True)
    @given(st.lists(candidates, min_size=20, max_size=20))
    def check(batch: list[str]) -> None:
        nonlocal checked
        accepted = [s for s in batch if local_path(s, default="") == s]
        origins = driver.execute_script(script, accepted, BASE)
        checked += len(accepted)
        for target, origin in zip(accepted, origins, strict=True):
            assert origin == "http://localhost:8000", (target, origin)

    check()
    assert checked > 500  # the generator reaches accepted strings, many


def test_a_login_with_a_tab_smuggled_next_stays_on_the_site(
    example: Served, browser: Callable[[], Any]
) -> None:
    from selenium.webdriver.common.by import By

    driver = browser()
    driver.get(f"{example.url}/login?next=/%09/127.0.0.1:9/phish")
    driver.find_element(By.NAME, "username").send_keys("alice")
    driver.find_element(By.NAME, "password").send_keys("wonderland")
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_for(
        driver,
        lambda: (
            path(driver) == "/account/devices"
            and driver.execute_script("return document.readyState") == "complete"
        ),
    )
    assert driver.current_url.startswith(example.url)
