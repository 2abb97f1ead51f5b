"""Both Redis stores pass the contract over both protocols redis-py speaks,
RESP2 and RESP3, whose replies are typed differently (RESP3 has maps, sets
and doubles).

``test_contract.py`` runs the full profile over the protocol the installed
redis-py speaks by default: RESP3 from redis-py 8 on, RESP2 before. The
classes here run the other one, so every matrix leg covers both. The
scripts and the store code are the ones the full profile already runs; what
differs is the reply parsing, which every example exercises, so the short
``dev`` profile is enough (saves about 100 s)."""

from __future__ import annotations

import asyncio
import functools
from typing import Any

import pytest
import redis
from redis.asyncio.cluster import RedisCluster as AsyncRedisCluster
from redis.cluster import RedisCluster

from authsessions import AsyncRedisSessions, RedisSessions
from contract_tests import SessionsContract

from .helpers import close_async

PROTOCOLS = (2, 3)


def with_protocol(url: str, protocol: int) -> str:
    """``url`` asking redis-py for ``protocol`` (``from_url`` reads it from
    the query), so each store owns, and closes, its client."""
    return url + ("&" if "?" in url else "?") + f"protocol={protocol}"


def negotiated_protocol(client: Any) -> int:
    """The protocol the server says this connection speaks: HELLO without a
    version reports it on Redis 6.2+ (CLIENT INFO shows it only from 7.0)."""
    reply = client.execute_command("HELLO")
    if isinstance(reply, list):  # RESP2 has no maps: a flat key, value list
        reply = dict(zip(reply[::2], reply[1::2], strict=True))
    return int(reply[b"proto"])


@functools.cache
def default_protocol(url: str) -> int:
    """What a client built without ``protocol`` speaks (redis-py's default)."""
    client = redis.Redis.from_url(url)
    try:
        return negotiated_protocol(client)
    finally:
        client.close()


@pytest.fixture
def other_url(redis_server: Any) -> str:
    """The server's URL asking for the protocol ``test_contract.py`` does not run."""
    return with_protocol(redis_server.url, 5 - default_protocol(redis_server.url))


@pytest.mark.redis
class TestRedisSessionsOverTheOtherProtocol(SessionsContract):
    contract_profile = "dev"

    @pytest.fixture
    def sessions_factory(self, other_url: str) -> Any:
        def factory(namespace: str, clock: Any, **options: Any) -> Any:
            return RedisSessions.from_url(other_url, prefix=namespace, clock=clock, **options)

        return factory


@pytest.mark.redis
class TestAsyncRedisSessionsOverTheOtherProtocol(SessionsContract):
    contract_profile = "dev"

    @pytest.fixture
    def sessions_factory(self, other_url: str) -> Any:
        def factory(namespace: str, clock: Any, **options: Any) -> Any:
            return AsyncRedisSessions.from_url(other_url, prefix=namespace, clock=clock, **options)

        return factory


@pytest.mark.redis
def test_the_other_protocol_is_the_one_the_default_does_not_speak(
    redis_server: Any, other_url: str
) -> None:
    store = RedisSessions.from_url(other_url)
    assert {negotiated_protocol(store.client), default_protocol(redis_server.url)} == {2, 3}
    store.close()


@pytest.mark.redis
@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_from_url_speaks_the_protocol_it_is_asked_for(redis_server: Any, protocol: int) -> None:
    store = RedisSessions.from_url(with_protocol(redis_server.url, protocol))
    assert negotiated_protocol(store.client) == protocol
    store.close()


@pytest.mark.redis_cluster
@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_cluster_over_each_protocol(redis_cluster: Any, protocol: int) -> None:
    client = RedisCluster.from_url(redis_cluster.url, protocol=protocol)
    store = RedisSessions(client, prefix=f"resp{protocol}:")
    sids = [store.create_session(user_id=f"u{i}", label="l", meta={"i": i}) for i in range(30)]
    assert store.get_user_id_from_session(sids[0]) == "u0"
    assert len(store.get_sessions_for_user("u1")) == 1
    assert store.stats().sessions == 30 and len(list(store.iter_sessions())) == 30
    assert store.destroy_sessions_for_user("u2") == 1 and store.prune() == 0
    client.close()


@pytest.mark.redis_cluster
@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_an_asyncio_cluster_over_each_protocol(redis_cluster: Any, protocol: int) -> None:
    async def main() -> None:
        client = AsyncRedisCluster.from_url(redis_cluster.url, protocol=protocol)
        store = AsyncRedisSessions(client, prefix=f"aresp{protocol}:")
        sid = await store.create_session(user_id="u", label="l", meta={})
        assert (await store.get_session(sid)) is not None
        assert (await store.stats()).sessions == 1
        await close_async(client)

    asyncio.run(main())
