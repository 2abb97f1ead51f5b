"""Helpers for carrying a SessionId in an HTTP ``Authorization`` header."""

from __future__ import annotations

from ._ids import SESSION_ID_LENGTH, SessionId, parse_session_id

# generous enough for "Bearer" plus any sane amount of surrounding blanks,
# small enough that a hostile header is dropped before any real work
_MAX_HEADER_LENGTH = SESSION_ID_LENGTH + 64


class SessionUtils:
    """Helpers between an Authorization header and a SessionId, as static
    methods (the names of the TypeScript library this one ports)."""

    @staticmethod
    def get_session_id_from_auth_token(header: str | None) -> SessionId | None:
        """Extract the SessionId from an ``Authorization`` header value.

        Accepts ``Bearer <id>`` with a case-insensitive scheme, surrounding
        whitespace, or the bare id.

        Returns:
            The SessionId, or None for None, a non-string, another scheme or
            any malformed id. Never raises.
        """
        if not isinstance(header, str) or len(header) > _MAX_HEADER_LENGTH:
            return None
        parts = header.split()
        if len(parts) == 2 and parts[0].lower() == "bearer":
            candidate = parts[1]
        elif len(parts) == 1:
            candidate = parts[0]
        else:
            return None
        return SessionUtils.to_session_id(candidate)

    @staticmethod
    def get_auth_token_for_session_id(session_id: SessionId) -> str:
        """The ``Authorization`` header value for a SessionId.

        Raises:
            ValueError: if ``session_id`` is not a well-formed SessionId (the
                message does not echo it).
        """
        if parse_session_id(session_id) is None:
            raise ValueError("not a well-formed SessionId")
        return f"Bearer {session_id}"

    @staticmethod
    def to_session_id(raw: str | None) -> SessionId | None:
        """Check a raw string's format and type it as a SessionId.

        Returns:
            The SessionId, or None if malformed. Never raises. This checks the
            format only; whether the session exists is the store's question.
        """
        if raw is None or parse_session_id(raw) is None:
            return None
        return SessionId(raw)
