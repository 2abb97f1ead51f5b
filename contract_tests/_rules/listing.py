"""Listings: a user's live sessions and everyone's, most recently
used first (ties in no defined order), with timestamps of millisecond
resolution; ``iter_sessions`` streams the same set in any order."""

from __future__ import annotations

from .._base import ContractBase, StoreFactory
from .._checks import to_ms


class ListingRules(ContractBase):
    def test_listings_are_most_recently_used_first(self, sessions_factory: StoreFactory) -> None:
        (alice, bob), meta = self._sample_users(), self._sample_metas()[0]
        with self.open(sessions_factory) as store:
            ids = []
            for _ in range(4):
                ids.append(store.create(alice, meta))
                store.clock.advance(1)
            bobs = store.create(bob, meta)
            store.clock.advance(1)
            store.get_session(ids[1])
            expected = [i.key for i in (ids[1], ids[3], ids[2], ids[0])]
            assert store.keys(alice) == expected
            everyone = [s.key for s in store.list_all()]
            assert everyone == [expected[0], bobs.key, *expected[1:]]

    def test_a_users_listing_excludes_other_users(self, sessions_factory: StoreFactory) -> None:
        (alice, bob), meta = self._sample_users(), self._sample_metas()[0]
        with self.open(sessions_factory) as store:
            mine = store.create(alice, meta)
            store.create(bob, meta)
            listing = store.for_user(alice)
            assert [s.key for s in listing] == [mine.key]
            assert all(s.user_id == alice for s in listing)

    def test_timestamps_are_aware_utc_with_millisecond_resolution(
        self, sessions_factory: StoreFactory
    ) -> None:
        user, meta = self._sample()
        with self.open(sessions_factory) as store:
            session_id = store.create(user, meta)
            start = store.clock.ms
            store.clock.advance(7)
            session = store.get_session(session_id)
            assert session is not None
            assert to_ms(session.created_at) == start
            assert to_ms(session.last_used_at) == start + 7

    def test_iter_sessions_streams_every_live_session_once(
        self, sessions_factory: StoreFactory
    ) -> None:
        (alice, bob), meta = self._sample_users(), self._sample_metas()[0]
        with self.open(sessions_factory) as store:
            keys = {store.create(alice, meta).key for _ in range(3)}
            keys |= {store.create(bob, meta).key for _ in range(2)}
            dead = store.create(bob, meta)
            store.destroy(dead)
            streamed = [s.key for s in store.iter_all()]
            assert len(streamed) == len(set(streamed)), "iter_sessions yielded a session twice"
            assert set(streamed) == keys
            assert set(streamed) == {s.key for s in store.list_all()}
