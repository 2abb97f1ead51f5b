"""The kit's store base: what a store on record primitives inherits beyond
what the contract checks — backend errors mapped wherever a primitive
runs (iterators included), one call per operation primitive, a clear
error for a primitive nobody implemented."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from authsessions import SessionBackendError, SessionStats
from authsessions.kit import StoreBase
from authsessions.reference import AsyncDictSessions, DictSessions


class Flaky(DictSessions[str, Any]):
    """Fails in the primitive named by ``broken``, the way a backend would."""

    broken = ""

    def _load(self, key: str) -> Any:
        if self.broken == "_load":
            raise ConnectionError("backend down")
        return super()._load(key)

    def _all_keys(self) -> Iterator[str]:
        for i, key in enumerate(super()._all_keys()):
            if self.broken == "_all_keys" and i == 1:
                raise ConnectionError("backend down mid-iteration")
            yield key


def test_a_failing_primitive_is_a_backend_error_never_logged_out() -> None:
    store = Flaky()
    sid = store.create_session(user_id="u", label="", meta={})
    store.broken = "_load"
    with pytest.raises(SessionBackendError) as info:
        store.get_session(sid)
    assert (info.value.backend, info.value.operation) == ("dict", "get_session")
    assert isinstance(info.value.__cause__, ConnectionError)
    assert sid.partition(".")[2] not in str(info.value)


@pytest.mark.parametrize("operation", ["iter_sessions", "list_sessions", "prune", "stats"])
def test_a_primitive_failing_inside_an_iterator_is_a_backend_error(operation: str) -> None:
    store = Flaky()
    for user in ("a", "b", "c"):
        store.create_session(user_id=user, label="", meta={})
    store.broken = "_all_keys"

    def run() -> Any:
        result = getattr(store, operation)()
        return list(result) if operation == "iter_sessions" else result

    with pytest.raises(SessionBackendError) as info:
        run()
    assert isinstance(info.value.__cause__, ConnectionError)


def test_a_primitive_nobody_implemented_names_itself() -> None:
    class Empty(StoreBase[str, Any]):
        backend = "empty"

    with pytest.raises(SessionBackendError) as info:
        Empty().create_session(user_id="u", label="", meta={})
    assert isinstance(info.value.__cause__, NotImplementedError)
    assert "Empty implements no _load" in str(info.value.__cause__)


def test_reads_of_malformed_ids_call_no_primitive() -> None:
    calls: list[str] = []

    class Counting(DictSessions[str, Any]):
        def _load(self, key: str) -> Any:
            calls.append(key)
            return super()._load(key)

    store = Counting()
    junks: list[Any] = [None, "", "nodot", "x" * 10_000, "a.b"]
    for junk in junks:
        assert store.get_session(junk) is None
        assert store.get_user_id_from_session(junk) is None
        assert store.destroy_session(junk) is False
    assert calls == []


def test_the_asyncio_base_locks_each_operation_for_other_tasks() -> None:
    # primitives that yield to the loop (as a network backend's do): racing
    # creates at the cap still never leave more than the cap
    from authsessions import SessionPolicy

    class Yielding(AsyncDictSessions[str, Any]):
        async def _load(self, key: str) -> Any:
            await asyncio.sleep(0)
            return await super()._load(key)

        async def _user_keys(self, user_json: str) -> list[str]:
            await asyncio.sleep(0)
            return await super()._user_keys(user_json)

    async def race() -> int:
        store = Yielding(policy=SessionPolicy(max_sessions_per_user=3))
        await asyncio.gather(
            *(store.create_session(user_id="u", label="", meta={}) for _ in range(50))
        )
        return (await store.stats()).sessions

    assert asyncio.run(race()) == 3


def test_the_repr_summarises_without_io() -> None:
    store: DictSessions[int, Any] = DictSessions(user_id_type=int)
    assert repr(store) == "DictSessions(user_id_type=int, meta_type=dict[str, Any], records=0)"


class LoginDuringStats(DictSessions[str, Any]):
    """A login lands between the counts' walk and the breakdown's."""

    def _stats(self) -> Any:
        counts = super()._stats()
        self.create_session(user_id="late", label="phone", meta={})
        return counts


class AsyncLoginDuringStats(AsyncDictSessions[str, Any]):
    async def _stats(self) -> Any:
        counts = await super()._stats()
        await self.create_session(user_id="late", label="phone", meta={})
        return counts


async def _breakdown(store: AsyncDictSessions[str, Any]) -> SessionStats:
    await store.create_session(user_id="ann", label="laptop", meta={})
    return await store.stats(breakdown=True)


def test_a_breakdown_agrees_with_its_own_counts_when_logins_race_it() -> None:
    sync = LoginDuringStats()
    sync.create_session(user_id="ann", label="laptop", meta={})
    for stats in (sync.stats(breakdown=True), asyncio.run(_breakdown(AsyncLoginDuringStats()))):
        assert stats.by_label is not None and stats.sessions_per_user is not None
        assert stats.sessions == sum(stats.by_label.values()) == 2, stats
        assert stats.users == sum(stats.sessions_per_user.values()) == 2, stats
