"""authsessions: typed server-side auth sessions with interchangeable stores.

Everything public is imported here; every other module is private.
"""

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
from ._ids import SessionId
from ._memory import AsyncInMemorySessions, InMemorySessions
from ._policy import SessionPolicy
from ._protocols import AsyncSessions, Sessions
from ._session import Session
from ._utils import SessionUtils

__all__ = [
    "AsyncInMemorySessions",
    "AsyncSessions",
    "AuthSessionsError",
    "Clock",
    "ConfigurationError",
    "InMemorySessions",
    "InvalidSessionDataError",
    "LimitExceededError",
    "Session",
    "SessionBackendError",
    "SessionId",
    "SessionPolicy",
    "SessionUtils",
    "Sessions",
    "StoredDataError",
    "SystemClock",
    "make_converter",
]
