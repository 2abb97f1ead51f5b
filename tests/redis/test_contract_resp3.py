"""Both Redis stores pass the contract over RESP3 (``protocol=3``), whose
replies are typed differently (maps, sets, doubles) from RESP2's.

The scripts and the store code are the ones the RESP2 classes run under the
full profile; what differs here is the reply parsing, which every example
exercises, so the short ``dev`` profile is enough (saves about 100 s)."""

from __future__ import annotations

from typing import Any

import pytest
from redis.asyncio.cluster import RedisCluster as AsyncRedisCluster
from redis.cluster import RedisCluster

from authsessions import AsyncRedisSessions, RedisSessions
from contract_tests import SessionsContract

from .helpers import close_async


def resp3(url: str) -> str:
    """``url`` asking redis-py for RESP3 (``from_url`` reads ``protocol``
    from the query), so each store owns, and closes, its client."""
    return url + ("&" if "?" in url else "?") + "protocol=3"


@pytest.mark.redis
class TestRedisSessionsOverResp3(SessionsContract):
    contract_profile = "dev"

    @pytest.fixture
    def sessions_factory(self, redis_server: Any) -> Any:
        def factory(namespace: str, clock: Any, **options: Any) -> Any:
            return RedisSessions.from_url(
                resp3(redis_server.url), prefix=namespace, clock=clock, **options
            )

        return factory


@pytest.mark.redis
class TestAsyncRedisSessionsOverResp3(SessionsContract):
    contract_profile = "dev"

    @pytest.fixture
    def sessions_factory(self, redis_server: Any) -> Any:
        def factory(namespace: str, clock: Any, **options: Any) -> Any:
            return AsyncRedisSessions.from_url(
                resp3(redis_server.url), prefix=namespace, clock=clock, **options
            )

        return factory


@pytest.mark.redis
def test_the_stores_really_speak_resp3(redis_server: Any) -> None:
    store = RedisSessions.from_url(resp3(redis_server.url))
    client: Any = store.client
    info = client.execute_command("CLIENT", "INFO")  # the server's view
    assert "resp=3" in (info.decode() if isinstance(info, bytes) else str(info))
    store.close()


@pytest.mark.redis_cluster
def test_a_cluster_over_resp3(redis_cluster: Any) -> None:
    client = RedisCluster.from_url(redis_cluster.url, protocol=3)
    store = RedisSessions(client, prefix="resp3:")
    sids = [store.create_session(user_id=f"u{i}", label="l", meta={"i": i}) for i in range(30)]
    assert store.get_user_id_from_session(sids[0]) == "u0"
    assert len(store.get_sessions_for_user("u1")) == 1
    assert store.stats().sessions == 30 and len(list(store.iter_sessions())) == 30
    assert store.destroy_sessions_for_user("u2") == 1 and store.prune() == 0
    client.close()


@pytest.mark.redis_cluster
def test_an_asyncio_cluster_over_resp3(redis_cluster: Any) -> None:
    import asyncio

    async def main() -> None:
        client = AsyncRedisCluster.from_url(redis_cluster.url, protocol=3)
        store = AsyncRedisSessions(client, prefix="aresp3:")
        sid = await store.create_session(user_id="u", label="l", meta={})
        assert (await store.get_session(sid)) is not None
        assert (await store.stats()).sessions == 1
        await close_async(client)

    asyncio.run(main())
