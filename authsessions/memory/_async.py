"""The in-memory stores, asyncio source of truth (the sync twin is generated)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Generic, TypeVar, Unpack, overload

import cattrs

from authsessions.kit import (
    Clock,
    Session,
    SessionId,
    SessionList,
    SessionPolicy,
    SessionStats,
    StoreConfig,
    StoreOptions,
)

from ._state import MemoryState

U = TypeVar("U")
M = TypeVar("M")


class AsyncInMemorySessions(Generic[U, M]):
    """An in-memory store for asyncio (same arguments as :class:`InMemorySessions`).

    Task-safe: no operation awaits while it holds the state's lock, so each
    is atomic for other tasks; it may also be shared with threads.
    """

    @overload
    def __init__(
        self: AsyncInMemorySessions[str, dict[str, Any]], **options: Unpack[StoreOptions]
    ) -> None: ...
    @overload
    def __init__(
        self: AsyncInMemorySessions[U, dict[str, Any]],
        *,
        user_id_type: type[U],
        **options: Unpack[StoreOptions],
    ) -> None: ...
    @overload
    def __init__(
        self: AsyncInMemorySessions[str, M], *, meta_type: type[M], **options: Unpack[StoreOptions]
    ) -> None: ...
    @overload
    def __init__(
        self, *, user_id_type: type[U], meta_type: type[M], **options: Unpack[StoreOptions]
    ) -> None: ...
    def __init__(
        self,
        *,
        user_id_type: Any = str,
        meta_type: Any = dict[str, Any],
        policy: SessionPolicy | None = None,
        clock: Clock | None = None,
        converter: cattrs.Converter | None = None,
    ) -> None:
        """Build the store.

        Args:
            user_id_type: ``str`` (default), ``int`` or ``uuid.UUID``.
            meta_type: any type the converter round-trips; default
                ``dict[str, Any]``.
            policy: a :class:`~authsessions.SessionPolicy`; default
                ``SessionPolicy()``.
            clock: anything with ``now()`` returning an aware datetime.
            converter: a cattrs converter; default ``make_converter()``.

        Raises:
            ConfigurationError: for an invalid option.
        """
        config = StoreConfig.build(
            user_id_type=user_id_type,
            meta_type=meta_type,
            policy=policy,
            clock=clock,
            converter=converter,
        )
        self._state: MemoryState[U, M] = MemoryState(config)

    def __repr__(self) -> str:
        return self._state.config.describe(type(self).__name__, sessions=len(self._state))

    @property
    def policy(self) -> SessionPolicy:
        """The store's policy."""
        return self._state.config.policy

    async def create_session(self, *, user_id: U, label: str, meta: M) -> SessionId:
        """See :meth:`authsessions.Sessions.create_session`."""
        return self._state.create_session(user_id=user_id, label=label, meta=meta)

    async def get_user_id_from_session(self, session_id: SessionId | None) -> U | None:
        """See :meth:`authsessions.Sessions.get_user_id_from_session`."""
        return self._state.get_user_id_from_session(session_id)

    async def get_session_meta(self, session_id: SessionId | None) -> M | None:
        """See :meth:`authsessions.Sessions.get_session_meta`."""
        return self._state.get_session_meta(session_id)

    async def get_session(self, session_id: SessionId | None) -> Session[U, M] | None:
        """See :meth:`authsessions.Sessions.get_session`."""
        return self._state.get_session(session_id)

    async def get_session_by_key(self, key: str) -> Session[U, M] | None:
        """See :meth:`authsessions.Sessions.get_session_by_key`."""
        return self._state.get_session_by_key(key)

    async def set_session_meta(self, session_id: SessionId, meta: M) -> bool:
        """See :meth:`authsessions.Sessions.set_session_meta`."""
        return self._state.set_session_meta(session_id, meta)

    async def rotate_session(self, session_id: SessionId) -> SessionId | None:
        """See :meth:`authsessions.Sessions.rotate_session`."""
        return self._state.rotate_session(session_id)

    async def destroy_session(self, session: SessionId | Session[U, M]) -> bool:
        """See :meth:`authsessions.Sessions.destroy_session`."""
        return self._state.destroy_session(session)

    async def destroy_sessions_for_user(
        self, user_id: U, *, keep: SessionId | Session[U, M] | None = None
    ) -> int:
        """See :meth:`authsessions.Sessions.destroy_sessions_for_user`."""
        return self._state.destroy_sessions_for_user(user_id, keep=keep)

    async def get_sessions_for_user(self, user_id: U) -> SessionList[U, M]:
        """See :meth:`authsessions.Sessions.get_sessions_for_user`."""
        return self._state.get_sessions_for_user(user_id)

    async def list_sessions(self) -> SessionList[U, M]:
        """See :meth:`authsessions.Sessions.list_sessions`."""
        return self._state.list_sessions()

    async def iter_sessions(self) -> AsyncIterator[Session[U, M]]:
        """See :meth:`authsessions.Sessions.iter_sessions`."""
        for batch in self._state.iter_batches():
            for session in batch:
                yield session

    async def prune(self) -> int:
        """See :meth:`authsessions.Sessions.prune`."""
        return self._state.prune()

    async def stats(self) -> SessionStats:
        """See :meth:`authsessions.Sessions.stats`."""
        return self._state.stats()
