"""What both example apps must do, over HTTP with a sync httpx client:
the form login with the cookie, the devices page, and (FastAPI) the JSON API
with bearer tokens."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

BASE = "https://testserver"
SAME_ORIGIN = {"Origin": BASE, "Sec-Fetch-Site": "same-origin"}
PAGE = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}  # a browser navigating
Client = Callable[[], httpx.Client]


def form_login(http: httpx.Client, user: str, password: str, next: str = "") -> httpx.Response:
    form = {"username": user, "password": password, "next": next}
    return http.post("/login", data=form, headers=SAME_ORIGIN)


def browser_journey(client: Client) -> None:
    with client() as laptop, client() as phone:
        assert laptop.get("/").headers["location"] == "/login"
        assert 'name="password"' in laptop.get("/login").text
        assert form_login(laptop, "alice", "wrong").status_code == 401
        assert form_login(laptop, "alice", "wönderland").status_code == 401  # not a 500
        response = form_login(laptop, "alice", "wonderland")
        assert response.status_code == 303
        assert response.headers["location"] == "/account/devices"
        assert (
            form_login(phone, "alice", "wonderland", next="//evil.test/").headers["location"]
            == "/account/devices"
        )  # no open redirect
        page = laptop.get("/account/devices", headers=PAGE).text
        assert page.count("<tr data-key=") == 2 and page.count("this device") == 1
        assert laptop.get("/").headers["location"] == "/account/devices"
        moved = laptop.post("/account/logout-everywhere", headers=SAME_ORIGIN)
        assert moved.status_code == 303
        assert phone.get("/account/devices", headers=PAGE).headers["location"] == (
            "/login?next=/account/devices"
        )
        assert laptop.get("/account/devices", headers=PAGE).text.count("<tr data-key=") == 1
        out = laptop.post("/account/logout", headers=SAME_ORIGIN)
        assert out.headers["location"] == "/login"
        assert laptop.get("/api/me").status_code == 401


def api_journey(client: Client) -> None:
    with client() as http:

        def login(agent: str, user: str = "alice", password: str = "wonderland") -> str:
            response = http.post(
                "/api/login",
                json={"username": user, "password": password},
                headers={"User-Agent": agent},
            )
            assert response.status_code == 200, response.text
            token: str = response.json()["authorization"]
            http.cookies.clear()  # an API client keeps only its token
            return token

        def get(path: str, token: str) -> httpx.Response:
            return http.get(path, headers={"Authorization": token})

        assert (
            http.post("/api/login", json={"username": "alice", "password": "x"}).status_code == 401
        )
        laptop, phone, tablet = (
            login(agent) for agent in ("curl/8", "python-httpx/1", "HTTPie/3")
        )
        assert http.get("/api/me").status_code == 401
        assert get("/api/me", "Bearer junk").status_code == 401
        assert get("/api/me", laptop).json()["user"] == "alice"
        devices = get("/api/sessions", laptop).json()
        assert sorted(d["label"] for d in devices) == ["HTTPie", "Python", "curl"]
        assert [d["current"] for d in devices if d["label"] == "curl"] == [True]

        phone_key = next(d["key"] for d in devices if d["label"] == "Python")
        revoked = http.delete(f"/api/sessions/{phone_key}", headers={"Authorization": laptop})
        assert revoked.status_code == 204
        assert get("/api/me", phone).status_code == 401

        bob = login("bob's", "bob", "builder")
        bob_key = get("/api/me", bob).json()["session_key"]
        stolen = http.delete(f"/api/sessions/{bob_key}", headers={"Authorization": laptop})
        assert stolen.status_code == 404
        assert get("/api/me", bob).status_code == 200

        everywhere = http.post("/api/logout-everywhere", headers={"Authorization": laptop})
        assert everywhere.json() == {"logged_out": 1}
        assert get("/api/me", tablet).status_code == 401
        assert get("/api/me", laptop).status_code == 200
        assert http.post("/api/logout", headers={"Authorization": laptop}).status_code == 204
        assert get("/api/me", laptop).status_code == 401


def store_follows_the_environment(default_store: Callable[[], object], monkeypatch: Any,
                                  tmp_path: Any) -> None:  # fmt: skip
    """An example's store: in memory, else the SQL or Redis URL the
    environment names."""
    from authsessions import InMemorySessions
    from authsessions.redis import RedisSessions
    from authsessions.sql import SqlSessions

    monkeypatch.delenv("AUTHSESSIONS_REDIS_URL", raising=False)
    monkeypatch.delenv("AUTHSESSIONS_SQL_URL", raising=False)
    assert isinstance(default_store(), InMemorySessions)
    monkeypatch.setenv("AUTHSESSIONS_SQL_URL", f"sqlite:///{tmp_path / 's.db'}")
    assert isinstance(default_store(), SqlSessions)
    monkeypatch.setenv("AUTHSESSIONS_REDIS_URL", "redis://127.0.0.1:1/0")
    assert isinstance(default_store(), RedisSessions)
