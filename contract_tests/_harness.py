"""The store under test, one typed method per store operation.

Every SessionId the contract holds is a ``HiddenSessionId``: a str to
the store, but its repr hides the secret, so failure reports (which show
the values a rule compared) never print one.
"""

from __future__ import annotations

from typing import Any

from authsessions import Session, SessionStats, SessionUtils
from authsessions.testing import FakeClock

from ._driver import StoreDriver


class HiddenSessionId(str):
    """A SessionId whose repr shows its key only."""

    __slots__ = ()

    def __repr__(self) -> str:
        key, dot, _ = self.partition(".")
        return f"<SessionId {key}.<secret>>" if dot else "<SessionId>"

    @property
    def key(self) -> str:
        """The public half."""
        return self.partition(".")[0]


def hide(value: Any) -> Any:
    """``value`` as a HiddenSessionId when it has the SessionId format (a
    user id or label that merely holds a dot stays the plain str it is)."""
    if type(value) is str and SessionUtils.to_session_id(value) is not None:
        return HiddenSessionId(value)
    return value


class Harness:
    """One store under test and its clock; remembers the users it created
    sessions for, so a rule can clean up after itself."""

    def __init__(self, driver: StoreDriver, clock: FakeClock) -> None:
        self.driver = driver
        self.clock = clock
        self.users: list[Any] = []

    @property
    def t(self) -> str:
        """The clock in failure messages: ``t=+N ms`` since the rule began."""
        return f"t={self.clock.elapsed_ms:+d} ms"

    def create(self, user: Any, meta: Any, label: str = "device", **extra: Any) -> HiddenSessionId:
        """``extra``: ``absolute_ttl``, ``client`` or ``remember`` when a
        rule passes them."""
        session_id = self.driver.call(
            "create_session", user_id=user, label=label, meta=meta, **extra
        )
        assert isinstance(session_id, str), f"create_session returned {type(session_id)}"
        if user not in self.users:
            self.users.append(user)
        return HiddenSessionId(session_id)

    def get_user_id(self, session_id: Any, **ip: Any) -> Any:
        return self.driver.call("get_user_id_from_session", session_id, **ip)

    def get_meta(self, session_id: Any, **ip: Any) -> Any:
        return self.driver.call("get_session_meta", session_id, **ip)

    def get_session(self, session_id: Any, **ip: Any) -> Session[Any, Any] | None:
        """``ip``: ``ip=...`` when a rule passes the request's address."""
        found: Session[Any, Any] | None = self.driver.call("get_session", session_id, **ip)
        return found

    def get_by_key(self, key: Any) -> Session[Any, Any] | None:
        found: Session[Any, Any] | None = self.driver.call("get_session_by_key", key)
        return found

    def set_meta(self, session_id: Any, meta: Any) -> Any:
        return self.driver.call("set_session_meta", session_id, meta)

    def rotate(self, session_id: Any) -> Any:
        return hide(self.driver.call("rotate_session", session_id))

    def reauthenticate(self, session_id: Any) -> Any:
        return hide(self.driver.call("reauthenticate", session_id))

    def events(self) -> list[Any]:
        """The events the store sent since the last call of this method."""
        return self.driver.take_events()

    def destroy(self, session: Any) -> Any:
        return self.driver.call("destroy_session", session)

    def destroy_for_user(self, user: Any, keep: Any = None) -> Any:
        return self.driver.call("destroy_sessions_for_user", user, keep=keep)

    def for_user(self, user: Any) -> list[Session[Any, Any]]:
        found: list[Session[Any, Any]] = self.driver.call("get_sessions_for_user", user)
        return found

    def keys(self, user: Any) -> list[str]:
        return [s.key for s in self.for_user(user)]

    def list_all(self) -> list[Session[Any, Any]]:
        found: list[Session[Any, Any]] = self.driver.call("list_sessions")
        return found

    def iter_all(self) -> list[Session[Any, Any]]:
        return self.driver.collect("iter_sessions")

    def prune(self) -> Any:
        return self.driver.call("prune")

    def stats(self, **breakdown: Any) -> SessionStats:
        found: SessionStats = self.driver.call("stats", **breakdown)
        return found

    def cleanup(self) -> None:
        try:
            for user in self.users:
                self.destroy_for_user(user)
        finally:
            self.driver.close()
