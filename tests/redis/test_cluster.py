"""Redis Cluster specifics: round trips, slot spread, failover."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
import redis
import redis.asyncio
from redis.asyncio.cluster import RedisCluster as AsyncRedisCluster
from redis.cluster import RedisCluster

from authsessions import AsyncRedisSessions, RedisSessions, SessionBackendError, SessionPolicy
from authsessions.testing import FakeClock, wait_until

from .consistency import check_consistency
from .helpers import (
    EXPECTED,
    Counter,
    _counting,
    close_async,
    count_commands,
    exercise,
    slot_owner,
)

pytestmark = pytest.mark.redis_cluster


def test_every_operation_is_one_round_trip_on_a_cluster(redis_cluster: Any) -> None:
    counter = Counter()
    client = RedisCluster.from_url(
        redis_cluster.url, connection_class=_counting(redis.Connection, counter)
    )
    store = RedisSessions(client, prefix="rt-cluster:")
    assert asyncio.run(exercise(store, counter)) == EXPECTED
    client.close()


def test_every_operation_is_one_round_trip_on_a_cluster_async(
    redis_cluster: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the asyncio cluster client ignores connection_class: count on the class
    counter = Counter()
    original = redis.asyncio.Connection.send_packed_command

    async def counted(self: Any, command: Any, *args: Any, **kwargs: Any) -> Any:
        counter.round_trips += 1
        counter.commands += count_commands(command)
        return await original(self, command, *args, **kwargs)

    monkeypatch.setattr(redis.asyncio.Connection, "send_packed_command", counted)

    async def main() -> dict[str, tuple[int, int]]:
        client = AsyncRedisCluster.from_url(redis_cluster.url)
        try:
            return await exercise(AsyncRedisSessions(client, prefix="rt-cluster:"), counter)
        finally:
            await close_async(client)

    assert asyncio.run(main()) == EXPECTED


def test_users_spread_over_every_primary_and_listing_sees_them_all(redis_cluster: Any) -> None:
    if not hasattr(redis_cluster, "primaries"):
        pytest.skip("needs a cluster this run started (not --authsessions-redis-cluster-url)")
    store = RedisSessions.from_url(redis_cluster.url, cluster=True, prefix="spread:")
    policy_free = RedisSessions.from_url(
        redis_cluster.url,
        cluster=True,
        prefix="spread:",
        policy=SessionPolicy(max_sessions_per_user=None),
    )
    for i in range(60):
        store.create_session(user_id=f"user-{i}", label="", meta={"i": i})
    for i in range(300):
        policy_free.create_session(user_id="big", label=str(i), meta={})
    owners = {id(p): 0 for p in redis_cluster.primaries}
    for primary in redis_cluster.primaries:
        node = redis_cluster.client(primary)
        owners[id(primary)] = sum(1 for _ in node.scan_iter(match="spread:*"))
        node.close()
    assert all(count > 0 for count in owners.values()), owners
    assert len(store.list_sessions()) == 360
    assert len(store.get_sessions_for_user("big")) == 300
    assert store.destroy_sessions_for_user("big") == 300
    assert store.prune() == 0
    for i in range(60):
        store.destroy_sessions_for_user(f"user-{i}")
    assert store.list_sessions() == []
    store.close()
    policy_free.close()


def test_the_keys_stay_consistent_on_a_cluster(redis_cluster: Any) -> None:
    """Caps, idle expiry, rotation, revocation and prune across every
    primary leave every record indexed, every index entry backed by a
    record, every tag registered and every key with a TTL."""
    clock = FakeClock()
    policy = SessionPolicy(
        absolute_ttl=timedelta(hours=1),
        idle_ttl=timedelta(minutes=10),
        touch_interval=timedelta(seconds=0),
        max_sessions_per_user=3,
    )
    prefix = "consistent:"
    store = RedisSessions.from_url(
        redis_cluster.url, cluster=True, prefix=prefix, policy=policy, clock=clock
    )
    users = [f"user-{i}" for i in range(40)]
    kept = {}
    for user in users:
        ids = [store.create_session(user_id=user, label="", meta={}) for _ in range(5)]
        kept[user] = store.rotate_session(ids[-1])
        store.destroy_session(ids[-2])
    clock.advance(timedelta(minutes=5))
    for user in users[::2]:
        assert store.get_user_id_from_session(kept[user]) == user  # these stay live
    clock.advance(timedelta(minutes=6))  # the others idle out, uncollected
    for user in users[::3]:
        store.create_session(user_id=user, label="after", meta={})
    for user in users[::5]:
        assert kept[user] is not None
        store.destroy_sessions_for_user(user, keep=kept[user])
    client = RedisCluster.from_url(redis_cluster.url)
    check_consistency(client, prefix)
    assert store.prune() > 0
    snap = check_consistency(client, prefix)
    live = sum(len(store.get_sessions_for_user(user)) for user in users)
    assert len(snap.records) == live
    for user in users:
        store.destroy_sessions_for_user(user)
    assert check_consistency(client, prefix).records == {}
    client.close()
    store.close()


def _replicated(cluster: Any) -> bool:
    for index, primary in enumerate(cluster.primaries):
        client = cluster.client(primary)
        offset = client.info("replication")["master_repl_offset"]
        client.close()
        for replica in cluster.replicas[index]:
            client = cluster.client(replica)
            info = client.info("replication")
            client.close()
            if info.get("slave_repl_offset", -1) < offset:
                return False
    return True


def test_failover_keeps_the_store_working_with_the_same_client(redis_cluster_factory: Any) -> None:
    cluster = redis_cluster_factory(primaries=3, replicas=1, node_timeout_ms=1000)
    client = RedisCluster.from_url(cluster.url, socket_timeout=2, socket_connect_timeout=1)
    store = RedisSessions(client, prefix="failover:")
    sessions = {
        f"user-{i}": store.create_session(user_id=f"user-{i}", label="", meta={})
        for i in range(40)
    }
    # the durability promise covers writes that reached a replica
    assert wait_until(lambda: _replicated(cluster), timeout=20)
    victim = cluster.primaries[0]
    on_victim = {
        user: sid
        for user, sid in sessions.items()
        if slot_owner(cluster, f"failover:{{{sid[:16]}}}:u") is victim
    }
    assert on_victim, "no session landed on the primary that will be stopped"
    victim.stop(kill=True)

    errors: list[SessionBackendError] = []

    def everything_reads_back() -> bool:
        done = True
        for user, sid in on_victim.items():
            try:
                found = store.get_user_id_from_session(sid)
            except SessionBackendError as err:
                errors.append(err)
                done = False
            else:
                # never "logged out": a replicated session reads back or raises
                assert found == user, f"{user}'s session read as {found!r} during failover"
        return done

    assert wait_until(everything_reads_back, timeout=60, interval=0.2), "no failover in 60 s"
    assert errors, "calls during the failover should have raised SessionBackendError"
    assert all(isinstance(e.__cause__, redis.RedisError) for e in errors)
    for user, sid in sessions.items():
        assert store.get_user_id_from_session(sid) == user
    fresh = store.create_session(user_id=next(iter(on_victim)), label="after", meta={})
    assert store.get_session(fresh) is not None
    assert len(store.list_sessions()) == len(sessions) + 1
    client.close()


def test_async_cluster_store_survives_racing_first_connections(redis_cluster: Any) -> None:
    """redis-py 8.1's asyncio cluster client can fail when tasks race to open
    connections; from_url(cluster=True) builds a client that does not."""

    async def main() -> None:
        for _ in range(10):
            store = AsyncRedisSessions.from_url(redis_cluster.url, cluster=True, prefix="race:")
            try:

                async def work(i: int, store: Any = store) -> None:
                    for _ in range(10):
                        sid = await store.create_session(user_id=f"u{i}", label="", meta={})
                        assert await store.get_user_id_from_session(sid) == f"u{i}"

                await asyncio.gather(*(work(i) for i in range(8)))
                for i in range(8):
                    await store.destroy_sessions_for_user(f"u{i}")
            finally:
                await store.aclose()

    asyncio.run(main())


def test_unexpected_client_exceptions_become_backend_errors() -> None:
    class Broken(redis.Redis):
        def evalsha(self, *args: Any, **kwargs: Any) -> Any:
            raise AttributeError("'NoneType' object has no attribute 'writelines'")

    store = RedisSessions(Broken(), prefix="x:")
    with pytest.raises(SessionBackendError) as info:
        store.get_session("0" * 32 + "." + "A" * 43)  # type: ignore[arg-type]
    assert isinstance(info.value.__cause__, AttributeError)


def test_a_connection_dropped_before_the_write_is_retried_once(redis_server: Any) -> None:
    """The redis-py asyncio cluster race: a connection whose writer is gone
    fails before anything is written, so the store tries once more; any
    other client bug, or the same one twice, is a SessionBackendError."""

    class Flaky(redis.asyncio.Redis):
        failures = 0

        async def evalsha(self, *args: Any, **kwargs: Any) -> Any:
            if self.failures:
                self.failures -= 1
                None.writelines  # type: ignore[attr-defined]  # noqa: B018
            return await super().evalsha(*args, **kwargs)

    async def main() -> None:
        client: Any = Flaky.from_url(redis_server.url)
        store = AsyncRedisSessions(client, prefix="flaky:")
        client.failures = 1
        sid = await store.create_session(user_id="u", label="", meta={})
        client.failures = 1
        assert await store.get_user_id_from_session(sid) == "u"
        client.failures = 2
        with pytest.raises(SessionBackendError) as info:
            await store.get_session(sid)
        assert isinstance(info.value.__cause__, AttributeError)
        assert await store.destroy_sessions_for_user("u") == 1
        await close_async(client)

    asyncio.run(main())


def test_reads_between_touches_are_snapshots_on_a_cluster_too(redis_cluster: Any) -> None:
    # the snapshot goes to the primary serving the session's slot
    counter = Counter()
    client = RedisCluster.from_url(
        redis_cluster.url, connection_class=_counting(redis.Connection, counter)
    )
    clock = FakeClock()
    policy = SessionPolicy(idle_ttl=timedelta(minutes=30), touch_interval=timedelta(minutes=1))
    store = RedisSessions(client, prefix="peek-cluster:", policy=policy, clock=clock)
    users = [f"user-{i}" for i in range(12)]  # spread over every primary
    ids = {user: store.create_session(user_id=user, label="", meta={}) for user in users}
    clock.advance(timedelta(seconds=1))
    for user, sid in ids.items():
        counter.reset()
        assert store.get_user_id_from_session(sid) == user
        assert counter.both == (1, 2), user  # GET and ZSCORE
    clock.advance(timedelta(minutes=2))  # a touch is due: the script
    counter.reset()
    touched = store.get_session(ids[users[1]])
    assert touched is not None and touched.last_used_at == clock.now()
    assert counter.both == (1, 1)
    client.close()
