"""In-memory store specifics; the shared rules are in the contract run."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest

from authsessions import (
    AsyncInMemorySessions,
    ConfigurationError,
    InMemorySessions,
    LimitExceededError,
    SessionPolicy,
)
from contract_tests import FakeClock


def test_no_secret_in_repr_or_str_of_anything() -> None:
    store = InMemorySessions(clock=FakeClock())
    sid = store.create_session(user_id="u", label="l", meta={"a": 1})
    secret = sid.partition(".")[2]
    session = store.get_session(sid)
    texts = [repr(store), str(store), repr(session), str(session), repr(store.list_sessions())]
    texts += [repr(vars(store)), repr(store._core._records)]
    for text in texts:
        assert secret not in text
    assert session is not None and session.key == sid.partition(".")[0]


def test_stores_keep_only_the_hash_of_the_secret() -> None:
    store = InMemorySessions()
    sid = store.create_session(user_id="u", label="l", meta={})
    secret = sid.partition(".")[2]
    (record,) = store._core._records.values()
    assert secret.encode() not in record.secret_hash
    assert len(record.secret_hash) == 32


def test_repr_summarises_the_configuration() -> None:
    store: InMemorySessions[int, Any] = InMemorySessions(user_id_type=int)
    assert (
        repr(store) == "InMemorySessions(user_id_type=int, meta_type=dict[str, Any], sessions=0)"
    )
    assert repr(AsyncInMemorySessions()).startswith("AsyncInMemorySessions(user_id_type=str")


@pytest.mark.parametrize(
    ("kwargs", "setting"),
    [
        ({"user_id_type": float}, "user_id_type"),
        ({"policy": "30d"}, "policy"),
        ({"converter": object()}, "converter"),
        ({"clock": object()}, "clock"),
    ],
)
def test_bad_options_raise_configuration_error(kwargs: dict[str, Any], setting: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        InMemorySessions(**kwargs)
    assert info.value.setting == setting


@pytest.mark.parametrize(
    ("kwargs", "setting"),
    [
        ({"absolute_ttl": timedelta(0)}, "absolute_ttl"),
        ({"absolute_ttl": 30}, "absolute_ttl"),
        ({"idle_ttl": timedelta(seconds=-1)}, "idle_ttl"),
        (
            {"idle_ttl": timedelta(minutes=1), "touch_interval": timedelta(minutes=1)},
            "touch_interval",
        ),
        ({"touch_interval": timedelta(microseconds=10)}, "touch_interval"),
        ({"max_sessions_per_user": 0}, "max_sessions_per_user"),
        ({"max_sessions_per_user": True}, "max_sessions_per_user"),
        ({"max_label_length": -1}, "max_label_length"),
        ({"max_meta_bytes": 0}, "max_meta_bytes"),
    ],
)
def test_bad_policy_raises_configuration_error(kwargs: dict[str, Any], setting: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        SessionPolicy(**kwargs)
    assert info.value.setting == setting


def test_limit_errors_carry_structured_attributes() -> None:
    store = InMemorySessions(policy=SessionPolicy(max_label_length=3, max_meta_bytes=10))
    with pytest.raises(LimitExceededError) as info:
        store.create_session(user_id="u", label="abcd", meta={})
    assert (info.value.field, info.value.limit, info.value.actual) == ("label", 3, 4)
    with pytest.raises(LimitExceededError) as info:
        store.create_session(user_id="u", label="", meta={"k": "0123456789"})
    assert (info.value.field, info.value.limit) == ("meta", 10)
    assert store.list_sessions() == []


def test_over_long_user_id_is_rejected() -> None:
    store = InMemorySessions()
    with pytest.raises(LimitExceededError) as info:
        store.create_session(user_id="x" * 300, label="", meta={})
    assert info.value.field == "user_id"


def test_listing_one_user_does_not_scan_all_sessions() -> None:
    store = InMemorySessions()
    for i in range(200):
        store.create_session(user_id=f"user{i}", label="", meta={})
    mine = store.create_session(user_id="me", label="", meta={})
    calls = 0
    original = store._core._expiry

    def counting(record: Any) -> int:
        nonlocal calls
        calls += 1
        return original(record)

    store._core._expiry = counting  # type: ignore[method-assign]
    assert [s.key for s in store.get_sessions_for_user("me")] == [mine.partition(".")[0]]
    assert calls <= 2


def test_uuid_user_ids_are_indexed_by_value() -> None:
    store: InMemorySessions[uuid.UUID, Any] = InMemorySessions(user_id_type=uuid.UUID)
    user = uuid.uuid4()
    store.create_session(user_id=user, label="", meta={})
    assert len(store.get_sessions_for_user(uuid.UUID(str(user)))) == 1


def test_prune_counts_removed_records() -> None:
    clock = FakeClock()
    store = InMemorySessions(clock=clock, policy=SessionPolicy(absolute_ttl=timedelta(seconds=1)))
    for i in range(3):
        store.create_session(user_id=str(i), label="", meta={})
    clock.advance(timedelta(seconds=1))
    assert store.prune() == 3
    assert len(store._core) == 0
    assert store._core._by_user == {}
