"""authsessions benchmarks: medians of interleaved rounds, as ratios to
baselines measured in the same run. See benchmarks/README.md.

    python benchmarks/bench.py [--rounds 7] [--n 1000] [--placement same|cross|none] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import redis
import redis.asyncio

sys.path.insert(0, os.path.dirname(__file__))
from authsessions._embedded import RedisServer
from baselines import MinimalDictStore, TsPortStore

from authsessions import (
    AsyncRedisSessions,
    InMemorySessions,
    RedisSessions,
    SessionPolicy,
)
from authsessions import _scripts as scripts
from authsessions._ids import parse_session_id

UNLIMITED = SessionPolicy(max_sessions_per_user=None)
THROTTLED = SessionPolicy(max_sessions_per_user=None, touch_interval=timedelta(hours=1))


def now_ms() -> int:
    return time.time_ns() // 1_000_000


class Bench:
    """Cases timed in interleaved rounds: every round runs every case once."""

    def __init__(self, rounds: int, n: int) -> None:
        self.rounds, self.n = rounds, n
        self.cases: dict[str, tuple[Callable[[int], Any], Callable[[], Any] | None]] = {}
        self.samples: dict[str, list[float]] = {}

    def add(self, name: str, fn: Callable[[], Any], setup: Callable[[int], Any] | None = None,
            n: int | None = None) -> None:  # fmt: skip
        count = n or self.n

        def run(_: int) -> float:
            state = setup(count) if setup else None
            if state is not None:
                items = iter(state)
                start = time.perf_counter_ns()
                for _ in range(count):
                    fn(next(items))  # type: ignore[call-arg]
            else:
                start = time.perf_counter_ns()
                for _ in range(count):
                    fn()
            return (time.perf_counter_ns() - start) / count / 1000

        self.cases[name] = (run, None)

    def add_async(self, name: str, loop: asyncio.AbstractEventLoop,
                  fn: Callable[[], Awaitable[Any]], n: int | None = None,
                  concurrency: int = 1) -> None:  # fmt: skip
        count = n or self.n

        async def worker(k: int) -> None:
            for _ in range(k):
                await fn()

        async def all_workers(per: int) -> None:
            await asyncio.gather(*(worker(per) for _ in range(concurrency)))

        def run(_: int) -> float:
            start = time.perf_counter_ns()
            per = count // concurrency
            loop.run_until_complete(all_workers(per))
            return (time.perf_counter_ns() - start) / (per * concurrency) / 1000

        self.cases[name] = (run, None)

    def run(self) -> dict[str, float]:
        for r in range(self.rounds):
            for name, (case, _) in self.cases.items():
                self.samples.setdefault(name, []).append(case(r))
            print(f"  round {r + 1}/{self.rounds} done", file=sys.stderr)
        return {name: statistics.median(v) for name, v in self.samples.items()}


def pin(placement: str, server: RedisServer) -> str:
    if placement == "none" or not hasattr(os, "sched_setaffinity") or os.cpu_count() == 1:
        return "unpinned"
    assert server.process is not None
    os.sched_setaffinity(0, {0})
    os.sched_setaffinity(server.process.pid, {0} if placement == "same" else {1})
    return "client and server on vCPU 0" if placement == "same" else "client vCPU 0, server vCPU 1"


def populate(
    client: redis.Redis, store: RedisSessions[Any, Any], users: list[str], per_user: int
) -> None:
    """Create sessions fast: the create script, pipelined."""
    layout = store._layout
    calls = []
    for user in users:
        user_json = layout.codec.encode_user_id(user)
        meta_json = layout.codec.encode_meta({"role": "user", "theme": "dark"})
        for _ in range(per_user):
            _, parsed, args = layout.new_record(user_json, "Firefox on Linux", meta_json, now_ms())
            calls.append((layout.keys_of(parsed.key), args))
    for start in range(0, len(calls), 2000):
        with client.pipeline(transaction=False) as pipe:
            for keys, args in calls[start : start + 2000]:
                pipe.evalsha(scripts.CREATE.sha, 2, *keys, *args)
            pipe.execute()


def read_args(
    store: Any, session_id: str, policy: SessionPolicy
) -> tuple[list[str], Callable[[], list[Any]]]:
    parsed = parse_session_id(session_id)
    assert parsed is not None
    layout = store._layout
    keys = layout.keys_of(parsed.key)
    fixed = [
        parsed.secret_hash().hex(),
        parsed.local,
        layout.idle,
        policy.touch_interval_ms,
        layout.grace_ms,
    ]
    return keys, lambda: [now_ms(), *fixed]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--n", type=int, default=1000, help="calls per case per round")
    parser.add_argument("--placement", choices=["same", "cross", "none"], default="same")
    parser.add_argument("--quick", action="store_true", help="small N and few rounds (CI smoke)")
    args = parser.parse_args()
    if args.quick:
        args.rounds, args.n = 3, 200
    large = [1_000, 10_000] if args.quick else [1_000, 10_000, 100_000]

    server = RedisServer(extra_args=["--maxmemory", "0"]).start()
    placement = pin(args.placement, server)
    try:
        return run_all(args, server, placement, large)
    finally:
        server.cleanup()


def run_all(args: Any, server: RedisServer, placement: str, large: list[int]) -> int:
    client = redis.Redis.from_url(server.url)
    parser_name = "hiredis" if redis.utils.HIREDIS_AVAILABLE else "python"
    client.set("floor", b"x" * 16)
    client.script_load(scripts.CREATE.source)
    store = RedisSessions(client, prefix="b:", policy=UNLIMITED)
    throttled = RedisSessions(client, prefix="b:", policy=THROTTLED)
    sid = store.create_session(
        user_id="alice", label="Firefox on Linux", meta={"role": "user", "theme": "dark"}
    )
    sid2 = throttled.create_session(
        user_id="bob", label="Firefox on Linux", meta={"role": "user", "theme": "dark"}
    )
    for k in [1, 50, 1000]:
        populate(client, store, [f"k{k}"], k)
    ts = TsPortStore(client)
    ts_id = ts.create_session("alice", "Firefox on Linux", {"role": "user", "theme": "dark"})
    memory = InMemorySessions(policy=UNLIMITED)
    mem_sid = memory.create_session(user_id="alice", label="x", meta={})
    minimal = MinimalDictStore()
    min_sid = minimal.create("alice")

    bench = Bench(args.rounds, args.n)
    bench.add("sync GET floor", lambda: client.get("floor"))
    keys, fresh = read_args(store, sid, UNLIMITED)
    bench.add("sync validate, touching", lambda: store.get_user_id_from_session(sid))
    bench.add(
        "sync bare read script, touching",
        lambda: client.evalsha(scripts.READ.sha, 2, *keys, *fresh()),
    )
    keys2, fresh2 = read_args(throttled, sid2, THROTTLED)
    bench.add("sync validate, throttled", lambda: throttled.get_user_id_from_session(sid2))
    bench.add("sync get_session, throttled", lambda: throttled.get_session(sid2))
    bench.add(
        "sync bare read script, throttled",
        lambda: client.evalsha(scripts.READ.sha, 2, *keys2, *fresh2()),
    )
    bench.add("sync get_session, touching", lambda: store.get_session(sid))
    bench.add("TS port validate (HGET + HSET)", lambda: ts.get_user_id_from_session(ts_id))

    layout = store._layout
    user_json = layout.codec.encode_user_id("creator")
    meta_json = layout.codec.encode_meta({"role": "user"})
    bench.add(
        "sync create",
        lambda: store.create_session(user_id="creator", label="l", meta={"role": "user"}),
    )

    def bare_create() -> None:
        _, parsed, cargs = layout.new_record(user_json, "l", meta_json, now_ms())
        client.evalsha(scripts.CREATE.sha, 2, *layout.keys_of(parsed.key), *cargs)

    bench.add("sync bare create script", bare_create)

    for k in (1, 50, 1000):
        user = f"k{k}"
        idx = layout.index_key(
            layout.codec
            and __import__("authsessions._ids", fromlist=["user_tag"]).user_tag(
                layout.codec.encode_user_id(user)
            )
        )
        ujson = layout.codec.encode_user_id(user)
        n = max(20, args.n // (k // 10 + 1))
        bench.add(
            f"sync get_sessions_for_user k={k}",
            lambda user=user: store.get_sessions_for_user(user),
            n=n,
        )
        bench.add(f"sync bare list script k={k}",
                  lambda idx=idx, ujson=ujson: client.evalsha(scripts.LIST_USER.sha, 1, idx, now_ms(), 0, ujson), n=n)  # fmt: skip

    rot = [store.create_session(user_id="rotator", label="", meta={})]
    bench.add("sync rotate", lambda: rot.append(store.rotate_session(rot.pop())))  # type: ignore[func-returns-value]
    rparsed = parse_session_id(store.create_session(user_id="rotator2", label="", meta={}))
    assert rparsed is not None
    hashes = [rparsed.secret_hash().hex(), "0" * 64]
    rkeys = layout.keys_of(rparsed.key)

    def bare_rotate() -> None:
        client.evalsha(
            scripts.ROTATE.sha, 2, *rkeys, now_ms(), hashes[0], rparsed.local, 0, hashes[1]
        )
        hashes.reverse()

    bench.add("sync bare rotate script", bare_rotate)

    def fresh_ids(count: int) -> list[str]:
        return [store.create_session(user_id="doomed", label="", meta={}) for _ in range(count)]

    def fresh_bare(count: int) -> list[tuple[list[str], list[Any]]]:
        out = []
        for session_id in fresh_ids(count):
            p = parse_session_id(session_id)
            assert p is not None
            out.append((layout.keys_of(p.key), [p.secret_hash().hex(), p.local, 0]))
        return out

    bench.add("sync destroy", store.destroy_session, setup=fresh_ids)  # type: ignore[arg-type]
    bench.add("sync bare destroy script",
              lambda item: client.evalsha(scripts.DESTROY.sha, 2, *item[0], now_ms(), *item[1]),  # type: ignore[misc]
              setup=fresh_bare)  # fmt: skip
    bench.add(
        "memory validate (InMemorySessions)", lambda: memory.get_user_id_from_session(mem_sid)
    )
    bench.add("memory validate (minimal dict store)", lambda: minimal.validate(min_sid))

    loop = asyncio.new_event_loop()
    aclient = redis.asyncio.Redis.from_url(server.url)
    astore = AsyncRedisSessions(aclient, prefix="b:", policy=UNLIMITED)
    athrottled = AsyncRedisSessions(aclient, prefix="b:", policy=THROTTLED)
    from starsessions.serializers import JsonSerializer
    from starsessions.stores.redis import RedisStore

    star = RedisStore(connection=aclient, prefix="star.")
    serializer = JsonSerializer()
    session_data = {"user_id": "alice", "label": "Firefox on Linux", "meta": {"role": "user", "theme": "dark"},
                    "created_at": 1, "last_used_at": 1}  # fmt: skip
    star_id = loop.run_until_complete(
        star.write("s" * 43, serializer.serialize(session_data), 3600, 3600)
    )

    async def star_load() -> Any:
        return serializer.deserialize(await star.read(star_id, 3600))

    async def star_save() -> Any:
        return await star.write(star_id, serializer.serialize(session_data), 3600, 3600)

    async def abare_read() -> Any:
        return await aclient.evalsha(scripts.READ.sha, 2, *keys, *fresh())

    async def abare_throttled() -> Any:
        return await aclient.evalsha(scripts.READ.sha, 2, *keys2, *fresh2())

    bench.add_async("async GET floor", loop, lambda: aclient.get("floor"))
    bench.add_async("async validate, touching", loop, lambda: astore.get_user_id_from_session(sid))
    bench.add_async("async bare read script, touching", loop, abare_read)
    bench.add_async("async get_session, throttled", loop, lambda: athrottled.get_session(sid2))
    bench.add_async("async bare read script, throttled", loop, abare_throttled)
    bench.add_async("starsessions load (read + JSON)", loop, star_load)
    bench.add_async("starsessions save (JSON + write)", loop, star_save)
    bench.add_async(
        "async create",
        loop,
        lambda: astore.create_session(user_id="creator", label="l", meta={"role": "user"}),
    )
    bench.add_async(
        "async get_sessions_for_user k=50",
        loop,
        lambda: astore.get_sessions_for_user("k50"),
        n=max(20, args.n // 6),
    )
    bench.add_async(
        "async GET floor, 50 tasks", loop, lambda: aclient.get("floor"), concurrency=50
    )
    bench.add_async(
        "async validate touching, 50 tasks",
        loop,
        lambda: astore.get_user_id_from_session(sid),
        concurrency=50,
    )

    print(f"redis-py {redis.__version__}, parser {parser_name}, {placement}, "
          f"{args.rounds} interleaved rounds x {args.n} calls", file=sys.stderr)  # fmt: skip
    med = bench.run()

    # large stores: list_sessions, prune, scaling, and the TS port's listing
    scale: dict[int, dict[str, float]] = {}
    total = 0
    for size in large:
        need = size - total
        populate(client, store, [f"bulk{total + i}" for i in range(need // 10)], 10)
        total = size
        ts_users = need // 10
        with client.pipeline(transaction=False) as pipe:
            for i in range(need):
                sid_ts = f"{size}-{i}"
                pipe.hset(f"tsport:{sid_ts}", mapping={"userId": f"bulk{i % max(ts_users, 1)}", "label": "x",
                                                        "meta": "{}", "createdAt": "1", "lastUsedAt": "1"})  # fmt: skip
                if len(pipe) >= 2000:
                    pipe.execute()
            pipe.execute()
        row: dict[str, list[float]] = {}
        for _ in range(3):
            for name, fn, reps in [
                ("get_sessions_for_user k=10", lambda: store.get_sessions_for_user("bulk0"), 200),
                (
                    "TS port get_sessions_for_user k=10",
                    lambda: ts.get_sessions_for_user("bulk0"),
                    1,
                ),
                ("list_sessions", store.list_sessions, 1),
                ("prune", store.prune, 1),
            ]:
                start = time.perf_counter_ns()
                for _ in range(reps):
                    fn()
                row.setdefault(name, []).append((time.perf_counter_ns() - start) / reps / 1000)
        scale[size] = {k: statistics.median(v) for k, v in row.items()}
        print(f"  N={size} done", file=sys.stderr)

    report(med, scale, parser_name, placement, args)
    loop.run_until_complete(aclient.aclose())
    loop.close()
    client.close()
    return 0


def report(med: dict[str, float], scale: dict[int, dict[str, float]], parser_name: str,
           placement: str, args: Any) -> None:  # fmt: skip
    rows: list[tuple[str, float, str, float, float, str, bool | None]] = []

    def vs(
        ours: str, base: str, target: str, ok: Callable[[float], bool], *, inverse: bool = False
    ) -> None:
        a, b = med[ours], med[base]
        ratio = (a / b) if inverse else (b / a)
        rows.append((ours, a, base, b, ratio, target, ok(ratio)))

    for ours, base in [
        ("sync validate, touching", "sync bare read script, touching"),
        ("sync validate, throttled", "sync bare read script, throttled"),
        ("sync get_session, throttled", "sync bare read script, throttled"),
        ("sync create", "sync bare create script"),
        ("sync rotate", "sync bare rotate script"),
        ("sync destroy", "sync bare destroy script"),
        ("sync get_sessions_for_user k=1", "sync bare list script k=1"),
        ("sync get_sessions_for_user k=50", "sync bare list script k=50"),
        ("sync get_sessions_for_user k=1000", "sync bare list script k=1000"),
        ("async validate, touching", "async bare read script, touching"),
        ("async get_session, throttled", "async bare read script, throttled"),
    ]:
        vs(ours, base, ">= 0.85x bare-script throughput", lambda r: r >= 0.85)
    vs("sync validate, touching", "sync GET floor", ">= 0.5x GET throughput", lambda r: r >= 0.5)
    vs(
        "sync validate, throttled",
        "sync GET floor",
        ">= 0.65x GET throughput",
        lambda r: r >= 0.65,
    )
    vs("async validate, touching", "async GET floor", ">= 0.5x GET throughput", lambda r: r >= 0.5)
    vs(
        "async get_session, throttled",
        "async GET floor",
        ">= 0.65x GET throughput",
        lambda r: r >= 0.65,
    )
    vs(
        "async validate touching, 50 tasks",
        "async GET floor, 50 tasks",
        ">= 0.5x GET throughput",
        lambda r: r >= 0.5,
    )
    vs(
        "sync get_sessions_for_user k=50",
        "sync GET floor",
        "<= 3x GET latency",
        lambda r: r <= 3,
        inverse=True,
    )
    vs(
        "sync validate, touching",
        "TS port validate (HGET + HSET)",
        ">= 1.2x faster",
        lambda r: r >= 1.2,
    )
    vs(
        "async get_session, throttled",
        "starsessions load (read + JSON)",
        ">= 0.9x throughput",
        lambda r: r >= 0.9,
    )
    vs("async create", "starsessions save (JSON + write)", "(for reference)", lambda r: True)
    vs("memory validate (InMemorySessions)", "memory validate (minimal dict store)", "<= 2x latency",
       lambda r: r <= 2, inverse=True)  # fmt: skip

    print(
        f"\n### Results ({parser_name} parser, {placement}, median of {args.rounds} interleaved rounds)\n"
    )
    print("| operation | µs | baseline | baseline µs | ratio | target | met |")
    print("|---|---|---|---|---|---|---|")
    for ours, a, base, b, ratio, target, ok in rows:
        print(
            f"| {ours} | {a:.1f} | {base} | {b:.1f} | {ratio:.2f} | {target} | {'yes' if ok else 'MISSED'} |"
        )
    print("\n### Large stores (median of 3)\n")
    sizes = sorted(scale)
    print("| operation | " + " | ".join(f"N={n:,}" for n in sizes) + " |")
    print("|---|" + "---|" * len(sizes))
    for name in [
        "get_sessions_for_user k=10",
        "TS port get_sessions_for_user k=10",
        "list_sessions",
        "prune",
    ]:
        print(f"| {name} (µs) | " + " | ".join(f"{scale[n][name]:,.0f}" for n in sizes) + " |")
    flat = (
        scale[sizes[-1]]["get_sessions_for_user k=10"]
        / scale[sizes[0]]["get_sessions_for_user k=10"]
    )
    speedup = (
        scale[sizes[-1]]["TS port get_sessions_for_user k=10"]
        / scale[sizes[-1]]["get_sessions_for_user k=10"]
    )
    print(f"\nget_sessions_for_user(k=10) at N={sizes[-1]:,} vs N={sizes[0]:,}: {flat:.2f}x "
          f"(target: flat) {'yes' if flat < 1.5 else 'MISSED'}")  # fmt: skip
    print(f"vs the TS port at N={sizes[-1]:,}: {speedup:,.0f}x faster (target >= 100x) "
          f"{'yes' if speedup >= 100 else 'MISSED'}")  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
