"""Reads without a script, for a policy with a touch interval.

Between two touches of a session a read changes nothing: ``lua/read.lua``
only checks the secret, the expiry and the record's time to live. A store
whose policy touches at most every ``touch_interval`` answers such reads
from two plain commands sent together (``GET`` the record, ``ZSCORE`` its
last use), checked here exactly as the script checks them; Redis runs no
Lua for it. Whatever the snapshot cannot settle goes to the script, which
stays the one authority: a touch that is due, an expired session (the
script removes it: expiry is final), a secret that is not the record's
(the script tells a stolen one from a wrong one), a last use this store
has not seen (below), anything that is not a plain record.

The store remembers the last use it saw for each session (``RecentUse``:
public keys only, never a secret), from the script's replies and its own
snapshots. That memory decides when to try a snapshot at all (a touch due
by it goes straight to the script: no second round trip), and it replaces
reading the record's time to live: when it saw that last use, the script
had made the record outlive the session's expiry under this store's policy
(or a snapshot had checked so), and only a touch, which moves the last use
on, can shorten a record's life (every rewrite keeps the TTL; extensions
only lengthen it). So a snapshot whose last use is the remembered one needs
no TTL check; one whose last use moved on (another process touched it,
perhaps under a shorter policy during a deploy) goes to the script, which
extends the record's life if this store's policy needs it.

The two commands are not a transaction: a write between them either
changes the last use (to the script) or removes the index entry (nil, as
the script answers); a rotation right after the ``GET`` reads as the read
having come just before it.
"""

from __future__ import annotations

import hmac
from typing import Any, Final

from authsessions.kit import ParsedSessionId, SessionPolicy

from . import _records
from ._layout import RedisLayout

SNAPSHOTS = True
"""Whether the Redis stores answer reads between touches from snapshots
(switched off to compare, in tests and benchmarks)."""

UNDECIDED: Final = object()
"""The snapshot cannot settle the read: run the script."""


class Peeks:
    """What one store needs to answer reads from snapshots."""

    def __init__(self, layout: RedisLayout, policy: SessionPolicy) -> None:
        self._layout = layout
        self._policy = policy
        self.recent = RecentUse()

    def worth_it(self, key: str, now: int) -> bool:
        """Whether to try a snapshot: the session was seen used less than a
        touch interval ago (else a touch is due, and only the script does
        one)."""
        last = self.recent.get(key)
        return last is not None and not self._policy.touches(now, last)

    def commands(self, parsed: ParsedSessionId) -> list[tuple[str, ...]]:
        record, last_use, _ = self._layout.session_keys(parsed.key)
        return [("GET", record), ("ZSCORE", last_use, parsed.local)]

    def decide(self, parsed: ParsedSessionId, replies: list[Any], now: int) -> Any:
        """What the read script would return for these replies, as the
        store's ``_found_of`` gives it: ``(tail, last use)`` or None; or
        ``UNDECIDED``."""
        value, score = replies
        if isinstance(value, Exception) or isinstance(score, Exception):
            return UNDECIDED  # a key of another type, a MOVED: the script says
        if value is None:
            return None  # no record: the script answers nil, changing nothing
        if score is None:
            return None  # a record no index knows: nil, changing nothing
        parts = _records.record_parts(value)
        last = _number(score)
        if parts is None or last is None or last != self.recent.get(parsed.key):
            return UNDECIDED  # malformed, or a use this store has not seen
        secret_hash, absolute, tail = parts
        if not hmac.compare_digest(secret_hash, parsed.secret_hash_hex()):
            return UNDECIDED  # wrong, or rotated away: the script tells which
        policy = self._policy
        if now >= policy.expires_ms(absolute, last):
            return UNDECIDED  # expired: the script removes it
        if policy.touches(now, last):
            return UNDECIDED  # a touch is due
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
