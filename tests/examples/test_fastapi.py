"""The FastAPI example end to end with httpx, on both asyncio stores."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from authsessions import AsyncInMemorySessions, AsyncRedisSessions
from examples.fastapi_app import create_app


async def _journey(store: Any) -> None:
    app = create_app(store)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:

        async def login(agent: str, password: str = "wonderland") -> httpx.Response:
            return await http.post(
                "/login",
                json={"username": "alice", "password": password},
                headers={"User-Agent": agent},
            )

        assert (await login("x", "wrong")).status_code == 401
        laptop, phone, tablet = [
            (await login(agent)).json()["authorization"] for agent in ("Laptop", "Phone", "Tablet")
        ]
        assert (await http.get("/me")).status_code == 401
        assert (await http.get("/me", headers={"Authorization": "Bearer junk"})).status_code == 401
        me = (await http.get("/me", headers={"Authorization": laptop})).json()
        assert me["user"] == "alice"

        devices = (await http.get("/sessions", headers={"Authorization": laptop})).json()
        assert sorted(d["label"] for d in devices) == ["Laptop", "Phone", "Tablet"]
        assert [d["current"] for d in devices if d["label"] == "Laptop"] == [True]

        phone_key = next(d["key"] for d in devices if d["label"] == "Phone")
        revoked = await http.delete(f"/sessions/{phone_key}", headers={"Authorization": laptop})
        assert revoked.status_code == 204
        assert (await http.get("/me", headers={"Authorization": phone})).status_code == 401

        bob = (await http.post("/login", json={"username": "bob", "password": "builder"})).json()[
            "authorization"
        ]
        bob_key = (await http.get("/me", headers={"Authorization": bob})).json()["session_key"]
        stolen = await http.delete(f"/sessions/{bob_key}", headers={"Authorization": laptop})
        assert stolen.status_code == 404
        assert (await http.get("/me", headers={"Authorization": bob})).status_code == 200

        everywhere = await http.post("/logout-everywhere", headers={"Authorization": laptop})
        assert everywhere.json() == {"logged_out": 1}
        assert (await http.get("/me", headers={"Authorization": tablet})).status_code == 401
        assert (await http.get("/me", headers={"Authorization": laptop})).status_code == 200

        assert (await http.post("/logout", headers={"Authorization": laptop})).status_code == 204
        assert (await http.get("/me", headers={"Authorization": laptop})).status_code == 401


def _run(make: Callable[[], Awaitable[Any]]) -> None:
    async def main() -> None:
        store = await make()
        try:
            await _journey(store)
        finally:
            closer = getattr(store, "aclose", None)
            if closer is not None:
                await closer()

    asyncio.run(main())


def test_example_app_on_the_in_memory_store() -> None:
    async def make() -> Any:
        return AsyncInMemorySessions()

    _run(make)


@pytest.mark.redis
def test_example_app_on_the_redis_store(redis_server: Any) -> None:
    async def make() -> Any:
        return AsyncRedisSessions.from_url(redis_server.url, prefix="example-test:")

    _run(make)


def test_default_store_follows_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from examples.fastapi_app import default_store

    monkeypatch.delenv("AUTHSESSIONS_REDIS_URL", raising=False)
    assert isinstance(default_store(), AsyncInMemorySessions)
    monkeypatch.setenv("AUTHSESSIONS_REDIS_URL", "redis://127.0.0.1:1/0")
    assert isinstance(default_store(), AsyncRedisSessions)


@pytest.mark.parametrize("password", ["wönderland", "пароль", "🔑"])
def test_a_non_ascii_password_is_a_401_not_a_500(password: str) -> None:
    async def main() -> int:
        app = create_app(AsyncInMemorySessions())
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            response = await http.post("/login", json={"username": "alice", "password": password})
            return response.status_code

    assert asyncio.run(main()) == 401
