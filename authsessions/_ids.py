"""Session ids: ``<key>.<secret>``, and what a store keeps of them.

The key is 32 lowercase hex digits: 16 derived from the user id (the user
tag, so a store can find the user's index from a SessionId alone, and Redis
can put every key of one user in one hash slot) followed by 16 random ones.
The secret is 256 random bits, 43 characters of unpadded base64url; stores
keep only its SHA-256 and compare it in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from typing import NamedTuple, NewType

SessionId = NewType("SessionId", str)
"""The opaque credential a client presents. Treat it as a password."""

TAG_LENGTH = 16
LOCAL_LENGTH = 16
KEY_LENGTH = TAG_LENGTH + LOCAL_LENGTH
SECRET_LENGTH = 43  # token_urlsafe(32): 256 bits in unpadded base64url
SESSION_ID_LENGTH = KEY_LENGTH + 1 + SECRET_LENGTH

_SESSION_ID = re.compile(rf"([0-9a-f]{{{KEY_LENGTH}}})\.([A-Za-z0-9_-]{{{SECRET_LENGTH}}})")
_KEY = re.compile(rf"[0-9a-f]{{{KEY_LENGTH}}}")


class ParsedSessionId(NamedTuple):
    """A well-formed SessionId split into its halves (a NamedTuple: reads
    are hot paths, and a tuple is the cheapest record Python builds).

    The repr hides the secret so that a stray log line cannot leak it.
    """

    key: str
    secret: str

    @property
    def tag(self) -> str:
        """The user tag: the first half of the key."""
        return self.key[:TAG_LENGTH]

    @property
    def local(self) -> str:
        """The random, per-session half of the key."""
        return self.key[TAG_LENGTH:]

    def secret_hash(self) -> bytes:
        """SHA-256 of the secret, the only form a store keeps."""
        return hashlib.sha256(self.secret.encode("ascii")).digest()

    def secret_hash_hex(self) -> str:
        """The same, as 64 lowercase hex digits."""
        return hashlib.sha256(self.secret.encode("ascii")).hexdigest()

    def session_id(self) -> SessionId:
        """The SessionId text (``<key>.<secret>``)."""
        return SessionId(f"{self.key}.{self.secret}")

    def rotated(self) -> ParsedSessionId:
        """The same key with a fresh secret (what ``rotate_session`` issues)."""
        return ParsedSessionId(self.key, new_secret())

    def __repr__(self) -> str:
        return f"ParsedSessionId(key={self.key!r}, secret=<hidden>)"

    def __str__(self) -> str:
        return repr(self)


def parse_session_id(value: object) -> ParsedSessionId | None:
    """Split a SessionId, or return None for anything malformed.

    Cheap on purpose: the length check runs before the regex, so a hostile
    megabyte-long header costs nothing, and no store is ever asked about a
    malformed id. Never raises.
    """
    if not isinstance(value, str) or len(value) != SESSION_ID_LENGTH:
        return None
    match = _SESSION_ID.fullmatch(value)
    if match is None:
        return None
    return ParsedSessionId(*match.groups())


def is_session_key(value: object) -> bool:
    """True for a string of the public-key format (32 lowercase hex digits)."""
    return (
        isinstance(value, str) and len(value) == KEY_LENGTH and _KEY.fullmatch(value) is not None
    )


def user_tag(user_json: str) -> str:
    """The 16-hex-digit tag of a user, from the user id's canonical JSON.

    64 bits: two users collide only by chance (about one pair in four
    billion users); stores check the stored user id anyway, so a collision
    costs speed, never correctness.
    """
    digest = hashlib.sha256(b"authsessions-user\x00" + user_json.encode("utf-8")).digest()
    return digest[: TAG_LENGTH // 2].hex()


def mint_session_id(tag: str) -> ParsedSessionId:
    """A fresh SessionId for a user tag: the tag, 64 random bits, a 256-bit
    secret. ``.session_id()`` gives the text to hand to the client."""
    return ParsedSessionId(tag + secrets.token_hex(LOCAL_LENGTH // 2), new_secret())


def new_secret() -> str:
    """256 random bits from ``secrets``, base64url without padding."""
    return secrets.token_urlsafe(32)


def hash_secret_hex(secret: str) -> str:
    """SHA-256 of a secret as 64 hex digits."""
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def secret_matches(stored_hash: bytes | str, parsed: ParsedSessionId) -> bool:
    """Constant-time comparison of a stored hash with a presented secret.

    ``stored_hash`` is what ``parsed.secret_hash()`` gave at creation: the
    32 bytes, or as 64 hex digits (``.hex()``) for a backend that keeps
    text. Anything else never matches.
    """
    if isinstance(stored_hash, str):
        try:
            stored_hash = bytes.fromhex(stored_hash)
        except ValueError:
            return False
    return hmac.compare_digest(stored_hash, parsed.secret_hash())
