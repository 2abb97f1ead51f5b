"""In-memory store specifics; the shared rules are in the contract run."""

from __future__ import annotations

import heapq
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
    SessionStats,
)
from authsessions.kit import StoreConfig, mint_session_id, user_tag
from authsessions.memory._state import MemoryState
from authsessions.testing import FakeClock


def test_no_secret_in_repr_or_str_of_anything() -> None:
    store = InMemorySessions(clock=FakeClock())
    sid = store.create_session(user_id="u", label="l", meta={"a": 1})
    secret = sid.partition(".")[2]
    session = store.get_session(sid)
    texts = [repr(store), str(store), repr(session), str(session), repr(store.list_sessions())]
    texts += [repr(store.stats()), repr(vars(store))]
    for text in texts:
        assert secret not in text
    assert session is not None and session.key == sid.partition(".")[0]


def _create(state: MemoryState[Any, Any], user: str) -> str:
    """A session created the way the store's base does: encoded, then inserted."""
    codec = state.config.codec
    user_json = codec.encode_user_id(user)
    parsed = mint_session_id(user_tag(user_json))
    assert state.insert(parsed, user_json, "l", codec.encode_meta({})) is not None  # None: taken
    return parsed.session_id()


def test_the_state_keeps_only_the_hash_of_the_secret() -> None:
    state: MemoryState[str, Any] = MemoryState(StoreConfig.build())
    sid = _create(state, "u")
    secret = sid.partition(".")[2]
    (record,) = state.records.values()
    assert secret.encode() not in record.secret_hash and secret not in repr(record)
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


class _Counting(MemoryState[str, Any]):
    """Counts the records an operation looks at."""

    looked_at = 0

    def _alive(self, key: str, record: Any, now: int) -> bool:
        self.looked_at += 1
        return super()._alive(key, record, now)


def test_listing_one_user_does_not_scan_all_sessions() -> None:
    state = _Counting(StoreConfig.build())
    for i in range(200):
        _create(state, f"user{i}")
    mine = _create(state, "me")
    state.looked_at = 0
    me = state.config.codec.encode_user_id("me")
    assert [s.key for s in state.list_user(me)] == [mine.partition(".")[0]]
    assert state.looked_at == 1


@pytest.mark.parametrize("cap", [10, 1000])
def test_creating_at_the_cap_looks_at_a_bounded_number_of_entries(
    cap: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # amortised O(log k): each create at the cap pops the heap tops it needs
    # (expired first, then the least recently used), never walks the user
    clock = FakeClock()
    policy = SessionPolicy(max_sessions_per_user=cap, idle_ttl=timedelta(hours=1))
    state = MemoryState(StoreConfig.build(policy=policy, clock=clock))
    popped = 0
    original = heapq.heappop

    def counting(heap: list[Any]) -> Any:
        nonlocal popped
        popped += 1
        return original(heap)

    for _ in range(cap):
        _create(state, "u")
        clock.advance(1)
    monkeypatch.setattr(heapq, "heappop", counting)
    for _ in range(200):
        _create(state, "u")
        clock.advance(1)
    monkeypatch.undo()
    assert state.stats().sessions == cap
    assert popped <= 3 * 200, f"{popped} heap entries looked at for 200 creates at cap {cap}"


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
    assert store.stats().expired_not_collected == 3
    assert store.prune() == 3
    assert store.stats() == SessionStats(sessions=0, users=0, expired_not_collected=0)
