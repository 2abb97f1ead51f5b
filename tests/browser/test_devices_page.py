"""The examples' "Your devices" page in headless Chromium: two isolated
browser profiles, revocation, log out everywhere else, the cookie as the
browser stored it, and cross-site form posts refused."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.browser.conftest import Served

pytestmark = pytest.mark.browser


def log_in(
    driver: Any,
    app: Served,
    user: str = "alice",
    password: str = "wonderland",
    *,
    remember: bool = True,
) -> None:
    from selenium.webdriver.common.by import By

    driver.get(f"{app.url}/login")
    driver.find_element(By.NAME, "username").send_keys(user)
    driver.find_element(By.NAME, "password").send_keys(password)
    if not remember:
        driver.find_element(By.NAME, "remember").click()  # ticked by default
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_for(
        driver,
        lambda: (
            path(driver) == "/account/devices"
            and driver.execute_script("return document.readyState") == "complete"
        ),
    )


def path(driver: Any) -> str:
    """The path of the page the browser shows: a redirect to the login page
    carries the page asked for in its query (`/login?next=/account/devices`),
    so comparing the URL's tail would take one for the other."""
    return str(urlsplit(driver.current_url).path)


def wait_for(driver: Any, condition: Callable[[], bool], timeout: float = 10) -> None:
    """Poll `condition` until it holds. A click that submits a form returns
    before the next page loads, so the condition may read rows of the page
    being replaced: such a read is retried, not a failure."""
    from selenium.common.exceptions import (
        JavascriptException,
        StaleElementReferenceException,
    )
    from selenium.webdriver.support.ui import WebDriverWait

    # (a script run while the old document unloads may fail too: retried)
    ignored = (StaleElementReferenceException, JavascriptException)
    WebDriverWait(driver, timeout, ignored_exceptions=ignored).until(lambda _: condition())


# one script reads every row of one document: element handles taken from a
# page that a form submission is replacing can fail in Chromium with
# "Node with given id does not belong to the document", not as stale
ROWS = """
return Array.from(document.querySelectorAll("tbody tr")).map(
    (row) => [row.getAttribute("data-key"), row.cells[row.cells.length - 1].innerText.trim()]);
"""


def devices(driver: Any) -> list[tuple[str, str]]:
    """(key, last cell text) of each row of the devices page."""
    return [(key, text) for key, text in driver.execute_script(ROWS)]


def logged_out(driver: Any) -> None:
    """Wait until the page is the login page."""
    wait_for(driver, lambda: path(driver) == "/login")


def session_cookies(driver: Any) -> list[dict[str, Any]]:
    """The session cookie as the browser holds it (Django also sets its
    CSRF cookie)."""
    return [c for c in driver.get_cookies() if c["name"] != "csrftoken"]


def this_device(driver: Any) -> str:
    (key,) = [key for key, action in devices(driver) if action == "this device"]
    return key


def test_two_profiles_see_each_other_and_a_revoked_one_is_logged_out(
    example: Served, browser: Callable[[], Any], tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By

    laptop, phone = browser(), browser()
    log_in(laptop, example)
    log_in(phone, example)
    laptop.refresh()
    assert len(devices(laptop)) == len(devices(phone)) == 2
    laptop_key, phone_key = this_device(laptop), this_device(phone)
    assert laptop_key != phone_key
    assert laptop.find_element(By.CSS_SELECTOR, "td.label").text.startswith("Chrome on Linux")
    save_screenshot(laptop, tmp_path)

    row = laptop.find_element(By.CSS_SELECTOR, f'tr[data-key="{phone_key}"]')
    row.find_element(By.NAME, "revoke").click()
    wait_for(laptop, lambda: len(devices(laptop)) == 1)
    assert this_device(laptop) == laptop_key

    phone.refresh()  # its next request
    logged_out(phone)
    assert phone.find_element(By.NAME, "username")


def test_log_out_everywhere_else_keeps_this_device(
    example: Served, browser: Callable[[], Any]
) -> None:
    from selenium.webdriver.common.by import By

    laptop, phone, tablet = browser(), browser(), browser()
    for driver in (laptop, phone, tablet):
        log_in(driver, example)
    laptop.refresh()
    assert len(devices(laptop)) == 3
    laptop.find_element(By.NAME, "logout-everywhere").click()
    wait_for(laptop, lambda: len(devices(laptop)) == 1)
    for driver in (phone, tablet):
        driver.refresh()
        logged_out(driver)
    laptop.find_element(By.NAME, "logout").click()
    logged_out(laptop)
    assert session_cookies(laptop) == []


def test_the_cookie_as_the_browser_stored_it(example: Served, browser: Callable[[], Any]) -> None:
    driver = browser()
    log_in(driver, example)
    (cookie,) = session_cookies(driver)
    assert cookie["name"] == "__Host-session"
    assert cookie["httpOnly"] is True and cookie["secure"] is True
    assert cookie["sameSite"] == "Lax" and cookie["path"] == "/"
    assert cookie["domain"] == "localhost"  # host-only: no Domain attribute
    days = (cookie["expiry"] - time.time()) / 86400
    assert 29.9 < days <= 30
    assert "session" not in driver.execute_script("return document.cookie")  # HttpOnly


@pytest.mark.parametrize("attacker_host", ["localhost", "127.0.0.1"],
                         ids=["same-site-other-port", "cross-site"])  # fmt: skip
def test_a_form_posted_from_another_origin_is_refused(
    example: Served,
    browser: Callable[[], Any],
    attacker: Callable[[str, str], str],
    attacker_host: str,
) -> None:
    victim, other = browser(), browser()
    log_in(victim, example)
    log_in(other, example)
    # the victim visits a page of another origin that posts a form to us
    victim.get(attacker(attacker_host, f"{example.url}/account/logout-everywhere"))
    wait_for(victim, lambda: victim.current_url.startswith(example.url))
    body = victim.page_source
    # same site: SameSite=Lax sends the cookie; another site: the browser
    # withholds it; either way the cross-site check refuses the flow (on
    # Django, a cookie-less post meets Django's CSRF check first)
    assert "Forbidden" in body
    reason = "same-site" if attacker_host == "localhost" else "cross-site"
    if example.kind == "django" and reason == "cross-site":
        reason = "CSRF verification failed"
    assert reason in body
    other.refresh()
    assert path(other) == "/account/devices"  # still logged in
    victim.get(f"{example.url}/account/devices")
    assert len(devices(victim)) == 2  # and so is the victim


@pytest.mark.parametrize("attacker_host", ["localhost", "127.0.0.1"],
                         ids=["same-site-other-port", "cross-site"])  # fmt: skip
def test_a_logout_form_from_another_origin_leaves_the_victim_logged_in(
    example: Served,
    browser: Callable[[], Any],
    attacker: Callable[[str, str], str],
    attacker_host: str,
) -> None:
    # another site's form POST carries no SameSite=Lax cookie, yet an answer
    # clearing it logged the victim out (and orphaned the live session)
    victim = browser()
    log_in(victim, example)
    victim.get(attacker(attacker_host, f"{example.url}/account/logout"))
    wait_for(victim, lambda: victim.current_url.startswith(example.url))
    assert "Forbidden" in victim.page_source
    victim.get(f"{example.url}/account/devices")
    assert path(victim) == "/account/devices"
    assert len(devices(victim)) == 1  # still logged in, on this device


# (device, from, signed in) of each row, and whether it is marked new
DETAILS = """
return Array.from(document.querySelectorAll("tbody tr")).map((row) => [
    row.querySelector("td.label").firstChild.textContent.trim(),
    row.cells[1].innerText.trim(), row.cells[2].innerText.trim(),
    row.querySelector(".new") !== null]);
"""


def test_the_page_shows_where_each_device_signed_in_and_marks_a_new_one(
    example: Served, browser: Callable[[], Any]
) -> None:
    laptop, phone = browser(), browser()
    log_in(laptop, example)
    log_in(phone, example)
    laptop.refresh()
    wait_for(laptop, lambda: len(devices(laptop)) == 2)
    rows = laptop.execute_script(DETAILS)
    # both from this machine; only the first sign-in from "Chrome on Linux" is new
    assert [(label, origin) for label, origin, _, _ in rows] == [
        ("Chrome on Linux", "127.0.0.1")
    ] * 2
    assert sorted(new for *_, new in rows) == [False, True]
    assert all(signed.endswith("UTC") for _, _, signed, _ in rows)


def test_without_remember_me_the_cookie_ends_with_the_browser(
    example: Served, browser: Callable[[], Any]
) -> None:
    driver = browser()
    log_in(driver, example, remember=False)
    (cookie,) = session_cookies(driver)
    assert cookie["name"] == "__Host-session" and "expiry" not in cookie, cookie
    assert len(devices(driver)) == 1


def test_a_privileged_page_asks_for_the_password_again_after_ten_minutes(
    example_on_a_clock: tuple[Served, Any], browser: Callable[[], Any]
) -> None:
    from datetime import timedelta

    from selenium.webdriver.common.by import By

    app, clock = example_on_a_clock
    driver = browser()
    log_in(driver, app)
    driver.get(f"{app.url}/security")
    assert driver.find_element(By.ID, "signed-in")
    clock.advance(timedelta(minutes=10, seconds=1))
    driver.get(f"{app.url}/security")
    wait_for(driver, lambda: path(driver) == "/reauth")
    assert "next=/security" in driver.current_url
    driver.find_element(By.NAME, "password").send_keys("not it")
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_for(driver, lambda: "Wrong password" in driver.page_source)
    driver.find_element(By.NAME, "password").send_keys("wonderland")
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    # the reauth page's own URL ends with "next=/security": wait for the path
    # and the page's content, not for the URL's tail
    wait_for(
        driver,
        lambda: path(driver) == "/security" and bool(driver.find_elements(By.ID, "signed-in")),
    )
    (cookie,) = session_cookies(driver)  # the secret rotated with the sign-in
    assert (cookie["expiry"] - time.time()) / 86400 > 29.9


def save_screenshot(driver: Any, where: Path) -> None:
    """The devices page as the browser shows it; also copied to
    $AUTHSESSIONS_SCREENSHOT_DIR when set (the README's picture)."""
    path = where / "devices-page.png"
    driver.save_screenshot(str(path))
    assert path.stat().st_size > 5_000
    target = os.environ.get("AUTHSESSIONS_SCREENSHOT_DIR")
    if target:
        shutil.copy(path, Path(target) / "devices-page.png")
