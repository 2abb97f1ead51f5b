"""authsessions: typed server-side auth sessions with interchangeable stores.

Everything public is importable from here. The stores that need an optional
extra (``RedisSessions`` needs ``authsessions[redis]``, ``SqlSessions``
``authsessions[sql]``) are imported on first use, so the rest works without
them; touching one without its extra raises an ImportError naming the
``pip install`` line. Store authors: see ``authsessions.kit``.
"""

from typing import TYPE_CHECKING as _TYPE_CHECKING
from typing import Any as _Any

from ._clock import Clock, SystemClock
from ._converter import make_converter
from ._errors import (
    AuthSessionsError,
    ConfigurationError,
    InvalidSessionDataError,
    LimitExceededError,
    RedisServerNotFound,
    SessionBackendError,
    StoredDataError,
)
from ._headers import SessionUtils
from ._ids import SessionId
from ._policy import SessionPolicy
from ._protocols import AsyncSessions, Sessions
from ._session import Session, SessionList, SessionStats
from .memory import AsyncInMemorySessions, InMemorySessions

if _TYPE_CHECKING:
    from .redis import (
        AsyncRedisSessions,
        EmbeddedRedis,
        RedisSessions,
        embedded_redis,
        embedded_redis_server,
    )
    from .sql import AsyncSqlSessions, SqlSessions

__all__ = [
    "AsyncInMemorySessions",
    "AsyncRedisSessions",
    "AsyncSessions",
    "AsyncSqlSessions",
    "AuthSessionsError",
    "Clock",
    "ConfigurationError",
    "EmbeddedRedis",
    "InMemorySessions",
    "InvalidSessionDataError",
    "LimitExceededError",
    "RedisServerNotFound",
    "RedisSessions",
    "Session",
    "SessionBackendError",
    "SessionId",
    "SessionList",
    "SessionPolicy",
    "SessionStats",
    "SessionUtils",
    "Sessions",
    "SqlSessions",
    "StoredDataError",
    "SystemClock",
    "embedded_redis",
    "embedded_redis_server",
    "make_converter",
]

# name -> the public module holding it, imported on first use
_LAZY = {
    "AsyncRedisSessions": "authsessions.redis",
    "EmbeddedRedis": "authsessions.redis",
    "RedisSessions": "authsessions.redis",
    "embedded_redis": "authsessions.redis",
    "embedded_redis_server": "authsessions.redis",
    "AsyncSqlSessions": "authsessions.sql",
    "SqlSessions": "authsessions.sql",
}


def __getattr__(name: str) -> _Any:
    if name in _LAZY:
        from importlib import import_module

        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
