"""Which kind of store an integration was given."""

from __future__ import annotations

import inspect
from typing import Any

from authsessions import AsyncInMemorySessions, InMemorySessions
from authsessions.web import is_asyncio_store


def test_a_store_is_sync_or_asyncio_and_anything_else_is_neither() -> None:
    assert is_asyncio_store(InMemorySessions()) is False
    assert is_asyncio_store(AsyncInMemorySessions()) is True
    assert is_asyncio_store(object()) is None
    assert is_asyncio_store(type("Half", (), {"get_session": 1})()) is None


def test_the_probe_of_an_asyncio_store_is_closed_not_left_unawaited() -> None:
    made: list[Any] = []

    class Store:
        def get_session(self, session_id: Any) -> Any:
            async def read() -> None:
                return None

            made.append(read())
            return made[-1]

    assert is_asyncio_store(Store()) is True
    (probe,) = made
    assert inspect.getcoroutinestate(probe) == inspect.CORO_CLOSED
