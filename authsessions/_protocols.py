"""The interface every store implements, sync and asyncio."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Protocol, TypeVar

from ._ids import SessionId
from ._session import Session, SessionStats

UserId = TypeVar("UserId")
Meta = TypeVar("Meta")


class Sessions(Protocol[UserId, Meta]):
    """A synchronous session store.

    Reads by SessionId (``get_user_id_from_session``, ``get_session_meta``,
    ``get_session``) touch: they record the use and slide the idle expiry, at
    most once per ``touch_interval``. Nothing else touches. Expiry is final:
    once a call found a session expired, it stays gone even if the clock
    later steps back. Every method raises ``SessionBackendError`` when the
    backend fails (never "logged out"), and ``StoredDataError`` when stored
    data no longer fits the declared types.
    """

    def create_session(self, *, user_id: UserId, label: str, meta: Meta) -> SessionId:
        """Create a session and return its SessionId (the only time the secret
        is available). When the user already has ``max_sessions_per_user``
        live sessions, evicts the least recently used first (expired ones
        never count).

        Raises:
            InvalidSessionDataError: bad user id, label or meta; nothing stored.
            LimitExceededError: user id, label or meta too large; nothing stored.
        """
        ...

    def get_user_id_from_session(self, session_id: SessionId | None) -> UserId | None:
        """The owner of a live session; None for None, malformed, unknown,
        expired, destroyed or rotated-away ids."""
        ...

    def get_session_meta(self, session_id: SessionId | None) -> Meta | None:
        """A fresh copy of a live session's meta; None as above."""
        ...

    def get_session(self, session_id: SessionId | None) -> Session[UserId, Meta] | None:
        """The whole record of a live session (after the touch); None as above."""
        ...

    def get_session_by_key(self, key: str) -> Session[UserId, Meta] | None:
        """The live session with this public key, without touching it: an
        operator's or support view. None for an unknown, malformed or dead key.
        """
        ...

    def set_session_meta(self, session_id: SessionId, meta: Meta) -> bool:
        """Replace a live session's meta. Returns False if the session is not
        live. Does not touch.

        Raises:
            InvalidSessionDataError, LimitExceededError: bad meta; nothing changed.
        """
        ...

    def rotate_session(self, session_id: SessionId) -> SessionId | None:
        """Give a live session a new secret (same key); the old SessionId stops
        working at once. Returns None if the session is not live. Does not
        touch."""
        ...

    def destroy_session(self, session: SessionId | Session[UserId, Meta]) -> bool:
        """Destroy by SessionId (logout) or by a Session from a listing
        (revoke a device). Idempotent; True if a live session was destroyed."""
        ...

    def destroy_sessions_for_user(
        self, user_id: UserId, *, keep: SessionId | Session[UserId, Meta] | None = None
    ) -> int:
        """Log a user out everywhere, except ``keep``: a SessionId (kept if it
        is one of the user's live sessions and its secret matches) or a
        Session from a listing (kept by its key). Returns how many live
        sessions were destroyed.

        Raises:
            InvalidSessionDataError: user_id of the wrong type.
        """
        ...

    def get_sessions_for_user(self, user_id: UserId) -> list[Session[UserId, Meta]]:
        """The user's live sessions, most recently used first.

        Raises:
            InvalidSessionDataError: user_id of the wrong type.
        """
        ...

    def list_sessions(self) -> list[Session[UserId, Meta]]:
        """Every live session, most recently used first. Builds the whole
        list in memory: for small stores; use ``iter_sessions`` for large
        ones."""
        ...

    def iter_sessions(self) -> Iterator[Session[UserId, Meta]]:
        """Every live session, in batches, in no particular order; memory
        stays bounded however many sessions the store holds."""
        ...

    def prune(self) -> int:
        """Remove expired records and dangling index entries, in batches;
        returns how many records and entries were removed."""
        ...

    def stats(self) -> SessionStats:
        """Counts over the whole store: live sessions, users, expired but not
        yet collected."""
        ...


class AsyncSessions(Protocol[UserId, Meta]):
    """The asyncio twin of :class:`Sessions`: same methods, same semantics,
    awaitable (``iter_sessions`` is an async iterator)."""

    async def create_session(self, *, user_id: UserId, label: str, meta: Meta) -> SessionId:
        """See :meth:`Sessions.create_session`."""
        ...

    async def get_user_id_from_session(self, session_id: SessionId | None) -> UserId | None:
        """See :meth:`Sessions.get_user_id_from_session`."""
        ...

    async def get_session_meta(self, session_id: SessionId | None) -> Meta | None:
        """See :meth:`Sessions.get_session_meta`."""
        ...

    async def get_session(self, session_id: SessionId | None) -> Session[UserId, Meta] | None:
        """See :meth:`Sessions.get_session`."""
        ...

    async def get_session_by_key(self, key: str) -> Session[UserId, Meta] | None:
        """See :meth:`Sessions.get_session_by_key`."""
        ...

    async def set_session_meta(self, session_id: SessionId, meta: Meta) -> bool:
        """See :meth:`Sessions.set_session_meta`."""
        ...

    async def rotate_session(self, session_id: SessionId) -> SessionId | None:
        """See :meth:`Sessions.rotate_session`."""
        ...

    async def destroy_session(self, session: SessionId | Session[UserId, Meta]) -> bool:
        """See :meth:`Sessions.destroy_session`."""
        ...

    async def destroy_sessions_for_user(
        self, user_id: UserId, *, keep: SessionId | Session[UserId, Meta] | None = None
    ) -> int:
        """See :meth:`Sessions.destroy_sessions_for_user`."""
        ...

    async def get_sessions_for_user(self, user_id: UserId) -> list[Session[UserId, Meta]]:
        """See :meth:`Sessions.get_sessions_for_user`."""
        ...

    async def list_sessions(self) -> list[Session[UserId, Meta]]:
        """See :meth:`Sessions.list_sessions`."""
        ...

    def iter_sessions(self) -> AsyncIterator[Session[UserId, Meta]]:
        """See :meth:`Sessions.iter_sessions`."""
        ...

    async def prune(self) -> int:
        """See :meth:`Sessions.prune`."""
        ...

    async def stats(self) -> SessionStats:
        """See :meth:`Sessions.stats`."""
        ...
