"""The Redis record format, written and read here and nowhere else in
Python (``lua/_prelude.lua`` is its Lua reader).

A record is one string of six lines::

    sha256(secret) hex (64 chars)
    absolute expiry (ms)
    created (ms)
    user id JSON
    label JSON
    meta JSON

JSON is canonical (ASCII-only), so no field holds a raw newline. Scripts
return a record without its hash line (the *tail*: five lines), and the
last use, which lives in the user's index, beside it.
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

from authsessions.kit import Codec, SessionList, SessionPolicy, StoredDataError, dumps
from authsessions.kit import Session as _Session

U = TypeVar("U")
M = TypeVar("M")

HASH_LENGTH = 64
BAD = b"bad"
"""What a script returns for a record that is not one (see the prelude)."""


def format_record(
    secret_hash_hex: str,
    absolute_ms: int,
    created_ms: int,
    user_json: str,
    label: str,
    meta_json: str,
) -> str:
    """The stored value of a new session."""
    return "\n".join(
        (secret_hash_hex, str(absolute_ms), str(created_ms), user_json, dumps(label), meta_json)
    )


def _text(value: Any) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def _malformed(key: str) -> StoredDataError:
    return StoredDataError(key, "record", "an authsessions record")


def is_bad(reply: Any) -> bool:
    """Whether a script reported a malformed record (``"bad"`` or ``{"bad"}``)."""
    if isinstance(reply, list):
        return len(reply) == 1 and _text(reply[0]) == "bad"
    return reply is not None and not isinstance(reply, int) and _text(reply) == "bad"


def split_tail(key: str, tail: Any) -> list[str]:
    """The five lines of a record's tail.

    Raises:
        StoredDataError: it does not have five lines.
    """
    lines = _text(tail).split("\n")
    if len(lines) != 5:
        raise _malformed(key)
    return lines


def user_json_of(key: str, tail: Any) -> str:
    """The user id JSON of a record's tail."""
    return split_tail(key, tail)[2]


def meta_json_of(key: str, tail: Any) -> str:
    """The meta JSON of a record's tail."""
    return split_tail(key, tail)[4]


def session(
    codec: Codec[U, M], policy: SessionPolicy, key: str, tail: Any, last_used: Any
) -> _Session[U, M]:
    """The Session of one record tail and its last use.

    Raises:
        StoredDataError: the record is malformed or no longer fits the types.
    """
    absolute, created, user_json, label_json, meta_json = split_tail(key, tail)
    try:
        absolute_ms, created_ms, last_ms = int(absolute), int(created), int(last_used)
        user, label, meta = json.loads(f"[{user_json},{label_json},{meta_json}]")
    except ValueError as err:
        raise _malformed(key) from err
    return codec.build(
        key, user, label, meta, created_ms, last_ms, policy.expires_ms(absolute_ms, last_ms)
    )


def listing(
    codec: Codec[U, M], policy: SessionPolicy, tag: str, reply: list[Any]
) -> SessionList[U, M]:
    """Sessions from a ``list_user`` reply ``[member, tail, last use, ...]``,
    in the reply's order.

    Every record is JSON-decoded in one ``json.loads`` (a listing of 1,000
    sessions is one call, not 3,000); if that fails, the per-record path
    finds the broken record and names it.

    Raises:
        StoredDataError: a record no longer fits the types.
    """
    heads, parts = [], []
    try:
        for i in range(0, len(reply), 3):
            tail = reply[i + 1]
            absolute, created, user_json, label_json, meta_json = (
                tail.decode("utf-8") if isinstance(tail, bytes) else tail
            ).split("\n")
            heads.append((int(absolute), int(created), int(reply[i + 2])))
            parts.append(f"[{user_json},{label_json},{meta_json}]")
        decoded = json.loads(f"[{','.join(parts)}]")
    except ValueError:
        for i in range(0, len(reply), 3):
            session(codec, policy, tag + _text(reply[i]), reply[i + 1], reply[i + 2])
        raise  # pragma: no cover - the loop above raised
    build, expires = codec.build, policy.expires_ms
    return SessionList(
        build(tag + _text(reply[3 * n]), user, label, meta, created, last, expires(absolute, last))
        for n, ((user, label, meta), (absolute, created, last)) in enumerate(
            zip(decoded, heads, strict=True)
        )
    )
