"""Key names: where a store's records, indexes and registries live.

For a prefix ``P`` and a user tag ``T`` (the first half of every session key
of that user)::

    P{T}:s:<rest of key>   the record of one session
    P{T}:u                 the user's last-use index (ZSET)
    P{T}:x                 the user's expiry index (ZSET)
    P{R}:r                 the registry of the hash slot T falls in (HASH)
    P:slots                a bitmap of the slots holding a registry (standalone only)
    Playout                the layout marker (no hash tag)

``R`` is a 3-character tag chosen to hash to the same Cluster slot as ``T``
(``slot_tags.txt``), so a script updating a user can update its slot's
registry atomically, and the admin paths (``iter_sessions``, ``prune``,
``stats``) walk the registries instead of SCANning a database that may hold
millions of other keys. On a standalone server the same scripts also keep a
bitmap of the slots that hold a registry, so the walk visits those only; a
cluster script cannot span slots, so a cluster walks all 16,384.
"""

from __future__ import annotations

import binascii
import functools
from datetime import timedelta
from importlib.resources import files

import attrs

from authsessions.kit import TAG_LENGTH, ConfigurationError

DEFAULT_PREFIX = "authsessions:"
SLOTS = 16384
LAYOUT_VERSION = "2"


@functools.cache
def slot_tags() -> str:
    """For each Cluster hash slot, 3 characters that hash to it, concatenated."""
    table = files("authsessions.redis").joinpath("slot_tags.txt").read_text("ascii").strip()
    if len(table) != 3 * SLOTS:
        raise RuntimeError("authsessions/redis/slot_tags.txt is damaged; reinstall authsessions")
    return table


def slot_of(tag: str) -> int:
    """The Cluster hash slot of a hash tag (CRC16/XMODEM mod 16384, as Redis)."""
    return binascii.crc_hqx(tag.encode("ascii"), 0) % SLOTS


@functools.lru_cache(maxsize=64)
def _registries(prefix: str) -> list[str]:
    table = slot_tags()
    return [f"{prefix}{{{table[i : i + 3]}}}:r" for i in range(0, 3 * SLOTS, 3)]


def populated_slots(bitmap: bytes) -> list[int]:
    """The slots whose bit is set in a Redis bitmap (bit 0 is the high bit
    of the first byte, as SETBIT numbers them)."""
    slots = []
    for index, byte in enumerate(bitmap):
        if byte:
            slots += [index * 8 + bit for bit in range(8) if byte & (0x80 >> bit)]
    return slots


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
        ConfigurationError: not a non-negative timedelta of at most a year.
    """
    if not isinstance(grace, timedelta) or not timedelta(0) <= grace <= timedelta(days=366):
        raise ConfigurationError("gc_grace", "must be a timedelta from 0 to 366 days")
    return grace // timedelta(milliseconds=1)


@attrs.frozen
class RedisLayout:
    """The key names of one prefix."""

    prefix: str

    def record_key(self, key: str) -> str:
        """The record of the session with public key ``key``."""
        return f"{self.prefix}{{{key[:TAG_LENGTH]}}}:s:{key[TAG_LENGTH:]}"

    def last_use_key(self, tag: str) -> str:
        return f"{self.prefix}{{{tag}}}:u"

    def expiry_key(self, tag: str) -> str:
        return f"{self.prefix}{{{tag}}}:x"

    def registry_key(self, tag: str) -> str:
        """The registry of the slot ``tag`` hashes to."""
        return self.registry_of_slot(slot_of(tag))

    def registry_of_slot(self, slot: int) -> str:
        table = slot_tags()
        return f"{self.prefix}{{{table[3 * slot : 3 * slot + 3]}}}:r"

    def registries(self) -> list[str]:
        """Every slot's registry key, in slot order (built once per prefix)."""
        return _registries(self.prefix)

    def session_keys(self, key: str) -> list[str]:
        """Record, last-use index and expiry index of one session."""
        tag = key[:TAG_LENGTH]
        base = f"{self.prefix}{{{tag}}}:"
        return [f"{base}s:{key[TAG_LENGTH:]}", f"{base}u", f"{base}x"]

    def user_keys(self, tag: str) -> list[str]:
        """Last-use index, expiry index and registry of one user tag."""
        base = f"{self.prefix}{{{tag}}}:"
        return [f"{base}u", f"{base}x", self.registry_key(tag)]

    @property
    def slot_map_key(self) -> str:
        """A bitmap of the slots holding a registry (standalone servers only)."""
        return f"{self.prefix}:slots"

    @property
    def marker_key(self) -> str:
        """Holds LAYOUT_VERSION once every index is registered."""
        return f"{self.prefix}layout"

    def index_pattern(self) -> str:
        """A SCAN pattern of every index (last-use and expiry): a tag whose
        last-use index was deleted from outside is still found by its
        expiry index, so prune can remove its orphaned records."""
        escaped = "".join("\\" + ch if ch in "*?[]\\" else ch for ch in self.prefix)
        return escaped + "{*}:[ux]"

    def tag_of_index(self, index_key: str) -> str:
        """The user tag in an index key."""
        start = len(self.prefix) + 1
        return index_key[start : start + TAG_LENGTH]
