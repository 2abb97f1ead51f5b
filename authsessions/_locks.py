"""The lock the store base's default operations hold (the sync twin's is a
thread lock; the generator maps ``AsyncStoreLock`` to ``StoreLock``)."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from types import TracebackType


class AsyncStoreLock:
    """One asyncio lock for a whole store: each default operation of
    ``AsyncStoreBase`` is atomic for other tasks."""

    def __init__(self) -> None:
        self._lock = asyncio.Lock()

    async def __aenter__(self) -> None:
        await self._lock.acquire()

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._lock.release()


class StoreLock(contextlib.AbstractContextManager[None]):
    """One thread lock for a whole store: each default operation of
    ``StoreBase`` is atomic for other threads."""

    def __init__(self) -> None:
        self._lock = threading.RLock()

    def __enter__(self) -> None:
        self._lock.acquire()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._lock.release()
