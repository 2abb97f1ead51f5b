"""Which kind of store an integration was given, found before the first
request rather than at the first login."""

from __future__ import annotations

import inspect


def is_asyncio_store(store: object) -> bool | None:
    """True for an asyncio store (its reads are awaitable), False for a
    sync one, None for anything without a callable ``get_session``. The
    probe reads ``None``, which costs a store no I/O; an awaitable it
    returns is closed, never awaited."""
    read = getattr(store, "get_session", None)
    if not callable(read):
        return None
    probe = read(None)
    if not inspect.isawaitable(probe):
        return False
    if inspect.iscoroutine(probe):
        probe.close()
    return True
