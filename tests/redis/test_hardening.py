"""Defects an outside review reproduced against a real Redis, each pinned:
cluster subclasses, mismatched clients, policy changes, malformed records,
hosts with slow clocks. Public API only, so the
same tests run against any version."""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import redis
import redis.asyncio
import redis.asyncio.cluster
import redis.cluster

from authsessions import (
    AsyncRedisSessions,
    ConfigurationError,
    RedisSessions,
    SessionPolicy,
    StoredDataError,
)
from authsessions.testing import FakeClock

from .helpers import NO_HANDSHAKE, close_async, index_key, record_key

pytestmark = pytest.mark.redis


def now_ms() -> int:
    return time.time_ns() // 1_000_000


class SettableClock:
    """A clock a test sets, forward or back (the wall clock plus an offset)."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset


# -- 1. a cluster client of a subclass is a cluster client --------------------------


class TracedCluster(redis.cluster.RedisCluster):
    """What instrumentation libraries do: subclass the client."""


class TracedAsyncCluster(redis.asyncio.cluster.RedisCluster):
    pass


@pytest.mark.redis_cluster
def test_a_cluster_client_subclass_survives_script_flush(redis_cluster: Any) -> None:
    client = TracedCluster.from_url(redis_cluster.url)
    store = RedisSessions(client, prefix="traced:")
    sid = store.create_session(user_id="u", label="", meta={})
    client.execute_command(  # type: ignore[no-untyped-call]
        "SCRIPT", "FLUSH", target_nodes=redis.cluster.RedisCluster.ALL_NODES
    )
    assert store.get_user_id_from_session(sid) == "u"
    assert store.destroy_sessions_for_user("u") == 1
    client.close()


@pytest.mark.redis_cluster
def test_an_asyncio_cluster_client_subclass_survives_script_flush(redis_cluster: Any) -> None:
    async def main() -> None:
        client = TracedAsyncCluster.from_url(redis_cluster.url, **NO_HANDSHAKE)
        store = AsyncRedisSessions(client, prefix="traced:")
        sid = await store.create_session(user_id="u", label="", meta={})
        await client.execute_command(
            "SCRIPT FLUSH", target_nodes=redis.asyncio.cluster.RedisCluster.ALL_NODES
        )
        assert await store.get_user_id_from_session(sid) == "u"
        assert await store.destroy_sessions_for_user("u") == 1
        await close_async(client)

    asyncio.run(main())


# -- 2. the wrong kind of client fails at construction ------------------------------


@pytest.mark.parametrize(
    ("store_class", "client_kind"),
    [
        (RedisSessions, "asyncio"),
        (AsyncRedisSessions, "sync"),
        (RedisSessions, "object"),
        (AsyncRedisSessions, "object"),
    ],
)
def test_a_client_of_the_wrong_kind_is_a_configuration_error(
    redis_server: Any, store_class: Any, client_kind: str
) -> None:
    client: Any = {
        "asyncio": lambda: redis.asyncio.Redis.from_url(redis_server.url),
        "sync": lambda: redis.Redis.from_url(redis_server.url),
        "object": object,
    }[client_kind]()
    with pytest.raises(ConfigurationError) as info:
        store_class(client, prefix="wrong:")
    assert info.value.setting == "client"
    assert type(client).__name__ in str(info.value)


# -- 3. a policy change never lets Redis drop a session the new policy honours ------

POLICY_CHANGES = {
    "idle off": (SessionPolicy(idle_ttl=timedelta(seconds=1)), SessionPolicy()),
    "idle longer, throttled": (
        SessionPolicy(idle_ttl=timedelta(seconds=1)),
        SessionPolicy(idle_ttl=timedelta(minutes=10), touch_interval=timedelta(minutes=1)),
    ),
    "idle much longer": (
        SessionPolicy(idle_ttl=timedelta(seconds=10)),
        SessionPolicy(idle_ttl=timedelta(hours=1)),
    ),
}
GRACE = timedelta(seconds=1)


def _required_ms(new: SessionPolicy, created: int) -> int:
    absolute = created + new.absolute_ttl_ms
    expiry = min(absolute, now_ms() + new.idle_ttl_ms) if new.idle_ttl_ms else absolute
    return expiry + GRACE // timedelta(milliseconds=1) - now_ms()


def _check_ttls(client: redis.Redis, prefix: str, sid: str, required: int) -> None:
    for key in (record_key(prefix, sid), index_key(prefix, sid)):
        ttl = client.pttl(key)
        # a read extends to at least the expiry under the current policy
        # (minus a second for the time this test takes)
        assert ttl >= required - 1000, f"{key}: {ttl} ms left, the new policy needs {required}"


@pytest.mark.parametrize("change", sorted(POLICY_CHANGES))
def test_after_a_policy_change_a_read_keeps_the_session_in_redis(
    client: redis.Redis, prefix: str, change: str
) -> None:
    old, new = POLICY_CHANGES[change]
    before = RedisSessions(client, prefix=prefix, policy=old, gc_grace=GRACE)
    created = now_ms()
    sid = before.create_session(user_id="u", label="", meta={})
    after = RedisSessions(client, prefix=prefix, policy=new, gc_grace=GRACE)
    assert after.get_user_id_from_session(sid) == "u"
    _check_ttls(client, prefix, sid, _required_ms(new, created))


@pytest.mark.parametrize("change", sorted(POLICY_CHANGES))
def test_after_a_policy_change_an_asyncio_read_keeps_the_session(
    redis_server: Any, client: redis.Redis, prefix: str, change: str
) -> None:
    old, new = POLICY_CHANGES[change]

    async def main() -> tuple[str, int]:
        async_client = redis.asyncio.Redis.from_url(redis_server.url)
        before = AsyncRedisSessions(async_client, prefix=prefix, policy=old, gc_grace=GRACE)
        created = now_ms()
        sid = await before.create_session(user_id="u", label="", meta={})
        after = AsyncRedisSessions(async_client, prefix=prefix, policy=new, gc_grace=GRACE)
        assert await after.get_session(sid) is not None
        await close_async(async_client)
        return sid, created

    sid, created = asyncio.run(main())
    _check_ttls(client, prefix, sid, _required_ms(new, created))


@pytest.mark.redis_cluster
@pytest.mark.parametrize("change", sorted(POLICY_CHANGES))
def test_after_a_policy_change_a_read_keeps_the_session_on_a_cluster(
    redis_cluster: Any, change: str
) -> None:
    old, new = POLICY_CHANGES[change]
    prefix = f"hardc{secrets.token_hex(3)}:"
    client = redis.cluster.RedisCluster.from_url(redis_cluster.url)
    before = RedisSessions(client, prefix=prefix, policy=old, gc_grace=GRACE)
    created = now_ms()
    sid = before.create_session(user_id="u", label="", meta={})
    after = RedisSessions(client, prefix=prefix, policy=new, gc_grace=GRACE)
    assert after.get_session(sid) is not None
    _check_ttls(client, prefix, sid, _required_ms(new, created))  # type: ignore[arg-type]
    after.destroy_sessions_for_user("u")
    client.close()


# -- 4. one malformed record never breaks the account ---------------------------------

MALFORMED: dict[str, Callable[[Any, str], Any]] = {
    "empty string": lambda c, k: c.set(k, ""),
    "missing lines": lambda c, k: c.set(k, "a" * 64 + "\n123\n456"),
    "non-numeric expiry": lambda c, k: c.set(k, "a" * 64 + '\nsoon\n1\n"u"\n""\n{}'),
    "short hash": lambda c, k: c.set(k, 'abc\n1\n1\n"u"\n""\n{}'),
    "a hash at the key": lambda c, k: (c.delete(k), c.hset(k, "f", "v")),
    "a list at the key": lambda c, k: (c.delete(k), c.rpush(k, "v")),
}


@pytest.mark.parametrize("shape", sorted(MALFORMED))
def test_a_malformed_record_is_reported_and_never_breaks_the_account(
    client: redis.Redis, prefix: str, shape: str, caplog: pytest.LogCaptureFixture
) -> None:
    clock = FakeClock()
    store = RedisSessions(client, prefix=prefix, clock=clock)
    broken = store.create_session(user_id="u", label="broken", meta={})
    good = store.create_session(user_id="u", label="good", meta={})
    other = store.create_session(user_id="v", label="other", meta={})
    MALFORMED[shape](client, record_key(prefix, broken))
    key = broken.partition(".")[0]
    # reads of it name it; nothing else is affected
    for read in (store.get_session, store.get_user_id_from_session, store.get_session_meta):
        with pytest.raises(StoredDataError) as info:
            read(broken)
        assert info.value.session_key == key and info.value.field == "record"
        assert broken.partition(".")[2] not in str(info.value)
    with pytest.raises(StoredDataError):
        store.get_session_by_key(key)
    assert store.get_user_id_from_session(good) == "u"
    # listings skip it (it is not a live session) and keep working, and an
    # operator hears of it
    with caplog.at_level(logging.WARNING, logger="authsessions.redis"):
        assert [s.label for s in store.get_sessions_for_user("u")] == ["good"]
        assert {s.label for s in store.list_sessions()} == {"good", "other"}
    skipped = [r for r in caplog.records if "malformed" in r.getMessage()]
    assert len(skipped) == 2, caplog.text
    assert key[:16] in skipped[0].getMessage() and "prune" in skipped[0].getMessage()
    assert store.stats().sessions == 2
    assert store.get_user_id_from_session(store.create_session(user_id="u", label="", meta={}))
    # log out everywhere removes it (not counted: it was not live)
    assert store.destroy_sessions_for_user("u", keep=good) == 1
    assert client.exists(record_key(prefix, broken)) == 0
    assert store.get_session(broken) is None
    assert store.get_session(other) is not None


@pytest.mark.parametrize("shape", sorted(MALFORMED))
def test_prune_removes_a_malformed_record(client: redis.Redis, prefix: str, shape: str) -> None:
    store = RedisSessions(client, prefix=prefix)
    broken = store.create_session(user_id="u", label="broken", meta={})
    good = store.create_session(user_id="u", label="good", meta={})
    MALFORMED[shape](client, record_key(prefix, broken))
    assert store.prune() == 1
    assert client.exists(record_key(prefix, broken)) == 0
    assert store.get_session(good) is not None


# -- 5. a host with a slow clock never shortens another's sessions -------------------


def test_a_create_from_a_host_with_a_slow_clock_never_shortens_the_index(
    client: redis.Redis, prefix: str
) -> None:
    grace = timedelta(seconds=1)
    host_a = RedisSessions(client, prefix=prefix, gc_grace=grace)
    slow = SettableClock()
    slow.offset = -timedelta(seconds=30)  # host B runs 30 s behind host A
    host_b = RedisSessions(client, prefix=prefix, gc_grace=grace, clock=slow)
    mine = host_a.create_session(user_id="alice", label="A", meta={})
    before = client.pttl(index_key(prefix, mine))
    host_b.create_session(user_id="alice", label="B", meta={})
    after = client.pttl(index_key(prefix, mine))
    assert after >= before - 1000, f"the index's life went from {before} ms to {after} ms"
    assert host_a.get_user_id_from_session(mine) == "alice"


# -- 6. expiry is final, also when the clock steps back --------------------------------


@pytest.mark.parametrize("seen_by", ["read", "user listing", "list_sessions"])
def test_a_session_seen_expired_stays_gone_when_the_clock_steps_back(
    client: redis.Redis, prefix: str, seen_by: str
) -> None:
    clock = SettableClock()
    store = RedisSessions(
        client, prefix=prefix, clock=clock, policy=SessionPolicy(absolute_ttl=timedelta(hours=1))
    )
    sid = store.create_session(user_id="u", label="", meta={})
    clock.offset = timedelta(hours=1, seconds=1)
    if seen_by == "read":
        assert store.get_session(sid) is None
    elif seen_by == "user listing":
        assert store.get_sessions_for_user("u") == []
    else:
        assert store.list_sessions() == []
    clock.offset = timedelta(minutes=50)  # an NTP step back
    assert store.get_session(sid) is None, "an expired session came back to life"
    assert store.get_sessions_for_user("u") == []


def test_from_url_with_cluster_on_a_standalone_server_is_a_configuration_error(
    redis_server: Any,
) -> None:
    with pytest.raises(ConfigurationError) as info:
        RedisSessions.from_url(redis_server.url, cluster=True)
    assert info.value.setting == "cluster"
    assert "not a Redis Cluster node" in str(info.value)


def test_client_options_reach_the_client_and_misplaced_ones_say_where_they_go(
    redis_server: Any,
) -> None:
    store = RedisSessions.from_url(redis_server.url, client_options={"socket_timeout": 1.5})
    try:
        client: Any = store.client
        kwargs = client.connection_pool.connection_kwargs
        assert kwargs["socket_timeout"] == 1.5
        assert store.get_session(store.create_session(user_id="u", label="", meta={}))
    finally:
        store.close()
    with pytest.raises(ConfigurationError) as info:
        RedisSessions.from_url(redis_server.url, socket_timeout=1)  # type: ignore[call-overload]
    assert info.value.setting == "socket_timeout"
    assert "client_options" in str(info.value)
