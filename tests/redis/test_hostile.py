"""Hostile input, fuzzed with Hypothesis, against the in-memory and Redis
stores: only AuthSessionsError (or None) comes out, nothing is stored on
rejection, and no input reaches another user's index or slot."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from authsessions import (
    AuthSessionsError,
    InMemorySessions,
    InvalidSessionDataError,
    RedisSessions,
    SessionUtils,
)
from authsessions.kit import SESSION_ID_LENGTH, dumps, user_tag

from .consistency import check_consistency

FUZZ = settings(
    max_examples=150,
    deadline=None,
    # one store per test on purpose: it is the target being fuzzed
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

near_valid_ids = st.builds(
    lambda key, dot, secret: key + dot + secret,
    st.text(alphabet="0123456789abcdefABCDEF{}:*", min_size=30, max_size=34),
    st.sampled_from([".", ":", "", "..", " ."]),
    st.text(alphabet="ABCxyz019_-+/=.\x00é", min_size=40, max_size=46),
)
hostile_ids = (
    st.text()
    | st.binary()
    | near_valid_ids
    | st.text(min_size=SESSION_ID_LENGTH, max_size=SESSION_ID_LENGTH)
    | st.integers()
    | st.none()
    | st.just("x" * 1_000_000)
)
hostile_user_ids = st.text(
    alphabet=st.sampled_from(list("{}:*?[]\\.\n\r\x00 é😀")) | st.characters(), max_size=40
)


def deep(n: int) -> Any:
    value: Any = 1
    for _ in range(n):
        value = {"k": [value]}
    return value


hostile_meta = st.one_of(
    st.just(deep(5000)),
    st.just({"big": "x" * 100_000}),
    st.just({"set": {1, 2}}),
    st.just({"bytes": b"\x00"}),
    st.just({"nan": float("nan")}),
    st.just({"obj": object()}),
    st.just({1: "int key"}),
    st.just({"tuple": (1, 2)}),
    st.dictionaries(st.text(max_size=5), st.floats() | st.text(), max_size=3),
)


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def store(request: pytest.FixtureRequest) -> Iterator[Any]:
    if request.param == "memory":
        yield InMemorySessions()
        return
    server = request.getfixturevalue("redis_server")
    prefix = f"hostile{secrets.token_hex(3)}:"
    sessions = RedisSessions.from_url(server.url, prefix=prefix)
    sessions.hostile_prefix = prefix  # type: ignore[attr-defined]
    yield sessions
    client = redis.Redis.from_url(server.url)
    for key in client.scan_iter(match=prefix + "*"):
        client.unlink(key)
    client.close()
    sessions.close()


@given(header=st.text() | st.binary() | st.none() | st.integers())
def test_header_parsing_never_raises(header: Any) -> None:
    result = SessionUtils.get_session_id_from_auth_token(header)
    assert result is None or SessionUtils.to_session_id(result) == result


@FUZZ
@given(junk=hostile_ids)
def test_hostile_ids_read_as_none_and_change_nothing(store: Any, junk: Any) -> None:
    victim = store.create_session(user_id="victim", label="", meta={})
    before = [s.key for s in store.list_sessions()]
    assert store.get_session(junk) is None
    assert store.get_user_id_from_session(junk) is None
    assert store.get_session_meta(junk) is None
    assert store.rotate_session(junk) is None
    assert store.set_session_meta(junk, {}) is False
    assert store.destroy_session(junk) is False
    assert store.destroy_sessions_for_user("victim", keep=junk) == 1
    assert store.get_session(victim) is None
    assert [s.key for s in store.list_sessions()] == [k for k in before if k != victim[:32]]


@FUZZ
@given(meta=hostile_meta, label=st.text(max_size=300) | st.binary() | st.integers())
def test_hostile_meta_and_labels_raise_clear_errors_and_store_nothing(
    store: Any, meta: Any, label: Any
) -> None:
    before = len(store.list_sessions())
    try:
        session_id = store.create_session(user_id="u", label=label, meta=meta)
    except InvalidSessionDataError as err:
        assert err.field in ("label", "meta")
        assert len(store.list_sessions()) == before
    else:
        assert store.get_session_meta(session_id) == meta
        store.destroy_session(session_id)


@FUZZ
@given(users=st.lists(hostile_user_ids, min_size=2, max_size=4, unique=True))
def test_hostile_user_ids_stay_in_their_own_index_and_slot(store: Any, users: list[str]) -> None:
    created = {}
    for user in users:
        try:
            created[user] = store.create_session(user_id=user, label="", meta={})
        except AuthSessionsError:
            continue  # over-long user id: rejected, nothing stored
    for user, session_id in created.items():
        listing = store.get_sessions_for_user(user)
        assert [s.key for s in listing] == [session_id.partition(".")[0]]
        assert listing[0].user_id == user
    if isinstance(store, RedisSessions):
        prefix = store.hostile_prefix  # type: ignore[attr-defined]
        snap = check_consistency(store.client, prefix)
        # a str user id's canonical JSON is what kit.dumps writes
        expected = {user_tag(dumps(user)) for user in created}
        for key in [*snap.records, *snap.entries, *snap.expiries]:
            # the hash tag (first "{" to the next "}") is a user's tag,
            # whatever braces the user id itself holds
            assert key.startswith(prefix + "{")
            tag = key[len(prefix) + 1 : key.index("}", len(prefix))]
            assert tag in expected, f"{key!r} has a hash tag no user owns"
    for user in created:
        store.destroy_sessions_for_user(user)


def test_nothing_secret_reaches_the_logs(store: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    session_id = store.create_session(user_id="u", label="", meta={})
    store.get_session(session_id)
    rotated = store.rotate_session(session_id)
    store.destroy_session(rotated)
    for sid in (session_id, rotated):
        assert sid.partition(".")[2] not in caplog.text
