"""Concurrency: racing creates, reads, rotations and destroys from
threads (sync stores) or tasks (asyncio stores) leave no live session
missing from its user's index, no destroyed session alive, and the per-user
cap intact."""

from __future__ import annotations

import asyncio
import random
import threading
from collections.abc import Callable
from typing import Any

from authsessions import SessionPolicy

from .._base import ContractBase, StoreFactory
from .._driver import StoreDriver


class _Log:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.issued: list[tuple[Any, str]] = []
        self.dead: set[str] = set()
        self.errors: list[BaseException] = []


_ROUNDS = 40
_RACERS = 8


async def _racer(
    call: Callable[..., Any], users: tuple[Any, Any], meta: Any, log: _Log, seed: int
) -> None:
    """A seeded random plan of creates, reads, rotations and destroys;
    ``call(name, *args, **kwargs)`` is awaited (for a sync store it runs the
    method in the racer's own thread)."""
    rng = random.Random(seed)
    ops = ["create", "create", "read", "read", "rotate", "destroy", "destroy_user", "list"]
    mine: list[tuple[Any, str]] = []
    try:
        for i in range(_ROUNDS):
            op = rng.choice(ops)
            user = users[(seed + i) % 2]
            if op == "create" or not mine:
                session_id = await call(
                    "create_session", user_id=user, label=f"w{seed}", meta=meta
                )
                mine.append((user, session_id))
                with log.lock:
                    log.issued.append((user, session_id))
            elif op == "read":
                await call("get_session", mine[-1][1])
            elif op == "rotate":
                owner, old = mine.pop()
                new = await call("rotate_session", old)
                if new is not None:
                    mine.append((owner, new))
                    with log.lock:
                        log.dead.add(old)
                        log.issued.append((owner, new))
            elif op == "destroy":
                _, old = mine.pop()
                if await call("destroy_session", old):
                    with log.lock:
                        log.dead.add(old)
            elif op == "destroy_user":
                await call("destroy_sessions_for_user", user, keep=mine[-1][1])
            else:
                await call("get_sessions_for_user", user)
    except Exception as err:  # reported by the rule, with the others
        with log.lock:
            log.errors.append(err)


def _race(driver: StoreDriver, users: tuple[Any, Any], meta: Any, log: _Log) -> None:
    store = driver.store
    if driver.is_async:

        async def call_async(name: str, *args: Any, **kwargs: Any) -> Any:
            return await getattr(store, name)(*args, **kwargs)

        async def gather() -> None:
            await asyncio.gather(
                *(_racer(call_async, users, meta, log, s) for s in range(_RACERS))
            )

        driver.run(gather())
        return

    async def call_sync(name: str, *args: Any, **kwargs: Any) -> Any:
        return getattr(store, name)(*args, **kwargs)

    threads = [
        threading.Thread(
            target=lambda seed=seed: asyncio.run(_racer(call_sync, users, meta, log, seed))
        )
        for seed in range(_RACERS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


class ConcurrencyRules(ContractBase):
    def test_concurrent_operations_leave_every_live_session_indexed(
        self, sessions_factory: StoreFactory
    ) -> None:
        users = self._sample_users()
        meta = self._sample_metas()[0]
        policy = SessionPolicy(max_sessions_per_user=6)
        with self.open(sessions_factory, policy=policy) as store:
            store.users.extend(users)
            log = _Log()
            _race(store.driver, users, meta, log)
            assert not log.errors, f"operations raised: {log.errors[:3]}"
            listed = {user: set(store.keys(user)) for user in users}
            for user, session_id in log.issued:
                key = session_id.partition(".")[0]
                live = store.get_session(session_id)
                if session_id in log.dead:
                    assert live is None, "a destroyed or rotated-away session came back"
                if live is not None:
                    assert live.user_id == user
                    assert key in listed[user], "a live session is missing from its user's index"
            for user in users:
                assert len(listed[user]) <= 6, "max_sessions_per_user broken under concurrency"
                for session in store.for_user(user):
                    assert session.user_id == user
