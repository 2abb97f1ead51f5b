"""The in-memory stores: a thread-safe core and two thin shells.

All logic lives in :class:`_MemoryCore`, which does no I/O and never awaits,
so the asyncio shell can call it directly: with no await inside an
operation, each one is atomic with respect to other tasks.
"""

from __future__ import annotations

import threading
from typing import Any, Generic, TypeVar, Unpack, overload

import attrs
import cattrs

from ._clock import Clock, now_ms
from ._codec import Codec, expires_ms
from ._ids import (
    ParsedSessionId,
    SessionId,
    new_secret,
    new_session_id,
    parse_session_id,
    secret_matches,
    user_tag,
    with_secret,
)
from ._options import StoreOptions, build_codec, check_clock
from ._policy import SessionPolicy
from ._repr import SessionList
from ._session import Session

U = TypeVar("U")
M = TypeVar("M")


@attrs.define(slots=True)
class _Record:
    secret_hash: bytes = attrs.field(repr=False)
    # user ids are immutable (str, int, UUID), so the validated value can be
    # handed out as is; meta is decoded afresh on every read
    user_id: Any
    user_json: str
    label: str
    meta_json: str
    created_ms: int
    absolute_ms: int
    last_used_ms: int


class _MemoryCore(Generic[U, M]):
    def __init__(self, codec: Codec[U, M], clock: Clock) -> None:
        self.codec = codec
        self.clock = clock
        self._lock = threading.RLock()
        self._records: dict[str, _Record] = {}
        # user json -> keys; a dict is an insertion-ordered set
        self._by_user: dict[str, dict[str, None]] = {}

    def __len__(self) -> int:
        return len(self._records)

    # -- helpers, called with the lock held ---------------------------------

    def _expiry(self, record: _Record) -> int:
        return expires_ms(record.absolute_ms, record.last_used_ms, self.codec.policy.idle_ttl_ms)

    def _remove(self, key: str) -> _Record | None:
        record = self._records.pop(key, None)
        if record is not None:
            keys = self._by_user.get(record.user_json)
            if keys is not None:
                keys.pop(key, None)
                if not keys:
                    del self._by_user[record.user_json]
        return record

    def _live(self, parsed: ParsedSessionId, now: int) -> _Record | None:
        record = self._records.get(parsed.key)
        if record is None or not secret_matches(record.secret_hash, parsed):
            return None
        if now >= self._expiry(record):
            self._remove(parsed.key)
            return None
        return record

    def _session(self, key: str, record: _Record) -> Session[U, M]:
        return self.codec.session(
            key=key,
            user_json=record.user_json,
            label=record.label,
            meta_json=record.meta_json,
            created_ms=record.created_ms,
            last_used_ms=record.last_used_ms,
            expires_ms=self._expiry(record),
        )

    def _live_keys_of(self, user_json: str, now: int) -> list[str]:
        keys = []
        for key in list(self._by_user.get(user_json, ())):
            if now >= self._expiry(self._records[key]):
                self._remove(key)
            else:
                keys.append(key)
        return keys

    def _sorted(self, keys: list[str]) -> list[Session[U, M]]:
        records = [(key, self._records[key]) for key in keys]
        records.sort(key=lambda item: item[1].last_used_ms, reverse=True)
        return SessionList(self._session(key, record) for key, record in records)

    # -- operations ----------------------------------------------------------

    def create_session(self, *, user_id: U, label: str, meta: M) -> SessionId:
        codec = self.codec
        user_json = codec.encode_user_id(user_id)
        label = codec.check_label(label)
        meta_json = codec.encode_meta(meta)
        session_id, parsed = new_session_id(user_tag(user_json))
        with self._lock:
            now = now_ms(self.clock)
            limit = codec.policy.max_sessions_per_user
            if limit is not None:
                live = self._live_keys_of(user_json, now)
                if len(live) >= limit:
                    live.sort(key=lambda key: self._records[key].last_used_ms)
                    for key in live[: len(live) - limit + 1]:
                        self._remove(key)
            self._records[parsed.key] = _Record(
                secret_hash=parsed.secret_hash(),
                user_id=user_id,
                user_json=user_json,
                label=label,
                meta_json=meta_json,
                created_ms=now,
                absolute_ms=now + codec.policy.absolute_ttl_ms,
                last_used_ms=now,
            )
            self._by_user.setdefault(user_json, {})[parsed.key] = None
        return session_id

    def _touch(self, parsed: ParsedSessionId) -> _Record | None:
        """The live record of a presented id, touched; call with the lock."""
        now = now_ms(self.clock)
        record = self._live(parsed, now)
        if (
            record is not None
            and now > record.last_used_ms
            and (now - record.last_used_ms >= self.codec.policy.touch_interval_ms)
        ):
            # the idle expiry slides with last use; the absolute one caps it
            record.last_used_ms = now
        return record

    def get_user_id_from_session(self, session_id: SessionId | None) -> U | None:
        parsed = parse_session_id(session_id)
        if parsed is None:
            return None
        with self._lock:
            record = self._touch(parsed)
            return None if record is None else record.user_id

    def get_session_meta(self, session_id: SessionId | None) -> M | None:
        parsed = parse_session_id(session_id)
        if parsed is None:
            return None
        with self._lock:
            record = self._touch(parsed)
            if record is None:
                return None
            meta_json = record.meta_json
        return self.codec.decode_meta(parsed.key, meta_json)

    def get_session(self, session_id: SessionId | None) -> Session[U, M] | None:
        parsed = parse_session_id(session_id)
        if parsed is None:
            return None
        with self._lock:
            record = self._touch(parsed)
            if record is None:
                return None
            snapshot = attrs.evolve(record)
        return self._session(parsed.key, snapshot)

    def set_session_meta(self, session_id: SessionId, meta: M) -> bool:
        meta_json = self.codec.encode_meta(meta)
        parsed = parse_session_id(session_id)
        if parsed is None:
            return False
        with self._lock:
            record = self._live(parsed, now_ms(self.clock))
            if record is None:
                return False
            record.meta_json = meta_json
            return True

    def rotate_session(self, session_id: SessionId) -> SessionId | None:
        parsed = parse_session_id(session_id)
        if parsed is None:
            return None
        secret = new_secret()
        rotated = with_secret(parsed.key, secret)
        with self._lock:
            record = self._live(parsed, now_ms(self.clock))
            if record is None:
                return None
            record.secret_hash = ParsedSessionId(parsed.key, secret).secret_hash()
        return rotated

    def destroy_session(self, session: SessionId | Session[U, M]) -> bool:
        with self._lock:
            now = now_ms(self.clock)
            if isinstance(session, Session):
                record = self._records.get(session.key)
                if record is None:
                    return False
                self._remove(session.key)
                return now < self._expiry(record)
            parsed = parse_session_id(session)
            if parsed is None or self._live(parsed, now) is None:
                return False
            self._remove(parsed.key)
            return True

    def destroy_sessions_for_user(self, user_id: U, *, keep: SessionId | None = None) -> int:
        user_json = self.codec.encode_user_id(user_id)
        kept = parse_session_id(keep)
        with self._lock:
            now = now_ms(self.clock)
            destroyed = 0
            for key in self._live_keys_of(user_json, now):
                record = self._records[key]
                if (
                    kept is not None
                    and kept.key == key
                    and secret_matches(record.secret_hash, kept)
                ):
                    continue
                self._remove(key)
                destroyed += 1
            return destroyed

    def get_sessions_for_user(self, user_id: U) -> list[Session[U, M]]:
        user_json = self.codec.encode_user_id(user_id)
        with self._lock:
            return self._sorted(self._live_keys_of(user_json, now_ms(self.clock)))

    def list_sessions(self) -> list[Session[U, M]]:
        with self._lock:
            now = now_ms(self.clock)
            keys = [key for key, rec in self._records.items() if now < self._expiry(rec)]
            return self._sorted(keys)

    def prune(self) -> int:
        with self._lock:
            now = now_ms(self.clock)
            dead = [key for key, rec in self._records.items() if now >= self._expiry(rec)]
            for key in dead:
                self._remove(key)
            return len(dead)


def _describe(name: str, core: _MemoryCore[Any, Any]) -> str:
    from ._codec import type_name

    return (
        f"{name}(user_id_type={type_name(core.codec.user_id_type)}, "
        f"meta_type={type_name(core.codec.meta_type)}, sessions={len(core)})"
    )


class InMemorySessions(Generic[U, M]):
    """A thread-safe in-memory store (sync).

    For tests, notebooks and single-process apps. It round-trips user ids
    and meta through the same converter as the Redis store, so it accepts
    and rejects exactly the same values and never shares mutable objects.

    Args:
        user_id_type: ``str`` (default), ``int`` or ``uuid.UUID``.
        meta_type: any type the converter round-trips; default
            ``dict[str, Any]``.
        policy: a :class:`SessionPolicy`; default ``SessionPolicy()``.
        clock: anything with ``now()`` returning an aware datetime.
        converter: a cattrs converter; default ``make_converter()``.

    Raises:
        ConfigurationError: for an invalid option.
    """

    @overload
    def __init__(
        self: InMemorySessions[str, dict[str, Any]], **options: Unpack[StoreOptions]
    ) -> None: ...
    @overload
    def __init__(
        self: InMemorySessions[U, dict[str, Any]],
        *,
        user_id_type: type[U],
        **options: Unpack[StoreOptions],
    ) -> None: ...
    @overload
    def __init__(
        self: InMemorySessions[str, M], *, meta_type: type[M], **options: Unpack[StoreOptions]
    ) -> None: ...
    @overload
    def __init__(
        self, *, user_id_type: type[U], meta_type: type[M], **options: Unpack[StoreOptions]
    ) -> None: ...
    def __init__(
        self,
        *,
        user_id_type: Any = str,
        meta_type: Any = dict[str, Any],
        policy: SessionPolicy | None = None,
        clock: Clock | None = None,
        converter: cattrs.Converter | None = None,
    ) -> None:
        codec = build_codec(
            user_id_type=user_id_type, meta_type=meta_type, policy=policy, converter=converter
        )
        self._core: _MemoryCore[U, M] = _MemoryCore(codec, check_clock(clock))

    def __repr__(self) -> str:
        return _describe(type(self).__name__, self._core)

    @property
    def policy(self) -> SessionPolicy:
        """The store's policy."""
        return self._core.codec.policy

    def create_session(self, *, user_id: U, label: str, meta: M) -> SessionId:
        """See :meth:`authsessions.Sessions.create_session`."""
        return self._core.create_session(user_id=user_id, label=label, meta=meta)

    def get_user_id_from_session(self, session_id: SessionId | None) -> U | None:
        """See :meth:`authsessions.Sessions.get_user_id_from_session`."""
        return self._core.get_user_id_from_session(session_id)

    def get_session_meta(self, session_id: SessionId | None) -> M | None:
        """See :meth:`authsessions.Sessions.get_session_meta`."""
        return self._core.get_session_meta(session_id)

    def get_session(self, session_id: SessionId | None) -> Session[U, M] | None:
        """See :meth:`authsessions.Sessions.get_session`."""
        return self._core.get_session(session_id)

    def set_session_meta(self, session_id: SessionId, meta: M) -> bool:
        """See :meth:`authsessions.Sessions.set_session_meta`."""
        return self._core.set_session_meta(session_id, meta)

    def rotate_session(self, session_id: SessionId) -> SessionId | None:
        """See :meth:`authsessions.Sessions.rotate_session`."""
        return self._core.rotate_session(session_id)

    def destroy_session(self, session: SessionId | Session[U, M]) -> bool:
        """See :meth:`authsessions.Sessions.destroy_session`."""
        return self._core.destroy_session(session)

    def destroy_sessions_for_user(self, user_id: U, *, keep: SessionId | None = None) -> int:
        """See :meth:`authsessions.Sessions.destroy_sessions_for_user`."""
        return self._core.destroy_sessions_for_user(user_id, keep=keep)

    def get_sessions_for_user(self, user_id: U) -> list[Session[U, M]]:
        """See :meth:`authsessions.Sessions.get_sessions_for_user`."""
        return self._core.get_sessions_for_user(user_id)

    def list_sessions(self) -> list[Session[U, M]]:
        """See :meth:`authsessions.Sessions.list_sessions`."""
        return self._core.list_sessions()

    def prune(self) -> int:
        """See :meth:`authsessions.Sessions.prune`."""
        return self._core.prune()


class AsyncInMemorySessions(Generic[U, M]):
    """The asyncio twin of :class:`InMemorySessions` (same arguments).

    Task-safe: operations never await inside, so each is atomic for other
    tasks; it is also safe to share with threads.
    """

    @overload
    def __init__(
        self: AsyncInMemorySessions[str, dict[str, Any]], **options: Unpack[StoreOptions]
    ) -> None: ...
    @overload
    def __init__(
        self: AsyncInMemorySessions[U, dict[str, Any]],
        *,
        user_id_type: type[U],
        **options: Unpack[StoreOptions],
    ) -> None: ...
    @overload
    def __init__(
        self: AsyncInMemorySessions[str, M], *, meta_type: type[M], **options: Unpack[StoreOptions]
    ) -> None: ...
    @overload
    def __init__(
        self, *, user_id_type: type[U], meta_type: type[M], **options: Unpack[StoreOptions]
    ) -> None: ...
    def __init__(
        self,
        *,
        user_id_type: Any = str,
        meta_type: Any = dict[str, Any],
        policy: SessionPolicy | None = None,
        clock: Clock | None = None,
        converter: cattrs.Converter | None = None,
    ) -> None:
        codec = build_codec(
            user_id_type=user_id_type, meta_type=meta_type, policy=policy, converter=converter
        )
        self._core: _MemoryCore[U, M] = _MemoryCore(codec, check_clock(clock))

    def __repr__(self) -> str:
        return _describe(type(self).__name__, self._core)

    @property
    def policy(self) -> SessionPolicy:
        """The store's policy."""
        return self._core.codec.policy

    async def create_session(self, *, user_id: U, label: str, meta: M) -> SessionId:
        """See :meth:`authsessions.Sessions.create_session`."""
        return self._core.create_session(user_id=user_id, label=label, meta=meta)

    async def get_user_id_from_session(self, session_id: SessionId | None) -> U | None:
        """See :meth:`authsessions.Sessions.get_user_id_from_session`."""
        return self._core.get_user_id_from_session(session_id)

    async def get_session_meta(self, session_id: SessionId | None) -> M | None:
        """See :meth:`authsessions.Sessions.get_session_meta`."""
        return self._core.get_session_meta(session_id)

    async def get_session(self, session_id: SessionId | None) -> Session[U, M] | None:
        """See :meth:`authsessions.Sessions.get_session`."""
        return self._core.get_session(session_id)

    async def set_session_meta(self, session_id: SessionId, meta: M) -> bool:
        """See :meth:`authsessions.Sessions.set_session_meta`."""
        return self._core.set_session_meta(session_id, meta)

    async def rotate_session(self, session_id: SessionId) -> SessionId | None:
        """See :meth:`authsessions.Sessions.rotate_session`."""
        return self._core.rotate_session(session_id)

    async def destroy_session(self, session: SessionId | Session[U, M]) -> bool:
        """See :meth:`authsessions.Sessions.destroy_session`."""
        return self._core.destroy_session(session)

    async def destroy_sessions_for_user(self, user_id: U, *, keep: SessionId | None = None) -> int:
        """See :meth:`authsessions.Sessions.destroy_sessions_for_user`."""
        return self._core.destroy_sessions_for_user(user_id, keep=keep)

    async def get_sessions_for_user(self, user_id: U) -> list[Session[U, M]]:
        """See :meth:`authsessions.Sessions.get_sessions_for_user`."""
        return self._core.get_sessions_for_user(user_id)

    async def list_sessions(self) -> list[Session[U, M]]:
        """See :meth:`authsessions.Sessions.list_sessions`."""
        return self._core.list_sessions()

    async def prune(self) -> int:
        """See :meth:`authsessions.Sessions.prune`."""
        return self._core.prune()
