"""Drive sync and asyncio stores through one synchronous interface."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

from authsessions import SessionList, SessionStats

from ._spec import StoreInterfaceError, missing_methods, missing_parameters

# results whose kind the guide promises, beyond what the rules compare
_RESULT_KINDS: dict[str, tuple[type, ...]] = {
    "create_session": (str,),
    "reauthenticate": (str, type(None)),
    "rotate_session": (str, type(None)),
    "get_sessions_for_user": (SessionList,),
    "list_sessions": (SessionList,),
    "set_session_meta": (bool,),
    "destroy_session": (bool,),
    "destroy_sessions_for_user": (int,),
    "prune": (int,),
    "stats": (SessionStats,),
}


def _check_result(name: str, result: Any) -> None:
    kinds = _RESULT_KINDS.get(name)
    if kinds is not None and not isinstance(result, kinds):
        wanted = " or ".join(k.__name__ for k in kinds)
        raise StoreInterfaceError(
            name, f"{name} returned {type(result).__name__} where the contract wants {wanted}"
        )


class StoreDriver:
    """Calls a store's methods and returns plain results.

    An asyncio store is driven on a private event loop owned by the driver
    (one per Hypothesis example), so the suite never depends on, or
    disturbs, an event loop of the caller's.

    Raises:
        TypeError: from the factory.
        StoreInterfaceError: the store lacks a specified method (the
            message names it, the release that added it and the upgrade
            guide).
    """

    def __init__(
        self, factory: Callable[..., Any], namespace: str, clock: Any, **options: Any
    ) -> None:
        self.loop: asyncio.AbstractEventLoop | None = None
        store = factory(namespace, clock, **options)
        if inspect.isawaitable(store):
            self.loop = asyncio.new_event_loop()
            store = self.loop.run_until_complete(store)
        self.store = store
        try:
            self._check_interface()
        except BaseException:
            self.close()
            raise
        # every event the store sends, for the rules to compare and clear
        self.events: list[Any] = []
        store.add_hook(self.events.append)

    def take_events(self) -> list[Any]:
        """The events sent since the last call of this method."""
        taken, self.events[:] = list(self.events), []
        return taken

    def _check_interface(self) -> None:
        missing = missing_methods(self.store)
        if missing:
            names = ", ".join(f"`{m.name}` (since {m.since})" for m in missing)
            raise StoreInterfaceError(
                missing[0].name,
                f"{type(self.store).__name__} has no {names}",
            )
        for method, name, since, what in missing_parameters(self.store):
            raise StoreInterfaceError(
                method,
                f"{type(self.store).__name__}.{method} takes no `{name}` keyword "
                f"({what}, specified since {since})",
                since=since,
            )
        # Sync or asyncio is decided by what the store does, not by how its
        # methods are declared: a method wrapped by a decorator may be a
        # plain function returning an awaitable. Every store answers None
        # for None without I/O, so asking costs nothing.
        probe = self.store.get_session(None)
        if inspect.isawaitable(probe):
            if self.loop is None:
                self.loop = asyncio.new_event_loop()
            probe = self.loop.run_until_complete(probe)
        if probe is not None:
            problem = f"get_session(None) returned {type(probe).__name__}, not None"
            raise StoreInterfaceError("get_session", problem)

    @property
    def is_async(self) -> bool:
        """True when the store is an asyncio store."""
        return self.loop is not None

    def call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """Call ``store.name(*args, **kwargs)``, awaiting it if needed.

        Raises:
            StoreInterfaceError: a sync store returned an awaitable, an
                asyncio store did not, or the result is not of the kind the
                contract specifies.
        """
        result = getattr(self.store, name)(*args, **kwargs)
        if inspect.isawaitable(result) != self.is_async:
            if inspect.iscoroutine(result):
                result.close()  # never awaited: say so here, not as a warning
            kind = "an asyncio" if self.is_async else "a sync"
            raise StoreInterfaceError(
                name,
                f"{name} of {kind} store returned {type(result).__name__}: every method of "
                f"{kind} store must {'be awaitable' if self.is_async else 'return a value'}",
            )
        if self.loop is not None:
            result = self.loop.run_until_complete(result)
        _check_result(name, result)
        return result

    def collect(self, name: str) -> list[Any]:
        """Everything ``store.name()`` iterates (sync or async iterator).

        Raises:
            StoreInterfaceError: the method returned no iterator of the
                store's kind.
        """
        iterator = getattr(self.store, name)()
        if self.loop is None:
            if not isinstance(iterator, Iterator):
                raise StoreInterfaceError(
                    name, f"{name} returned {type(iterator).__name__}, not an iterator"
                )
            return list(iterator)
        if not isinstance(iterator, AsyncIterator):
            if inspect.iscoroutine(iterator):
                iterator.close()
            raise StoreInterfaceError(
                name,
                f"{name} of an asyncio store returned {type(iterator).__name__}, not an async "
                "iterator (write it as an `async def` generator, not a coroutine)",
            )

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
