"""The SQL section: SqlSessions on PostgreSQL 16 (the pgserver wheel) side by
side with the bare statements it sends, Django's database session backend
on the same server, and our Redis store; then user listings as the table
grows. Everything is timed in one interleaved run (see _timing.Bench)."""

from __future__ import annotations

import os
import random
import sqlite3
import tempfile
import time
from datetime import timedelta
from typing import Any

import psutil
import sqlalchemy as sa
from _fill import LABEL, META
from _timing import Bench, now_ms

from authsessions import RedisSessions, SessionPolicy
from authsessions.kit import dumps, mint_session_id, parse_session_id, user_tag
from authsessions.sql import SqlSessions, sqlite_engine
from authsessions.testing import provision_postgres

UNLIMITED = SessionPolicy(max_sessions_per_user=None)
THROTTLED = SessionPolicy(max_sessions_per_user=None, touch_interval=timedelta(hours=1))


def _pin_postgres(pid: int | None, placement: str) -> None:
    """Put the postmaster and its processes where the Redis server went;
    backends forked later inherit the postmaster's CPU set."""
    if pid is None or placement == "none" or not hasattr(os, "sched_setaffinity"):
        return
    cpus = {0} if placement == "same" else {1}
    parent = psutil.Process(pid)
    for process in [parent, *parent.children(recursive=True)]:
        os.sched_setaffinity(process.pid, cpus)


def django_database(url: sa.engine.URL) -> dict[str, Any]:
    """A Django ``DATABASES`` entry for the PostgreSQL at ``url``."""
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": url.database,
        "USER": url.username,
        "PASSWORD": url.password or "",
        "HOST": url.host or url.query.get("host", ""),
        "PORT": url.port or "",
    }


def _django(url: sa.engine.URL) -> Any:
    """Django's database session backend on the same PostgreSQL."""
    import django
    from django.conf import settings
    from django.core.management import call_command

    settings.configure(
        DATABASES={"default": django_database(url)},
        INSTALLED_APPS=["django.contrib.sessions"],
        SESSION_ENGINE="django.contrib.sessions.backends.db",
        SECRET_KEY="benchmark-only",
        USE_TZ=True,
    )
    django.setup()
    call_command("migrate", "sessions", verbosity=0)
    from django.contrib.sessions.backends.db import SessionStore

    return SessionStore


class Bare:
    """The statements the store sends, compiled once and run on a raw
    psycopg connection (autocommit), with every argument precomputed: the
    database work of each call with none of our Python around it."""

    def __init__(self, store: SqlSessions[Any, Any], url: str) -> None:
        import psycopg

        self.conn = psycopg.connect(url, autocommit=True)
        dialect = store._engine.dialect  # benchmark only: the store's own statements
        sql = store._sql
        self.text = {
            name: str(getattr(sql, name).compile(dialect=dialect))
            for name in (
                "read_touching",
                "read",
                "list_user",
                "forget_user_expired",
                "insert",
                "evict",
            )
        }
        self.lock = str(sql.lock_user.compile(dialect=dialect))
        compiled = sql.create_call.compile(dialect=dialect)
        self.call = str(compiled)
        self.own = {k: v for k, v in compiled.params.items() if v is not None}
        self.idle = store._config.policy.idle_ttl_ms  # every policy here has the default

    def run(self, name: str, params: dict[str, Any]) -> list[Any]:
        with self.conn.cursor() as cur:
            cur.execute(self.text[name], params)
            # every statement run here returns rows (psycopg's description
            # builds a Column per field: ~10 µs for a session's nine)
            return cur.fetchall()

    def create(self, row: dict[str, Any], tag: int, keep: int | None) -> None:
        """The store's create function (``create_schema`` made it), called
        by hand in autocommit: one round trip, every argument precomputed.
        keep None: no cap (the policy of the "create" row)."""
        with self.conn.cursor() as cur:
            cur.execute(self.call, {**row, **self.own, "tag": tag, "now": row["created_ms"],
                                    "idle": self.idle, "keep": keep})  # fmt: skip
            cur.fetchall()

    def create_capped(self, row: dict[str, Any], tag: int, *, pipelined: bool) -> None:
        """The fewest statements that keep a cap of 100 under races: in one
        transaction, the user's lock, then forget the expired, evict beyond
        the cap, insert. Sequential: six round trips (BEGIN, the four,
        COMMIT); pipelined: two (BEGIN and the lock; the rest and COMMIT)."""
        user = {"user": row["user_id"], "now": 0}
        if not pipelined:
            with self.conn.transaction(), self.conn.cursor() as cur:
                cur.execute(self.lock, {"tag": tag})
                cur.execute(self.text["forget_user_expired"], user)
                cur.execute(self.text["evict"], {"user": row["user_id"], "keep_newest": 99})
                cur.fetchall()
                cur.execute(self.text["insert"], row)
            return
        self.conn.autocommit = False
        try:
            with self.conn.pipeline() as pipeline:
                self.conn.cursor().execute(self.lock, {"tag": tag})
                pipeline.sync()
                self.conn.cursor().execute(self.text["forget_user_expired"], user)
                evict = self.conn.cursor()
                evict.execute(self.text["evict"], {"user": row["user_id"], "keep_newest": 99})
                self.conn.cursor().execute(self.text["insert"], row)
                self.conn.commit()
            evict.fetchall()
        finally:
            self.conn.autocommit = True


def _row(user_json: str) -> tuple[dict[str, Any], int]:
    parsed = mint_session_id(user_tag(user_json))
    now = now_ms()
    tag = int(parsed.tag, 16)
    row = {
        "key": parsed.key,
        "secret_hash": parsed.secret_hash(),
        "user_id": user_json,
        "label": dumps(LABEL),
        "meta": dumps(META),
        "created_ms": now,
        "last_used_ms": now,
        "absolute_ms": now + 30 * 86_400_000,
        "authenticated_ms": now,
        "details": "{}",
        "previous": "",
    }
    return row, tag - (1 << 64) if tag >= 1 << 63 else tag


def _fill(engine: sa.Engine, table: sa.Table, users: range, per_user: int) -> None:
    """Rows for ``per_user`` sessions of each user, in bulk (setup, untimed)."""
    batch: list[dict[str, Any]] = []
    with engine.begin() as conn:
        for i in users:
            user_json = dumps(f"grow{i}")
            for _ in range(per_user):
                batch.append(_row(user_json)[0])
                if len(batch) == 5000:
                    conn.execute(table.insert(), batch)
                    batch = []
        if batch:
            conn.execute(table.insert(), batch)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text(f"ANALYZE {table.name}"))


def section_sql(ctx: Any) -> None:
    report = ctx.report
    _sqlite(ctx, report)
    server = provision_postgres("binary")
    try:
        _pin_postgres(server.server.get_pid(), ctx.placement)  # type: ignore[attr-defined]
        engine = sa.create_engine(server.url, pool_timeout=10)
        _run(ctx, report, server.url, engine)
        engine.dispose()
    finally:
        server.cleanup()


def _run(ctx: Any, report: Any, url: str, engine: sa.Engine) -> None:
    store: SqlSessions[Any, Any] = SqlSessions(engine, policy=UNLIMITED, table="bench")
    throttled: SqlSessions[Any, Any] = SqlSessions(engine, policy=THROTTLED, table="bench")
    store.create_schema()
    bare = Bare(store, url.replace("+psycopg", ""))
    redis_store = RedisSessions(ctx.client, prefix="sqlcmp:", policy=UNLIMITED)
    redis_throttled = RedisSessions(ctx.client, prefix="sqlcmp:", policy=THROTTLED)
    django_store = _django(engine.url)

    sid = store.create_session(user_id="alice", label=LABEL, meta=META)
    parsed = parse_session_id(sid)
    assert parsed is not None
    key, digest = parsed.key, parsed.secret_hash()
    rsid = redis_store.create_session(user_id="alice", label=LABEL, meta=META)
    for k in (1, 50):
        for _ in range(k):
            store.create_session(user_id=f"k{k}", label=LABEL, meta=META)
            redis_store.create_session(user_id=f"k{k}", label=LABEL, meta=META)
    dj = django_store()
    dj.update({"_auth_user_id": "alice", **META})
    dj.create()
    dj_key = dj.session_key

    # like for like: what a Django view does with request.session. Reading
    # a key loads the session once (SessionBase caches it); save() then
    # writes it back with that cached data. (Calling load() and then save()
    # would read twice: save() does not use what load() returned.)
    def dj_load() -> None:
        assert django_store(session_key=dj_key)["_auth_user_id"] == "alice"

    def dj_load_save() -> None:
        s = django_store(session_key=dj_key)
        assert s["_auth_user_id"] == "alice"
        s.modified = True
        s.save()

    def dj_create() -> None:
        s = django_store()
        s.update({"_auth_user_id": "alice", **META})
        s.create()

    fresh = iter(range(10**9))
    bench = Bench(ctx.rounds, ctx.n)
    bench.add("validate, touching", lambda: store.get_user_id_from_session(sid))
    bench.add("validate, throttled", lambda: throttled.get_user_id_from_session(sid))
    bench.add("create", lambda: store.create_session(user_id=f"c{next(fresh)}", label=LABEL,
                                                     meta=META))  # fmt: skip
    for k in (1, 50):
        bench.add(f"list k={k}", lambda k=k: store.get_sessions_for_user(f"k{k}"))
        bench.add(f"bare list k={k}", lambda k=k: bare.run(
            "list_user", {"user": dumps(f"k{k}"), "now": now_ms()}))  # fmt: skip
        bench.add(f"redis list k={k}", lambda k=k: redis_store.get_sessions_for_user(f"k{k}"))
    bench.add("bare validate, touching", lambda: bare.run(
        "read_touching", {"b_key": key, "b_hash": digest, "now": now_ms(), "ip": None}))  # fmt: skip
    bench.add("bare validate, throttled", lambda: bare.run(
        "read", {"b_key": key, "b_hash": digest, "now": now_ms()}))  # fmt: skip
    bench.add("bare create", lambda: bare.create(*_row(dumps(f"b{next(fresh)}")), None))
    capped: SqlSessions[Any, Any] = SqlSessions(engine, policy=SessionPolicy(), table="bench")
    bench.add("create, cap 100", lambda: capped.create_session(
        user_id=f"c{next(fresh)}", label=LABEL, meta=META))  # fmt: skip
    # the same store where the table has no create function (benchmark only)
    in_a_transaction: SqlSessions[Any, Any] = SqlSessions(
        engine, policy=SessionPolicy(), table="bench"
    )
    in_a_transaction._create_in_one_call = False
    bench.add("create, cap 100, no function", lambda: in_a_transaction.create_session(
        user_id=f"c{next(fresh)}", label=LABEL, meta=META))  # fmt: skip
    bench.add("bare create, cap 100, 6 round trips", lambda: bare.create_capped(
        *_row(dumps(f"b{next(fresh)}")), pipelined=False))  # fmt: skip
    bench.add("bare create, cap 100, 2 round trips", lambda: bare.create_capped(
        *_row(dumps(f"b{next(fresh)}")), pipelined=True))  # fmt: skip
    bench.add("bare create, cap 100, 1 round trip (the function)",
              lambda: bare.create(*_row(dumps(f"b{next(fresh)}")), 99))  # fmt: skip
    bench.add("django load + save", dj_load_save)
    bench.add("django load", dj_load)
    bench.add("django create", dj_create)
    bench.add("redis validate, touching", lambda: redis_store.get_user_id_from_session(rsid))
    bench.add("redis validate, throttled", lambda: redis_throttled.get_user_id_from_session(rsid))
    bench.add("redis create", lambda: redis_store.create_session(
        user_id=f"r{next(fresh)}", label=LABEL, meta=META))  # fmt: skip
    med = bench.run("sql")

    rows = []
    for op, django in (("validate, touching", "django load + save"),
                       ("validate, throttled", "django load"),
                       ("create", "django create"),
                       ("list k=1", None), ("list k=50", None)):  # fmt: skip
        ours, base = med[op], med["bare " + op]
        redis_us = med["redis " + op]
        dj_cell = f"{med[django]:,.0f} ({med[django] / ours:.2f}x)" if django else "not offered"
        rows.append([op, f"{ours:,.0f}", f"{base:,.0f}", f"{base / ours:.2f}", dj_cell,
                     f"{redis_us:,.0f} ({ours / redis_us:.1f}x)"])  # fmt: skip
    report.table(
        "SQL store on PostgreSQL 16 (sync, psycopg 3; µs, median of interleaved rounds)",
        ["operation", "ours", "bare statements", "bare / ours (target >= 0.85)",
         "Django DB sessions (÷ ours)", "our Redis store (ours ÷ it)"],
        rows,
    )  # fmt: skip
    report.text(
        "Django's `load` is what reading `request.session[...]` does: a SELECT by key "
        "plus signature check and JSON, once (cached); `load + save` adds the UPDATE that "
        "keeps the session alive (SESSION_SAVE_EVERY_REQUEST) with the data already "
        "loaded: one SELECT and one UPDATE, where our touching validate sends one "
        "statement. Django has no per-user listing: it would scan and decode every session."
    )
    ours = med["create, cap 100"]
    floor = med["bare create, cap 100, 1 round trip (the function)"]
    without = med["create, cap 100, no function"]
    six = med["bare create, cap 100, 6 round trips"]
    two = med["bare create, cap 100, 2 round trips"]
    report.table(
        "A create under the default policy (cap 100) on PostgreSQL (µs; target: the floor "
        "÷ ours >= 0.85)",
        ["ours (1 round trip)", "the floor: the function by hand", "floor ÷ ours",
         "ours without the function (2 round trips)",
         "by hand: 6 round trips / 2 round trips"],
        [[f"{ours:,.0f}", f"{floor:,.0f}", f"{floor / ours:.2f}", f"{without:,.0f}",
          f"{six:,.0f} / {two:,.0f}"]],
    )  # fmt: skip
    report.text(
        "The floor keeps the cap under races in one round trip: the table's PL/pgSQL "
        "function (create_schema makes it), which takes the user's advisory lock, forgets "
        "the user's expired sessions, evicts beyond the cap and inserts, each statement with "
        "a fresh snapshot once the lock is granted; called by hand on one psycopg "
        "connection with every argument precomputed. Without the function the store "
        "sends the same statements in one transaction, in two round trips on psycopg's "
        "pipeline (BEGIN and the lock; the rest and COMMIT); by hand they take six "
        "sequentially or two pipelined."
    )
    _growth(ctx, report, engine)


def _growth(ctx: Any, report: Any, engine: sa.Engine) -> None:
    """A user's listing (k = 10) as the table grows from 1k to 100k rows."""
    store: SqlSessions[Any, Any] = SqlSessions(engine, policy=UNLIMITED, table="grow")
    store.create_schema()
    sizes = [1_000, 10_000] if ctx.quick else [1_000, 10_000, 100_000]
    have, rows, first = 0, [], None
    for size in sizes:
        _fill(engine, store.table, range(have // 10, size // 10), 10)
        have = size
        probe = [f"grow{random.randrange(size // 10)}" for _ in range(50)]
        bench = Bench(ctx.rounds, ctx.n // 2)
        picks = iter(probe * (ctx.n * ctx.rounds))
        bench.add("list", lambda picks=picks: store.get_sessions_for_user(next(picks)))
        started = time.perf_counter()
        med = bench.run(f"sql listing at {size:,}")["list"]
        first = first or med
        rows.append([f"{size:,}", f"{med:,.0f}", f"{med / first:.2f}",
                     f"{time.perf_counter() - started:.1f}"])  # fmt: skip
    report.table(
        "SQL user listing (k = 10) as the table grows (µs; target: flat, <= 1.2x of 1k)",
        ["sessions in the table", "get_sessions_for_user µs", "÷ at 1k", "seconds timed"],
        rows,
    )


def _sqlite(ctx: Any, report: Any) -> None:
    """The SQL store on a SQLite file next to the same statements run by
    hand on one sqlite3 connection in autocommit: what our Python and the
    pool add to SQLite's own work."""
    path = os.path.join(tempfile.mkdtemp(prefix="authsessions-bench-"), "bench.db")
    engine = sqlite_engine(path)
    store: SqlSessions[Any, Any] = SqlSessions(engine, policy=UNLIMITED, table="bench")
    throttled: SqlSessions[Any, Any] = SqlSessions(engine, policy=THROTTLED, table="bench")
    store.create_schema()
    sid = store.create_session(user_id="alice", label=LABEL, meta=META)
    for _ in range(50):
        store.create_session(user_id="k50", label=LABEL, meta=META)
    parsed = parse_session_id(sid)
    assert parsed is not None
    key, digest = parsed.key, parsed.secret_hash()
    dialect = engine.dialect
    conn = sqlite3.connect(path, isolation_level=None)  # autocommit, as the store's statements
    conn.execute("PRAGMA journal_mode=WAL")

    def bare(name: str) -> Any:
        compiled = getattr(store._sql, name).compile(dialect=dialect)  # benchmark only
        sql, order = str(compiled), tuple(compiled.positiontup or ())

        def run(**params: Any) -> list[Any]:
            return conn.execute(sql, tuple(params[n] for n in order)).fetchall()

        return run

    touching, reading = bare("read_touching"), bare("read")
    listing = bare("list_user_all")  # nothing expired: the one SELECT the store sends
    user = dumps("k50")

    def bare_list() -> None:
        listing(user=user)

    bench = Bench(ctx.rounds, ctx.n)
    bench.add("validate, touching", lambda: store.get_user_id_from_session(sid))
    bench.add("bare validate, touching",
              lambda: touching(b_key=key, b_hash=digest, now=now_ms(), ip=None))  # fmt: skip
    bench.add("validate, throttled", lambda: throttled.get_user_id_from_session(sid))
    bench.add("bare validate, throttled",
              lambda: reading(b_key=key, b_hash=digest, now=now_ms()))  # fmt: skip
    bench.add("list k=50", lambda: store.get_sessions_for_user("k50"))
    bench.add("bare list k=50", bare_list)
    med = bench.run("sqlite")
    rows = []
    for op, target in (("validate, touching", ""), ("validate, throttled", ">= 0.80"),
                       ("list k=50", "")):  # fmt: skip
        ours, base = med[op], med["bare " + op]
        rows.append([op, f"{ours:,.1f}", f"{base:,.1f}", f"{base / ours:.2f}", target])
    report.table(
        f"SQL store on a SQLite {sqlite3.sqlite_version} file (sync, sqlite3, WAL; µs, median "
        "of interleaved rounds)",
        ["operation", "ours", "bare statements", "bare / ours", "target"],
        rows,
    )
    conn.close()
    engine.dispose()
