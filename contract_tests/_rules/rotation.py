"""Rotation: a new secret for the same key, and the old SessionId stops
working at once (the fixation defence)."""

from __future__ import annotations

from datetime import timedelta

from authsessions import SessionPolicy

from .._base import ContractBase, StoreFactory


class RotationRules(ContractBase):
    def test_rotation_gives_a_new_id_and_the_old_one_stops_working(
        self, sessions_factory: StoreFactory
    ) -> None:
        user, meta = self._sample()
        with self.open(sessions_factory) as store:
            old = store.create(user, meta)
            new = store.rotate(old)
            assert new is not None and new != old
            stale = f"the old SessionId still works right after rotation ({store.t})"
            assert store.get_session(old) is None, stale
            assert store.get_user_id(old) is None, stale
            store.clock.advance(1)
            assert store.get_session(old) is None, f"{stale[:-1]}, 1 ms later"
            assert store.rotate(old) is None
            assert store.set_meta(old, meta) is False
            assert store.destroy(old) is False
            session = store.get_session(new)
            assert session is not None and session.key == old.key and session.meta == meta
            assert store.keys(user) == [old.key]

    def test_rotating_twice_leaves_only_the_newest_id(
        self, sessions_factory: StoreFactory
    ) -> None:
        user, meta = self._sample()
        with self.open(sessions_factory) as store:
            first = store.create(user, meta)
            second = store.rotate(first)
            third = store.rotate(second)
            assert third is not None and len({first, second, third}) == 3
            assert store.get_session(first) is None and store.get_session(second) is None
            assert store.get_session(third) is not None

    def test_rotation_keeps_the_sessions_sign_in_time_and_lifetime(
        self, sessions_factory: StoreFactory
    ) -> None:
        user, meta = self._sample()
        policy = SessionPolicy(absolute_ttl=timedelta(hours=1), idle_ttl=None)
        with self.open(sessions_factory, policy=policy) as store:
            old = store.create(user, meta)
            before = store.get_by_key(old.key)
            assert before is not None
            store.clock.advance(timedelta(hours=1) - timedelta(milliseconds=1))
            new = store.rotate(old)
            assert new is not None, f"a live session could not be rotated ({store.t})"
            after = store.get_by_key(old.key)
            assert after is not None
            assert after.created_at == before.created_at, (
                "rotate_session changed created_at: rotation renews the secret, not the session"
            )
            assert after.expires_at == before.expires_at, (
                "rotate_session moved the absolute expiry: a rotated id must die "
                "with the session's original lifetime"
            )
            store.clock.advance(1)
            assert store.get_session(new) is None, (
                f"the rotated id outlived the session's absolute expiry ({store.t})"
            )
