"""Security events: what happened to a session, for an application's hooks
("new sign-in" e-mails, an audit log) and for metrics.

A store delivers each event after the change is durable, to every hook
registered with ``add_hook``, in registration order. A hook that raises is
logged (``authsessions.store``, WARNING) and skipped: it never undoes the
change and never reaches the caller. Events hold the session's public key
and its owner, never a secret.
"""

from __future__ import annotations

import enum
import inspect
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any, ClassVar, Generic, TypeVar

import attrs

from ._client import ClientInfo

U = TypeVar("U")

_log = logging.getLogger("authsessions.store")


class RevokeReason(enum.Enum):
    """Why a session ended before its expiry."""

    LOGOUT = "logout"
    """``destroy_session`` with the session's own id."""
    REVOKED = "revoked"
    """``destroy_session`` with a listed Session (from a devices page or an operator)."""
    EVERYWHERE = "everywhere"
    """``destroy_sessions_for_user`` (log out everywhere)."""
    EVICTED = "evicted"
    """A create at ``max_sessions_per_user`` evicted it (least recently used)."""
    THEFT = "theft"
    """A secret rotated away from it was presented again (``TheftSuspected``)."""


@attrs.frozen(kw_only=True)
class SessionEvent(Generic[U]):
    """The base of every event.

    Attributes:
        key: the session's public key.
        user_id: its owner, typed.
        at: when it happened (the store's clock), aware UTC.
    """

    kind: ClassVar[str] = "event"
    key: str
    user_id: U
    at: datetime

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: ``kind``, then the fields (times in ISO 8601)."""
        out: dict[str, Any] = {"kind": self.kind}
        for field in attrs.fields(type(self)):
            value = getattr(self, field.name)
            if isinstance(value, datetime):
                value = value.isoformat()
            elif isinstance(value, enum.Enum):
                value = value.value
            elif isinstance(value, ClientInfo):
                value = value.to_dict()
            elif value is not None and not isinstance(value, str | int | bool):
                value = str(value)
            out[field.name] = value
        return out


@attrs.frozen(kw_only=True)
class SessionCreated(SessionEvent[U]):
    """A sign-in: ``create_session``.

    Attributes:
        client: the client it signed in from (as stored), or None.
        remember: False for a browser-session login.
    """

    kind: ClassVar[str] = "created"
    client: ClientInfo | None
    remember: bool


@attrs.frozen(kw_only=True)
class SessionReauthenticated(SessionEvent[U]):
    """``reauthenticate``: the user signed in again on this session (its
    secret rotated too; no ``SessionRotated`` is sent for that)."""

    kind: ClassVar[str] = "reauthenticated"


@attrs.frozen(kw_only=True)
class SessionRotated(SessionEvent[U]):
    """``rotate_session``: the session got a new secret."""

    kind: ClassVar[str] = "rotated"


@attrs.frozen(kw_only=True)
class SessionRevoked(SessionEvent[U]):
    """A live session ended before its expiry.

    Attributes:
        reason: why (``RevokeReason``).
    """

    kind: ClassVar[str] = "revoked"
    reason: RevokeReason


@attrs.frozen(kw_only=True)
class TheftSuspected(SessionEvent[U]):
    """A secret rotated away from a live session (longer ago than the
    policy's ``reuse_grace``) was presented again: two parties hold the
    session, and one of them is not its owner.

    Attributes:
        revoked: whether the session was revoked for it (the policy's
            ``revoke_on_reuse``; a ``SessionRevoked`` with reason ``THEFT``
            follows).
    """

    kind: ClassVar[str] = "theft_suspected"
    revoked: bool


Hook = Callable[[SessionEvent[Any]], None]
"""A sync store's hook: called with each event."""
AsyncHook = Callable[[SessionEvent[Any]], Awaitable[None] | None]
"""An asyncio store's hook: a function or a coroutine function."""


def hook_failed(hook: object, event: SessionEvent[Any]) -> None:
    """Log a hook's exception (called from an ``except`` block)."""
    _log.warning(
        "hook %s failed on a %s event for session %s; the change stands",
        getattr(hook, "__qualname__", repr(hook)),
        event.kind,
        event.key,
        exc_info=True,
    )


def check_hook(hook: object) -> None:
    """Raises TypeError for a hook that is not callable."""
    if not callable(hook):
        raise TypeError(f"a hook must be callable, not {type(hook).__name__}")


def deliver(hooks: Sequence[Hook], events: Sequence[SessionEvent[Any]]) -> None:
    """Each event to each hook, in order; a failing hook is logged."""
    for event in events:
        for hook in hooks:
            try:
                hook(event)
            except Exception:  # a hook never undoes the change nor reaches the caller
                hook_failed(hook, event)


async def deliver_async(hooks: Sequence[AsyncHook], events: Sequence[SessionEvent[Any]]) -> None:
    """Each event to each hook, in order, awaiting coroutine hooks; a
    failing hook is logged."""
    for event in events:
        for hook in hooks:
            try:
                result = hook(event)
                if inspect.isawaitable(result):
                    await result
            except Exception:  # a hook never undoes the change nor reaches the caller
                hook_failed(hook, event)
