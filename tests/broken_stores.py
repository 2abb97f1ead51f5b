"""Deliberately broken copies of the in-memory store, one bug each.

The contract must fail on every one of them; see test_contract_has_teeth.py.
"""

from __future__ import annotations

from typing import Any

from authsessions import InMemorySessions
from authsessions._clock import now_ms
from authsessions._ids import parse_session_id
from authsessions._memory import _MemoryCore


class OldestFirst(_MemoryCore[Any, Any]):
    def _sorted(self, keys: list[str]) -> list[Any]:
        return list(reversed(super()._sorted(keys)))


class ReadsDoNotTouch(_MemoryCore[Any, Any]):
    def _touch(self, parsed: Any) -> Any:
        return self._live(parsed, now_ms(self.clock))


class TouchResurrects(_MemoryCore[Any, Any]):
    """Destroy only unlists the session; a later read lists it again."""

    def _remove(self, key: str) -> Any:
        record = self._records.get(key)
        if record is not None:
            self._by_user.get(record.user_json, {}).pop(key, None)
        return record

    def _touch(self, parsed: Any) -> Any:
        record = super()._touch(parsed)
        if record is not None:
            self._by_user.setdefault(record.user_json, {})[parsed.key] = None
        return record

    def destroy_session(self, session: Any) -> bool:
        parsed = parse_session_id(session)
        if parsed is None or parsed.key not in self._by_user.get(
            getattr(self._records.get(parsed.key), "user_json", ""), {}
        ):
            return False
        return super().destroy_session(session)


class SharedMeta(_MemoryCore[Any, Any]):
    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self._cache: dict[str, Any] = {}

    def get_session_meta(self, session_id: Any) -> Any:
        parsed = parse_session_id(session_id)
        with self._lock:
            record = None if parsed is None else self._touch(parsed)
        if parsed is None or record is None:
            return None
        if parsed.key not in self._cache:
            self._cache[parsed.key] = self.codec.decode_meta(parsed.key, record.meta_json)
        return self._cache[parsed.key]


class ExpiredStillReturned(_MemoryCore[Any, Any]):
    def _expiry(self, record: Any) -> int:
        return 2**62


class RotationKeepsOldId(_MemoryCore[Any, Any]):
    def rotate_session(self, session_id: Any) -> Any:
        parsed = parse_session_id(session_id)
        if parsed is None:
            return None
        with self._lock:
            record = self._live(parsed, now_ms(self.clock))
            return None if record is None else session_id


class KeepIgnored(_MemoryCore[Any, Any]):
    def destroy_sessions_for_user(self, user_id: Any, *, keep: Any = None) -> int:
        return super().destroy_sessions_for_user(user_id, keep=None)


class OtherUsersListed(_MemoryCore[Any, Any]):
    def get_sessions_for_user(self, user_id: Any) -> list[Any]:
        self.codec.encode_user_id(user_id)
        return self.list_sessions()


class EvictsNewest(_MemoryCore[Any, Any]):
    def create_session(self, *, user_id: Any, label: str, meta: Any) -> Any:
        limit = self.codec.policy.max_sessions_per_user
        user_json = self.codec.encode_user_id(user_id)
        with self._lock:
            live = self._live_keys_of(user_json, now_ms(self.clock))
            if limit is not None and len(live) >= limit:
                live.sort(key=lambda key: self._records[key].last_used_ms, reverse=True)
                self._remove(live[0])
            return super().create_session(user_id=user_id, label=label, meta=meta)


class IdlePastAbsolute(_MemoryCore[Any, Any]):
    def _expiry(self, record: Any) -> int:
        idle = self.codec.policy.idle_ttl_ms
        expiry: int = record.last_used_ms + idle if idle else record.absolute_ms
        return expiry


class StoresBadMeta(_MemoryCore[Any, Any]):
    """Stores the session before validating meta, then raises."""

    def create_session(self, *, user_id: Any, label: str, meta: Any) -> Any:
        try:
            self.codec.encode_meta(meta)
        except Exception:
            super().create_session(user_id=user_id, label=label, meta={})
            raise
        return super().create_session(user_id=user_id, label=label, meta=meta)


class AnySecretWorks(_MemoryCore[Any, Any]):
    def _live(self, parsed: Any, now: int) -> Any:
        record = self._records.get(parsed.key)
        if record is None or now >= self._expiry(record):
            return None
        return record


class DestroyNotIdempotent(_MemoryCore[Any, Any]):
    def destroy_session(self, session: Any) -> bool:
        super().destroy_session(session)
        return True


BROKEN: dict[str, type[_MemoryCore[Any, Any]]] = {
    cls.__name__: cls
    for cls in (
        OldestFirst,
        ReadsDoNotTouch,
        TouchResurrects,
        SharedMeta,
        ExpiredStillReturned,
        RotationKeepsOldId,
        KeepIgnored,
        OtherUsersListed,
        EvictsNewest,
        IdlePastAbsolute,
        StoresBadMeta,
        AnySecretWorks,
        DestroyNotIdempotent,
    )
}


def broken_factory(name: str) -> Any:
    """A contract factory building an InMemorySessions with one bug."""

    def factory(namespace: str, clock: Any, **options: Any) -> InMemorySessions[Any, Any]:
        store: InMemorySessions[Any, Any] = InMemorySessions(clock=clock, **options)
        store._core = BROKEN[name](store._core.codec, clock)
        return store

    return factory
