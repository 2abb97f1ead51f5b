"""Redis store specifics: round trips, what is stored, failures, recovery.
The shared semantics are proven by the contract (test_contract_redis.py)."""

from __future__ import annotations

import asyncio
import signal
from datetime import timedelta
from typing import Any

import pytest
import redis

from authsessions import (
    AsyncRedisSessions,
    ConfigurationError,
    RedisSessions,
    SessionBackendError,
    SessionPolicy,
)
from authsessions.testing import FakeClock

from .helpers import (
    EXPECTED,
    close_async,
    counting_async_client,
    counting_client,
    dump,
    exercise,
)

pytestmark = pytest.mark.redis


def test_every_operation_is_exactly_one_round_trip_sync(redis_server: Any, prefix: str) -> None:
    client, counter = counting_client(redis_server.url)
    store = RedisSessions(client, prefix=prefix)
    assert asyncio.run(exercise(store, counter)) == EXPECTED
    client.close()


def test_every_operation_is_exactly_one_round_trip_async(redis_server: Any, prefix: str) -> None:
    async def main() -> dict[str, tuple[int, int]]:
        client, counter = counting_async_client(redis_server.url)
        try:
            return await exercise(AsyncRedisSessions(client, prefix=prefix), counter)
        finally:
            await close_async(client)

    assert asyncio.run(main()) == EXPECTED


def test_a_user_with_1000_sessions_is_listed_in_one_round_trip(
    redis_server: Any, prefix: str
) -> None:
    client, counter = counting_client(redis_server.url)
    store = RedisSessions(client, prefix=prefix, policy=SessionPolicy(max_sessions_per_user=None))
    clock_ids = [
        store.create_session(user_id="many", label=str(i), meta={"i": i}) for i in range(1000)
    ]
    counter.reset()
    listing = store.get_sessions_for_user("many")
    assert counter.both == (1, 1)
    assert len(listing) == 1000
    assert {s.key for s in listing} == {sid.partition(".")[0] for sid in clock_ids}
    counter.reset()
    assert store.destroy_sessions_for_user("many") == 1000
    assert counter.both == (1, 1)
    client.close()


def test_no_secret_in_any_key_or_value(client: redis.Redis, prefix: str) -> None:
    store = RedisSessions(client, prefix=prefix)
    ids = [store.create_session(user_id=f"u{i % 3}", label="l", meta={"k": i}) for i in range(9)]
    ids.append(store.rotate_session(ids[0]))  # type: ignore[arg-type]
    store.get_session(ids[1])
    contents = repr(dump(client, prefix)).encode()
    assert sum(b":s:" in key for key, _, _ in dump(client, prefix)) == 9
    for sid in ids:
        key, _, secret = sid.partition(".")
        assert secret.encode() not in contents
        assert sid.encode() not in contents
        assert key[16:].encode() in contents  # the public key is there, as designed


def test_every_key_written_has_a_ttl(client: redis.Redis, prefix: str) -> None:
    clock = FakeClock()
    policy = SessionPolicy(absolute_ttl=timedelta(hours=1), idle_ttl=timedelta(minutes=10))
    store = RedisSessions(client, prefix=prefix, clock=clock, policy=policy)
    sid = store.create_session(user_id="u", label="", meta={})
    for _key, _value, ttl in dump(client, prefix):
        assert 0 < ttl <= (60 + 5) * 60_000
    clock.advance(timedelta(minutes=5))
    store.get_session(sid)
    record_ttls = [ttl for key, _, ttl in dump(client, prefix) if b":s:" in key]
    # idle expiry slid by 5 minutes: the record now lives 10 minutes from the
    # fake "now", i.e. about 15 minutes of real time, plus the 5-minute grace
    assert record_ttls and all(14 * 60_000 < ttl <= 20 * 60_000 for ttl in record_ttls)


def test_record_and_index_share_one_slot_and_users_spread(
    client: redis.Redis, prefix: str
) -> None:
    from redis.crc import key_slot

    store = RedisSessions(client, prefix=prefix)
    for i in range(50):
        store.create_session(user_id=f"user-{i}", label="", meta={})
    slots_by_tag: dict[bytes, set[int]] = {}
    registries = []
    for key, value, _ in dump(client, prefix):
        if key.endswith(b":r"):
            registries.append((key, value))
            continue
        if key == f"{prefix}:slots".encode():
            continue  # the standalone slot map: no hash tag, one per prefix
        tag = key[key.index(b"{") + 1 : key.index(b"}")]
        slots_by_tag.setdefault(tag, set()).add(key_slot(key))
    assert len(slots_by_tag) == 50
    assert all(len(slots) == 1 for slots in slots_by_tag.values())
    assert len({next(iter(s)) for s in slots_by_tag.values()}) > 40
    # each slot's registry lives in that slot, beside the users it lists
    registered = [tag for _, value in registries for tag in value]
    assert sorted(registered) == sorted(slots_by_tag)
    for key, value in registries:
        assert all(slots_by_tag[tag] == {key_slot(key)} for tag in value)


def test_script_flush_between_calls_changes_nothing_visible(
    client: redis.Redis, prefix: str
) -> None:
    store = RedisSessions(client, prefix=prefix)
    sid = store.create_session(user_id="u", label="l", meta={"a": 1})
    for step in range(6):
        client.script_flush()
        if step == 0:
            assert store.get_user_id_from_session(sid) == "u"
        elif step == 1:
            assert store.set_session_meta(sid, {"b": 2})
        elif step == 2:
            sid = store.rotate_session(sid)  # type: ignore[assignment]
        elif step == 3:
            assert [s.meta for s in store.get_sessions_for_user("u")] == [{"b": 2}]
        elif step == 4:
            assert [s.user_id for s in store.list_sessions()] == ["u"]
        else:
            assert store.prune() == 0
    assert store.destroy_sessions_for_user("u") == 1


def test_sync_reads_what_async_wrote_and_back(redis_server: Any, prefix: str) -> None:
    sync_store = RedisSessions.from_url(redis_server.url, prefix=prefix)

    async def main() -> None:
        async_store = AsyncRedisSessions.from_url(redis_server.url, prefix=prefix)
        try:
            from_async = await async_store.create_session(user_id="a", label="A", meta={"x": 1})
            assert sync_store.get_session_meta(from_async) == {"x": 1}
            from_sync = sync_store.create_session(user_id="a", label="S", meta={"y": 2})
            assert await async_store.get_session_meta(from_sync) == {"y": 2}
            rotated = await async_store.rotate_session(from_sync)
            assert sync_store.get_session(from_sync) is None
            assert sync_store.get_user_id_from_session(rotated) == "a"
            labels = {s.label for s in await async_store.get_sessions_for_user("a")}
            assert labels == {"A", "S"}
            assert sync_store.destroy_sessions_for_user("a", keep=from_async) == 1
            assert [s.label for s in await async_store.list_sessions()] == ["A"]
            assert await async_store.destroy_session(from_async) is True
        finally:
            await async_store.aclose()

    asyncio.run(main())
    sync_store.close()


def test_prefix_is_literal_and_braces_are_rejected(client: redis.Redis, prefix: str) -> None:
    with pytest.raises(ConfigurationError):
        RedisSessions(client, prefix="app{x}:")
    star = RedisSessions(client, prefix=prefix + "*:")
    plain = RedisSessions(client, prefix=prefix + "a:")
    star.create_session(user_id="s", label="", meta={})
    plain.create_session(user_id="p", label="", meta={})
    assert [s.user_id for s in star.list_sessions()] == ["s"]
    assert [s.user_id for s in plain.list_sessions()] == ["p"]


def test_repr_describes_configuration_without_io(client: redis.Redis) -> None:
    store = RedisSessions(client, prefix="app:")
    assert repr(store) == (
        "RedisSessions(user_id_type=str, meta_type=dict[str, Any], prefix='app:', client=Redis)"
    )


@pytest.mark.parametrize(("line", "garbage"), [(5, b"[not json"), (6, b"soon"), (7, b"[1]")])
def test_stored_record_that_is_corrupt_raises_stored_data_error(
    client: redis.Redis, prefix: str, line: int, garbage: bytes
) -> None:
    # line 5: the meta, 6: the sign-in time, 7: the details
    from authsessions import StoredDataError

    store = RedisSessions(client, prefix=prefix)
    sid = store.create_session(user_id="u", label="", meta={})
    (record_key,) = [k for k, _, _ in dump(client, prefix) if b":s:" in k]
    value = client.get(record_key)
    assert isinstance(value, bytes)
    lines = value.split(b"\n")
    lines[line] = garbage
    client.set(record_key, b"\n".join(lines), keepttl=True)
    with pytest.raises(StoredDataError) as info:
        store.get_session(sid)
    assert info.value.session_key == sid.partition(".")[0]
    assert sid.partition(".")[2] not in str(info.value)


# -- failures ---------------------------------------------------------------------


def test_stopped_redis_raises_backend_error_then_recovers(redis_server_factory: Any) -> None:
    server = redis_server_factory()
    store = RedisSessions.from_url(server.url, prefix="recover:")
    sid = store.create_session(user_id="u", label="", meta={})
    assert store.get_user_id_from_session(sid) == "u"
    server.stop()
    with pytest.raises(SessionBackendError) as info:
        store.get_user_id_from_session(sid)
    assert info.value.backend == "redis"
    assert info.value.operation == "get_user_id_from_session"
    assert isinstance(info.value.__cause__, redis.exceptions.ConnectionError)
    assert sid.partition(".")[2] not in str(info.value)
    server.start()  # no persistence: the session is gone, the store works
    assert store.get_user_id_from_session(sid) is None
    again = store.create_session(user_id="u", label="", meta={})
    assert store.get_user_id_from_session(again) == "u"
    store.close()


def test_stopped_redis_raises_backend_error_then_recovers_async(redis_server_factory: Any) -> None:
    server = redis_server_factory()

    async def main() -> None:
        store = AsyncRedisSessions.from_url(server.url, prefix="recover:")
        sid = await store.create_session(user_id="u", label="", meta={})
        server.stop()
        for op in ("get_session", "rotate_session", "destroy_session"):
            with pytest.raises(SessionBackendError):
                await getattr(store, op)(sid)
        with pytest.raises(SessionBackendError):
            await store.list_sessions()
        server.start()
        again = await store.create_session(user_id="u", label="", meta={})
        assert await store.get_user_id_from_session(again) == "u"
        await store.aclose()

    asyncio.run(main())


def test_timeouts_raise_backend_error(redis_server_factory: Any) -> None:
    server = redis_server_factory(provider="binary")
    client = redis.Redis.from_url(server.url, socket_timeout=0.2)
    store = RedisSessions(client, prefix="slow:")
    sid = store.create_session(user_id="u", label="", meta={})
    server.signal(signal.SIGSTOP)
    try:
        with pytest.raises(SessionBackendError) as info:
            store.get_session(sid)
        assert isinstance(info.value.__cause__, redis.exceptions.TimeoutError)
    finally:
        server.signal(signal.SIGCONT)
    client.close()


def test_read_only_replica_raises_backend_error(redis_server_factory: Any) -> None:
    primary = redis_server_factory()
    replica = redis_server_factory()
    client = redis.Redis.from_url(replica.url)
    client.replicaof("127.0.0.1", primary.port)
    store = RedisSessions(client, prefix="ro:")
    with pytest.raises(SessionBackendError) as info:
        store.create_session(user_id="u", label="", meta={})
    assert "READONLY" in str(info.value.__cause__) or "read only" in str(info.value.__cause__)
    client.replicaof("NO", "ONE")
    client.close()


def test_out_of_memory_raises_backend_error(redis_server_factory: Any) -> None:
    server = redis_server_factory()
    client = redis.Redis.from_url(server.url)
    client.config_set("maxmemory", 1)
    client.config_set("maxmemory-policy", "noeviction")
    store = RedisSessions(client, prefix="oom:")
    with pytest.raises(SessionBackendError) as info:
        store.create_session(user_id="u", label="", meta={})
    # Redis 6 answers "OOM ..." inside a script's error text, Redis 7 with
    # the OOM error itself, which redis-py raises as OutOfMemoryError
    cause = info.value.__cause__
    assert isinstance(cause, redis.exceptions.OutOfMemoryError) or "OOM" in str(cause), cause
    client.close()
