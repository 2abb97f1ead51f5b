"""The exception hierarchy: one root, structured attributes, no secrets.

Every message is built from the structured attributes only, and none of them
ever holds a SessionId or a secret: a message may be logged or shown.
"""

from __future__ import annotations


class AuthSessionsError(Exception):
    """Root of every exception raised by authsessions."""


class ConfigurationError(AuthSessionsError, ValueError):
    """A store or policy was built with an invalid setting.

    Attributes:
        setting: the name of the offending keyword argument.
        reason: what is wrong with it.
    """

    def __init__(self, setting: str, reason: str) -> None:
        self.setting = setting
        self.reason = reason
        super().__init__(f"invalid setting {setting!r}: {reason}")


class InvalidSessionDataError(AuthSessionsError, ValueError):
    """A value handed to a store cannot be stored; nothing was stored.

    Attributes:
        field: ``"user_id"``, ``"label"`` or ``"meta"``.
        expected_type: a readable name of the declared type, if the problem
            is about the type.
        reason: what is wrong, without echoing the value.
    """

    def __init__(self, field: str, reason: str, *, expected_type: str | None = None) -> None:
        self.field = field
        self.reason = reason
        self.expected_type = expected_type
        where = f" (expected {expected_type})" if expected_type else ""
        super().__init__(f"invalid {field}{where}: {reason}")


class LimitExceededError(InvalidSessionDataError):
    """A value is larger than the policy allows; nothing was stored.

    Attributes:
        limit: the policy's limit.
        actual: the measured size (characters for labels, bytes for meta and
            user ids).
    """

    def __init__(self, field: str, *, limit: int, actual: int, unit: str) -> None:
        self.limit = limit
        self.actual = actual
        super().__init__(field, f"{actual} {unit} is over the limit of {limit} {unit}")


class StoredDataError(AuthSessionsError):
    """A stored session no longer fits the declared types (for example after
    ``meta_type`` changed between deploys).

    Attributes:
        session_key: the public key of the session (safe to log).
        field: ``"user_id"``, ``"meta"`` or ``"record"``.
        expected_type: a readable name of the declared type.
    """

    def __init__(self, session_key: str, field: str, expected_type: str) -> None:
        self.session_key = session_key
        self.field = field
        self.expected_type = expected_type
        super().__init__(f"stored {field} of session {session_key} does not fit {expected_type}")


class SessionBackendError(AuthSessionsError):
    """The storage backend failed (connection refused or reset, timeout,
    read-only replica, out of memory, ...).

    The session state is unknown: callers must not treat this as "logged out".
    The backend's own exception is chained as ``__cause__``.

    Attributes:
        backend: ``"redis"`` for the Redis stores.
        operation: the store method that failed.
    """

    def __init__(self, backend: str, operation: str, detail: str) -> None:
        self.backend = backend
        self.operation = operation
        self.detail = detail
        super().__init__(f"{backend} backend failed during {operation}: {detail}")
