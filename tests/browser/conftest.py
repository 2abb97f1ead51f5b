"""A real browser (headless Chromium through Selenium and chromedriver) and
the example apps served on loopback by real servers: uvicorn for FastAPI,
Werkzeug for Flask.

Chromium comes from the system (``apt-get install chromium
chromium-driver``; no browser download works on our machines), found on
PATH or through $CHROMIUM and $CHROMEDRIVER. Under CI a missing browser
fails the run instead of skipping (``.ci/run`` installs it)."""

from __future__ import annotations

import http.server
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from authsessions.testing import FakeClock, free_port, wait_until


def _find(env: str, names: tuple[str, ...]) -> str | None:
    given = os.environ.get(env)
    if given:
        return given
    return next((path for name in names if (path := shutil.which(name))), None)


@pytest.fixture(scope="session")
def chromium() -> tuple[str, str]:
    """(browser, driver) paths."""
    browser = _find("CHROMIUM", ("chromium", "chromium-browser", "google-chrome"))
    driver = _find("CHROMEDRIVER", ("chromedriver",))
    if browser is None or driver is None:
        missing = "chromium" if browser is None else "chromedriver"
        message = f"no {missing}: apt-get install chromium chromium-driver"
        if os.environ.get("CI"):
            pytest.fail(f"{message} (CI is set: the browser tests must run)")
        pytest.skip(message)
    return browser, driver


@pytest.fixture
def browser(chromium: tuple[str, str]) -> Iterator[Callable[[], Any]]:
    """Start isolated browser profiles (each its own cookie jar); all quit
    after the test."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    started: list[Any] = []
    profiles: list[str] = []

    def start() -> Any:
        profile = tempfile.mkdtemp(prefix="authsessions-chromium-")
        profiles.append(profile)
        options = webdriver.ChromeOptions()
        options.binary_location = chromium[0]
        for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                         "--disable-gpu", f"--user-data-dir={profile}",
                         "--window-size=1000,460", "--no-first-run"):  # fmt: skip
            options.add_argument(argument)
        driver = webdriver.Chrome(service=Service(chromium[1]), options=options)
        driver.set_page_load_timeout(30)
        started.append(driver)
        return driver

    yield start
    for driver in started:
        driver.quit()
    for profile in profiles:
        shutil.rmtree(profile, ignore_errors=True)


class Served:
    """An app served on 127.0.0.1 in a thread; ``url`` names it "localhost"."""

    def __init__(self, port: int, stop: Callable[[], None], kind: str = "") -> None:
        self.port = port
        self.url = f"http://localhost:{port}"
        self.stop = stop
        self.kind = kind


def serve_asgi(app: Any) -> Served:
    import uvicorn

    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    if not wait_until(lambda: server.started, timeout=20):
        raise RuntimeError("uvicorn did not start")

    def stop() -> None:
        server.should_exit = True
        thread.join(10)

    return Served(port, stop)


def serve_wsgi(app: Any) -> Served:
    from werkzeug.serving import make_server

    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def stop() -> None:
        server.shutdown()
        thread.join(10)

    return Served(port, stop)


def serve_example(kind: str, request: pytest.FixtureRequest, clock: FakeClock | None) -> Served:
    """The example app of ``kind`` on a fresh in-memory store (on ``clock``)."""
    options: dict[str, Any] = {} if clock is None else {"clock": clock}
    if kind == "fastapi":
        from authsessions import AsyncInMemorySessions
        from authsessions.examples.fastapi_app import create_app as fastapi_app

        served = serve_asgi(fastapi_app(AsyncInMemorySessions(**options)))
    elif kind == "flask":
        from authsessions import InMemorySessions
        from authsessions.examples.flask_app import create_app as flask_app

        served = serve_wsgi(flask_app(InMemorySessions(**options)))
    else:
        from authsessions import InMemorySessions

        request.getfixturevalue("configure")(InMemorySessions(**options))
        from django.core.handlers.wsgi import WSGIHandler

        served = serve_wsgi(WSGIHandler())
    served.kind = kind
    return served


EXAMPLES = ["fastapi", "flask", "django"]


@pytest.fixture(params=EXAMPLES)
def example(request: pytest.FixtureRequest) -> Iterator[Served]:
    """An example app on a fresh in-memory store, served for real."""
    served = serve_example(request.param, request, None)
    yield served
    served.stop()


@pytest.fixture(params=EXAMPLES)
def example_on_a_clock(request: pytest.FixtureRequest) -> Iterator[tuple[Served, FakeClock]]:
    """An example app whose store runs on a fake clock the test moves (how
    recent a sign-in is follows the store's clock)."""
    clock = FakeClock()
    served = serve_example(request.param, request, clock)
    yield served, clock
    served.stop()


@pytest.fixture
def attacker() -> Iterator[Callable[[str, str], str]]:
    """Serve a page that auto-submits a form POST to a victim URL, from a
    host of our choice ("localhost": the same site on another port;
    "127.0.0.1": another site). Returns the page's URL."""
    pages: dict[str, bytes] = {}

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = pages.get(self.path, b"")
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    def page(host: str, target: str) -> str:
        path = f"/attack{len(pages)}"
        pages[path] = (
            f'<!doctype html><form id="f" method="post" action="{target}">'
            '<input type="hidden" name="x" value="1"></form>'
            "<script>document.getElementById('f').submit()</script>"
        ).encode()
        return f"http://{host}:{server.server_address[1]}{path}"

    yield page
    server.shutdown()
    server.server_close()
