"""The interface every store implements, for asyncio: the source of truth
for the sync twin (``_protocols_sync.py``, generated)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Protocol, TypeVar

from ._client import ClientInfo, IPAddress
from ._events import AsyncHook
from ._ids import SessionId
from ._session import Session, SessionList, SessionStats

UserId = TypeVar("UserId")
Meta = TypeVar("Meta")


class AsyncSessions(Protocol[UserId, Meta]):
    """An asyncio session store: every method is awaitable
    (``iter_sessions`` is an async iterator).

    Reads by SessionId (``get_user_id_from_session``, ``get_session_meta``,
    ``get_session``) touch: they record the use and slide the idle expiry, at
    most once per ``touch_interval``. Nothing else touches. Expiry is final:
    once a call found a session expired, it stays gone even if the clock
    later steps back. Every method raises ``SessionBackendError`` when the
    backend fails (never "logged out"), and ``StoredDataError`` when stored
    data no longer fits the declared types.
    """

    async def create_session(
        self,
        *,
        user_id: UserId,
        label: str,
        meta: Meta,
        absolute_ttl: timedelta | None = None,
        client: ClientInfo | None = None,
        remember: bool = True,
    ) -> SessionId:
        """Create a session and return its SessionId (the only time the secret
        is available). When the user already has ``max_sessions_per_user``
        live sessions, evicts the least recently used first (expired ones
        never count).

        ``absolute_ttl`` gives this session a shorter absolute lifetime than
        the policy's; None: the policy's. ``remember=False`` marks a
        browser-session login (``Session.remember``) and caps its lifetime
        at the policy's ``browser_session_ttl``. ``client`` records where it
        signed in from (``Session.client``), as much as the policy's
        ``client_details`` keeps. Sends ``SessionCreated`` (after a
        ``SessionRevoked`` per session evicted).

        Raises:
            InvalidSessionDataError: bad user id, label or meta, a
                ``client`` that is not a ClientInfo, a ``remember`` that is
                not a bool, or an ``absolute_ttl`` that is not positive or
                is longer than the policy's; nothing stored.
            LimitExceededError: user id, label or meta too large; nothing stored.
        """
        ...

    async def get_user_id_from_session(
        self, session_id: SessionId | None, *, ip: IPAddress | str | None = None
    ) -> UserId | None:
        """The owner of a live session; None for None, malformed, unknown,
        expired, destroyed or rotated-away ids.

        ``ip``, the address the request came from, is recorded with the
        touch (``Session.last_used_ip``: at most once per
        ``touch_interval``), as much as the policy's ``client_details``
        keeps; None keeps the recorded one.

        A secret rotated away from a live session more than the policy's
        ``reuse_grace`` ago is a stolen session: the read sends
        ``TheftSuspected`` and, if the policy's ``revoke_on_reuse`` (the
        default), revokes the session (``SessionRevoked``, reason THEFT).
        The same holds for ``get_session_meta`` and ``get_session``.

        Raises:
            InvalidSessionDataError: ``ip`` is not an address; nothing read.
        """
        ...

    async def get_session_meta(
        self, session_id: SessionId | None, *, ip: IPAddress | str | None = None
    ) -> Meta | None:
        """A fresh copy of a live session's meta; None as above (``ip`` as above).

        Raises:
            InvalidSessionDataError: ``ip`` is not an address; nothing read.
        """
        ...

    async def get_session(
        self, session_id: SessionId | None, *, ip: IPAddress | str | None = None
    ) -> Session[UserId, Meta] | None:
        """The whole record of a live session (after the touch); None as
        above (``ip`` as above).

        Raises:
            InvalidSessionDataError: ``ip`` is not an address; nothing read.
        """
        ...

    async def get_session_by_key(self, key: str) -> Session[UserId, Meta] | None:
        """The live session with this public key, without touching it: an
        operator's or support view. None for an unknown, malformed or dead key.
        """
        ...

    async def set_session_meta(self, session_id: SessionId, meta: Meta) -> bool:
        """Replace a live session's meta. Returns False if the session is not
        live. Does not touch.

        Raises:
            InvalidSessionDataError, LimitExceededError: bad meta; nothing changed.
        """
        ...

    async def rotate_session(self, session_id: SessionId) -> SessionId | None:
        """Give a live session a new secret (same key); the old SessionId stops
        working at once (presented again after ``reuse_grace``, it is a
        stolen session). Returns None if the session is not live. Does not
        touch. Sends ``SessionRotated``."""
        ...

    async def reauthenticate(self, session_id: SessionId) -> SessionId | None:
        """Record a fresh sign-in on a live session: ``authenticated_at``
        becomes now, and the secret rotates as with ``rotate_session``.
        Returns the new SessionId, or None if the session is not live.
        Does not touch. Sends ``SessionReauthenticated``."""
        ...

    async def destroy_session(self, session: SessionId | Session[UserId, Meta]) -> bool:
        """Destroy by SessionId (logout) or by a Session from a listing
        (revoke a device). Idempotent; True if a live session was destroyed
        (then sends ``SessionRevoked``, reason LOGOUT or REVOKED)."""
        ...

    async def destroy_sessions_for_user(
        self, user_id: UserId, *, keep: SessionId | Session[UserId, Meta] | None = None
    ) -> int:
        """Log a user out everywhere, except ``keep``: a SessionId (kept if it
        is one of the user's live sessions and its secret matches) or a
        Session from a listing (kept by its key). Returns how many live
        sessions were destroyed (each sends ``SessionRevoked``, reason
        EVERYWHERE).

        Raises:
            InvalidSessionDataError: user_id of the wrong type.
        """
        ...

    async def get_sessions_for_user(self, user_id: UserId) -> SessionList[UserId, Meta]:
        """The user's live sessions, most recently used first.

        Raises:
            InvalidSessionDataError: user_id of the wrong type.
        """
        ...

    async def list_sessions(self) -> SessionList[UserId, Meta]:
        """Every live session, most recently used first. Builds the whole
        list in memory: for small stores; use ``iter_sessions`` for large
        ones."""
        ...

    def iter_sessions(self) -> AsyncIterator[Session[UserId, Meta]]:
        """Every live session, in batches, in no particular order; memory
        stays bounded however many sessions the store holds."""
        ...

    async def prune(self) -> int:
        """Remove expired records and dangling index entries, in batches;
        returns how many records and entries were removed."""
        ...

    async def stats(self, *, breakdown: bool = False) -> SessionStats:
        """Counts over the whole store: live sessions, users, expired but not
        yet collected. With ``breakdown``, also live sessions per label and
        a histogram of sessions per user, counted while streaming through
        the store (memory grows with distinct labels and users, never with
        sessions)."""
        ...

    def add_hook(self, hook: AsyncHook) -> AsyncHook:
        """Register ``hook`` (a function or, on an asyncio store, a
        coroutine function) to receive every ``SessionEvent`` this store
        sends, after the change is durable, in registration order. A hook
        that raises is logged (``authsessions.store``) and never undoes
        the change nor reaches the caller. Returns ``hook`` (so it can be a
        decorator).

        Raises:
            TypeError: ``hook`` is not callable.
        """
        ...

    def remove_hook(self, hook: AsyncHook) -> None:
        """Stop sending events to ``hook``.

        Raises:
            ValueError: it is not registered.
        """
        ...
