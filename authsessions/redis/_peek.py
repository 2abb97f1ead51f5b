"""Reads without a script, for a policy with a touch interval.

Between two touches of a session a read changes nothing: ``lua/read.lua``
only checks the secret, the expiry and the record's time to live. A store
whose policy touches at most every ``touch_interval`` answers such reads
from a snapshot of three plain commands in one ``MULTI``/``EXEC`` (the
record, its last use, the record's expiry time), checked here exactly as
the script checks them; Redis runs no Lua for it (on a 2-vCPU machine the
round trip is about 0.6 of the script's). Whatever the snapshot cannot
settle goes to the script, which stays the one authority: a touch that is
due, an expired session (the script removes it: expiry is final), a
secret that is not the record's (the script tells a stolen one from a
wrong one), a record whose time to live is short of the policy's (the
script extends it), anything that is not a plain record.

To keep a touch from costing two round trips (a snapshot, then the
script), the store remembers when it last saw each session used
(``RecentUse``: public keys only, never a secret) and goes straight to the
script when a touch is due by that memory.
"""

from __future__ import annotations

import hmac
from typing import Any, Final

from authsessions.kit import ParsedSessionId, SessionPolicy

from . import _records
from ._layout import RedisLayout

SNAPSHOTS = True
"""Whether ``RedisSessions`` answers reads between touches from snapshots
(measured: a sync validate between touches 1.24x to 1.37x faster than
through the script, ``make bench``)."""
ASYNCIO_SNAPSHOTS = False
"""Whether ``AsyncRedisSessions`` does. It does not: with redis-py 8.1's
asyncio client each of a snapshot's five replies costs a timeout context
and a coroutine, more than Redis saves by running no Lua (one task: the
same time as the script; 50 tasks: 0.91x). The code path is the sync
twin's source and is tested with this switched on."""

UNDECIDED: Final = object()
"""The snapshot cannot settle the read: run the script."""
UNSUPPORTED: Final = object()
"""The server lacks ``PEXPIRETIME`` (Redis before 7.0): stop peeking."""
REPLIES = 5  # MULTI, three QUEUED, EXEC


class Peeks:
    """What one store needs to answer reads from snapshots."""

    def __init__(self, layout: RedisLayout, policy: SessionPolicy, grace_ms: int) -> None:
        self._layout = layout
        self._policy = policy
        self._grace = grace_ms
        self.recent = RecentUse()

    def worth_it(self, key: str, now: int) -> bool:
        """Whether to try a snapshot: the session was seen used less than a
        touch interval ago (else a touch is due, and only the script does
        one)."""
        last = self.recent.get(key)
        return last is not None and not self._policy.touches(now, last)

    def commands(self, parsed: ParsedSessionId) -> list[tuple[str, ...]]:
        record, last_use, _ = self._layout.session_keys(parsed.key)
        return [
            ("MULTI",),
            ("GET", record),
            ("ZSCORE", last_use, parsed.local),
            ("PEXPIRETIME", record),
            ("EXEC",),
        ]

    def decide(self, parsed: ParsedSessionId, replies: list[Any], now: int) -> Any:
        """What the read script would return for these replies, as the
        store's ``_found_of`` gives it: ``(tail, last use)`` or None; or
        ``UNDECIDED`` / ``UNSUPPORTED``."""
        executed = replies[-1]
        if type(executed) is not list or len(executed) != 3:
            # an error reply: EXECABORT after a command Redis refused
            unknown = any("unknown command" in str(reply).lower() for reply in replies)
            return UNSUPPORTED if unknown else UNDECIDED
        value, score, expire_at = executed
        if value is None:
            return None  # no record: the script answers nil, changing nothing
        if score is None:
            return None  # a record no index knows: nil, changing nothing
        parts = _records.record_parts(value)
        last = _number(score)
        if parts is None or last is None or type(expire_at) is not int:
            return UNDECIDED
        secret_hash, absolute, tail = parts
        if not hmac.compare_digest(secret_hash, parsed.secret_hash_hex()):
            return UNDECIDED  # wrong, or rotated away: the script tells which
        policy = self._policy
        expires = policy.expires_ms(absolute, last)
        if now >= expires:
            return UNDECIDED  # expired: the script removes it
        if policy.touches(now, last):
            return UNDECIDED  # a touch is due
        if expire_at < expires + self._grace:
            return UNDECIDED  # the script extends the record's time to live
        self.recent.seen(parsed.key, last)
        return tail, last


def _number(score: Any) -> int | None:
    """A last-use score as the integer it was written as, or None."""
    if isinstance(score, (bytes, str)):
        try:
            score = float(score)
        except ValueError:
            return None
    if isinstance(score, float) and score.is_integer():
        return int(score)
    return None


class RecentUse:
    """Session key -> the last use this process saw, bounded: past
    ``size`` keys it starts afresh (refilling costs one script read per
    session)."""

    def __init__(self, size: int = 16384) -> None:
        self._size = size
        self._seen: dict[str, int] = {}

    def get(self, key: str) -> int | None:
        return self._seen.get(key)

    def seen(self, key: str, last: int) -> None:
        seen = self._seen
        if len(seen) >= self._size and key not in seen:
            seen.clear()
        seen[key] = last
