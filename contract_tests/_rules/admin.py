"""Admin views: a session by its public key, prune, and stats."""

from __future__ import annotations

from datetime import timedelta

from authsessions import SessionPolicy, SessionStats

from .._base import ContractBase, StoreFactory
from .._checks import to_ms


class AdminRules(ContractBase):
    def test_get_session_by_key_returns_the_live_session_without_touching(
        self, sessions_factory: StoreFactory
    ) -> None:
        user, meta = self._sample()
        with self.open(sessions_factory) as store:
            session_id = store.create(user, meta, label="by key")
            created = store.clock.ms
            store.clock.advance(50)
            found = store.get_by_key(session_id.key)
            assert found is not None and found.label == "by key" and found.user_id == user
            assert to_ms(found.last_used_at) == created, "get_session_by_key touched"
            assert store.get_by_key(session_id) is None, "a whole SessionId is not a key"
            assert store.get_by_key("0" * 32) is None

    def test_prune_removes_nothing_that_is_live(self, sessions_factory: StoreFactory) -> None:
        (alice, bob), meta = self._sample_users(), self._sample_metas()[0]
        policy = SessionPolicy(idle_ttl=timedelta(minutes=5))
        with self.open(sessions_factory, policy=policy) as store:
            old = store.create(alice, meta)
            store.clock.advance(timedelta(minutes=4))
            live = [store.create(alice, meta), store.create(bob, meta)]
            store.clock.advance(timedelta(minutes=2))
            assert store.prune() == 1, "prune counts each expired record it removed"
            assert store.get_session(old) is None
            assert all(store.get_session(i) is not None for i in live)
            assert store.prune() == 0

    def test_stats_count_live_sessions_users_and_expired_ones(
        self, sessions_factory: StoreFactory
    ) -> None:
        (alice, bob), meta = self._sample_users(), self._sample_metas()[0]
        policy = SessionPolicy(idle_ttl=timedelta(minutes=5))
        with self.open(sessions_factory, policy=policy) as store:
            store.create(alice, meta)
            store.clock.advance(timedelta(minutes=4))
            store.create(alice, meta)
            store.create(bob, meta)
            store.create(bob, meta)
            store.clock.advance(timedelta(minutes=2))
            stats = store.stats()
            assert isinstance(stats, SessionStats)
            assert (stats.sessions, stats.users) == (3, 2)
            assert stats.expired_not_collected in (0, 1), "one session expired"
            store.prune()
            assert store.stats().expired_not_collected == 0

    def test_stats_break_live_sessions_down_by_label_and_sessions_per_user(
        self, sessions_factory: StoreFactory
    ) -> None:
        users, meta = self._many_users(4), self._sample_metas()[0]
        policy = SessionPolicy(idle_ttl=timedelta(minutes=5))
        with self.open(sessions_factory, policy=policy) as store:
            store.create(users[3], meta, label="old")
            store.clock.advance(timedelta(minutes=4))
            for label in ("laptop", "phone", "laptop"):
                store.create(users[0], meta, label=label)
            store.create(users[1], meta, label="laptop")
            store.create(users[2], meta, label="tablet")
            store.clock.advance(timedelta(minutes=2))  # the "old" one expired
            plain = store.stats()
            assert plain.by_label is None and plain.sessions_per_user is None, (
                "stats() without breakdown leaves both None"
            )
            stats = store.stats(breakdown=True)
            assert (stats.sessions, stats.users) == (5, 3)
            assert stats.by_label == {"laptop": 3, "phone": 1, "tablet": 1}, stats.by_label
            assert next(iter(stats.by_label)) == "laptop", "most common label first"
            assert stats.sessions_per_user == {1: 2, 3: 1}, stats.sessions_per_user
