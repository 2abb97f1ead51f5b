"""What the in-memory stores hold and every operation on it.

No I/O and no awaits, so the asyncio store calls it directly and each
operation is atomic for other tasks; a lock makes it safe for threads.

Per user, two heaps order the keys: by last use (least recently used on
top) and by absolute expiry (soonest on top). Expired sessions are found by
popping from the tops, the least recently used by the first, so a create at
the per-user cap costs O(log k) amortised, like the Redis store's, instead
of a scan of the user's sessions. A touch pushes a new last-use entry and
leaves the old one stale (skipped when it surfaces); a heap with more stale
than live entries is rebuilt.

Expiry is final: a session found expired by any operation is removed at
once, so a clock stepping back cannot revive it.
"""

from __future__ import annotations

import heapq
import threading
from collections.abc import Iterator
from typing import Any, Generic, TypeVar

import attrs

from authsessions.kit import (
    ParsedSessionId,
    ReusedSecret,
    Session,
    SessionList,
    SessionStats,
    StoreConfig,
    evictions_needed,
    push_previous,
    rotated_at,
    secret_matches,
)

U = TypeVar("U")
M = TypeVar("M")

BATCH = 500
"""Sessions built per lock hold by ``iter_sessions`` and ``prune``."""


@attrs.define(slots=True)
class Record:
    """One stored session. Only the secret's hash is kept."""

    secret_hash: bytes = attrs.field(repr=False)
    # user ids are immutable (str, int, UUID): the validated value is handed
    # out as is; meta is decoded afresh on every read
    user_id: Any
    user_json: str
    label: str
    meta_json: str
    created_ms: int
    absolute_ms: int
    last_used_ms: int
    authenticated_ms: int
    details_json: str
    previous: str = ""
    last_ip: str | None = None


@attrs.define(slots=True)
class UserIndex:
    """One user's keys, and the two heaps that order them."""

    keys: set[str] = attrs.Factory(set)
    by_last_use: list[tuple[int, str]] = attrs.Factory(list)
    by_absolute: list[tuple[int, str]] = attrs.Factory(list)


class MemoryState(Generic[U, M]):
    """Records and per-user indexes behind one lock."""

    def __init__(self, config: StoreConfig[U, M]) -> None:
        self.config = config
        self.lock = threading.RLock()
        self.records: dict[str, Record] = {}
        self.users: dict[str, UserIndex] = {}

    # -- helpers, called with the lock held ---------------------------------

    def _expiry(self, record: Record) -> int:
        return self.config.codec.policy.expires_ms(record.absolute_ms, record.last_used_ms)

    def _remove(self, key: str) -> Record | None:
        record = self.records.pop(key, None)
        if record is not None:
            index = self.users.get(record.user_json)
            if index is not None:
                index.keys.discard(key)
                if not index.keys:
                    del self.users[record.user_json]
        return record

    def _alive(self, key: str, record: Record, now: int) -> bool:
        """Whether a record is live at ``now``; an expired one is removed."""
        if now >= self._expiry(record):
            self._remove(key)
            return False
        return True

    def _live(self, parsed: ParsedSessionId, now: int) -> Record | None:
        """The live record of a presented id; an expired one under its key
        is removed whatever the secret presented (expiry is final)."""
        record = self.records.get(parsed.key)
        if record is None or not self._alive(parsed.key, record, now):
            return None
        return record if secret_matches(record.secret_hash, parsed) else None

    def _reuse(self, parsed: ParsedSessionId, now: int) -> ReusedSecret | None:
        """A read's id named no live session: a ReusedSecret if it is a
        secret rotated away from a live one (beyond the grace), which is
        revoked if the policy says so."""
        record = self.records.get(parsed.key)
        policy = self.config.codec.policy
        if record is None or not policy.reused(
            rotated_at(record.previous, parsed.secret_hash_hex()), now
        ):
            return None
        if policy.revoke_on_reuse:
            self._remove(parsed.key)
        return ReusedSecret(record.user_json, policy.revoke_on_reuse)

    def _purge(self, index: UserIndex, now: int) -> None:
        """Remove the user's expired sessions, found from the heap tops."""
        idle = self.config.codec.policy.idle_ttl_ms
        heap = index.by_absolute
        while heap and heap[0][0] <= now:
            _, key = heapq.heappop(heap)
            if key in index.keys:
                self._remove(key)
        heap = index.by_last_use
        while heap:
            last_used, key = heap[0]
            record = self.records.get(key)
            if record is None or key not in index.keys or record.last_used_ms != last_used:
                heapq.heappop(heap)  # stale: destroyed, or touched since
            elif idle and last_used + idle <= now:
                heapq.heappop(heap)
                self._remove(key)
            else:
                break

    def _evict_least_recently_used(self, index: UserIndex) -> str:
        heap = index.by_last_use
        while True:
            # the heap holds every live key: the loop ends at one of them
            last_used, key = heapq.heappop(heap)
            record = self.records.get(key)
            if record is not None and key in index.keys and record.last_used_ms == last_used:
                self._remove(key)
                return key

    def _pushed(self, index: UserIndex, last_used: int, key: str) -> None:
        heap = index.by_last_use
        heapq.heappush(heap, (last_used, key))
        if len(heap) > 2 * len(index.keys) + 16:
            # more stale entries than live ones: rebuild, O(k) once per k touches
            index.by_last_use = [(self.records[k].last_used_ms, k) for k in index.keys]
            heapq.heapify(index.by_last_use)
            index.by_absolute = [(self.records[k].absolute_ms, k) for k in index.keys]
            heapq.heapify(index.by_absolute)

    def _snapshot(self, key: str, record: Record) -> tuple[Any, ...]:
        return (
            key,
            record.user_json,
            record.label,
            record.meta_json,
            record.created_ms,
            record.last_used_ms,
            self._expiry(record),
            record.user_id,
            record.authenticated_ms,
            record.details_json,
            record.last_ip,
        )

    def session(self, snapshot: tuple[Any, ...]) -> Session[U, M]:
        """The Session of a snapshot (decoded outside the lock)."""
        key, user_json, label, meta_json, created, last_used, expires, _, auth, details, ip = (
            snapshot
        )
        return self.config.codec.session(
            key=key,
            user_json=user_json,
            label=label,
            meta_json=meta_json,
            created_ms=created,
            last_used_ms=last_used,
            expires_ms=expires,
            authenticated_ms=auth,
            details_json=details,
            last_ip=ip,
        )

    def _sorted(self, snapshots: list[tuple[Any, ...]]) -> SessionList[U, M]:
        snapshots.sort(key=lambda s: s[5], reverse=True)
        return SessionList(self.session(s) for s in snapshots)

    # -- operations: what the store base has parsed and encoded --------------

    def insert(
        self,
        parsed: ParsedSessionId,
        user_json: str,
        label: str,
        meta_json: str,
        lifetime_ms: int | None = None,
        details_json: str = "{}",
    ) -> list[str] | None:
        """Store a new session: None if the key is taken, else the keys of
        the live sessions the cap evicted."""
        codec = self.config.codec
        # user ids are immutable: decoded once, handed out as they are
        user_id = codec.decode_user_id(parsed.key, user_json)
        secret_hash = parsed.secret_hash()
        with self.lock:
            if parsed.key in self.records:
                return None
            now = self.config.now_ms()
            evicted: list[str] = []
            index = self.users.get(user_json)
            if index is None:
                index = self.users[user_json] = UserIndex()
            else:
                self._purge(index, now)
                for _ in range(evictions_needed(len(index.keys), codec.policy)):
                    evicted.append(self._evict_least_recently_used(index))
                if not index.keys:  # every session went: the index went too
                    index = self.users[user_json] = UserIndex()
            absolute = codec.policy.absolute_ms(now, lifetime_ms)
            self.records[parsed.key] = Record(
                secret_hash, user_id, user_json, label, meta_json, now, absolute, now, now,
                details_json,
            )  # fmt: skip
            index.keys.add(parsed.key)
            heapq.heappush(index.by_absolute, (absolute, parsed.key))
            self._pushed(index, now, parsed.key)
        return evicted

    def _touched(self, parsed: ParsedSessionId, ip: str | None) -> Record | ReusedSecret | None:
        """The live record of a presented id, touched (recording ``ip``
        unless None); call with the lock."""
        now = self.config.now_ms()
        record = self._live(parsed, now)
        if record is None:
            return self._reuse(parsed, now)
        if self.config.codec.policy.touches(now, record.last_used_ms):
            record.last_used_ms = now
            if ip is not None:
                record.last_ip = ip
            self._pushed(self.users[record.user_json], now, parsed.key)
        return record

    def read(
        self, parsed: ParsedSessionId, ip: str | None = None
    ) -> tuple[Any, ...] | ReusedSecret | None:
        """The live session of a presented id, touched: its snapshot."""
        with self.lock:
            record = self._touched(parsed, ip)
            if isinstance(record, Record):
                return self._snapshot(parsed.key, record)
            return record

    def read_user_id(self, parsed: ParsedSessionId, ip: str | None = None) -> Any:
        """The owner of a presented id's live session (touched), or None:
        the validate path, without a snapshot (user ids are immutable)."""
        with self.lock:
            record = self._touched(parsed, ip)
            return record.user_id if type(record) is Record else record

    def read_key(self, key: str) -> tuple[Any, ...] | None:
        with self.lock:
            record = self.records.get(key)
            if record is None or not self._alive(key, record, self.config.now_ms()):
                return None
            return self._snapshot(key, record)

    def set_meta(self, parsed: ParsedSessionId, meta_json: str) -> bool:
        with self.lock:
            record = self._live(parsed, self.config.now_ms())
            if record is None:
                return False
            record.meta_json = meta_json
            return True

    def rotate(
        self, parsed: ParsedSessionId, rotated: ParsedSessionId, reauthenticate: bool
    ) -> str | None:
        with self.lock:
            now = self.config.now_ms()
            record = self._live(parsed, now)
            if record is None:
                return None
            record.secret_hash = rotated.secret_hash()
            record.previous = push_previous(record.previous, parsed.secret_hash_hex(), now)
            if reauthenticate:
                record.authenticated_ms = now
            return record.user_json

    def destroy(self, key: str, parsed: ParsedSessionId | None) -> str | None:
        with self.lock:
            now = self.config.now_ms()
            if parsed is None:
                record = self.records.get(key)
                if record is None or not self._alive(key, record, now):
                    return None
            else:
                record = self._live(parsed, now)
                if record is None:
                    return None
            self._remove(key)
            return record.user_json

    def destroy_user(
        self, user_json: str, keep_key: str | None, keep_id: ParsedSessionId | None
    ) -> list[str]:
        with self.lock:
            now = self.config.now_ms()
            index = self.users.get(user_json)
            destroyed: list[str] = []
            for key in list(index.keys) if index is not None else ():
                record = self.records[key]
                if not self._alive(key, record, now):
                    continue
                if key == keep_key and (
                    keep_id is None or secret_matches(record.secret_hash, keep_id)
                ):
                    continue
                self._remove(key)
                destroyed.append(key)
            return destroyed

    def list_user(self, user_json: str) -> SessionList[U, M]:
        with self.lock:
            now = self.config.now_ms()
            index = self.users.get(user_json)
            snapshots = [
                self._snapshot(key, self.records[key])
                for key in (list(index.keys) if index is not None else ())
                if self._alive(key, self.records[key], now)
            ]
        return self._sorted(snapshots)

    def _batches(self) -> Iterator[list[tuple[Any, ...]]]:
        """Snapshots of the live sessions, BATCH at a time, the lock held
        only while one batch is read; expired ones met are removed."""
        with self.lock:
            keys = list(self.records)
        for start in range(0, len(keys), BATCH):
            with self.lock:
                now = self.config.now_ms()
                batch = []
                for key in keys[start : start + BATCH]:
                    record = self.records.get(key)
                    if record is not None and self._alive(key, record, now):
                        batch.append(self._snapshot(key, record))
            yield batch

    def iter_batches(self) -> Iterator[SessionList[U, M]]:
        for batch in self._batches():
            yield SessionList(self.session(s) for s in batch)

    def prune(self) -> int:
        with self.lock:
            keys = list(self.records)
        removed = 0
        for start in range(0, len(keys), BATCH):
            with self.lock:
                now = self.config.now_ms()
                for key in keys[start : start + BATCH]:
                    record = self.records.get(key)
                    if record is not None and not self._alive(key, record, now):
                        removed += 1
        return removed

    def stats(self) -> SessionStats:
        with self.lock:
            now = self.config.now_ms()
            live_users = set()
            expired = 0
            for record in self.records.values():
                if now >= self._expiry(record):
                    expired += 1
                else:
                    live_users.add(record.user_json)
            return SessionStats(
                sessions=len(self.records) - expired,
                users=len(live_users),
                expired_not_collected=expired,
            )

    def __len__(self) -> int:
        return len(self.records)
