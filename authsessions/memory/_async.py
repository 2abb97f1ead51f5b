"""The in-memory stores, asyncio source of truth (the sync twin is generated)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any, Generic, TypeVar, Unpack, overload

from authsessions.kit import (
    AsyncStoreBase,
    IPAddress,
    ParsedSessionId,
    ReusedSecret,
    Session,
    SessionId,
    SessionList,
    SessionStats,
    StoreOptions,
    parse_session_id,
)

from ._state import MemoryState

U = TypeVar("U")
M = TypeVar("M")


class AsyncInMemorySessions(AsyncStoreBase[U, M], Generic[U, M]):
    """An in-memory store for asyncio (same arguments as ``InMemorySessions``).

    Task-safe: no operation awaits while it holds the state's lock, so each
    is atomic for other tasks; it may also be shared with threads.
    """

    backend = "memory"

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
    def __init__(self, **options: Any) -> None:
        """Build the store.

        Args:
            user_id_type: ``str`` (default), ``int`` or ``uuid.UUID``.
            meta_type: any type the converter round-trips; default
                ``dict[str, Any]``.
            policy: a ``SessionPolicy``; default
                ``SessionPolicy()``.
            clock: anything with ``now()`` returning an aware datetime.
            converter: a cattrs converter; default ``make_converter()``.

        Raises:
            ConfigurationError: for an invalid option.
        """
        super().__init__(**options)
        self._state: MemoryState[U, M] = MemoryState(self._config)

    def _repr_fields(self) -> dict[str, Any]:
        return {"sessions": len(self._state)}

    async def get_user_id_from_session(
        self, session_id: SessionId | None, *, ip: IPAddress | str | None = None
    ) -> U | None:
        """See ``authsessions.Sessions.get_user_id_from_session``."""
        # the base's read, without building a snapshot: every request pays it
        seen = None if ip is None else self._config.codec.encode_ip(ip)
        parsed = parse_session_id(session_id)
        if parsed is None:
            return None
        user_id = self._state.read_user_id(parsed, seen)
        if type(user_id) is ReusedSecret:
            await self._reused(parsed.key, user_id)
            return None
        found: U | None = user_id
        return found

    # the operation primitives: each one call into the state, under its lock

    async def _read(self, parsed: ParsedSessionId, operation: str, ip: str | None) -> Any | None:
        return self._state.read(parsed, ip)

    async def _read_key(self, key: str) -> Any | None:
        return self._state.read_key(key)

    async def _insert(
        self,
        parsed: ParsedSessionId,
        user_json: str,
        label: str,
        meta_json: str,
        lifetime_ms: int,
        details_json: str,
    ) -> Sequence[str] | None:
        return self._state.insert(parsed, user_json, label, meta_json, lifetime_ms, details_json)

    async def _set_meta(self, parsed: ParsedSessionId, meta_json: str) -> bool:
        return self._state.set_meta(parsed, meta_json)

    async def _rotate(
        self, parsed: ParsedSessionId, rotated: ParsedSessionId, reauthenticate: bool
    ) -> str | None:
        return self._state.rotate(parsed, rotated, reauthenticate)

    async def _destroy(self, key: str, parsed: ParsedSessionId | None) -> str | None:
        return self._state.destroy(key, parsed)

    async def _destroy_user(
        self, user_json: str, tag: str, keep_key: str | None, keep_id: ParsedSessionId | None
    ) -> Sequence[str]:
        return self._state.destroy_user(user_json, keep_key, keep_id)

    async def _list_user(self, user_json: str, tag: str) -> SessionList[U, M]:
        return self._state.list_user(user_json)

    async def _batches(self, operation: str) -> AsyncIterator[SessionList[U, M]]:
        for batch in self._state.iter_batches():
            yield batch

    async def _prune(self) -> int:
        return self._state.prune()

    async def _stats(self) -> SessionStats:
        return self._state.stats()

    # what a read found is the state's snapshot (see MemoryState)

    def _user_id_of(self, key: str, found: Any) -> U:
        user_id: U = found[7]
        return user_id

    def _meta_of(self, key: str, found: Any) -> M:
        return self._config.codec.decode_meta(key, found[3])

    def _session_of(self, key: str, found: Any) -> Session[U, M]:
        return self._state.session(found)
