"""Reads between touches answered from a snapshot of plain commands
(``authsessions/redis/_peek.py``): one round trip without Lua, the same
answers as the read script, and the script for everything a snapshot
cannot settle."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import attrs
import pytest
import redis

from authsessions import (
    AsyncRedisSessions,
    ClientInfo,
    RedisSessions,
    SessionPolicy,
    StoredDataError,
)
from authsessions.kit import TAG_LENGTH
from authsessions.testing import FakeClock

from .fault_proxy import FaultProxy
from .helpers import (
    close_async,
    counting_async_client,
    counting_client,
    index_key,
    record_key,
)

pytestmark = pytest.mark.redis

POLICY = SessionPolicy(
    absolute_ttl=timedelta(hours=1),
    idle_ttl=timedelta(minutes=30),
    touch_interval=timedelta(minutes=1),
)
SNAPSHOT = (1, 2)  # one round trip: GET, ZSCORE
SCRIPT = (1, 1)  # one round trip: EVALSHA


@pytest.fixture
def admin(client: redis.Redis) -> redis.Redis:
    """A plain client beside the store's (which the tests count)."""
    return client


def _expire_time(admin: redis.Redis, key: str) -> int:
    """When the key expires, ms since the epoch: exact on Redis 7.0+
    (PEXPIRETIME); before, the server's time plus PTTL, within SLACK."""
    if int(str(admin.info("server")["redis_version"]).split(".")[0]) >= 7:
        return int(admin.execute_command("PEXPIRETIME", key))  # type: ignore[no-untyped-call]
    now_s, now_us = admin.time()
    return int(now_s * 1000 + now_us // 1000 + admin.pttl(key))


SLACK = 5  # ms


def _member(session_id: str) -> str:
    return session_id[TAG_LENGTH:32]


def test_a_read_between_touches_is_one_round_trip_without_a_script(
    redis_server: Any, prefix: str, admin: redis.Redis
) -> None:
    client, counter = counting_client(redis_server.url)
    clock = FakeClock()
    store = RedisSessions(client, prefix=prefix, policy=POLICY, clock=clock)
    sid = store.create_session(user_id="ann", label="l", meta={"a": 1})
    clock.advance(timedelta(seconds=1))
    counter.reset()
    assert store.get_user_id_from_session(sid) == "ann"
    assert counter.both == SNAPSHOT
    for read in (store.get_session_meta, store.get_session, store.get_user_id_from_session):
        counter.reset()
        assert read(sid)
        assert counter.both == SNAPSHOT, read
    client.close()


@pytest.mark.parametrize("switched_on", [True, False])
def test_asyncio_reads_between_touches_are_snapshots_too(
    redis_server: Any, prefix: str, monkeypatch: Any, switched_on: bool
) -> None:
    from authsessions.redis import _peek

    monkeypatch.setattr(_peek, "SNAPSHOTS", switched_on)
    expected = SNAPSHOT if switched_on else SCRIPT

    async def main() -> list[tuple[int, int]]:
        client, counter = counting_async_client(redis_server.url)
        clock = FakeClock()
        store = AsyncRedisSessions(client, prefix=prefix, policy=POLICY, clock=clock)
        try:
            sid = await store.create_session(user_id="ann", label="l", meta={"a": 1})
            clock.advance(timedelta(seconds=1))
            counts = []
            for read in (store.get_user_id_from_session, store.get_session_meta):
                counter.reset()
                assert await read(sid)
                counts.append(counter.both)
            clock.advance(timedelta(minutes=2))  # a touch is due: the script
            counter.reset()
            assert await store.get_session(sid) is not None
            counts.append(counter.both)
            return counts
        finally:
            await close_async(client)

    assert asyncio.run(main()) == [expected, expected, SCRIPT]


def test_a_due_touch_goes_straight_to_the_script_and_reads_then_peek_again(
    redis_server: Any, prefix: str
) -> None:
    client, counter = counting_client(redis_server.url)
    clock = FakeClock()
    store = RedisSessions(client, prefix=prefix, policy=POLICY, clock=clock)
    sid = store.create_session(user_id="ann", label="l", meta={})
    clock.advance(timedelta(minutes=2))
    counter.reset()
    touched = store.get_session(sid, ip="203.0.113.9")
    assert counter.both == SCRIPT  # not a snapshot first, then the script
    assert touched is not None and touched.last_used_at == clock.now()
    assert str(touched.last_used_ip) == "203.0.113.9"
    clock.advance(timedelta(seconds=30))
    counter.reset()
    again = store.get_session(sid)
    assert counter.both == SNAPSHOT
    assert again == touched
    client.close()


def test_a_snapshot_reads_what_the_script_reads(
    redis_server: Any, prefix: str, admin: redis.Redis
) -> None:
    clock = FakeClock()
    store = RedisSessions.from_url(redis_server.url, prefix=prefix, policy=POLICY, clock=clock)
    plain = store.create_session(user_id="ann", label="old", meta={"n": 1})
    rich = store.create_session(
        user_id="ann",
        label="Firefox on Linux",
        meta={"big": 2**70},
        client=ClientInfo(ip="198.51.100.7", user_agent="Firefox", location="Lyon, FR"),
        remember=False,
    )
    rotated = store.rotate_session(rich)  # a ten-line record with `previous`
    assert rotated is not None
    # a six-line record (written before 0.2's sign-in details)
    record = record_key(prefix, plain)
    value = admin.get(record)
    assert isinstance(value, bytes)
    admin.set(record, b"\n".join(value.split(b"\n")[:6]), keepttl=True)
    clock.advance(timedelta(seconds=1))
    for sid in (plain, rotated):
        store.get_session(sid)  # remembered as used
        peeked = store.get_session(sid)
        assert peeked is not None
        assert peeked == store.get_session_by_key(sid[:32])  # the script's read
        assert store.get_session_meta(sid) == peeked.meta
        assert store.get_user_id_from_session(sid) == "ann"
    store.close()


def test_what_a_snapshot_cannot_settle_goes_to_the_script(
    redis_server: Any, prefix: str, admin: redis.Redis
) -> None:
    client, counter = counting_client(redis_server.url)
    clock = FakeClock()
    events: list[Any] = []
    store = RedisSessions(client, prefix=prefix, policy=POLICY, clock=clock)
    store.add_hook(events.append)

    # expired at its own absolute expiry a second after a read: removed
    short = store.create_session(
        user_id="ann", label="", meta={}, absolute_ttl=timedelta(seconds=5)
    )
    clock.advance(timedelta(seconds=4))
    assert store.get_session(short) is not None
    clock.advance(timedelta(seconds=1))
    counter.reset()
    assert store.get_session(short) is None
    assert counter.both == (2, 3)  # the snapshot, then the script that removes it
    assert admin.exists(record_key(prefix, short)) == 0

    # a rotated-away secret presented after the grace: the script's theft check
    sid = store.create_session(user_id="bob", label="", meta={})
    new = store.rotate_session(sid)
    assert new is not None
    clock.advance(timedelta(seconds=31))
    assert store.get_session(new) is not None
    events.clear()
    assert store.get_session(sid) is None
    assert [type(e).__name__ for e in events] == ["TheftSuspected", "SessionRevoked"]
    assert store.get_session(new) is None  # revoked

    # the index says a touch is due though this process saw a recent use
    # (another process's clock runs behind): the script touches
    sid = store.create_session(user_id="cy", label="", meta={})
    clock.advance(timedelta(seconds=10))
    assert store.get_session(sid) is not None
    admin.zadd(index_key(prefix, sid), {_member(sid): clock.ms - 61_000}, xx=True)
    counter.reset()
    touched = store.get_session(sid)
    assert counter.both == (2, 3)
    assert touched is not None and touched.last_used_at == clock.now()

    # something that is not a record: the script reports it
    admin.set(record_key(prefix, sid), b"garbage", keepttl=True)
    with pytest.raises(StoredDataError):
        store.get_session(sid)
    admin.delete(record_key(prefix, sid))
    admin.hset(record_key(prefix, sid), "a", "b")
    with pytest.raises(StoredDataError):
        store.get_session(sid)
    client.close()


def test_a_longer_policy_still_extends_the_records_life(
    redis_server: Any, prefix: str, admin: redis.Redis
) -> None:
    # a deploy lengthens idle expiry: reads under the new policy must keep
    # Redis from dropping sessions the new policy honours, snapshot or not
    clock = FakeClock()
    old = RedisSessions.from_url(redis_server.url, prefix=prefix, policy=POLICY, clock=clock)
    longer = SessionPolicy(
        absolute_ttl=timedelta(hours=1),
        idle_ttl=timedelta(minutes=50),
        touch_interval=timedelta(minutes=5),
    )
    new = RedisSessions.from_url(redis_server.url, prefix=prefix, policy=longer, clock=clock)
    sid = old.create_session(user_id="ann", label="", meta={})
    clock.advance(timedelta(seconds=1))
    assert new.get_session(sid) is not None  # the script: extended, remembered
    clock.advance(timedelta(minutes=1))
    assert old.get_session(sid) is not None  # the old policy's touch shortens it again
    clock.advance(timedelta(seconds=1))
    record = record_key(prefix, sid)
    shortened = _expire_time(admin, record)
    session = new.get_session(sid)  # a snapshot would find the life too short
    assert session is not None
    grace = 5 * 60_000
    wanted = clock.ms - 1000 + 50 * 60_000 + grace  # last use + new idle + grace
    assert shortened < wanted <= _expire_time(admin, record) + SLACK
    old.close()
    new.close()


def test_a_connection_that_breaks_during_a_snapshot_falls_back_to_the_script(
    redis_server: Any, prefix: str
) -> None:
    port = int(redis_server.url.rsplit(":", 1)[1].split("/")[0])
    proxy = FaultProxy(port)
    client = redis.Redis.from_url(redis_server.url.replace(f":{port}", f":{proxy.port}"))
    clock = FakeClock()
    store = RedisSessions(client, prefix=prefix, policy=POLICY, clock=clock)
    try:
        sid = store.create_session(user_id="ann", label="", meta={})
        clock.advance(timedelta(seconds=1))
        # the snapshot's reply is cut five bytes in, inside the GET's: the
        # connection is dropped, and the read goes to the script on a fresh one
        fault = proxy.arm("down", 5)
        assert store.get_user_id_from_session(sid) == "ann"
        assert fault.fired
        assert store.get_user_id_from_session(sid) == "ann"
    finally:
        client.close()
        proxy.close()


def test_no_snapshots_where_they_cannot_help(redis_server: Any, prefix: str) -> None:
    client, counter = counting_client(redis_server.url)
    clock = FakeClock()
    # the default policy touches on every read: every read is the script's
    store = RedisSessions(client, prefix=prefix, clock=clock)
    sid = store.create_session(user_id="ann", label="", meta={})
    clock.advance(timedelta(seconds=1))
    counter.reset()
    assert store.get_session(sid) is not None
    assert counter.both == SCRIPT
    client.close()


def test_a_use_another_process_recorded_sends_one_read_to_the_script(
    redis_server: Any, prefix: str
) -> None:
    # the snapshot trusts the record's life only for a last use this store
    # saw; another process's touch (here under a policy that touches more
    # often, as during a deploy) moves the last use on: one read goes to the
    # script, which checks the record's life against this store's policy
    client, counter = counting_client(redis_server.url)
    clock = FakeClock()
    store = RedisSessions(client, prefix=prefix, policy=POLICY, clock=clock)
    often = attrs.evolve(POLICY, touch_interval=timedelta(seconds=10))
    other = RedisSessions.from_url(redis_server.url, prefix=prefix, policy=often, clock=clock)
    sid = store.create_session(user_id="ann", label="", meta={})
    clock.advance(timedelta(seconds=30))
    touched = other.get_session(sid)
    assert touched is not None and touched.last_used_at == clock.now()
    clock.advance(timedelta(seconds=1))
    counter.reset()
    seen = store.get_session(sid)
    assert counter.both == (2, 3)  # a snapshot with a last use it never saw, the script
    assert seen is not None and seen.last_used_at == touched.last_used_at
    counter.reset()
    assert store.get_session(sid) == seen
    assert counter.both == SNAPSHOT  # remembered
    client.close()
    other.close()
