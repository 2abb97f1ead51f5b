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


# a new project's settings (django-admin startproject's, trimmed to what the
# snippet leaves alone); the README's block is added after them
_PROJECT_BASE = """
SECRET_KEY = "readme-test-only"
ALLOWED_HOSTS = ["testserver"]
ROOT_URLCONF = "urls"
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "db.sqlite3"}}
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True,
              "OPTIONS": {"context_processors": ["django.template.context_processors.request",
                                                 "django.contrib.auth.context_processors.auth",
                                                 "django.contrib.messages.context_processors.messages"]}}]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
USE_TZ = True
"""

# the journey, run by `python -c` inside the project (Django's settings are
# the process's: a project of its own gets a process of its own)
_DJANGO_JOURNEY = """
import json, os, re, sys
os.environ["DJANGO_SETTINGS_MODULE"] = "settings"
sys.path.insert(0, os.getcwd())
import django
django.setup()
from django.core.management import call_command
call_command("check", fail_level="ERROR")
call_command("migrate", verbosity=0)
from django.contrib.auth import get_user_model
get_user_model().objects.create_user("alice", password="wonderland", is_staff=True,
                                     is_superuser=True)
from django.test import Client
c = Client(enforce_csrf_checks=True)
HTML = {"Accept": "text/html"}
ORIGIN = {"Origin": "https://testserver"}
def token():
    return c.cookies["csrftoken"].value
sent = c.get(START, headers=HTML, secure=True)
assert sent.status_code in (302, 303), sent.status_code
page = c.get(sent["Location"], headers=HTML, secure=True)
assert page.status_code == 200 and b'name="password"' in page.content, page.status_code
form = {"username": "alice", "password": "wonderland", "csrfmiddlewaretoken": token(),
        "next": START}
done = c.post(sent["Location"], form, headers=ORIGIN, secure=True)
assert done.status_code == 303, (done.status_code, done.content[:500])
assert done["Location"] == START, done["Location"]
after = c.get(START, headers=HTML, secure=True)
assert after.status_code == 200 and CHECK.encode() in after.content, after.content[:500]
devices = c.get("/account/devices", headers=HTML, secure=True)
assert b"Log out everywhere else" in devices.content
out = c.post(LOGOUT, {"csrfmiddlewaretoken": token()}, headers=ORIGIN, secure=True)
assert out.status_code in (302, 303), out.status_code
again = c.get(START, headers=HTML, secure=True)
assert again.status_code in (302, 303), again.status_code
print("journey ok")
"""


def _django_blocks(document: str, heading: str) -> tuple[str, str]:
    """The settings and urls of the first Python block under ``heading``."""
    text = (ROOT / document).read_text("utf-8")
    section = text.split(f"{heading}\n", 1)[1]
    match = re.search(r"^```python\n(.*?)^```", section, re.S | re.M)
    assert match is not None, heading
    settings, urls = match.group(1).split("# urls.py", 1)
    return settings, "# urls.py" + urls


def _run_project(tmp_path: Path, settings: str, urls: str, start: str, check: str,
                 logout: str) -> None:  # fmt: skip
    import subprocess
    import sys

    (tmp_path / "settings.py").write_text(_PROJECT_BASE + settings, "utf-8")
    (tmp_path / "urls.py").write_text(urls, "utf-8")
    script = f"START = {start!r}\nCHECK = {check!r}\nLOGOUT = {logout!r}\n" + _DJANGO_JOURNEY
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True,
                            text=True, check=False, timeout=120)  # fmt: skip
    assert result.returncode == 0 and "journey ok" in result.stdout, result.stderr[-3000:]


def test_the_django_snippet_is_a_complete_flow(tmp_path: Path) -> None:
    assert "django" in _install_line("Django")
    settings, urls = _django_blocks("README.md", "### Django")
    _run_project(tmp_path, settings, urls, "/me", '"user": "alice"', "/account/logout")


_ADMIN_SETTINGS = """
INSTALLED_APPS = ["django.contrib.admin", "django.contrib.auth", "django.contrib.contenttypes",
                  "django.contrib.sessions", "django.contrib.messages", "authsessions.django"]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "authsessions.django.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
AUTHSESSIONS = {"STORE": "authsessions.InMemorySessions"}
LOGIN_URL = "/account/login"
"""

_ADMIN_URLS = """
from django.contrib import admin
from django.urls import include, path
from authsessions.django import views

urlpatterns = [
    path("admin/login/", views.LoginView.as_view()),
    path("admin/logout/", views.logout),
    path("admin/", admin.site.urls),
    path("account/", include("authsessions.django.urls")),
]
"""


def test_the_admin_recipe_of_the_django_guide(tmp_path: Path) -> None:
    guide = (ROOT / "docs" / "django.md").read_text("utf-8")
    for line in ('path("admin/login/", views.LoginView.as_view())',
                 'path("admin/logout/", views.logout)'):  # fmt: skip
        assert line in guide
        assert line in _ADMIN_URLS
    _run_project(tmp_path, _ADMIN_SETTINGS, _ADMIN_URLS, "/admin/", "Site administration",
                 "/admin/logout/")  # fmt: skip


def test_the_django_guide_shows_the_same_three_changes() -> None:
    settings, urls = _django_blocks("docs/django.md", "## Three changes to a project")
    for needed in ('"authsessions.django"', '"authsessions.django.SessionMiddleware"',
                   "AUTHSESSIONS", 'include("authsessions.django.urls")'):  # fmt: skip
        assert needed in settings + urls
