"""Both Redis stores pass the same contract on a 3-primary Redis Cluster."""

from __future__ import annotations

from typing import Any

import pytest
from redis.asyncio.cluster import RedisCluster as AsyncRedisCluster
from redis.cluster import RedisCluster

from authsessions import AsyncRedisSessions, RedisSessions
from contract_tests import SessionsContract

pytestmark = pytest.mark.redis_cluster


class TestRedisSessionsOnCluster(SessionsContract):
    # the sync twin is generated from the asyncio store (`scripts/unasync.py
    # --check` proves it token for token): the full profile runs on the
    # source, the twin runs every example rule and a short state machine
    contract_profile = "dev"

    @pytest.fixture
    def sessions_factory(self, redis_cluster: Any) -> Any:
        def factory(namespace: str, clock: Any, **options: Any) -> Any:
            return RedisSessions.from_url(
                redis_cluster.url, cluster=True, prefix=namespace, clock=clock, **options
            )

        return factory


class TestAsyncRedisSessionsOnCluster(SessionsContract):
    @pytest.fixture
    def sessions_factory(self, redis_cluster: Any) -> Any:
        def factory(namespace: str, clock: Any, **options: Any) -> Any:
            return AsyncRedisSessions.from_url(
                redis_cluster.url, cluster=True, prefix=namespace, clock=clock, **options
            )

        return factory


def test_cluster_clients_are_accepted_unchanged(redis_cluster: Any) -> None:
    sync_client = RedisCluster.from_url(redis_cluster.url)
    store = RedisSessions(sync_client, prefix="accept:")
    sid = store.create_session(user_id="u", label="", meta={})
    assert store.get_user_id_from_session(sid) == "u"
    assert store.destroy_session(sid)
    sync_client.close()
    assert isinstance(
        AsyncRedisSessions.from_url(redis_cluster.url, cluster=True).client, AsyncRedisCluster
    )
