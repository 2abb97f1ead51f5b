"""Limits: every size limit accepts its exact value and refuses one
more with LimitExceededError naming the field, storing nothing; values that
do not fit their type are refused the same way; the per-user cap evicts the
least recently used live session, never counting expired ones."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from authsessions import InvalidSessionDataError, LimitExceededError, SessionPolicy

from .._base import ContractBase, StoreFactory


class LimitRules(ContractBase):
    @pytest.mark.parametrize("limit", [1, 5, 200])
    def test_labels_of_exactly_max_label_length_are_accepted_one_more_refused(
        self, sessions_factory: StoreFactory, limit: int
    ) -> None:
        user, meta = self._sample()
        policy = SessionPolicy(max_label_length=limit)
        with self.open(sessions_factory, policy=policy) as store:
            store.users.append(user)
            with pytest.raises(LimitExceededError) as info:
                store.create(user, meta, label="é" * (limit + 1))
            assert (info.value.field, info.value.limit) == ("label", limit)
            assert store.keys(user) == [], "a refused create stored a session"
            # characters, not bytes: "é" is two bytes in UTF-8, one character
            session_id = store.create(user, meta, label="é" * limit)
            session = store.get_session(session_id)
            assert session is not None and session.label == "é" * limit

    @pytest.mark.parametrize("limit", [20, 8192])
    def test_meta_of_exactly_max_meta_bytes_is_accepted_one_more_refused(
        self, sessions_factory: StoreFactory, limit: int
    ) -> None:
        # the limit measures canonical JSON: compact separators, ASCII-only
        # (non-ASCII escaped as \\uXXXX), so {"k":"<n x é>"} is 8 + 6n bytes
        user = self._sample_users()[0]
        options: dict[str, Any] = {"meta_type": dict[str, Any]}
        policy = SessionPolicy(max_meta_bytes=limit)

        def meta(size: int) -> dict[str, str]:
            wide, narrow = divmod(size - 8, 6)
            return {"k": "é" * wide + "a" * narrow}

        with self.open(sessions_factory, policy=policy, **options) as store:
            store.users.append(user)
            with pytest.raises(LimitExceededError) as info:
                store.create(user, meta(limit + 1))
            assert (info.value.field, info.value.limit) == ("meta", limit)
            assert store.keys(user) == [], "a refused create stored a session"
            session_id = store.create(user, meta(limit))
            assert store.get_meta(session_id) == meta(limit)
            with pytest.raises(LimitExceededError):
                store.set_meta(session_id, meta(limit + 1))
            assert store.get_meta(session_id) == meta(limit), "a refused set_meta changed meta"

    @pytest.mark.parametrize("limit", [10, 256])
    def test_user_ids_of_exactly_max_user_id_bytes_are_accepted_one_more_refused(
        self, sessions_factory: StoreFactory, limit: int
    ) -> None:
        # a str user id's canonical JSON counts its quotes: n characters of
        # ASCII make n + 2 bytes
        meta = self._sample_metas()[0]
        policy = SessionPolicy(max_user_id_bytes=limit)
        with self.open(sessions_factory, policy=policy, user_id_type=str) as store:
            over, exact = "u" * (limit - 1), "u" * (limit - 2)
            with pytest.raises(LimitExceededError) as info:
                store.create(over, meta)
            assert (info.value.field, info.value.limit) == ("user_id", limit)
            with pytest.raises(LimitExceededError):
                store.for_user(over)
            assert store.list_all() == [], "a refused create stored a session"
            session_id = store.create(exact, meta)
            assert store.get_user_id(session_id) == exact

    @pytest.mark.parametrize("bad", ["object", "set", "nan", "tuple"])
    def test_meta_that_does_not_fit_meta_type_is_rejected_and_nothing_is_stored(
        self, sessions_factory: StoreFactory, bad: str
    ) -> None:
        user = self._sample_users()[0]
        value = {
            "object": object(),
            "set": {"k": {1, 2}},
            "nan": {"k": float("nan")},
            "tuple": {"k": (1, 2)},
        }[bad]
        with self.open(sessions_factory, meta_type=dict[str, Any]) as store:
            store.users.append(user)
            with pytest.raises(InvalidSessionDataError) as info:
                store.create(user, value)
            assert info.value.field == "meta"
            assert store.keys(user) == []
            good = {"ok": True}
            session_id = store.create(user, good)
            with pytest.raises(InvalidSessionDataError):
                store.set_meta(session_id, value)
            assert store.get_meta(session_id) == good

    def test_user_id_of_the_wrong_type_is_rejected_and_nothing_is_stored(
        self, sessions_factory: StoreFactory
    ) -> None:
        meta = self._sample_metas()[0]
        with self.open(sessions_factory) as store:
            with pytest.raises(InvalidSessionDataError) as info:
                store.create(1.5, meta)
            assert info.value.field == "user_id"
            with pytest.raises(InvalidSessionDataError):
                store.for_user(1.5)
            assert store.list_all() == []

    def test_creating_over_the_limit_evicts_the_least_recently_used(
        self, sessions_factory: StoreFactory
    ) -> None:
        (alice, bob), meta = self._sample_users(), self._sample_metas()[0]
        with self.open(sessions_factory, policy=SessionPolicy(max_sessions_per_user=3)) as store:
            ids = []
            for _ in range(3):
                ids.append(store.create(alice, meta))
                store.clock.advance(1)
            others = store.create(bob, meta)
            store.get_session(ids[0])  # now ids[1] is the least recently used
            store.clock.advance(1)
            newest = store.create(alice, meta)
            assert store.get_session(ids[1]) is None
            assert set(store.keys(alice)) == {i.key for i in (ids[0], ids[2], newest)}
            assert store.get_session(others) is not None

    @pytest.mark.parametrize("expired_by", ["absolute", "idle"])
    def test_expired_sessions_do_not_count_toward_the_per_user_limit(
        self, sessions_factory: StoreFactory, expired_by: str
    ) -> None:
        # at the cap, with an expired (not yet collected) session that was
        # used more recently than the live ones: a store that counts it
        # evicts a live session for nothing
        user, meta = self._sample()
        policy = SessionPolicy(
            absolute_ttl=timedelta(hours=1),
            idle_ttl=timedelta(minutes=20) if expired_by == "idle" else None,
            max_sessions_per_user=3,
        )
        with self.open(sessions_factory, policy=policy) as store:
            if expired_by == "absolute":
                stale = store.create(user, meta)  # t=0, expires at t=60 min
                store.clock.advance(timedelta(minutes=30))
                live = [store.create(user, meta), store.create(user, meta)]  # t=30
                store.clock.advance(timedelta(minutes=10))
                store.get_session(stale)  # t=40: used after the live ones
                store.clock.advance(timedelta(minutes=21))  # t=61
            else:
                live = [store.create(user, meta), store.create(user, meta)]  # t=0
                store.clock.advance(timedelta(minutes=1))
                stale = store.create(user, meta)  # t=1, idle-expires at t=21
                store.clock.advance(timedelta(minutes=18))
                for session_id in live:  # t=19: live ones idle-expire at t=39
                    store.get_session(session_id)
                store.clock.advance(timedelta(minutes=3))  # t=22
            newest = store.create(user, meta)
            for session_id in live:
                assert store.get_session(session_id) is not None, (
                    f"a live session was evicted while an {expired_by}-expired one was "
                    f"still stored ({store.t}): expired sessions must not count toward "
                    "max_sessions_per_user"
                )
            assert store.get_session(stale) is None
            assert set(store.keys(user)) == {newest.key, *(i.key for i in live)}
