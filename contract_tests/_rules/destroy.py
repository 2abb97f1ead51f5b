"""Destroying sessions: logout by SessionId, revoking a listed device,
"log out everywhere" keeping the caller's session; all idempotent."""

from __future__ import annotations

from datetime import timedelta

from authsessions import SessionPolicy

from .._base import ContractBase, StoreFactory


class DestroyRules(ContractBase):
    def test_destroyed_session_reads_as_none(self, sessions_factory: StoreFactory) -> None:
        user, meta = self._sample()
        with self.open(sessions_factory) as store:
            session_id = store.create(user, meta)
            assert store.destroy(session_id) is True
            assert store.get_user_id(session_id) is None
            assert store.get_meta(session_id) is None
            assert store.get_session(session_id) is None
            assert store.get_by_key(session_id.key) is None
            assert store.set_meta(session_id, meta) is False
            assert store.rotate(session_id) is None
            assert store.keys(user) == []

    def test_destroy_is_idempotent(self, sessions_factory: StoreFactory) -> None:
        user, meta = self._sample()
        with self.open(sessions_factory) as store:
            session_id = store.create(user, meta)
            session = store.get_session(session_id)
            assert store.destroy(session_id) is True
            assert store.destroy(session_id) is False
            assert store.destroy(session) is False

    def test_destroy_by_session_revokes_that_device_only(
        self, sessions_factory: StoreFactory
    ) -> None:
        user, meta = self._sample()
        with self.open(sessions_factory) as store:
            phone = store.create(user, meta, label="phone")
            store.clock.advance(1)
            laptop = store.create(user, meta, label="laptop")
            listed = {s.label: s for s in store.for_user(user)}
            assert store.destroy(listed["phone"]) is True
            assert store.get_session(phone) is None
            assert store.get_session(laptop) is not None
            assert store.destroy(listed["phone"]) is False

    def test_log_out_everywhere_keeps_the_callers_session(
        self, sessions_factory: StoreFactory
    ) -> None:
        (alice, bob), meta = self._sample_users(), self._sample_metas()[0]
        with self.open(sessions_factory) as store:
            ids = [store.create(alice, meta) for _ in range(3)]
            others = store.create(bob, meta)
            assert store.destroy_for_user(alice, keep=ids[1]) == 2
            assert store.get_session(ids[0]) is None
            assert store.get_session(ids[2]) is None
            assert store.get_session(ids[1]) is not None
            assert store.get_session(others) is not None
            assert store.destroy_for_user(alice) == 1
            assert store.destroy_for_user(alice) == 0
            assert store.keys(alice) == []

    def test_log_out_everywhere_keeps_a_listed_session_by_key(
        self, sessions_factory: StoreFactory
    ) -> None:
        user, meta = self._sample()
        with self.open(sessions_factory) as store:
            ids = [store.create(user, meta) for _ in range(3)]
            kept = store.get_by_key(ids[2].key)
            assert store.destroy_for_user(user, keep=kept) == 2
            assert store.keys(user) == [ids[2].key]

    def test_keep_naming_another_users_session_keeps_nothing(
        self, sessions_factory: StoreFactory
    ) -> None:
        (alice, bob), meta = self._sample_users(), self._sample_metas()[0]
        with self.open(sessions_factory) as store:
            store.create(alice, meta)
            store.create(alice, meta)
            bobs = store.create(bob, meta)
            assert store.destroy_for_user(alice, keep=bobs) == 2
            assert store.destroy_for_user(alice, keep=store.get_by_key(bobs.key)) == 0
            assert store.get_session(bobs) is not None

    def test_keep_with_a_wrong_secret_keeps_nothing(self, sessions_factory: StoreFactory) -> None:
        user, meta = self._sample()
        with self.open(sessions_factory) as store:
            session_id = store.create(user, meta)
            key, _, secret = session_id.partition(".")
            forged = f"{key}.{'A' if secret[0] != 'A' else 'B'}{secret[1:]}"
            assert store.destroy_for_user(user, keep=forged) == 1

    def test_log_out_everywhere_does_not_count_expired_sessions(
        self, sessions_factory: StoreFactory
    ) -> None:
        user, meta = self._sample()
        policy = SessionPolicy(idle_ttl=timedelta(minutes=5))
        with self.open(sessions_factory, policy=policy) as store:
            store.create(user, meta)
            store.clock.advance(timedelta(minutes=4))
            store.create(user, meta)
            store.clock.advance(timedelta(minutes=2))
            assert store.destroy_for_user(user) == 1
