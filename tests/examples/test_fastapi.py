"""The FastAPI example end to end over HTTP, on every asyncio store."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from authsessions import AsyncInMemorySessions
from authsessions.examples.fastapi_app import create_app, default_store
from authsessions.redis import AsyncRedisSessions
from authsessions.sql import AsyncSqlSessions
from tests.examples.journeys import BASE, api_journey, browser_journey


class OnTheAppsLoop(TestClient):
    """A client (one browser's cookies) sharing the running app's event loop:
    an asyncio Redis client's connections belong to the loop that made them."""

    def __enter__(self) -> OnTheAppsLoop:
        return self

    def __exit__(self, *exc: object) -> None:
        pass


def clients(store: Any) -> Iterator[Callable[[], httpx.Client]]:
    app = create_app(store)
    with TestClient(app, base_url=BASE) as running:  # runs the lifespan, holds the loop

        def client() -> httpx.Client:
            one = OnTheAppsLoop(app, base_url=BASE, follow_redirects=False)
            one.portal = running.portal
            return one

        yield client


@pytest.fixture(params=["memory", "redis", "sqlite"])
def client(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[], httpx.Client]]:
    if request.param == "memory":
        store: Any = AsyncInMemorySessions()
    elif request.param == "redis":
        server = request.getfixturevalue("redis_server")
        store = AsyncRedisSessions.from_url(server.url, prefix=f"example-{id(request)}:")
    else:
        store = AsyncSqlSessions.from_url(f"sqlite+aiosqlite:///{tmp_path / 'sessions.db'}")
    yield from clients(store)


def test_the_browser_journey(client: Callable[[], httpx.Client]) -> None:
    browser_journey(client)


def test_the_api_journey(client: Callable[[], httpx.Client]) -> None:
    api_journey(client)


def test_default_store_follows_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AUTHSESSIONS_REDIS_URL", raising=False)
    monkeypatch.delenv("AUTHSESSIONS_SQL_URL", raising=False)
    assert isinstance(default_store(), AsyncInMemorySessions)
    monkeypatch.setenv("AUTHSESSIONS_SQL_URL", "sqlite+aiosqlite://")
    assert isinstance(default_store(), AsyncSqlSessions)
    monkeypatch.setenv("AUTHSESSIONS_REDIS_URL", "redis://127.0.0.1:1/0")
    assert isinstance(default_store(), AsyncRedisSessions)
