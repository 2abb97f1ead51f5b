"""Load and memory bounds: many threads and tasks against one store for a
bounded time; per-user limits under racing creates; prune leaves nothing
dead behind; 100,000 attempts for one user stay capped."""

from __future__ import annotations

import asyncio
import os
import random
import secrets
import statistics
import threading
import time
from datetime import timedelta
from typing import Any

import pytest
import redis

from authsessions import AsyncRedisSessions, RedisSessions, SessionId, SessionPolicy
from authsessions.testing import FakeClock

from .consistency import check_consistency, snapshot

pytestmark = [pytest.mark.redis, pytest.mark.slow]

SECONDS = float(os.environ.get("AUTHSESSIONS_LOAD_SECONDS", "2"))


def _report(name: str, latencies: list[float], errors: list[BaseException]) -> None:
    ordered = sorted(latencies)
    p99 = ordered[int(len(ordered) * 0.99) - 1] if ordered else 0.0
    print(
        f"{name}: {len(ordered)} operations in {SECONDS:.0f}s, "
        f"p50 {statistics.median(ordered) * 1e6:.0f} us, p99 {p99 * 1e6:.0f} us, "
        f"{len(errors)} errors"
    )


def _step(store: Any, rng: random.Random, mine: list[str], user: str) -> Any:
    op = rng.random()
    if op < 0.3 or not mine:
        mine.append(store.create_session(user_id=user, label="load", meta={"n": len(mine)}))
    elif op < 0.8:
        store.get_session(rng.choice(mine))
    elif op < 0.88:
        new = store.rotate_session(mine.pop())
        if new is not None:
            mine.append(new)
    elif op < 0.96:
        store.destroy_session(mine.pop())
    else:
        store.get_sessions_for_user(user)


def test_threads_hammering_one_sync_store(redis_server: Any) -> None:
    prefix = f"load{secrets.token_hex(3)}:"
    client = redis.Redis.from_url(redis_server.url, max_connections=64)
    store = RedisSessions(client, prefix=prefix, policy=SessionPolicy(max_sessions_per_user=20))
    latencies: list[float] = []
    errors: list[BaseException] = []
    deadline = time.monotonic() + SECONDS

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        mine: list[str] = []
        local: list[float] = []
        try:
            while time.monotonic() < deadline:
                started = time.perf_counter()
                _step(store, rng, mine, f"user{seed % 4}")
                local.append(time.perf_counter() - started)
        except Exception as err:  # collected and asserted below
            errors.append(err)
        latencies.extend(local)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    _report("sync, 8 threads", latencies, errors)
    assert not errors, errors[:3]
    snap = check_consistency(client, prefix)
    assert all(len(members) <= 20 for members in snap.entries.values())
    for user in range(4):
        store.destroy_sessions_for_user(f"user{user}")
    client.close()


def test_tasks_hammering_one_async_store(redis_server: Any) -> None:
    prefix = f"aload{secrets.token_hex(3)}:"
    latencies: list[float] = []
    errors: list[BaseException] = []

    async def main() -> None:
        store = AsyncRedisSessions.from_url(
            redis_server.url, prefix=prefix, policy=SessionPolicy(max_sessions_per_user=20)
        )
        deadline = time.monotonic() + SECONDS

        async def worker(seed: int) -> None:
            rng = random.Random(seed)
            mine: list[SessionId] = []
            user = f"user{seed % 4}"
            try:
                while time.monotonic() < deadline:
                    started = time.perf_counter()
                    op = rng.random()
                    if op < 0.3 or not mine:
                        mine.append(await store.create_session(user_id=user, label="l", meta={}))
                    elif op < 0.85:
                        await store.get_session(rng.choice(mine))
                    elif op < 0.93:
                        new = await store.rotate_session(mine.pop())
                        if new is not None:
                            mine.append(new)
                    else:
                        await store.destroy_session(mine.pop())
                    latencies.append(time.perf_counter() - started)
            except Exception as err:  # collected and asserted below
                errors.append(err)

        await asyncio.gather(*(worker(i) for i in range(50)))
        for user in range(4):
            await store.destroy_sessions_for_user(f"user{user}")
        await store.aclose()

    asyncio.run(main())
    _report("asyncio, 50 tasks", latencies, errors)
    assert not errors, errors[:3]
    client = redis.Redis.from_url(redis_server.url)
    check_consistency(client, prefix)
    client.close()


def test_the_per_user_limit_holds_under_racing_creates(redis_server: Any) -> None:
    prefix = f"cap{secrets.token_hex(3)}:"
    client = redis.Redis.from_url(redis_server.url, max_connections=32)
    store = RedisSessions(client, prefix=prefix, policy=SessionPolicy(max_sessions_per_user=10))
    barrier = threading.Barrier(8)

    def worker() -> None:
        barrier.wait()
        for _ in range(100):
            store.create_session(user_id="popular", label="", meta={})

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    snap = check_consistency(client, prefix)
    assert len(snap.records) == 10
    assert len(store.get_sessions_for_user("popular")) == 10
    store.destroy_sessions_for_user("popular")
    client.close()


def test_a_flood_of_creates_for_one_user_stays_capped(redis_server: Any) -> None:
    prefix = f"flood{secrets.token_hex(3)}:"
    client = redis.Redis.from_url(redis_server.url, max_connections=16)
    store = RedisSessions(client, prefix=prefix)  # default policy: 100 per user
    attempts = int(os.environ.get("AUTHSESSIONS_FLOOD_ATTEMPTS", "20000"))
    per_thread = attempts // 4

    def worker() -> None:
        for _ in range(per_thread):
            store.create_session(user_id="attacker", label="x" * 200, meta={"pad": "y" * 500})

    started = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    snap = check_consistency(client, prefix)
    memory = sum(client.memory_usage(k) or 0 for k in client.scan_iter(match=prefix + "*"))
    print(
        f"{per_thread * 4} creates for one user in {time.monotonic() - started:.1f}s: "
        f"{len(snap.records)} records kept, {memory} bytes"
    )
    assert len(snap.records) == 100
    assert memory < 200_000
    store.destroy_sessions_for_user("attacker")
    client.close()


def test_prune_removes_every_expired_record_and_dangling_entry(redis_server: Any) -> None:
    prefix = f"prune{secrets.token_hex(3)}:"
    client = redis.Redis.from_url(redis_server.url)
    clock = FakeClock()
    store = RedisSessions(
        client, prefix=prefix, clock=clock, policy=SessionPolicy(idle_ttl=timedelta(minutes=5))
    )
    for i in range(30):
        store.create_session(user_id=f"u{i % 5}", label="", meta={})
    survivors = [store.create_session(user_id="stays", label="", meta={})]
    snap = snapshot(client, prefix)
    # damage from outside, as eviction or a manual DEL would: a record
    # without its index entry's record, and an index key gone; both taken
    # from other users than "stays" (keys name a user by tag only)
    kept = f"{prefix}{{{survivors[0][:16]}}}:"
    client.delete(next(k for k in sorted(snap.records) if not k.startswith(kept)))
    client.delete(next(k for k in sorted(snap.entries) if not k.startswith(kept)))
    clock.advance(timedelta(minutes=4))
    survivors.append(store.create_session(user_id="stays", label="", meta={}))
    store.get_session(survivors[0])
    clock.advance(timedelta(minutes=2))
    removed = store.prune()
    after = check_consistency(client, prefix)
    assert removed > 0
    assert len(after.records) == 2
    assert all(store.get_session(sid) is not None for sid in survivors)
    assert store.prune() == 0
    store.destroy_sessions_for_user("stays")
    client.close()
