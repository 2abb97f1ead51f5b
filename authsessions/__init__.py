"""authsessions: typed server-side auth sessions with interchangeable stores.

Everything public is importable from here. Every store is imported on
first use, so importing this package (or a part of it, such as
``authsessions.web``) loads no store it does not use, and the stores that
need an optional extra (``RedisSessions`` needs ``authsessions[redis]``,
``SqlSessions`` ``authsessions[sql]``) are not needed for the rest;
touching one without its extra raises an ImportError naming the ``pip
install`` line. Store authors: see ``authsessions.kit``.
"""

import logging as _logging
from typing import TYPE_CHECKING as _TYPE_CHECKING
from typing import Any as _Any

from ._client import ClientInfo, IPAddress
from ._clock import Clock, SystemClock
from ._converter import make_converter
from ._errors import (
    AuthSessionsError,
    ConfigurationError,
    InvalidSessionDataError,
    LimitExceededError,
    SessionBackendError,
    StoredDataError,
)
from ._events import (
    AsyncHook,
    Hook,
    RevokeReason,
    SessionCreated,
    SessionEvent,
    SessionReauthenticated,
    SessionRevoked,
    SessionRotated,
    TheftSuspected,
)
from ._frames import aiter_dataframes, iter_dataframes
from ._headers import SessionUtils
from ._ids import SessionId
from ._policy import SessionPolicy
from ._protocols_async import AsyncSessions
from ._protocols_sync import Sessions
from ._render import escape_text
from ._session import Session, SessionList, SessionStats

if _TYPE_CHECKING:
    from .memory import AsyncInMemorySessions, InMemorySessions
    from .redis import (
        AsyncRedisSessions,
        EmbeddedRedis,
        RedisServerNotFound,
        RedisSessions,
        embedded_redis,
        embedded_redis_server,
    )
    from .sql import AsyncSqlSessions, SqlSessions

__all__ = [
    "AsyncHook",
    "AsyncInMemorySessions",
    "AsyncRedisSessions",
    "AsyncSessions",
    "AsyncSqlSessions",
    "AuthSessionsError",
    "ClientInfo",
    "Clock",
    "ConfigurationError",
    "EmbeddedRedis",
    "Hook",
    "IPAddress",
    "InMemorySessions",
    "InvalidSessionDataError",
    "LimitExceededError",
    "RedisServerNotFound",
    "RedisSessions",
    "RevokeReason",
    "Session",
    "SessionBackendError",
    "SessionCreated",
    "SessionEvent",
    "SessionId",
    "SessionList",
    "SessionPolicy",
    "SessionReauthenticated",
    "SessionRevoked",
    "SessionRotated",
    "SessionStats",
    "SessionUtils",
    "Sessions",
    "SqlSessions",
    "StoredDataError",
    "SystemClock",
    "TheftSuspected",
    "aiter_dataframes",
    "embedded_redis",
    "embedded_redis_server",
    "escape_text",
    "iter_dataframes",
    "make_converter",
]

# quiet unless the application configures logging: the loggers are
# "authsessions.<part>" (store, redis, sql, web), warnings only for what an
# operator must see, nothing at INFO or above on a request's path
_logging.getLogger("authsessions").addHandler(_logging.NullHandler())

# name -> the public module holding it, imported on first use (so that
# `import authsessions.web`, or any other part, loads no store it does not use)
_LAZY = {
    "AsyncInMemorySessions": "authsessions.memory",
    "InMemorySessions": "authsessions.memory",
    "AsyncRedisSessions": "authsessions.redis",
    "EmbeddedRedis": "authsessions.redis",
    "RedisServerNotFound": "authsessions.redis",
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
