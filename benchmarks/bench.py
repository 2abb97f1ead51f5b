"""authsessions benchmarks: medians of interleaved rounds, as ratios to
baselines measured in the same run. See benchmarks/README.md.

    python benchmarks/bench.py [--quick] [--sections ops,cap,admin,stream,memory,sql]
                               [--placement same|cross|none] [--rounds 7] [--n 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import redis
import redis.asyncio

sys.path.insert(0, os.path.dirname(__file__))
from _fill import LABEL, META, fill_sessions, fill_unrelated, script_args
from _sql import section_sql
from _timing import Bench, now_ms, paired, pin
from baselines import MinimalDictStore, TsPortStore, V1Creates

from authsessions import AsyncRedisSessions, InMemorySessions, RedisSessions, SessionPolicy
from authsessions.kit import dumps, mint_session_id, parse_session_id, user_tag
from authsessions.redis import EmbeddedRedis, find_redis_server
from authsessions.redis import _scripts as scripts
from authsessions.redis._layout import RedisLayout
from authsessions.redis._peek import Peeks

UNLIMITED = SessionPolicy(max_sessions_per_user=None)
THROTTLED = SessionPolicy(max_sessions_per_user=None, touch_interval=timedelta(hours=1))
HERE = os.path.dirname(os.path.abspath(__file__))


class Report:
    """Markdown tables, printed at the end."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    def table(self, title: str, headers: list[str], rows: list[list[Any]]) -> None:
        lines = [f"\n#### {title}\n", "| " + " | ".join(headers) + " |"]
        lines.append("|" + "---|" * len(headers))
        lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
        self.parts.append("\n".join(lines))

    def text(self, line: str) -> None:
        self.parts.append(f"\n{line}")

    def print(self) -> None:
        print("\n".join(self.parts))


def _ratio_row(med: dict[str, float], ours: str, base: str, target: float,
               op: str = ">=") -> list[Any]:  # fmt: skip
    a, b = med[ours], med[base]
    ratio = b / a  # throughput ratio: ours as a fraction of the baseline
    met = ratio >= target if op == ">=" else ratio <= target
    return [ours, f"{a:,.1f}", base, f"{b:,.1f}", f"{ratio:.2f}", f"{op} {target}x",
            "yes" if met else "MISSED"]  # fmt: skip


HEADERS = ["operation", "µs", "baseline", "baseline µs", "ratio", "target", "met"]


# -- single operations against their bare scripts ------------------------------------


def _instrumented(store: Any, *, sampled: float = 1.0, traces: bool = True,
                  metrics: bool = True, duration_sample: float = 1.0) -> Any:  # fmt: skip
    """``store`` with OpenTelemetry on, as a deployment would run it: the
    SDK's providers, spans batched to an exporter (one that drops them: the
    export happens off the request path), metrics aggregated in memory."""
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import (
        BatchSpanProcessor,
        SpanExporter,
        SpanExportResult,
    )

    from authsessions.otel import instrument

    class Dropped(SpanExporter):
        def export(self, spans: Any) -> SpanExportResult:
            return SpanExportResult.SUCCESS

    from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased

    tracer_provider = TracerProvider(sampler=ParentBased(TraceIdRatioBased(sampled)))
    tracer_provider.add_span_processor(BatchSpanProcessor(Dropped()))
    meter_provider = MeterProvider(metric_readers=[InMemoryMetricReader()])
    return instrument(store, tracer_provider=tracer_provider, meter_provider=meter_provider,
                      traces=traces, metrics=metrics,
                      duration_sample=duration_sample)  # fmt: skip


def _in_requests(call: Callable[[], Any], sampled_every: int = 0) -> Callable[[], Any]:
    """``call`` under a request span, made current as a web framework's
    instrumentation does (the baseline pays the same context switch): one
    the sampler dropped, or with ``sampled_every=k`` every k-th one kept
    (a 10% rate: nine requests in ten are dropped)."""
    from opentelemetry import context, trace
    from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags

    def request(flags: int) -> Any:
        span = SpanContext(0x5EED, 0x5EED, is_remote=False, trace_flags=TraceFlags(flags))
        return trace.set_span_in_context(NonRecordingSpan(span))

    dropped, kept = request(TraceFlags.DEFAULT), request(TraceFlags.SAMPLED)
    requests = [kept] + [dropped] * (sampled_every - 1) if sampled_every else [dropped]
    turn = itertools.cycle(requests)

    def run() -> Any:
        token = context.attach(next(turn))
        try:
            return call()
        finally:
            context.detach(token)

    return run


def section_otel(ctx: Any) -> None:
    """OpenTelemetry on against off: each row a pair of stores timed call
    by call (``paired``), a touching validate, the target's operation."""
    client, report = ctx.client, ctx.report
    prefix = "otel:"

    def store(**options: Any) -> Any:
        return _instrumented(RedisSessions(client, prefix=prefix, policy=UNLIMITED), **options)

    plain = RedisSessions(client, prefix=prefix, policy=UNLIMITED)
    sid = plain.create_session(user_id="alice", label="Firefox on Linux", meta={"role": "user"})
    deployed = store(sampled=0.1, duration_sample=0.1)
    cases = [
        ("metrics, every duration", store(traces=False), None),
        ("metrics, 10% of durations", store(traces=False, duration_sample=0.1), None),
        ("every call traced, every duration", store(), None),
        ("traces sampled at 10%, no request span; every duration", store(sampled=0.1), None),
        ("as deployed, in a request not sampled", deployed, 0),
        ("as deployed, in a sampled request", deployed, 1),
        ("as deployed, requests sampled at 10%", deployed, 10),
        ("as deployed, requests sampled at 1%", deployed, 100),
    ]
    rows = []
    for label, instrumented, requests in cases:
        on = lambda s=instrumented: s.get_user_id_from_session(sid)  # noqa: E731
        off = lambda: plain.get_user_id_from_session(sid)  # noqa: E731
        if requests is not None:
            on, off = _in_requests(on, requests), _in_requests(off, requests)
        print(f"  OpenTelemetry: {label}", file=sys.stderr)
        us_on, us_off = paired(on, off, rounds=ctx.rounds, n=ctx.n)
        rows.append(_ratio_row({label: us_on, "off": us_off}, label, "off", 0.9))
    report.table(
        f"OpenTelemetry on against off, a sync touching validate (median of {ctx.rounds} "
        f"rounds of {ctx.n} pairs, each pair timed call by call in alternating order; ratio = "
        f"off / on)", HEADERS, rows,
    )  # fmt: skip
    report.text(
        "The SDK's providers, spans batched to an exporter that drops them, metrics in "
        "memory. 'traces sampled at 10%': `ParentBased(TraceIdRatioBased(0.1))`; '10% of "
        "durations': `instrument(..., duration_sample=0.1)`; 'as deployed': both, under a "
        "request span made current by the web framework (the plain store under the same "
        "span), dropped or kept by the request's sampler."
    )


def _snapshot_commands(prefix: str, parsed: Any) -> list[tuple[str, ...]]:
    """The commands of a read between touches, as the store sends them."""
    return Peeks(RedisLayout(prefix), THROTTLED).commands(parsed)


def _bare_snapshot(client: Any, commands: list[tuple[str, ...]]) -> Any:
    """Those commands by hand on a pooled connection: the fewest steps
    redis-py allows, no checks of what comes back."""
    pool = client.connection_pool
    connection = pool.get_connection()
    try:
        connection.send_packed_command(connection.pack_commands(commands))
        return [connection.read_response() for _ in commands][-1]
    finally:
        pool.release(connection)


def section_ops(ctx: Any) -> None:
    client, url, report = ctx.client, ctx.url, ctx.report
    prefix = "ops:"
    store = RedisSessions(client, prefix=prefix, policy=UNLIMITED)
    throttled = RedisSessions(client, prefix=prefix, policy=THROTTLED)
    args = script_args(prefix, UNLIMITED)
    targs = script_args(prefix, THROTTLED)
    meta = {"role": "user", "theme": "dark"}
    sid = store.create_session(user_id="alice", label="Firefox on Linux", meta=meta)
    sid2 = throttled.create_session(user_id="bob", label="Firefox on Linux", meta=meta)
    for k in (1, 50, 1000):
        fill_sessions(client, prefix, [f"k{k}"], k, UNLIMITED)
    parsed, parsed2 = parse_session_id(sid), parse_session_id(sid2)
    assert parsed is not None and parsed2 is not None
    client.set("floor", b"x" * 16)
    bench = Bench(ctx.rounds, ctx.n)
    bench.add("sync GET floor", lambda: client.get("floor"))

    def bare(script: Any, call: Any) -> Any:
        keys, argv = call
        return client.evalsha(script.sha, len(keys), *keys, *argv)

    bench.add("sync validate, touching", lambda: store.get_user_id_from_session(sid))
    bench.add(
        "sync bare read script, touching", lambda: bare(scripts.READ, args.read(parsed, now_ms()))
    )
    bench.add("sync get_session, touching", lambda: store.get_session(sid))
    snapshot = _snapshot_commands(prefix, parsed2)
    bench.add("sync bare snapshot read, throttled", lambda: _bare_snapshot(client, snapshot))
    bench.add("sync validate, throttled", lambda: throttled.get_user_id_from_session(sid2))
    bench.add("sync get_session, throttled", lambda: throttled.get_session(sid2))
    bench.add(
        "sync bare read script, throttled",
        lambda: bare(scripts.READ, targs.read(parsed2, now_ms())),
    )
    user_json, meta_json = dumps("creator"), dumps({"role": "user"})
    tag = user_tag(user_json)
    bench.add(
        "sync create",
        lambda: store.create_session(user_id="creator", label="l", meta={"role": "user"}),
    )
    bench.add("sync bare create script",
              lambda: bare(scripts.CREATE, args.create(mint_session_id(tag), user_json, "l", meta_json, now_ms())))  # fmt: skip
    for k in (1, 50, 1000):
        user = f"k{k}"
        ktag, kjson = user_tag(dumps(user)), dumps(user)
        n = max(20, ctx.n // (k // 10 + 1))
        bench.add(
            f"sync get_sessions_for_user k={k}",
            lambda user=user: store.get_sessions_for_user(user),
            n=n,
        )
        bench.add(f"sync bare list script k={k}",
                  lambda ktag=ktag, kjson=kjson: bare(scripts.LIST_USER, args.list_user(ktag, kjson, now_ms())), n=n)  # fmt: skip
    rot = [store.create_session(user_id="rotator", label="", meta={})]
    bench.add("sync rotate", lambda: rot.append(store.rotate_session(rot.pop())))  # type: ignore[func-returns-value]
    rparsed = parse_session_id(store.create_session(user_id="rotator2", label="", meta={}))
    assert rparsed is not None
    current = [rparsed]

    def bare_rotate() -> None:
        new = current[0].rotated()
        bare(scripts.ROTATE, args.rotate(current[0], new, now_ms()))
        current[0] = new

    bench.add("sync bare rotate script", bare_rotate)

    def fresh(count: int) -> list[Any]:
        return [store.create_session(user_id="doomed", label="", meta={}) for _ in range(count)]

    bench.add("sync destroy", store.destroy_session, setup=fresh)
    bench.add("sync bare destroy script",
              lambda sid_: bare(scripts.DESTROY, args.destroy(sid_[:32], parse_session_id(sid_).secret_hash_hex(), now_ms())),  # type: ignore[union-attr]
              setup=fresh)  # fmt: skip
    memory = InMemorySessions(policy=UNLIMITED)
    mem_sid = memory.create_session(user_id="alice", label="x", meta={})
    minimal = MinimalDictStore()
    min_sid = minimal.create("alice")
    bench.add(
        "memory validate (InMemorySessions)", lambda: memory.get_user_id_from_session(mem_sid)
    )
    bench.add("memory validate (minimal dict store)", lambda: minimal.validate(min_sid))
    ts = TsPortStore(client)
    ts_id = ts.create_session("alice", "Firefox on Linux", meta)
    bench.add("TS port validate (HGET + HSET)", lambda: ts.get_user_id_from_session(ts_id))

    loop = asyncio.new_event_loop()
    aclient = redis.asyncio.Redis.from_url(url)
    astore = AsyncRedisSessions(aclient, prefix=prefix, policy=UNLIMITED)
    athrottled = AsyncRedisSessions(aclient, prefix=prefix, policy=THROTTLED)

    async def abare(script: Any, call: Any) -> Any:
        keys, argv = call
        return await aclient.evalsha(script.sha, len(keys), *keys, *argv)

    from starsessions.serializers import JsonSerializer
    from starsessions.stores.redis import RedisStore

    star, serializer = RedisStore(connection=aclient, prefix="star."), JsonSerializer()
    data = {
        "user_id": "alice",
        "label": "Firefox on Linux",
        "meta": meta,
        "created_at": 1,
        "last_used_at": 1,
    }
    star_id = loop.run_until_complete(star.write("s" * 43, serializer.serialize(data), 3600, 3600))

    async def star_load() -> Any:
        return serializer.deserialize(await star.read(star_id, 3600))

    bench.add_async("async GET floor", loop, lambda: aclient.get("floor"))
    bench.add_async("async validate, touching", loop, lambda: astore.get_user_id_from_session(sid))
    bench.add_async(
        "async bare read script, touching",
        loop,
        lambda: abare(scripts.READ, args.read(parsed, now_ms())),
    )
    bench.add_async("async get_session, throttled", loop, lambda: athrottled.get_session(sid2))
    bench.add_async(
        "async bare read script, throttled",
        loop,
        lambda: abare(scripts.READ, targs.read(parsed2, now_ms())),
    )
    bench.add_async(
        "async create",
        loop,
        lambda: astore.create_session(user_id="creator", label="l", meta={"role": "user"}),
    )
    bench.add_async("async bare create script", loop,
                    lambda: abare(scripts.CREATE, args.create(mint_session_id(tag), user_json, "l", meta_json, now_ms())))  # fmt: skip
    for k in (50, 1000):
        user, ktag, kjson = f"k{k}", user_tag(dumps(f"k{k}")), dumps(f"k{k}")
        n = max(20, ctx.n // (k // 10 + 1))
        bench.add_async(
            f"async get_sessions_for_user k={k}",
            loop,
            lambda user=user: astore.get_sessions_for_user(user),
            n=n,
        )
        bench.add_async(f"async bare list script k={k}", loop,
                        lambda ktag=ktag, kjson=kjson: abare(scripts.LIST_USER, args.list_user(ktag, kjson, now_ms())), n=n)  # fmt: skip
    bench.add_async("starsessions load (read + JSON)", loop, star_load)
    bench.add_async(
        "async GET floor, 50 tasks", loop, lambda: aclient.get("floor"), concurrency=50
    )
    bench.add_async(
        "async validate touching, 50 tasks",
        loop,
        lambda: astore.get_user_id_from_session(sid),
        concurrency=50,
    )
    med = bench.run("single operations")
    loop.run_until_complete(aclient.aclose())
    loop.close()

    rows = []
    for ours, base, target in [
        ("sync validate, touching", "sync bare read script, touching", 0.85),
        ("sync validate, throttled", "sync bare read script, throttled", 0.85),
        ("sync get_session, touching", "sync bare read script, touching", 0.85),
        ("sync get_session, throttled", "sync bare read script, throttled", 0.85),
        ("sync validate, throttled", "sync bare snapshot read, throttled", 0.85),
        ("sync get_session, throttled", "sync bare snapshot read, throttled", 0.9),
        ("sync create", "sync bare create script", 0.85),
        ("sync rotate", "sync bare rotate script", 0.85),
        ("sync destroy", "sync bare destroy script", 0.85),
        ("sync get_sessions_for_user k=1", "sync bare list script k=1", 0.75),
        ("sync get_sessions_for_user k=50", "sync bare list script k=50", 0.75),
        ("sync get_sessions_for_user k=1000", "sync bare list script k=1000", 0.7),
        ("async validate, touching", "async bare read script, touching", 0.85),
        ("async get_session, throttled", "async bare read script, throttled", 0.85),
        ("async create", "async bare create script", 0.85),
        ("async get_sessions_for_user k=50", "async bare list script k=50", 0.75),
        ("async get_sessions_for_user k=1000", "async bare list script k=1000", 0.7),
        ("sync validate, touching", "sync GET floor", 0.5),
        ("async validate touching, 50 tasks", "async GET floor, 50 tasks", 0.5),
        ("sync validate, touching", "TS port validate (HGET + HSET)", 1.2),
        ("async get_session, throttled", "starsessions load (read + JSON)", 0.9),
    ]:
        rows.append(_ratio_row(med, ours, base, target))
    rows.append(
        _ratio_row(
            med, "memory validate (InMemorySessions)", "memory validate (minimal dict store)", 0.5
        )
    )
    report.table(
        f"Single operations against the same work done bare (median of {ctx.rounds} interleaved "
        f"rounds; ratio = baseline time / our time)", HEADERS, rows,
    )  # fmt: skip


# -- creating at the per-user cap ------------------------------------------------------


def section_cap(ctx: Any) -> None:
    client, report = ctx.client, ctx.report
    caps = [10, 100, 1000] if ctx.quick else [10, 100, 1000, 10_000]
    rows = []
    for cap in caps:
        policy = SessionPolicy(max_sessions_per_user=cap)
        prefix = f"cap{cap}:"
        store = RedisSessions(client, prefix=prefix, policy=policy)
        fill_sessions(client, prefix, ["full"], cap, policy)
        v1 = V1Creates(client, f"v1cap{cap}:", cap)
        v1_user = dumps("full")
        v1_tag = user_tag(v1_user)
        for _ in range(cap):
            v1.create(v1_user, v1_tag)
        fresh = iter(range(10**9))
        bench = Bench(ctx.rounds, max(50, ctx.n // 4))

        def below(store: Any = store, fresh: Any = fresh) -> None:
            store.create_session(user_id=f"new{next(fresh)}", label="l", meta={})

        def at(store: Any = store) -> None:
            store.create_session(user_id="full", label="l", meta={})

        def old(v1: Any = v1, user: str = v1_user, tag: str = v1_tag) -> None:
            v1.create(user, tag)

        bench.add("below the cap (a new user)", below)
        bench.add("at the cap (evicts one)", at)
        bench.add("0.1's script at the cap", old, n=max(5, 20_000 // cap))
        med = bench.run(f"create at cap {cap}")
        below, at, old = (med["below the cap (a new user)"], med["at the cap (evicts one)"],
                          med["0.1's script at the cap"])  # fmt: skip
        ratio = at / below
        rows.append([f"{cap:,}", f"{below:,.1f}", f"{at:,.1f}", f"{ratio:.2f}", "<= 1.2x",
                     "yes" if ratio <= 1.2 else "MISSED", f"{old:,.1f}", f"{old / at:,.1f}x"])  # fmt: skip
        for key in client.scan_iter(match=f"*cap{cap}:*", count=5000):
            client.unlink(key)
    report.table(
        "Creating at the per-user cap (sync; µs; median of interleaved rounds)",
        [
            "cap",
            "below the cap",
            "at the cap",
            "at / below",
            "target",
            "met",
            "0.1 at the cap",
            "0.1 / now",
        ],
        rows,
    )


# -- admin paths beside unrelated keys ---------------------------------------------------


def section_admin(ctx: Any) -> None:
    client, report = ctx.client, ctx.report
    sizes = [0, 300_000] if ctx.quick else [0, 300_000, 3_000_000]
    prefix = "admin:"
    policy = SessionPolicy()
    store = RedisSessions(client, prefix=prefix, policy=policy)
    fill_sessions(client, prefix, [f"user{i}" for i in range(100)], 10, policy)
    rows, have = [], 0
    base: dict[str, float] = {}
    for size in sizes:
        fill_unrelated(client, size - have, first=have)
        have = size
        timings: dict[str, list[float]] = {"iter": [], "prune": [], "scan": []}
        for _ in range(3):
            start = time.perf_counter()
            count = sum(1 for _ in store.iter_sessions())
            timings["iter"].append(time.perf_counter() - start)
            start = time.perf_counter()
            store.prune()
            timings["prune"].append(time.perf_counter() - start)
            start = time.perf_counter()
            for _ in client.scan_iter(match=prefix + "{*}:u", count=500):
                pass
            timings["scan"].append(time.perf_counter() - start)
        assert count == 1000, count
        med = {k: sorted(v)[1] * 1000 for k, v in timings.items()}
        base = base or med
        rows.append([f"{size:,}", f"{client.dbsize():,}", f"{med['iter']:,.1f}",
                     f"{med['iter'] / base['iter']:.2f}x", f"{med['prune']:,.1f}",
                     f"{med['prune'] / base['prune']:.2f}x", f"{med['scan']:,.1f}"])  # fmt: skip
    client.flushdb()
    report.table(
        "Admin paths over 1,000 sessions of 100 users beside unrelated keys (ms, median of 3)",
        [
            "unrelated keys",
            "keys in db",
            "iter_sessions",
            "vs 0",
            "prune",
            "vs 0",
            "a SCAN of the db (0.1's way)",
        ],
        rows,
    )


# -- streaming: bounded memory whatever the size ------------------------------------------


def section_stream(ctx: Any) -> None:
    report = ctx.report
    sizes = [10_000, 100_000] if ctx.quick else [10_000, 100_000, 1_000_000]
    rows = []
    for where in ("standalone", "3-primary cluster"):
        if where != "standalone" and ctx.quick:
            continue
        cluster = None
        if where == "standalone":
            server = EmbeddedRedis(binary=ctx.binary, extra_args=["--maxmemory", "0"]).start()
            url, client = server.url, server.client()
        else:
            from redis.cluster import RedisCluster

            from authsessions.testing import LocalCluster

            cluster = LocalCluster("binary", primaries=3)
            url, client = cluster.url, RedisCluster.from_url(cluster.url)
        have = 0
        for size in sizes:
            users = [f"s{i}" for i in range(have // 10, size // 10)]
            fill_sessions(client, "stream:", users, 10, SessionPolicy(), label=LABEL, meta=META)
            have = size
            for mode in ("iter_sessions + prune", "list_sessions()", "ls --format csv"):
                probe = subprocess.run(
                    [sys.executable, os.path.join(HERE, "_stream_probe.py"), url, mode,
                     "cluster" if cluster else "standalone"],
                    capture_output=True, text=True, check=True,
                )  # fmt: skip
                found = json.loads(probe.stdout)
                assert found["sessions"] == size, found
                rows.append([where, f"{size:,}", mode, f"{found['rss_mb']:,.0f}",
                             f"{found['seconds']:,.1f}"])  # fmt: skip
        client.close()
        if cluster is not None:
            cluster.cleanup()
        else:
            server.cleanup()
    report.table(
        "Streaming the whole store: peak RSS of the process (MB, includes the interpreter) "
        "and time (s)", ["where", "sessions", "how", "peak RSS MB", "seconds"], rows,
    )  # fmt: skip


# -- memory per session in Redis --------------------------------------------------------------


def section_memory(ctx: Any) -> None:
    report = ctx.report
    count = 100_000 if ctx.quick else 1_000_000
    rows = []
    payload = len(LABEL) + len(json.dumps(META, separators=(",", ":"))) + len('"user123456"')
    for kind in ("authsessions", "starsessions"):
        server = EmbeddedRedis(binary=ctx.binary, extra_args=["--maxmemory", "0"]).start()
        client = server.client()
        before = client.info("memory")["used_memory"]
        if kind == "authsessions":
            users = [f"user{i:06d}" for i in range(count // 10)]
            fill_sessions(
                client, "authsessions:", users, 10, SessionPolicy(), label=LABEL, meta=META
            )
        else:
            # starsessions keeps one JSON blob per session id, with a TTL
            record = json.dumps({"user_id": "user123456", "label": LABEL, "meta": META,
                                 "created_at": now_ms(), "last_used_at": now_ms()})  # fmt: skip
            for start in range(0, count, 10_000):
                with client.pipeline(transaction=False) as pipe:
                    for i in range(start, start + 10_000):
                        pipe.set(f"starsessions.{mint_session_id('0' * 16).secret}{i}", record,
                                 ex=30 * 86400)  # fmt: skip
                    pipe.execute()
        used = client.info("memory")["used_memory"] - before
        rows.append([kind, f"{count:,}", f"{used / count:,.0f}", f"{payload}",
                     f"{used / count / payload:.1f}x"])  # fmt: skip
        if kind == "authsessions":
            sample = next(iter(client.scan_iter(match="authsessions:{*}:s:*", count=1000)))
            rows[-1].append(f"record key {client.memory_usage(sample)} B")
        else:
            rows[-1].append("")
        client.close()
        server.cleanup()
    report.table(
        "Redis memory per session (used_memory delta / sessions; 30-character label, "
        "100-byte meta, 10 sessions per user)",
        ["store", "sessions", "bytes per session", "payload bytes", "overhead", "detail"],
        rows,
    )


SECTIONS = {"ops": section_ops, "otel": section_otel, "cap": section_cap, "admin": section_admin,
            "stream": section_stream, "memory": section_memory, "sql": section_sql}  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--n", type=int, default=1000, help="calls per case per round")
    parser.add_argument("--placement", choices=["same", "cross", "none"], default="same")
    parser.add_argument("--quick", action="store_true", help="small sizes, few rounds (smoke)")
    parser.add_argument("--sections", default=",".join(SECTIONS), help="comma-separated")
    parser.add_argument("--redis-server", default=None, help="the redis-server binary")
    args = parser.parse_args()
    if args.quick:
        args.rounds, args.n = 3, 200
    binary = args.redis_server or find_redis_server()
    server = EmbeddedRedis(binary=binary, extra_args=["--maxmemory", "0"]).start()
    assert server.process is not None
    placement = pin(args.placement, server.process.pid)
    client = server.client()
    version = client.info("server")["redis_version"]
    parser_name = "hiredis" if redis.utils.HIREDIS_AVAILABLE else "python"
    ctx = argparse.Namespace(client=client, url=server.url, report=Report(), rounds=args.rounds,
                             n=args.n, quick=args.quick, binary=binary,
                             placement=args.placement)  # fmt: skip
    ctx.report.text(
        f"Redis {version} ({binary}), redis-py {redis.__version__} with the {parser_name} "
        f"parser, Python {sys.version.split()[0]}, {placement}."
    )
    try:
        for name in args.sections.split(","):
            SECTIONS[name](ctx)
    finally:
        client.close()
        server.cleanup()
    ctx.report.print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
