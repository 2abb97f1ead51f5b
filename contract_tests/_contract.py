"""SessionsContract: the tests every store must pass to be swapped in."""

from __future__ import annotations

import asyncio
import contextlib
import random
import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any, ClassVar

import pytest
from hypothesis import find, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import run_state_machine_as_test

from authsessions import (
    InvalidSessionDataError,
    LimitExceededError,
    SessionPolicy,
    SessionUtils,
    StoredDataError,
    make_converter,
)

from ._clock import FakeClock
from ._driver import StoreDriver
from ._machine import build_machine, to_ms
from ._namespaces import new_namespace
from ._settings import contract_settings
from ._strategies import labels, metas, user_ids

StoreFactory = Callable[..., Any]


class HiddenSessionId(str):
    """A SessionId the contract holds: a str to every store, but its repr
    hides the secret, so failure reports (which show compared values) never
    print one."""

    __slots__ = ()

    def __repr__(self) -> str:
        key, dot, _ = self.partition(".")
        return f"<SessionId {key}.<secret>>" if dot else "<SessionId>"


def _hide(value: Any) -> Any:
    # only what has the SessionId format: a user id or label that happens to
    # hold a dot must come back as the plain str it is
    if type(value) is str and SessionUtils.to_session_id(value) is not None:
        return HiddenSessionId(value)
    return value


class Harness:
    """One store under test, with its clock; removes what it created."""

    def __init__(self, driver: StoreDriver, clock: FakeClock) -> None:
        self.driver = driver
        self.clock = clock
        self.users: list[Any] = []

    def __getattr__(self, name: str) -> Callable[..., Any]:
        return lambda *args, **kwargs: _hide(self.driver.call(name, *args, **kwargs))

    def create(self, user: Any, meta: Any, label: str = "device") -> str:
        session_id: str = _hide(
            self.driver.call("create_session", user_id=user, label=label, meta=meta)
        )
        if user not in self.users:
            self.users.append(user)
        return session_id

    def keys(self, user: Any) -> list[str]:
        return [s.key for s in self.driver.call("get_sessions_for_user", user)]


_SAMPLE_USERS: dict[Any, tuple[Any, Any]] = {
    str: ("alice", "bob"),
    int: (1, 2),
    uuid.UUID: (uuid.UUID(int=1), uuid.UUID(int=2)),
}


class SessionsContract:
    """Subclass this (as ``TestMyStore``) and provide a ``sessions_factory``
    fixture returning ``factory(namespace, clock, **options) -> store``.

    ``options`` are store keyword arguments the contract varies: ``policy``,
    ``user_id_type`` and ``meta_type``; pass them on to the store. The store
    may be sync or asyncio (an awaitable factory result is awaited). Give
    every namespace its own data: stores from two calls with the same
    namespace may share data (a Redis store does), with different
    namespaces they must not.

    Optional class attributes:
        user_id_type, meta_type: the types under test.
        policy: the policy the state machine also runs with (besides the
            default touch-on-every-read policy).
        user_id_strategy, meta_strategy, label_strategy: override the
            strategies derived from the types.
        converter: the converter whose round trip is checked for meta_type.
        contract_profile: ``"dev"``, ``"ci"`` or a Hypothesis ``settings``
            object; else pytest's ``--contract-profile``, else the
            ``AUTHSESSIONS_CONTRACT_PROFILE`` variable, else ``"dev"``.
    """

    user_id_type: ClassVar[Any] = str
    meta_type: ClassVar[Any] = dict[str, Any]
    policy: ClassVar[SessionPolicy] = SessionPolicy(
        absolute_ttl=timedelta(hours=1),
        idle_ttl=timedelta(minutes=20),
        touch_interval=timedelta(minutes=1),
        max_sessions_per_user=3,
    )
    user_id_strategy: ClassVar[st.SearchStrategy[Any] | None] = None
    meta_strategy: ClassVar[st.SearchStrategy[Any] | None] = None
    label_strategy: ClassVar[st.SearchStrategy[str] | None] = None
    converter: ClassVar[Any] = None
    contract_profile: ClassVar[str | settings | None] = None
    _cached_metas: ClassVar[tuple[Any, Any] | None] = None

    @pytest.fixture
    def sessions_factory(self) -> StoreFactory:
        """Override in your subclass."""
        raise NotImplementedError(
            "define a `sessions_factory` fixture returning factory(namespace, clock, **options)"
        )

    # -- plumbing --------------------------------------------------------------

    def _settings(self) -> settings:
        return contract_settings(self.contract_profile)

    def _users(self) -> st.SearchStrategy[Any]:
        return self.user_id_strategy or user_ids(self.user_id_type)

    def _metas(self) -> st.SearchStrategy[Any]:
        return self.meta_strategy or metas(self.meta_type, self.converter)

    def _labels(self) -> st.SearchStrategy[str]:
        return self.label_strategy or labels()

    def _sample_users(self) -> tuple[Any, Any]:
        if self.user_id_type in _SAMPLE_USERS:
            return _SAMPLE_USERS[self.user_id_type]
        first = find(self._users(), lambda _: True)
        return first, find(self._users(), lambda u: u != first)

    def _sample_metas(self) -> tuple[Any, Any]:
        if self.meta_strategy is None and self.meta_type == dict[str, Any]:
            return {"role": "admin", "tags": ["a", "b"]}, {"role": "user", "n": 1}
        cached = type(self).__dict__.get("_cached_metas")
        if cached is None:
            quiet = settings(database=None)
            first = find(self._metas(), lambda _: True, settings=quiet)
            cached = (first, find(self._metas(), lambda m: m != first, settings=quiet))
            type(self)._cached_metas = cached
        return cached

    @contextlib.contextmanager
    def open(
        self,
        factory: StoreFactory,
        *,
        clock: FakeClock | None = None,
        namespace: str | None = None,
        **options: Any,
    ) -> Iterator[Harness]:
        """A store in a fresh namespace; its sessions are destroyed after."""
        options.setdefault("user_id_type", self.user_id_type)
        options.setdefault("meta_type", self.meta_type)
        options.setdefault("policy", SessionPolicy())
        clock = clock or FakeClock()
        namespace = namespace or new_namespace()
        harness = Harness(StoreDriver(factory, namespace, clock, **options), clock)
        try:
            yield harness
        finally:
            try:
                for user in harness.users:
                    harness.destroy_sessions_for_user(user)
            finally:
                harness.driver.close()

    # -- the state machine -----------------------------------------------------

    @pytest.mark.parametrize("which", ["touch_every_read", "class_policy"])
    def test_random_operation_sequences_match_the_reference_model(
        self, sessions_factory: StoreFactory, which: str
    ) -> None:
        policy = (
            SessionPolicy(max_sessions_per_user=4)
            if which == "touch_every_read"
            else (self.policy)
        )
        machine = build_machine(
            factory=sessions_factory,
            namespace_root=new_namespace(),
            policy=policy,
            user_id_type=self.user_id_type,
            meta_type=self.meta_type,
            user_ids=self._users(),
            labels=self._labels(),
            metas=self._metas(),
        )
        run_state_machine_as_test(machine, settings=self._settings())

    # -- rule 1: typed round trip ---------------------------------------------------

    def test_user_id_meta_and_label_round_trip_with_their_types(
        self, sessions_factory: StoreFactory
    ) -> None:
        @settings(self._settings())
        @given(user=self._users(), meta=self._metas(), label=self._labels())
        def check(user: Any, meta: Any, label: str) -> None:
            with self.open(sessions_factory) as store:
                session_id = store.create(user, meta, label)
                found = store.get_user_id_from_session(session_id)
                assert type(found) is type(user) and found == user
                got = store.get_session_meta(session_id)
                assert type(got) is type(meta) and got == meta
                session = store.get_session(session_id)
                assert session.label == label and session.meta == meta

        check()

    def test_meta_is_a_fresh_object_on_every_read(self, sessions_factory: StoreFactory) -> None:
        user, _ = self._sample_users()
        meta, _ = self._sample_metas()
        with self.open(sessions_factory) as store:
            session_id = store.create(user, meta)
            first = store.get_session_meta(session_id)
            second = store.get_session_meta(session_id)
            assert first == second == meta
            if isinstance(first, (dict, list)) or hasattr(first, "__attrs_attrs__"):
                assert first is not second, "two reads returned the same mutable object"
            assert first is not meta, "the store kept the caller's object"
            if isinstance(first, dict):
                first["__mutated__"] = True
                assert store.get_session_meta(session_id) == meta

    def test_converter_round_trips_the_meta_type(self) -> None:
        import json

        converter = self.converter or make_converter()

        @settings(self._settings())
        @given(meta=self._metas())
        def check(meta: Any) -> None:
            text = json.dumps(converter.unstructure(meta, unstructure_as=self.meta_type))
            back = converter.structure(json.loads(text), self.meta_type)
            assert type(back) is type(meta) and back == meta

        check()

    # -- rule 2: dead ids read as None -------------------------------------------------

    @pytest.mark.parametrize(
        "junk",
        [
            None,
            "",
            "not-a-session-id",
            "a" * 32 + "." + "b" * 43,
            "0" * 32 + "." + "A" * 43,
            "x" * 100_000,
            "\x00" * 76,
            "é" * 76,
            "Bearer " + "0" * 32 + "." + "A" * 43,
        ],
        ids=lambda j: repr(j)[:20],
    )
    def test_unknown_malformed_and_oversized_ids_read_as_none(
        self, sessions_factory: StoreFactory, junk: Any
    ) -> None:
        user, _ = self._sample_users()
        meta, _ = self._sample_metas()
        with self.open(sessions_factory) as store:
            store.create(user, meta)
            assert store.get_user_id_from_session(junk) is None
            assert store.get_session_meta(junk) is None
            assert store.get_session(junk) is None
            if junk is not None:
                assert store.set_session_meta(junk, meta) is False
                assert store.rotate_session(junk) is None
                assert store.destroy_session(junk) is False
            assert len(store.keys(user)) == 1

    def test_a_wrong_secret_for_a_valid_key_reads_as_none(
        self, sessions_factory: StoreFactory
    ) -> None:
        user, _ = self._sample_users()
        meta, _ = self._sample_metas()
        with self.open(sessions_factory) as store:
            session_id = store.create(user, meta)
            key, _, secret = session_id.partition(".")
            forged = f"{key}.{'A' if secret[0] != 'A' else 'B'}{secret[1:]}"
            assert store.get_session(forged) is None
            assert store.rotate_session(forged) is None
            assert store.destroy_session(forged) is False
            assert store.get_session(session_id) is not None

    def test_destroyed_session_reads_as_none(self, sessions_factory: StoreFactory) -> None:
        user, _ = self._sample_users()
        meta, _ = self._sample_metas()
        with self.open(sessions_factory) as store:
            session_id = store.create(user, meta)
            assert store.destroy_session(session_id) is True
            assert store.get_user_id_from_session(session_id) is None
            assert store.get_session_meta(session_id) is None
            assert store.get_session(session_id) is None
            assert store.set_session_meta(session_id, meta) is False
            assert store.rotate_session(session_id) is None
            assert store.keys(user) == []

    def test_rotation_gives_a_new_id_and_the_old_one_stops_working(
        self, sessions_factory: StoreFactory
    ) -> None:
        user, _ = self._sample_users()
        meta, _ = self._sample_metas()
        with self.open(sessions_factory) as store:
            old = store.create(user, meta)
            key = store.get_session(old).key
            new = store.rotate_session(old)
            assert new is not None and new != old
            assert store.get_session(old) is None
            assert store.rotate_session(old) is None
            assert store.destroy_session(old) is False
            session = store.get_session(new)
            assert session is not None and session.key == key and session.meta == meta
            assert store.keys(user) == [key]

    def test_session_expires_at_its_absolute_ttl(self, sessions_factory: StoreFactory) -> None:
        user, _ = self._sample_users()
        meta, _ = self._sample_metas()
        policy = SessionPolicy(absolute_ttl=timedelta(hours=1))
        with self.open(sessions_factory, policy=policy) as store:
            session_id = store.create(user, meta)
            store.clock.advance(timedelta(hours=1) - timedelta(milliseconds=1))
            assert store.get_user_id_from_session(session_id) == user
            store.clock.advance(1)
            expired = "a session past its absolute_ttl"
            assert store.get_user_id_from_session(session_id) is None, f"{expired} was read"
            assert store.get_session(session_id) is None, f"{expired} was read"
            assert store.get_sessions_for_user(user) == [], f"{expired} was listed for its user"
            assert store.list_sessions() == [], f"{expired} was in list_sessions()"
            assert store.destroy_session(session_id) is False, (
                f"destroying {expired} returned True"
            )

    # -- rule 3 and 4: expiry and touch -------------------------------------------

    def test_idle_expiry_slides_with_every_touch(self, sessions_factory: StoreFactory) -> None:
        user, _ = self._sample_users()
        meta, _ = self._sample_metas()
        policy = SessionPolicy(idle_ttl=timedelta(minutes=10))
        with self.open(sessions_factory, policy=policy) as store:
            session_id = store.create(user, meta)
            for _ in range(5):
                store.clock.advance(timedelta(minutes=9))
                assert store.get_session(session_id) is not None
            store.clock.advance(timedelta(minutes=10))
            assert store.get_session(session_id) is None

    def test_idle_expiry_never_passes_the_absolute_expiry(
        self, sessions_factory: StoreFactory
    ) -> None:
        user, _ = self._sample_users()
        meta, _ = self._sample_metas()
        policy = SessionPolicy(absolute_ttl=timedelta(minutes=25), idle_ttl=timedelta(minutes=10))
        with self.open(sessions_factory, policy=policy) as store:
            start = store.clock.ms
            session_id = store.create(user, meta)
            store.clock.advance(timedelta(minutes=9))
            store.get_session(session_id)
            store.clock.advance(timedelta(minutes=9))
            session = store.get_session(session_id)
            assert to_ms(session.expires_at) == start + 25 * 60_000
            store.clock.advance(timedelta(minutes=7))
            assert store.get_session(session_id) is None

    def test_read_touches_last_used_at(self, sessions_factory: StoreFactory) -> None:
        user, _ = self._sample_users()
        meta, _ = self._sample_metas()
        with self.open(sessions_factory) as store:
            session_id = store.create(user, meta)
            created = store.clock.ms
            store.clock.advance(1234)
            store.get_user_id_from_session(session_id)
            (listed,) = store.get_sessions_for_user(user)
            assert to_ms(listed.created_at) == created
            assert to_ms(listed.last_used_at) == created + 1234
            store.clock.advance(10)
            assert to_ms(store.get_session(session_id).last_used_at) == created + 1244

    def test_touch_respects_the_touch_interval(self, sessions_factory: StoreFactory) -> None:
        user, _ = self._sample_users()
        meta, _ = self._sample_metas()
        policy = SessionPolicy(touch_interval=timedelta(seconds=60))
        with self.open(sessions_factory, policy=policy) as store:
            session_id = store.create(user, meta)
            created = store.clock.ms
            store.clock.advance(59_999)
            assert to_ms(store.get_session(session_id).last_used_at) == created
            store.clock.advance(1)
            assert to_ms(store.get_session(session_id).last_used_at) == created + 60_000

    def test_touch_never_resurrects_a_destroyed_session(
        self, sessions_factory: StoreFactory
    ) -> None:
        user, _ = self._sample_users()
        meta, _ = self._sample_metas()
        with self.open(sessions_factory) as store:
            session_id = store.create(user, meta)
            store.destroy_session(session_id)
            store.clock.advance(1000)
            for _ in range(3):
                assert store.get_session(session_id) is None
            assert store.get_sessions_for_user(user) == []
            assert store.list_sessions() == []

    def test_set_meta_and_rotate_do_not_touch(self, sessions_factory: StoreFactory) -> None:
        user, _ = self._sample_users()
        meta, other = self._sample_metas()
        with self.open(sessions_factory) as store:
            session_id = store.create(user, meta)
            created = store.clock.ms
            store.clock.advance(500)
            assert store.set_session_meta(session_id, other) is True
            new_id = store.rotate_session(session_id)
            (listed,) = store.get_sessions_for_user(user)
            assert to_ms(listed.last_used_at) == created
            assert listed.meta == other
            assert store.get_session_meta(new_id) == other

    # -- rule 5: ordering ------------------------------------------------------------

    def test_listings_are_most_recently_used_first(self, sessions_factory: StoreFactory) -> None:
        alice, bob = self._sample_users()
        meta, _ = self._sample_metas()
        with self.open(sessions_factory) as store:
            ids = []
            for _ in range(4):
                ids.append(store.create(alice, meta))
                store.clock.advance(1)
            bobs = store.create(bob, meta)
            store.clock.advance(1)
            store.get_session(ids[1])
            expected = [ids[1], ids[3], ids[2], ids[0]]
            expected_keys = [i.partition(".")[0] for i in expected]
            assert store.keys(alice) == expected_keys
            everyone = [s.key for s in store.list_sessions()]
            assert everyone == [expected_keys[0], bobs.partition(".")[0], *expected_keys[1:]]

    def test_a_users_listing_excludes_other_users(self, sessions_factory: StoreFactory) -> None:
        alice, bob = self._sample_users()
        meta, _ = self._sample_metas()
        with self.open(sessions_factory) as store:
            mine = store.create(alice, meta)
            store.create(bob, meta)
            listing = store.get_sessions_for_user(alice)
            assert [s.key for s in listing] == [mine.partition(".")[0]]
            assert all(s.user_id == alice for s in listing)

    def test_timestamps_are_aware_utc_with_millisecond_resolution(
        self, sessions_factory: StoreFactory
    ) -> None:
        user, _ = self._sample_users()
        meta, _ = self._sample_metas()
        with self.open(sessions_factory) as store:
            session_id = store.create(user, meta)
            start = store.clock.ms
            store.clock.advance(7)
            session = store.get_session(session_id)
            assert to_ms(session.created_at) == start
            assert to_ms(session.last_used_at) == start + 7

    # -- rule 6: limits --------------------------------------------------------------

    def test_over_long_label_is_rejected_and_nothing_is_stored(
        self, sessions_factory: StoreFactory
    ) -> None:
        user, _ = self._sample_users()
        meta, _ = self._sample_metas()
        with self.open(sessions_factory, policy=SessionPolicy(max_label_length=5)) as store:
            store.users.append(user)
            with pytest.raises(LimitExceededError) as info:
                store.create(user, meta, label="abcdef")
            assert info.value.field == "label"
            assert store.keys(user) == []
            store.create(user, meta, label="abcde")

    def test_oversized_meta_is_rejected_and_nothing_is_stored(
        self, sessions_factory: StoreFactory
    ) -> None:
        user, _ = self._sample_users()
        meta, _ = self._sample_metas()
        with self.open(sessions_factory, policy=SessionPolicy(max_meta_bytes=1)) as store:
            store.users.append(user)
            with pytest.raises(LimitExceededError) as info:
                store.create(user, meta)
            assert info.value.field == "meta"
            assert store.keys(user) == []

    @pytest.mark.parametrize("bad", ["object", "set", "nan"])
    def test_meta_that_does_not_fit_meta_type_is_rejected_and_nothing_is_stored(
        self, sessions_factory: StoreFactory, bad: str
    ) -> None:
        user, _ = self._sample_users()
        meta, _ = self._sample_metas()
        value = {"object": object(), "set": {"k": {1, 2}}, "nan": {"k": float("nan")}}[bad]
        with self.open(sessions_factory) as store:
            store.users.append(user)
            with pytest.raises(InvalidSessionDataError) as info:
                store.create(user, value)
            assert info.value.field == "meta"
            assert store.keys(user) == []
            session_id = store.create(user, meta)
            with pytest.raises(InvalidSessionDataError):
                store.set_session_meta(session_id, value)
            assert store.get_session_meta(session_id) == meta

    def test_user_id_of_the_wrong_type_is_rejected_and_nothing_is_stored(
        self, sessions_factory: StoreFactory
    ) -> None:
        meta, _ = self._sample_metas()
        wrong = 1.5
        with self.open(sessions_factory) as store:
            with pytest.raises(InvalidSessionDataError) as info:
                store.create(wrong, meta)
            assert info.value.field == "user_id"
            with pytest.raises(InvalidSessionDataError):
                store.get_sessions_for_user(wrong)
            assert store.list_sessions() == []

    def test_creating_over_the_limit_evicts_the_least_recently_used(
        self, sessions_factory: StoreFactory
    ) -> None:
        alice, bob = self._sample_users()
        meta, _ = self._sample_metas()
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
            keys = set(store.keys(alice))
            assert keys == {i.partition(".")[0] for i in (ids[0], ids[2], newest)}
            assert store.get_session(others) is not None

    # -- rule 7: stored data that no longer fits ----------------------------------

    def test_stored_data_that_no_longer_fits_raises_naming_the_key_and_type(
        self, sessions_factory: StoreFactory
    ) -> None:
        user, _ = self._sample_users()
        meta, _ = self._sample_metas()
        clock = FakeClock()
        namespace = new_namespace()
        with self.open(sessions_factory, clock=clock, namespace=namespace) as store:
            session_id = store.create(user, meta)
            key = session_id.partition(".")[0]
            with self.open(sessions_factory, clock=clock, namespace=namespace) as same:
                if same.get_session(session_id) is None:
                    pytest.skip("this store keeps no data across instances")
            with self.open(
                sessions_factory, clock=clock, namespace=namespace, meta_type=list[int]
            ) as changed:
                with pytest.raises(StoredDataError) as info:
                    changed.get_session_meta(session_id)
                assert info.value.session_key == key
                assert info.value.field == "meta"
                assert "list[int]" in info.value.expected_type
                assert session_id.partition(".")[2] not in str(info.value)

    # -- destroy -----------------------------------------------------------------------

    def test_destroy_is_idempotent(self, sessions_factory: StoreFactory) -> None:
        user, _ = self._sample_users()
        meta, _ = self._sample_metas()
        with self.open(sessions_factory) as store:
            session_id = store.create(user, meta)
            session = store.get_session(session_id)
            assert store.destroy_session(session_id) is True
            assert store.destroy_session(session_id) is False
            assert store.destroy_session(session) is False

    def test_destroy_by_session_revokes_that_device_only(
        self, sessions_factory: StoreFactory
    ) -> None:
        user, _ = self._sample_users()
        meta, _ = self._sample_metas()
        with self.open(sessions_factory) as store:
            phone = store.create(user, meta, label="phone")
            store.clock.advance(1)
            laptop = store.create(user, meta, label="laptop")
            listed = {s.label: s for s in store.get_sessions_for_user(user)}
            assert store.destroy_session(listed["phone"]) is True
            assert store.get_session(phone) is None
            assert store.get_session(laptop) is not None
            assert store.destroy_session(listed["phone"]) is False

    def test_log_out_everywhere_keeps_the_callers_session(
        self, sessions_factory: StoreFactory
    ) -> None:
        alice, bob = self._sample_users()
        meta, _ = self._sample_metas()
        with self.open(sessions_factory) as store:
            ids = [store.create(alice, meta) for _ in range(3)]
            others = store.create(bob, meta)
            assert store.destroy_sessions_for_user(alice, keep=ids[1]) == 2
            assert store.get_session(ids[0]) is None
            assert store.get_session(ids[2]) is None
            assert store.get_session(ids[1]) is not None
            assert store.get_session(others) is not None
            assert store.destroy_sessions_for_user(alice) == 1
            assert store.destroy_sessions_for_user(alice) == 0
            assert store.keys(alice) == []

    def test_keep_naming_another_users_session_keeps_nothing(
        self, sessions_factory: StoreFactory
    ) -> None:
        alice, bob = self._sample_users()
        meta, _ = self._sample_metas()
        with self.open(sessions_factory) as store:
            store.create(alice, meta)
            store.create(alice, meta)
            bobs = store.create(bob, meta)
            assert store.destroy_sessions_for_user(alice, keep=bobs) == 2
            assert store.get_session(bobs) is not None

    def test_keep_with_a_wrong_secret_keeps_nothing(self, sessions_factory: StoreFactory) -> None:
        user, _ = self._sample_users()
        meta, _ = self._sample_metas()
        with self.open(sessions_factory) as store:
            session_id = store.create(user, meta)
            key, _, secret = session_id.partition(".")
            forged = f"{key}.{'A' if secret[0] != 'A' else 'B'}{secret[1:]}"
            assert store.destroy_sessions_for_user(user, keep=forged) == 1

    def test_log_out_everywhere_does_not_count_expired_sessions(
        self, sessions_factory: StoreFactory
    ) -> None:
        user, _ = self._sample_users()
        meta, _ = self._sample_metas()
        policy = SessionPolicy(idle_ttl=timedelta(minutes=5))
        with self.open(sessions_factory, policy=policy) as store:
            store.create(user, meta)
            store.clock.advance(timedelta(minutes=4))
            store.create(user, meta)
            store.clock.advance(timedelta(minutes=2))
            assert store.destroy_sessions_for_user(user) == 1

    def test_prune_removes_nothing_that_is_live(self, sessions_factory: StoreFactory) -> None:
        alice, bob = self._sample_users()
        meta, _ = self._sample_metas()
        policy = SessionPolicy(idle_ttl=timedelta(minutes=5))
        with self.open(sessions_factory, policy=policy) as store:
            old = store.create(alice, meta)
            store.clock.advance(timedelta(minutes=4))
            live = [store.create(alice, meta), store.create(bob, meta)]
            store.clock.advance(timedelta(minutes=2))
            assert store.prune() >= 1
            assert store.get_session(old) is None
            assert all(store.get_session(i) is not None for i in live)
            assert store.prune() == 0

    # -- rule 8: concurrency ----------------------------------------------------------

    def test_concurrent_operations_leave_every_live_session_indexed(
        self, sessions_factory: StoreFactory
    ) -> None:
        users = self._sample_users()
        meta, _ = self._sample_metas()
        policy = SessionPolicy(max_sessions_per_user=6)
        with self.open(sessions_factory, policy=policy) as store:
            store.users.extend(users)
            log = _ConcurrencyLog()
            _race(store.driver, users, meta, log)
            assert not log.errors, f"operations raised: {log.errors[:3]}"
            listed = {user: set(store.keys(user)) for user in users}
            for user, session_id in log.issued:
                key = session_id.partition(".")[0]
                live = store.get_session(session_id)
                if session_id in log.dead:
                    assert live is None, "a destroyed or rotated-away session came back"
                if live is not None:
                    assert live.user_id == user
                    assert key in listed[user], "a live session is missing from its user's index"
            for user in users:
                assert len(listed[user]) <= 6, "max_sessions_per_user broken under concurrency"
                for session in store.get_sessions_for_user(user):
                    assert session.user_id == user


class _ConcurrencyLog:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.issued: list[tuple[Any, str]] = []
        self.dead: set[str] = set()
        self.errors: list[BaseException] = []


_ROUNDS = 40


async def _race_worker(
    call: Callable[..., Any], users: tuple[Any, Any], meta: Any, log: _ConcurrencyLog, seed: int
) -> None:
    """One racer: a seeded random plan of creates, reads, rotations and
    destroys. ``call(name, *args, **kwargs)`` is awaited; for a sync store it
    runs the method directly in the racer's thread."""
    rng = random.Random(seed)
    ops = ["create", "create", "read", "read", "rotate", "destroy", "destroy_user", "list"]
    mine: list[tuple[Any, str]] = []
    try:
        for i in range(_ROUNDS):
            op = rng.choice(ops)
            user = users[(seed + i) % 2]
            if op == "create" or not mine:
                session_id = await call(
                    "create_session", user_id=user, label=f"w{seed}", meta=meta
                )
                mine.append((user, session_id))
                with log.lock:
                    log.issued.append((user, session_id))
            elif op == "read":
                await call("get_session", mine[-1][1])
            elif op == "rotate":
                owner, old = mine.pop()
                new = await call("rotate_session", old)
                if new is not None:
                    mine.append((owner, new))
                    with log.lock:
                        log.dead.add(old)
                        log.issued.append((owner, new))
            elif op == "destroy":
                _, old = mine.pop()
                if await call("destroy_session", old):
                    with log.lock:
                        log.dead.add(old)
            elif op == "destroy_user":
                await call("destroy_sessions_for_user", user, keep=mine[-1][1])
            else:
                await call("get_sessions_for_user", user)
    except Exception as err:  # reported by the test, with the others
        with log.lock:
            log.errors.append(err)


def _race(driver: StoreDriver, users: tuple[Any, Any], meta: Any, log: _ConcurrencyLog) -> None:
    """Eight racers: tasks on the driver's loop for an asyncio store, threads
    for a sync one."""
    store = driver.store
    racers = range(8)
    if driver.is_async:

        async def call_async(name: str, *args: Any, **kwargs: Any) -> Any:
            return await getattr(store, name)(*args, **kwargs)

        async def gather() -> None:
            await asyncio.gather(*(_race_worker(call_async, users, meta, log, s) for s in racers))

        driver.run(gather())
        return

    async def call_sync(name: str, *args: Any, **kwargs: Any) -> Any:
        return getattr(store, name)(*args, **kwargs)

    threads = [
        threading.Thread(
            target=lambda seed=seed: asyncio.run(_race_worker(call_sync, users, meta, log, seed))
        )
        for seed in racers
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


__all__ = ["Harness", "HiddenSessionId", "SessionsContract"]
