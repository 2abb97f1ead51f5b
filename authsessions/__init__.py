"""authsessions: typed server-side auth sessions with interchangeable stores.

Everything public is imported here; every other module is private.
"""

from typing import TYPE_CHECKING as _TYPE_CHECKING
from typing import Any as _Any

from ._clock import Clock, SystemClock
from ._converter import make_converter
from ._embedded import RedisServerNotFound, embedded_redis, embedded_redis_server
from ._errors import (
    AuthSessionsError,
    ConfigurationError,
    InvalidSessionDataError,
    LimitExceededError,
    SessionBackendError,
    StoredDataError,
)
from ._ids import SessionId
from ._memory import AsyncInMemorySessions, InMemorySessions
from ._policy import SessionPolicy
from ._protocols import AsyncSessions, Sessions
from ._session import Session
from ._utils import SessionUtils

if _TYPE_CHECKING:
    from ._redis_async import AsyncRedisSessions
    from ._redis_sync import RedisSessions

__all__ = [
    "AsyncInMemorySessions",
    "AsyncRedisSessions",
    "AsyncSessions",
    "AuthSessionsError",
    "Clock",
    "ConfigurationError",
    "InMemorySessions",
    "InvalidSessionDataError",
    "LimitExceededError",
    "RedisServerNotFound",
    "RedisSessions",
    "Session",
    "SessionBackendError",
    "SessionId",
    "SessionPolicy",
    "SessionUtils",
    "Sessions",
    "StoredDataError",
    "SystemClock",
    "embedded_redis",
    "embedded_redis_server",
    "make_converter",
]

# The Redis stores need the optional `redis` package (`pip install
# authsessions[redis]`): they are imported on first use, so that the rest of
# the library works without it.
_LAZY = {"AsyncRedisSessions": "._redis_async", "RedisSessions": "._redis_sync"}


def __getattr__(name: str) -> _Any:
    if name in _LAZY:
        from importlib import import_module

        value = getattr(import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
