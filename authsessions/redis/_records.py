"""The Redis record format, written and read here and nowhere else in
Python (``lua/_prelude.lua`` is its Lua reader).

A record is one string of ten lines::

    sha256(secret) hex (64 chars)
    absolute expiry (ms)
    created (ms)
    user id JSON
    label JSON
    meta JSON
    authenticated (ms)
    details JSON
    last-use address JSON (null or a string)
    previous secrets ("" or "<sha256 hex>@<ms>,...")

or of the first six only (written before sign-in details; read as signed
in at creation, no details, no last-use address, nothing rotated away, and
rewritten as ten lines by a script that changes it). JSON is canonical
(ASCII-only), so no field holds a raw newline. Scripts return lines 2 to 9
(the *tail*: eight lines), and the last use, which lives in the user's
index, beside it.
"""

from __future__ import annotations

import json
import logging
from typing import Any, TypeVar

from authsessions.kit import Codec, SessionList, SessionPolicy, StoredDataError, dumps
from authsessions.kit import Session as _Session

_log = logging.getLogger("authsessions.redis")

U = TypeVar("U")
M = TypeVar("M")


def format_record(
    secret_hash_hex: str,
    absolute_ms: int,
    created_ms: int,
    user_json: str,
    label: str,
    meta_json: str,
    details_json: str = "{}",
) -> str:
    """The stored value of a new session (signed in at its creation)."""
    created = str(created_ms)
    return "\n".join(
        (
            secret_hash_hex,
            str(absolute_ms),
            created,
            user_json,
            dumps(label),
            meta_json,
            created,
            details_json,
            "null",
            "",
        )
    )


def as_text(value: Any) -> str:
    """A reply as str (replies are bytes unless the client decodes them)."""
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def _malformed(key: str) -> StoredDataError:
    return StoredDataError(key, "record", "an authsessions record")


def is_bad(reply: Any) -> bool:
    """Whether a script reported a malformed record (``"bad"`` or ``{"bad"}``)."""
    if isinstance(reply, list):
        return len(reply) == 1 and as_text(reply[0]) == "bad"
    return reply is not None and not isinstance(reply, int) and as_text(reply) == "bad"


def split_tail(key: str, tail: Any) -> list[str]:
    """The eight lines of a record's tail.

    Raises:
        StoredDataError: it has not eight lines.
    """
    lines = as_text(tail).split("\n")
    if len(lines) != 8:
        raise _malformed(key)
    return lines


def user_json_of(key: str, tail: Any) -> str:
    """The user id JSON of a record's tail."""
    return split_tail(key, tail)[2]


def meta_json_of(key: str, tail: Any) -> str:
    """The meta JSON of a record's tail."""
    return split_tail(key, tail)[4]


def record_parts(value: Any) -> tuple[str, int, str] | None:
    """A stored value read as it is (not through a script): the secret's
    hash, the absolute expiry and the tail a read script would return (a
    six-line record's defaults filled in, as ``shown`` in the prelude
    does); None for anything but a plain record, which a script then reads
    (and reports as malformed).
    """
    if not isinstance(value, (bytes, str)):
        return None
    try:
        text = as_text(value)
    except UnicodeDecodeError:
        return None
    lines = text.split("\n")
    size = len(lines)
    if size not in (6, 10) or len(lines[0]) != 64 or not lines[3] or "" in lines[6:9]:
        return None
    absolute = lines[1]
    if not (absolute.isascii() and absolute.isdigit()):
        return None
    tail = "\n".join(lines[1:9]) if size == 10 else "\n".join(lines[1:]) + "\nnull\n{}\nnull"
    return lines[0], int(absolute), tail


def session(
    codec: Codec[U, M], policy: SessionPolicy, key: str, tail: Any, last_used: Any
) -> _Session[U, M]:
    """The Session of one record tail and its last use.

    Raises:
        StoredDataError: the record is malformed or no longer fits the types.
    """
    absolute, created, user_json, label_json, meta_json, auth, details_json, ip = split_tail(
        key, tail
    )
    try:
        absolute_ms, created_ms, last_ms = int(absolute), int(created), int(last_used)
        user, label, meta, auth_ms, details, last_ip = json.loads(
            f"[{user_json},{label_json},{meta_json},{auth},{details_json},{ip}]"
        )
    except ValueError as err:
        raise _malformed(key) from err
    return codec.build(
        key,
        user,
        label,
        meta,
        created_ms,
        last_ms,
        policy.expires_ms(absolute_ms, last_ms),
        authenticated_ms=auth_ms,
        details=details,
        last_ip=last_ip,
    )


def listing(codec: Codec[U, M], tag: str, reply: list[Any]) -> SessionList[U, M]:
    """Sessions from a ``list_user`` reply (a string per session, eight
    lines of JSON each), in the reply's order: the reply becomes one flat
    JSON array with a join and a replace, and is parsed in one call.

    A trailing integer counts the malformed records the script skipped: an
    operator hears of them (``authsessions.redis``, WARNING).

    Raises:
        StoredDataError: a record no longer fits the types, or one of its
            fields is not the JSON this library wrote (the error names it).
    """
    if reply and isinstance(reply[-1], int):
        skipped, reply = reply[-1], reply[:-1]
        _log.warning(
            "user tag %s: a listing skipped %d malformed session record(s) (not written by "
            "authsessions, or damaged); prune removes them",
            tag,
            skipped,
        )
    if not reply:
        return SessionList()
    if isinstance(reply[0], bytes):
        document: bytes | str = b"[" + b"\n".join(reply).replace(b"\n", b",") + b"]"
    else:  # a client with decode_responses=True
        document = "[" + "\n".join(reply).replace("\n", ",") + "]"
    try:
        flat = json.loads(document)
        if len(flat) != 8 * len(reply):
            raise ValueError("a record with a field too many or too few")
    except ValueError:
        for row in reply:
            text = as_text(row)
            try:
                fields = json.loads("[" + text.replace("\n", ",") + "]")
            except ValueError as err:
                raise _malformed(tag + text[1:17]) from err
            if len(fields) != 8:
                raise _malformed(tag + text[1:17]) from None
        raise  # pragma: no cover - one row failed above
    # [member, last use, absolute, created, user, label, meta, sign-in] * n
    rows = zip(
        flat[0::8],
        flat[2::8],
        flat[3::8],
        flat[1::8],
        flat[4::8],
        flat[5::8],
        flat[6::8],
        flat[7::8],
        strict=True,
    )
    return codec.sessions(rows, key_prefix=tag)
