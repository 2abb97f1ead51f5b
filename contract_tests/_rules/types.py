"""Typed round trip: user ids and meta come back equal and of the
declared types, on every read path, as fresh objects."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings

from authsessions import InvalidSessionDataError, SessionPolicy, make_converter

from .._base import ContractBase, StoreFactory
from .._checks import same_typed
from .._strategies import BIG_INTS, LOOKALIKES
from .._types import VARIANTS


def _every_read_path(store: Any, user: Any, meta: Any, other_meta: Any) -> list[tuple[str, Any]]:
    """(path, value) for every way a store hands back a user id or meta."""
    session_id = store.create(user, meta, label="typed")
    seen: list[tuple[str, Any]] = []
    seen.append(("get_user_id_from_session", store.get_user_id(session_id)))
    seen.append(("get_session_meta", store.get_meta(session_id)))
    found = store.get_session(session_id)
    seen += [("get_session .user_id", found.user_id), ("get_session .meta", found.meta)]
    by_key = store.get_by_key(session_id.key)
    seen += [("get_session_by_key .user_id", by_key.user_id)]
    seen += [("get_session_by_key .meta", by_key.meta)]
    (listed,) = store.for_user(user)
    seen += [("get_sessions_for_user .user_id", listed.user_id)]
    seen += [("get_sessions_for_user .meta", listed.meta)]
    (everyone,) = store.list_all()
    seen += [("list_sessions .user_id", everyone.user_id), ("list_sessions .meta", everyone.meta)]
    (streamed,) = store.iter_all()
    seen += [("iter_sessions .user_id", streamed.user_id), ("iter_sessions .meta", streamed.meta)]
    assert store.set_meta(session_id, other_meta) is True
    seen.append(("get_session_meta after set_session_meta", store.get_meta(session_id)))
    rotated = store.rotate(session_id)
    seen.append(("get_user_id_from_session after rotation", store.get_user_id(rotated)))
    seen.append(("get_session_meta after rotation", store.get_meta(rotated)))
    return seen


def _assert_typed(seen: list[tuple[str, Any]], user: Any, meta: Any, other: Any) -> None:
    for path, value in seen:
        if ".user_id" in path or "user_id_from" in path:
            expected = user
        elif "after set_session_meta" in path or "after rotation" in path:
            expected = other
        else:
            expected = meta
        assert same_typed(value, expected), (
            f"{path} returned {value!r} ({type(value).__name__}), "
            f"expected {expected!r} ({type(expected).__name__})"
        )


class TypeRules(ContractBase):
    def test_user_id_meta_and_label_round_trip_with_their_types(
        self, sessions_factory: StoreFactory
    ) -> None:
        @settings(self._settings())
        @given(user=self._users(), meta=self._metas(), label=self._labels())
        def check(user: Any, meta: Any, label: str) -> None:
            with self.open(sessions_factory) as store:
                session_id = store.create(user, meta, label)
                assert same_typed(store.get_user_id(session_id), user)
                assert same_typed(store.get_meta(session_id), meta)
                session = store.get_session(session_id)
                assert session is not None and session.label == label
                assert same_typed(session.meta, meta)

        check()

    @pytest.mark.parametrize(
        ("user_id_type", "meta_type", "users", "metas"),
        [v[1:] for v in VARIANTS],
        ids=[v[0] for v in VARIANTS],
    )
    def test_typed_values_come_back_typed_on_every_read_path(
        self,
        sessions_factory: StoreFactory,
        user_id_type: Any,
        meta_type: Any,
        users: tuple[Any, Any],
        metas: tuple[Any, Any],
    ) -> None:
        # the contract's own typed variants, whatever types the implementer
        # declared: every read path must return the declared type itself
        with self.open(sessions_factory, user_id_type=user_id_type, meta_type=meta_type) as store:
            seen = _every_read_path(store, users[0], metas[0], metas[1])
            _assert_typed(seen, users[0], metas[0], metas[1])

    @pytest.mark.parametrize("value", LOOKALIKES, ids=lambda v: repr(v).strip("'") or "empty")
    def test_strings_that_look_like_other_json_round_trip_as_strings(
        self, sessions_factory: StoreFactory, value: str
    ) -> None:
        meta = {value: value, "list": [value]}
        with self.open(sessions_factory, user_id_type=str, meta_type=dict[str, Any]) as store:
            seen = _every_read_path(store, value, meta, {"v": value})
            _assert_typed(seen, value, meta, {"v": value})

    @pytest.mark.parametrize("value", BIG_INTS, ids=repr)
    def test_integers_beyond_two_to_the_53_round_trip_exactly(
        self, sessions_factory: StoreFactory, value: int
    ) -> None:
        meta = {"n": value, "list": [value, -value]}
        with self.open(sessions_factory, user_id_type=int, meta_type=dict[str, Any]) as store:
            seen = _every_read_path(store, value, meta, {"n": value + 1})
            _assert_typed(seen, value, meta, {"n": value + 1})

    def test_meta_is_a_fresh_object_on_every_read(self, sessions_factory: StoreFactory) -> None:
        user, meta = self._sample()
        with self.open(sessions_factory) as store:
            session_id = store.create(user, meta)
            first = store.get_meta(session_id)
            second = store.get_meta(session_id)
            assert first == second == meta
            if isinstance(first, dict | list) or hasattr(first, "__attrs_attrs__"):
                assert first is not second, "two reads returned the same mutable object"
            assert first is not meta, "the store kept the caller's object"
            if isinstance(first, dict):
                first["__mutated__"] = True
                assert store.get_meta(session_id) == meta

    def test_converter_round_trips_the_meta_type(self) -> None:
        converter = self.converter or make_converter()

        @settings(self._settings())
        @given(meta=self._metas())
        def check(meta: Any) -> None:
            text = json.dumps(converter.unstructure(meta, unstructure_as=self.meta_type))
            back = converter.structure(json.loads(text), self.meta_type)
            assert same_typed(back, meta)

        check()

    def test_user_ids_of_the_declared_type_only(self, sessions_factory: StoreFactory) -> None:
        meta = self._sample_metas()[0]
        with self.open(sessions_factory, user_id_type=int, policy=SessionPolicy()) as store:
            for wrong in ("1", 1.0, True):
                with pytest.raises(InvalidSessionDataError) as info:
                    store.create(wrong, meta)
                assert info.value.field == "user_id", f"user id {wrong!r}: {info.value}"
            assert store.list_all() == []
