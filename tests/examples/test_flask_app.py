"""The Flask example end to end over HTTP, on every sync store."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from authsessions import InMemorySessions
from authsessions.examples.flask_app import create_app, default_store
from authsessions.redis import RedisSessions
from authsessions.sql import SqlSessions
from tests.examples.journeys import BASE, browser_journey, store_follows_the_environment


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis), "sqlite"])
def client(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], httpx.Client]:
    if request.param == "memory":
        store: Any = InMemorySessions()
    elif request.param == "redis":
        server = request.getfixturevalue("redis_server")
        store = RedisSessions.from_url(server.url, prefix=f"example-{id(request)}:")
    else:
        store = SqlSessions.from_url(f"sqlite:///{tmp_path / 'sessions.db'}")
        store.create_schema()
    app = create_app(store)
    return lambda: httpx.Client(transport=httpx.WSGITransport(app=app), base_url=BASE)


def test_the_browser_journey(client: Callable[[], httpx.Client]) -> None:
    browser_journey(client)


def test_the_json_endpoints(client: Callable[[], httpx.Client]) -> None:
    with client() as http:
        assert http.get("/api/me").status_code == 401
        form = {"username": "bob", "password": "builder"}
        http.post("/login", data=form, headers={"Origin": BASE})
        assert http.get("/api/me").json()["user"] == "bob"
        (device,) = http.get("/api/sessions").json()
        assert device["current"] and device["label"] == "Python"


def test_default_store_follows_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    store_follows_the_environment(default_store, monkeypatch, tmp_path)
