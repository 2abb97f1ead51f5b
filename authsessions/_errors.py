"""The exception hierarchy: one root, structured attributes, no secrets.

Every message is built from the structured attributes only, and none of them
ever holds a SessionId or a secret: a message may be logged or shown.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator


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
        actual: the measured size (characters for labels, bytes of canonical
            JSON for meta and user ids).
    """

    def __init__(self, field: str, *, limit: int, actual: int, unit: str) -> None:
        self.limit = limit
        self.actual = actual
        super().__init__(field, f"{actual} {unit} is over the limit of {limit} {unit}")


class StoredDataError(AuthSessionsError):
    """A stored session no longer fits the declared types (for example after
    ``meta_type`` changed between deploys), or its record is not a record
    this library wrote (truncated, or of a foreign format).

    Attributes:
        session_key: the public key of the session (safe to log).
        field: ``"user_id"``, ``"label"``, ``"meta"`` or ``"record"``.
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
        backend: ``"redis"``, ``"sql"``, ...
        operation: the store method that failed.
        detail: the backend exception's type and message.
    """

    def __init__(self, backend: str, operation: str, detail: str) -> None:
        self.backend = backend
        self.operation = operation
        self.detail = detail
        super().__init__(f"{backend} backend failed during {operation}: {detail}")


@contextlib.contextmanager
def backend_errors(backend: str, operation: str) -> Iterator[None]:
    """Translate whatever the backend raises inside the block into
    ``SessionBackendError`` (the original chained as ``__cause__``).

    Every ``Exception`` counts: client-library bugs fail the call just as a
    refused connection does, and the caller must not read either as "logged
    out". ``AuthSessionsError`` passes through unchanged, and so does
    ``BaseException`` (cancellation, KeyboardInterrupt). A store's client
    calls go inside the block, its own decoding outside.

    Args:
        backend: the name stores report (``"redis"``, ``"sql"``).
        operation: the store method running.

    Raises:
        SessionBackendError: for any other exception raised in the block.
    """
    try:
        yield
    except AuthSessionsError:
        raise
    except Exception as err:
        raise SessionBackendError(backend, operation, describe_error(err)) from err


def describe_error(err: BaseException) -> str:
    """``"<Type>: <message>"`` of a backend exception, first line only (SQL
    drivers append the statement and its parameters on later lines)."""
    message = str(err).strip().splitlines()
    return f"{type(err).__name__}: {message[0]}" if message else type(err).__name__
