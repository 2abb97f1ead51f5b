"""Drive sync and asyncio stores through one synchronous interface."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from typing import Any


class StoreDriver:
    """Calls a store's methods and returns plain results.

    An asyncio store is driven on a private event loop owned by the driver
    (one per Hypothesis example), so the suite never depends on, or
    disturbs, an event loop of the caller's.

    Raises:
        TypeError: from the factory, or when it returns no store.
    """

    def __init__(
        self, factory: Callable[..., Any], namespace: str, clock: Any, **options: Any
    ) -> None:
        self.loop: asyncio.AbstractEventLoop | None = None
        store = factory(namespace, clock, **options)
        if inspect.isawaitable(store):
            self.loop = asyncio.new_event_loop()
            store = self.loop.run_until_complete(store)
        elif inspect.iscoroutinefunction(getattr(store, "get_session", None)):
            self.loop = asyncio.new_event_loop()
        self.store = store

    @property
    def is_async(self) -> bool:
        """True when the store is an asyncio store."""
        return self.loop is not None

    def call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """Call ``store.name(*args, **kwargs)``, awaiting it if needed."""
        result = getattr(self.store, name)(*args, **kwargs)
        if self.loop is not None:
            return self.loop.run_until_complete(result)
        return result

    def collect(self, name: str) -> list[Any]:
        """Everything ``store.name()`` iterates (sync or async iterator)."""
        iterator = getattr(self.store, name)()
        if self.loop is None:
            return list(iterator)

        async def drain() -> list[Any]:
            return [item async for item in iterator]

        return self.loop.run_until_complete(drain())

    def run(self, coroutine: Any) -> Any:
        """Run a coroutine on the driver's loop."""
        assert self.loop is not None
        return self.loop.run_until_complete(coroutine)

    def close(self) -> None:
        """Close the store (``aclose()``/``close()`` if it has one) and the loop."""
        try:
            closer = getattr(self.store, "aclose", None) or getattr(self.store, "close", None)
            if closer is not None:
                result = closer()
                if inspect.isawaitable(result):
                    assert self.loop is not None
                    self.loop.run_until_complete(result)
        finally:
            if self.loop is not None:
                self.loop.run_until_complete(self.loop.shutdown_asyncgens())
                self.loop.close()
                self.loop = None
