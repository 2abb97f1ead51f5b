"""A reference store for asyncio: a dict, on the kit's store base, storage
code only. The source of truth for the sync twin."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any, Generic, TypeVar

from authsessions.kit import AsyncStoreBase, StoredRecord

U = TypeVar("U")
M = TypeVar("M")


class AsyncDictSessions(AsyncStoreBase[U, M], Generic[U, M]):
    """Sessions in two dicts, for asyncio: records by key, keys by user.

    Everything else (ids, secrets, expiry, touches, the cap, ``keep``,
    listings, stats, errors) is the base's. Copy it to start a store of
    your own: replace each primitive with your backend's call, and
    override ``_atomic`` if other processes share the data.

    Args:
        options: ``user_id_type``, ``meta_type``, ``policy``, ``clock``,
            ``converter``, as for every store.

    Raises:
        ConfigurationError: for an invalid option.
    """

    backend = "dict"

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._records: dict[str, StoredRecord] = {}
        self._by_user: dict[str, set[str]] = {}

    def _repr_fields(self) -> dict[str, Any]:
        return {"records": len(self._records)}

    async def _load(self, key: str) -> StoredRecord | None:
        return self._records.get(key)

    async def _store(self, record: StoredRecord) -> None:
        self._records[record.key] = record
        self._by_user.setdefault(record.user_json, set()).add(record.key)

    async def _delete(self, keys: Sequence[str]) -> None:
        for key in keys:
            record = self._records.pop(key, None)
            if record is not None:
                keys_of_user = self._by_user[record.user_json]
                keys_of_user.discard(key)
                if not keys_of_user:
                    del self._by_user[record.user_json]

    async def _user_keys(self, user_json: str) -> list[str]:
        return list(self._by_user.get(user_json, ()))

    async def _all_keys(self) -> AsyncIterator[str]:
        for key in list(self._records):
            yield key
