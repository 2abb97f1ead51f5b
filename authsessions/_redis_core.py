"""Everything the Redis stores do that is not I/O: key names, script
arguments, parsing replies, translating errors. Both twins call this."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any, Generic, TypeVar

import attrs

from ._codec import Codec, dumps, expires_ms, type_name
from ._errors import ConfigurationError, SessionBackendError, StoredDataError
from ._ids import (
    TAG_LENGTH,
    ParsedSessionId,
    SessionId,
    new_session_id,
    user_tag,
)
from ._repr import SessionList
from ._session import Session

U = TypeVar("U")
M = TypeVar("M")

DEFAULT_PREFIX = "authsessions:"
_GLOB = "*?[]\\"


def check_prefix(prefix: object) -> str:
    """A valid key prefix.

    Raises:
        ConfigurationError: not a str, or holding a brace (the only hash tag
            in a key must be the user's) or a newline.
    """
    if not isinstance(prefix, str):
        raise ConfigurationError("prefix", "must be a str")
    if any(ch in prefix for ch in "{}\r\n"):
        raise ConfigurationError("prefix", "must not contain braces or newlines")
    return prefix


def check_grace(grace: object) -> int:
    """The garbage-collection grace in ms.

    Raises:
        ConfigurationError: not a non-negative timedelta.
    """
    if not isinstance(grace, timedelta) or grace < timedelta(0):
        raise ConfigurationError("gc_grace", "must be a non-negative timedelta")
    return grace // timedelta(milliseconds=1)


def glob_escape(text: str) -> str:
    """``text`` as a literal inside a SCAN MATCH pattern."""
    return "".join("\\" + ch if ch in _GLOB else ch for ch in text)


def text(value: Any) -> str:
    """A reply value as str, whatever ``decode_responses`` is."""
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


@attrs.frozen
class RedisLayout(Generic[U, M]):
    """Key names and reply parsing for one prefix and one codec."""

    prefix: str
    codec: Codec[U, M]
    grace_ms: int

    # -- keys ----------------------------------------------------------------

    def base(self, tag: str) -> str:
        return f"{self.prefix}{{{tag}}}:"

    def record_key(self, key: str) -> str:
        return f"{self.base(key[:TAG_LENGTH])}s:{key[TAG_LENGTH:]}"

    def index_key(self, tag: str) -> str:
        return f"{self.base(tag)}u"

    def keys_of(self, key: str) -> list[str]:
        return [self.record_key(key), self.index_key(key[:TAG_LENGTH])]

    def index_pattern(self) -> str:
        return f"{glob_escape(self.prefix)}{{*}}:u"

    def record_pattern(self) -> str:
        return f"{glob_escape(self.prefix)}{{*}}:s:*"

    def index_of_record(self, record_key: str) -> tuple[str, str]:
        """The index key and member of a record key."""
        base, _, member = record_key.rpartition(":s:")
        return f"{base}:u", member

    def tag_of_index(self, index_key: str) -> str:
        start = len(self.prefix) + 1
        return index_key[start : start + TAG_LENGTH]

    # -- arguments -------------------------------------------------------------

    @property
    def idle(self) -> int:
        return self.codec.policy.idle_ttl_ms

    def new_record(
        self, user_json: str, label: str, meta_json: str, now: int
    ) -> tuple[SessionId, ParsedSessionId, list[Any]]:
        """A fresh SessionId and the create script's ARGV."""
        policy = self.codec.policy
        session_id, parsed = new_session_id(user_tag(user_json))
        absolute = now + policy.absolute_ttl_ms
        value = "\n".join(
            [
                parsed.secret_hash_hex(),
                str(absolute),
                str(now),
                user_json,
                dumps(label),
                meta_json,
            ]
        )
        args = [
            now,
            value,
            parsed.local,
            absolute,
            self.idle,
            policy.max_sessions_per_user or 0,
            self.grace_ms,
            user_json,
        ]
        return session_id, parsed, args

    # -- replies ---------------------------------------------------------------

    def session(self, key: str, record: Any, last_used: Any) -> Session[U, M]:
        """Build a Session from a record (without its hash line).

        Raises:
            StoredDataError: the record is malformed or no longer fits.
        """
        try:
            absolute, created, user_json, label_json, meta_json = text(record).split("\n")
            absolute_ms, created_ms, last_ms = int(absolute), int(created), int(last_used)
        except ValueError as err:
            raise StoredDataError(key, "record", "an authsessions record") from err
        return self.codec.session(
            key=key,
            user_json=user_json,
            label=None,
            label_json=label_json,
            meta_json=meta_json,
            created_ms=created_ms,
            last_used_ms=last_ms,
            expires_ms=expires_ms(absolute_ms, last_ms, self.idle),
        )

    def user_json_of(self, record: Any) -> Any:
        """The user id's JSON (bytes or str, as the reply came) of a record."""
        sep = b"\n" if isinstance(record, bytes) else "\n"
        return record.split(sep, 3)[2]

    def listing(self, tag: str, reply: list[Any]) -> list[Session[U, M]]:
        """Sessions from a list_user reply, in the reply's order.

        All records are JSON-decoded in one ``json.loads`` (a listing of
        1,000 sessions is one call, not 3,000); a record that does not parse
        is then found on the slow path and named in the StoredDataError.
        """
        try:
            heads, parts = [], []
            for i in range(1, len(reply), 3):
                absolute, created, user_json, label_json, meta_json = text(reply[i]).split("\n")
                heads.append((int(absolute), int(created), int(reply[i + 1])))
                parts.append(f"[{user_json},{label_json},{meta_json}]")
            decoded = json.loads(f"[{','.join(parts)}]")
        except ValueError:
            # one record is broken: the per-record path raises, naming it
            for i in range(0, len(reply), 3):
                self.session(tag + text(reply[i]), reply[i + 1], reply[i + 2])
            raise  # pragma: no cover - the loop above raised
        idle = self.idle
        return SessionList(
            self.codec.build(
                tag + text(reply[3 * n]),
                user,
                label,
                meta,
                created,
                last,
                expires_ms(absolute, last, idle),
            )
            for n, ((user, label, meta), (absolute, created, last)) in enumerate(
                zip(decoded, heads, strict=True)
            )
        )


def backend_error(operation: str, err: BaseException) -> SessionBackendError:
    """The SessionBackendError for a client exception (chain it with ``from``)."""
    return SessionBackendError("redis", operation, f"{type(err).__name__}: {err}")


def describe(name: str, layout: RedisLayout[Any, Any], client: Any) -> str:
    """A short, I/O-free repr of a store."""
    return (
        f"{name}(prefix={layout.prefix!r}, user_id_type={type_name(layout.codec.user_id_type)}, "
        f"meta_type={type_name(layout.codec.meta_type)}, client={type(client).__name__})"
    )
