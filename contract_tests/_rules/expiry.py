"""Expiry and touch (rules 3 and 4): absolute and idle expiry decided by
the store's clock, touches that slide idle expiry without passing the
absolute one, and expiry that stays final when the clock steps back."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from authsessions import InvalidSessionDataError, SessionPolicy

from .._base import ContractBase, StoreFactory
from .._checks import to_ms

FINDS_EXPIRED = [
    "read", "read_user_id", "read_meta", "read_by_key", "user_listing", "list_sessions",
    "iter_sessions", "prune",
]  # fmt: skip


def _observe(store: Any, how: str, session_id: Any, user: Any) -> None:
    """Let the store see an expired session one way, asserting it is dead."""
    if how == "read":
        assert store.get_session(session_id) is None, f"an expired session was read ({store.t})"
    elif how == "read_user_id":
        assert store.get_user_id(session_id) is None, f"an expired session was read ({store.t})"
    elif how == "read_meta":
        assert store.get_meta(session_id) is None, f"an expired session was read ({store.t})"
    elif how == "iter_sessions":
        assert store.iter_all() == [], f"an expired session was streamed ({store.t})"
    elif how == "read_by_key":
        assert store.get_by_key(session_id.key) is None, f"an expired key was read ({store.t})"
    elif how == "user_listing":
        assert store.keys(user) == [], f"an expired session was listed ({store.t})"
    elif how == "list_sessions":
        assert store.list_all() == [], f"an expired session was listed ({store.t})"
    elif how == "prune":
        assert store.prune() >= 1, f"prune removed nothing expired ({store.t})"
    else:  # pragma: no cover - a typo in the parametrization
        raise AssertionError(how)


class ExpiryRules(ContractBase):
    def test_session_expires_at_its_absolute_ttl(self, sessions_factory: StoreFactory) -> None:
        user, meta = self._sample()
        policy = SessionPolicy(absolute_ttl=timedelta(hours=1))
        with self.open(sessions_factory, policy=policy) as store:
            session_id = store.create(user, meta)
            store.clock.advance(timedelta(hours=1) - timedelta(milliseconds=1))
            assert store.get_user_id(session_id) == user, f"live session not read ({store.t})"
            store.clock.advance(1)
            expired = f"a session at exactly its absolute expiry ({store.t})"
            assert store.get_user_id(session_id) is None, f"{expired} was read"
            assert store.get_session(session_id) is None, f"{expired} was read"
            assert store.for_user(user) == [], f"{expired} was listed for its user"
            assert store.list_all() == [], f"{expired} was in list_sessions()"
            assert store.destroy(session_id) is False, f"destroying {expired} returned True"

    def test_idle_expiry_slides_with_every_touch(self, sessions_factory: StoreFactory) -> None:
        user, meta = self._sample()
        policy = SessionPolicy(idle_ttl=timedelta(minutes=10))
        with self.open(sessions_factory, policy=policy) as store:
            session_id = store.create(user, meta)
            for _ in range(5):
                store.clock.advance(timedelta(minutes=9))
                assert store.get_session(session_id) is not None, f"touched yet dead ({store.t})"
            store.clock.advance(timedelta(minutes=10))
            assert store.get_session(session_id) is None, f"idle for 10 min yet read ({store.t})"

    def test_idle_expiry_never_passes_the_absolute_expiry(
        self, sessions_factory: StoreFactory
    ) -> None:
        user, meta = self._sample()
        policy = SessionPolicy(absolute_ttl=timedelta(minutes=25), idle_ttl=timedelta(minutes=10))
        with self.open(sessions_factory, policy=policy) as store:
            start = store.clock.ms
            session_id = store.create(user, meta)
            store.clock.advance(timedelta(minutes=9))
            store.get_session(session_id)
            store.clock.advance(timedelta(minutes=9))
            session = store.get_session(session_id)
            assert session is not None
            assert to_ms(session.expires_at) == start + 25 * 60_000
            store.clock.advance(timedelta(minutes=7))
            assert store.get_session(session_id) is None, f"read past absolute ({store.t})"

    def test_read_touches_last_used_at(self, sessions_factory: StoreFactory) -> None:
        user, meta = self._sample()
        with self.open(sessions_factory) as store:
            session_id = store.create(user, meta)
            created = store.clock.ms
            store.clock.advance(1234)
            store.get_user_id(session_id)
            (listed,) = store.for_user(user)
            assert to_ms(listed.created_at) == created
            assert to_ms(listed.last_used_at) == created + 1234
            store.clock.advance(10)
            store.get_meta(session_id)
            session = store.get_session(session_id)
            assert session is not None and to_ms(session.last_used_at) == created + 1244

    def test_touch_respects_the_touch_interval(self, sessions_factory: StoreFactory) -> None:
        user, meta = self._sample()
        policy = SessionPolicy(touch_interval=timedelta(seconds=60))
        with self.open(sessions_factory, policy=policy) as store:
            session_id = store.create(user, meta)
            created = store.clock.ms
            store.clock.advance(59_999)
            session = store.get_session(session_id)
            assert session is not None and to_ms(session.last_used_at) == created
            store.clock.advance(1)
            session = store.get_session(session_id)
            assert session is not None and to_ms(session.last_used_at) == created + 60_000

    def test_touch_never_resurrects_a_destroyed_session(
        self, sessions_factory: StoreFactory
    ) -> None:
        user, meta = self._sample()
        with self.open(sessions_factory) as store:
            session_id = store.create(user, meta)
            store.destroy(session_id)
            store.clock.advance(1000)
            for _ in range(3):
                assert store.get_session(session_id) is None
            assert store.for_user(user) == []
            assert store.list_all() == []

    def test_set_meta_rotate_and_reads_by_key_do_not_touch(
        self, sessions_factory: StoreFactory
    ) -> None:
        user, (meta, other) = self._sample_users()[0], self._sample_metas()
        with self.open(sessions_factory) as store:
            session_id = store.create(user, meta)
            created = store.clock.ms
            store.clock.advance(500)
            assert store.set_meta(session_id, other) is True
            new_id = store.rotate(session_id)
            by_key = store.get_by_key(session_id.key)
            assert by_key is not None and to_ms(by_key.last_used_at) == created
            (listed,) = store.for_user(user)
            assert to_ms(listed.last_used_at) == created, "set_meta, rotate or by-key touched"
            assert listed.meta == other
            assert store.get_meta(new_id) == other

    # exactly the calls docs/writing-a-store.md names as finding a session
    # expired (any other call may remove an expired record; none revives one)
    @pytest.mark.parametrize("how", FINDS_EXPIRED)
    def test_expiry_is_final_when_the_clock_steps_back(
        self, sessions_factory: StoreFactory, how: str
    ) -> None:
        # an NTP correction steps the clock back: a session a store already
        # found expired must not come back to life
        user, meta = self._sample()
        policy = SessionPolicy(absolute_ttl=timedelta(hours=1))
        with self.open(sessions_factory, policy=policy) as store:
            session_id = store.create(user, meta)
            store.clock.advance(timedelta(hours=1))
            _observe(store, how, session_id, user)
            store.clock.rewind(timedelta(minutes=10))
            revived = f"found expired by {how}, it came back after the clock stepped back"
            assert store.get_session(session_id) is None, f"{revived} ({store.t})"
            assert store.get_by_key(session_id.key) is None, f"{revived} ({store.t})"
            assert store.for_user(user) == [], f"{revived}: listed ({store.t})"
            assert store.list_all() == [], f"{revived}: in list_sessions ({store.t})"

    def test_a_session_may_be_given_a_shorter_lifetime_never_a_longer_one(
        self, sessions_factory: StoreFactory
    ) -> None:
        user, meta = self._sample()
        policy = SessionPolicy(absolute_ttl=timedelta(hours=1))
        with self.open(sessions_factory, policy=policy) as store:
            short = store.create(user, meta, absolute_ttl=timedelta(minutes=10))
            full = store.create(user, meta)
            created = store.clock.ms
            found = store.get_by_key(short.key)
            assert found is not None and to_ms(found.expires_at) == created + 600_000, (
                "create_session(absolute_ttl=10 min) must expire 10 minutes after creation"
            )
            for bad in (timedelta(hours=1, milliseconds=1), timedelta(0), timedelta(-1)):
                with pytest.raises(InvalidSessionDataError):
                    store.create(user, meta, absolute_ttl=bad)
            assert len(store.for_user(user)) == 2, "a refused lifetime stored a session"
            store.clock.advance(timedelta(minutes=10) - timedelta(milliseconds=1))
            assert store.get_session(short) is not None
            store.clock.advance(1)
            assert store.get_session(short) is None, f"it outlived its own lifetime ({store.t})"
            assert store.get_session(full) is not None, "the policy's lifetime still applies"
