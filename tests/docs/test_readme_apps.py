"""The README's two web snippets are complete flows: run as written (after
the install line the README gives), a browser can land, be sent to a
login page, log in, see its devices, log out and land again."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text("utf-8")
HTML = {"accept": "text/html"}
SAME_ORIGIN = {"origin": "https://testserver", "sec-fetch-site": "same-origin"}


def _snippet(heading: str) -> dict[str, Any]:
    """The first Python block under ``heading``, executed: its names."""
    section = README.split(f"### {heading}\n", 1)[1]
    match = re.search(r"^```python\n(.*?)^```", section, re.S | re.M)
    assert match is not None, heading
    names: dict[str, Any] = {"__name__": "readme"}
    exec(compile(match.group(1), f"README {heading}", "exec"), names)
    return names


def _install_line(heading: str) -> str:
    section = README.split(f"### {heading}\n", 1)[1].split("\n### ", 1)[0]
    match = re.search(r"^pip install .*$", section, re.M)
    assert match is not None, f"no install line under {heading}"
    return match.group(0)


def _journey(client: Any) -> None:
    landing = client.get("/", headers=HTML)
    assert landing.status_code == 200, landing.text
    sent = client.get("/account/devices", headers=HTML, follow_redirects=False)
    assert sent.status_code == 303, sent.text
    login_page = client.get(sent.headers["location"], headers=HTML)
    assert login_page.status_code == 200 and "<form" in login_page.text, login_page.text
    logged_in = client.post(
        sent.headers["location"],
        data={"user": "alice", "password": "wonderland"},
        headers=SAME_ORIGIN,
        follow_redirects=False,
    )
    assert logged_in.status_code == 303, logged_in.text
    assert logged_in.headers["location"] == "/account/devices", "back where it was sent from"
    devices = client.get("/account/devices", headers=HTML)
    assert devices.status_code == 200 and "Log out everywhere else" in devices.text
    assert client.get("/me").json()["user"] == "alice"
    out = client.post("/account/logout", headers=SAME_ORIGIN, follow_redirects=False)
    assert out.status_code == 303
    assert client.get(out.headers["location"], headers=HTML).status_code == 200
    assert client.get("/me", headers={"accept": "application/json"}).status_code == 401


def test_the_fastapi_snippet_is_a_complete_flow() -> None:
    from starlette.testclient import TestClient

    assert "uvicorn" in _install_line("FastAPI (and Starlette)")
    app = _snippet("FastAPI (and Starlette)")["app"]
    with TestClient(app, base_url="https://testserver") as client:
        _journey(client)


def test_the_flask_snippet_is_a_complete_flow() -> None:
    assert "flask" in _install_line("Flask")
    app = _snippet("Flask")["app"]
    _journey(_FlaskClient(app.test_client()))


class _FlaskClient:
    """Flask's test client with the calls the journey makes, over https."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def get(self, url: str, headers: Any = None, follow_redirects: bool = False) -> Any:
        response = self._client.get(url, headers=headers, base_url="https://localhost",
                                    follow_redirects=follow_redirects)  # fmt: skip
        return _Response(response)

    def post(self, url: str, data: Any = None, headers: Any = None,
             follow_redirects: bool = False) -> Any:  # fmt: skip
        headers = {**(headers or {}), "origin": "https://localhost"}
        response = self._client.post(url, data=data, headers=headers,
                                     base_url="https://localhost")  # fmt: skip
        return _Response(response)


class _Response:
    def __init__(self, response: Any) -> None:
        self.status_code = response.status_code
        self.headers = {"location": response.headers.get("location", "")}
        self.text = response.get_data(as_text=True)
        self._response = response

    def json(self) -> Any:
        return self._response.get_json()


@pytest.mark.parametrize("app", ["fastapi_app", "flask_app"])
def test_the_complete_examples_ship_in_the_package(app: str) -> None:
    import importlib

    module = importlib.import_module(f"authsessions.examples.{app}")
    assert module.create_app is not None
    assert f"authsessions.examples.{app}" in README
