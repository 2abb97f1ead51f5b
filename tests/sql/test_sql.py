"""SQL store specifics: the schema, statements per call, real races on
PostgreSQL, and failures (server down, server hung). The shared semantics
are the contract's (test_contract.py)."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import signal
import threading
import time
import uuid
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from authsessions import ConfigurationError, SessionBackendError, SessionId, SessionPolicy
from authsessions.kit import mint_session_id, user_tag
from authsessions.sql import (
    UPGRADABLE,
    AsyncSqlSessions,
    SqlSessions,
    add_create_function,
    add_sign_in_columns,
    drop_create_function,
    drop_sign_in_columns,
    sessions_table,
    sqlite_engine,
)
from authsessions.sql._create_function import drop_function_sql
from authsessions.testing import FakeClock


def _store(engine: Any, **options: Any) -> SqlSessions[Any, Any]:
    store: SqlSessions[Any, Any] = SqlSessions(
        engine, table=f"t{uuid.uuid4().hex[:12]}", **options
    )
    store.create_schema()
    return store


def _drop_create_function(engine: Any, table: str) -> None:
    """What a table migrated without ``add_create_function`` lacks: creates
    then take the transaction under the user's lock."""
    with engine.begin() as conn:
        conn.exec_driver_sql(drop_function_sql(table))


class Statements:
    """Counts the SQL statements an engine sends, and its transactions
    (single statements run in autocommit mode: no BEGIN, no COMMIT)."""

    def __init__(self, engine: Any) -> None:
        self.sent: list[str] = []
        event.listen(engine, "before_cursor_execute", self._sent)
        event.listen(engine, "commit", self._committed)

    def _committed(self, conn: Any) -> None:
        if conn.get_isolation_level() != "AUTOCOMMIT":
            self.sent.append("COMMIT")

    def _sent(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        self.sent.append(statement.split()[0].upper())

    def during(self, fn: Any) -> list[str]:
        self.sent.clear()
        fn()
        return list(self.sent)


# -- the schema --------------------------------------------------------------------


def test_the_schema_is_one_table_with_three_indexes() -> None:
    table = sessions_table(name="sessions")
    assert [c.name for c in table.columns] == [
        "key", "secret_hash", "user_id", "label", "meta",
        "created_ms", "last_used_ms", "absolute_ms", "authenticated_ms", "details", "previous",
        "last_ip",
    ]  # fmt: skip
    assert {tuple(c.name for c in i.columns) for i in table.indexes} == {
        ("user_id", "last_used_ms"),
        ("absolute_ms",),
        ("last_used_ms",),
    }
    for bad in ("", "1table", "drop table x;", "a" * 60, "sessions-x"):
        with pytest.raises(ConfigurationError):
            sessions_table(name=bad)


def test_only_the_hash_of_the_secret_is_stored_and_times_are_integers() -> None:
    engine = sqlite_engine()
    store = _store(engine)
    sid = store.create_session(user_id="ann", label="laptop", meta={"k": 1})
    store.create_schema()  # idempotent
    with engine.connect() as conn:
        (row,) = conn.execute(sa.select(store.table)).all()
    key, secret = sid.split(".")
    assert row.key == key and len(row.secret_hash) == 32
    assert secret.encode() not in repr(tuple(row)).encode() and secret not in repr(tuple(row))
    assert (row.user_id, row.label, row.meta) == ('"ann"', '"laptop"', '{"k":1}')
    assert all(isinstance(v, int) for v in (row.created_ms, row.last_used_ms, row.absolute_ms))


@pytest.mark.parametrize("where", ["sqlite", "postgres"])
def test_any_label_round_trips_even_nul_and_lone_surrogates(
    where: str, request: pytest.FixtureRequest
) -> None:
    # PostgreSQL text cannot hold NUL: the label is stored as a JSON string
    engine = sqlite_engine() if where == "sqlite" else request.getfixturevalue("postgres_engine")
    store = _store(engine)
    label = "a\x00b\ud800\n\u202e"
    sid = store.create_session(user_id="u", label=label, meta={})
    session = store.get_session(sid)
    assert session is not None and session.label == label
    assert [s.label for s in store.get_sessions_for_user("u")] == [label]


def test_a_sync_engine_for_the_async_store_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError) as info:
        AsyncSqlSessions(sqlite_engine())  # type: ignore[call-overload]
    assert info.value.setting == "engine"
    with pytest.raises(ConfigurationError):
        SqlSessions(object())  # type: ignore[call-overload]


# -- statements per call ---------------------------------------------------------------


@pytest.mark.parametrize("where", ["sqlite", "postgres"])
def test_a_read_or_a_listing_is_one_statement(where: str, request: pytest.FixtureRequest) -> None:
    engine = sqlite_engine() if where == "sqlite" else request.getfixturevalue("postgres_engine")
    count = Statements(engine)
    touching = _store(engine)
    sid = touching.create_session(user_id="u", label="", meta={})
    assert count.during(lambda: touching.get_session(sid)) == ["UPDATE"]
    assert count.during(lambda: touching.get_user_id_from_session(sid)) == ["UPDATE"]
    throttled = _store(engine, policy=SessionPolicy(touch_interval=timedelta(minutes=1)))
    sid = throttled.create_session(user_id="u", label="", meta={})
    assert count.during(lambda: throttled.get_session(sid)) == ["SELECT"]
    unknown = SessionId("0" * 32 + "." + "A" * 43)
    assert count.during(lambda: touching.rotate_session(unknown)) == [
        "SELECT",
        "DELETE",  # nothing live: removed if it had expired (expiry is final)
    ]
    # a read that finds nothing asks what the key holds: expired (then
    # removed), or a rotated-away secret (a stolen session)?
    assert count.during(lambda: touching.get_session(unknown)) == ["UPDATE", "SELECT"]
    # a rotation reads the previous secrets, then writes the new ones where
    # the old secret still holds
    mine = touching.create_session(user_id="u", label="", meta={})
    assert count.during(lambda: touching.rotate_session(mine)) == ["SELECT", "UPDATE"]
    assert count.during(lambda: touching.get_session(SessionId("junk"))) == []
    # a listing removes the expired sessions it passes over: on PostgreSQL
    # in the same statement; on SQLite one read-only SELECT, and a DELETE
    # only when it met expired ones
    listing = count.during(lambda: touching.get_sessions_for_user("u"))
    assert listing == (["WITH"] if where == "postgres" else ["SELECT"])
    clock = FakeClock()
    short = _store(engine, clock=clock, policy=SessionPolicy(absolute_ttl=timedelta(hours=1)))
    short.create_session(user_id="x", label="old", meta={})
    clock.advance(timedelta(minutes=50))
    short.create_session(user_id="x", label="new", meta={})
    clock.advance(timedelta(minutes=20))  # the first expired, the second lives
    listing = count.during(lambda: [s.label for s in short.get_sessions_for_user("x")])
    assert listing == (["WITH"] if where == "postgres" else ["SELECT", "DELETE"])
    assert [s.label for s in short.get_sessions_for_user("x")] == ["new"]
    assert short.stats().expired_not_collected == 0  # the expired one is gone for good


@pytest.mark.postgres
def test_a_create_on_postgresql_is_one_call_of_the_tables_function(
    postgres_engine: Any,
) -> None:
    count = Statements(postgres_engine)
    store = _store(postgres_engine, policy=SessionPolicy(max_sessions_per_user=2))
    evicted: list[Any] = []
    store.add_hook(evicted.append)
    for label in ("a", "b"):
        store.create_session(user_id="u", label=label, meta={})
    sent = count.during(lambda: store.create_session(user_id="u", label="c", meta={}))
    assert sent == ["SELECT"]  # the function's call, in autocommit: no BEGIN, no COMMIT
    assert sorted(s.label for s in store.get_sessions_for_user("u")) == ["b", "c"]
    kinds = [type(e).__name__ for e in evicted]
    assert kinds == ["SessionCreated", "SessionCreated", "SessionRevoked", "SessionCreated"]


@pytest.mark.postgres
def test_without_the_function_a_create_is_one_short_transaction_under_the_users_lock(
    postgres_engine: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="authsessions.sql")
    count = Statements(postgres_engine)
    store = _store(postgres_engine, policy=SessionPolicy(max_sessions_per_user=3))
    _drop_create_function(postgres_engine, store.table.name)
    # the first create finds the function missing and says so once
    sent = count.during(lambda: store.create_session(user_id="u", label="", meta={}))
    assert sent == ["SELECT", "SELECT", "DELETE", "DELETE", "INSERT", "COMMIT"]
    sent = count.during(lambda: store.create_session(user_id="u", label="", meta={}))
    assert sent == ["SELECT", "DELETE", "DELETE", "INSERT", "COMMIT"]
    said = [m for r in caplog.records if "creates take a transaction" in (m := r.getMessage())]
    assert said == [
        f"create_session: {store.table.name}_create_v1 is missing (create_schema() "
        "or add_create_function() adds it); creates take a transaction"
    ]
    store.create_schema()  # adds the function back, and the store uses it again
    sent = count.during(lambda: store.create_session(user_id="u", label="", meta={}))
    assert sent == ["SELECT"]
    assert store.stats().sessions == 3


@pytest.mark.postgres
def test_a_create_under_another_isolation_level_takes_the_transaction(
    postgres_server: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="authsessions.sql")
    # a server (or role) whose transactions default to SERIALIZABLE: the
    # function's statements after the lock would not see what committed
    # while it waited, so it refuses and the store sets READ COMMITTED itself
    options = "-c default_transaction_isolation=serializable"
    engine = sa.create_engine(
        postgres_server.url, pool_timeout=10, connect_args={"options": options}
    )
    count = Statements(engine)
    store = _store(engine, policy=SessionPolicy(max_sessions_per_user=2))
    for _ in range(2):
        store.create_session(user_id="u", label="", meta={})
    sent = count.during(lambda: store.create_session(user_id="u", label="", meta={}))
    assert sent == ["SELECT", "DELETE", "DELETE", "INSERT", "COMMIT"]
    assert store.stats().sessions == 2
    said = [m for r in caplog.records if "creates take a transaction" in (m := r.getMessage())]
    assert len(said) == 1 and "needs READ COMMITTED" in said[0], said
    engine.dispose()


# -- real races on PostgreSQL ------------------------------------------------------------


def _threads(target: Any, count: int) -> None:
    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


@pytest.mark.postgres
@pytest.mark.parametrize("way", ["function", "transaction"])
def test_racing_creates_at_the_cap_never_leave_more_than_the_cap(
    postgres_engine: Any, way: str
) -> None:
    store = _store(postgres_engine, policy=SessionPolicy(max_sessions_per_user=5))
    if way == "transaction":
        _drop_create_function(postgres_engine, store.table.name)
    peaks: list[int] = []
    errors: list[BaseException] = []

    def create(i: int) -> None:
        try:
            for _ in range(15):
                store.create_session(user_id="crowd", label=f"t{i}", meta={})
                peaks.append(store.stats().sessions)
        except BaseException as err:
            errors.append(err)

    _threads(create, 8)
    assert not errors, errors[:2]
    assert max(peaks) <= 5, f"{max(peaks)} live sessions under a cap of 5"
    assert len(store.get_sessions_for_user("crowd")) == 5


def _create_in_a_process(url: str, table: str, rounds: int) -> None:
    engine = sa.create_engine(url, pool_timeout=10)
    store: SqlSessions[Any, Any] = SqlSessions(
        engine, table=table, policy=SessionPolicy(max_sessions_per_user=4)
    )
    for _ in range(rounds):
        store.create_session(user_id="crowd", label="process", meta={})
    engine.dispose()


@pytest.mark.postgres
def test_racing_processes_at_the_cap_never_leave_more_than_the_cap(postgres_server: Any) -> None:
    engine = sa.create_engine(postgres_server.url, pool_timeout=10)
    store = _store(engine, policy=SessionPolicy(max_sessions_per_user=4))
    table = store.table.name
    context = multiprocessing.get_context("spawn")
    processes = [
        context.Process(target=_create_in_a_process, args=(postgres_server.url, table, 20))
        for _ in range(4)
    ]
    for process in processes:
        process.start()
    peaks = []
    while any(p.is_alive() for p in processes):
        peaks.append(store.stats().sessions)
    for process in processes:
        process.join()
        assert process.exitcode == 0
    assert max(peaks, default=0) <= 4 and store.stats().sessions == 4
    engine.dispose()


@pytest.mark.postgres
def test_log_out_everywhere_racing_creates_never_brings_a_session_back(
    postgres_engine: Any,
) -> None:
    store = _store(postgres_engine, policy=SessionPolicy(max_sessions_per_user=None))
    destroyed: list[SessionId] = []
    created: list[tuple[float, SessionId]] = []  # (when create returned, id)
    stop, first = threading.Event(), threading.Event()

    def create(i: int) -> None:
        while not stop.is_set():
            sid = store.create_session(user_id="u", label="", meta={})
            created.append((time.monotonic(), sid))
            first.set()

    def logout() -> None:
        # without a session to destroy the first logouts prove nothing (the
        # creators' threads may not have run yet)
        try:
            assert first.wait(timeout=30), "no create finished"
            for _ in range(20):
                started = time.monotonic()
                store.destroy_sessions_for_user("u")
                destroyed.extend(sid for at, sid in created if at < started)
        finally:
            stop.set()

    racers = [threading.Thread(target=create, args=(i,)) for i in range(4)]
    for racer in racers:
        racer.start()
    logout()
    for racer in racers:
        racer.join()
    assert destroyed, "the race never overlapped"
    # a session whose create returned before a logout began is gone for good
    assert all(store.get_session(sid) is None for sid in set(destroyed))
    listed = {s.key for s in store.get_sessions_for_user("u")}
    assert listed == {sid[:32] for _, sid in created if store.get_session(sid) is not None}


@pytest.mark.postgres
def test_once_rotate_returns_the_old_secret_never_works(postgres_engine: Any) -> None:
    store = _store(postgres_engine)
    for _ in range(5):
        old = store.create_session(user_id="u", label="", meta={})
        seen: list[tuple[float, bool]] = []  # (when a read started, whether it worked)
        returned: list[float] = []  # when rotate returned
        stop, read_before, read_after = threading.Event(), threading.Event(), threading.Event()

        def validate(old: str = old, seen: list[tuple[float, bool]] = seen,
                     returned: list[float] = returned, stop: threading.Event = stop,
                     read_before: threading.Event = read_before,
                     read_after: threading.Event = read_after) -> None:  # fmt: skip
            while not stop.is_set():
                started = time.monotonic()
                seen.append((started, store.get_user_id_from_session(old) is not None))  # type: ignore[arg-type]
                read_before.set()
                if returned and started > returned[0]:
                    read_after.set()

        readers = [threading.Thread(target=validate) for _ in range(4)]
        for reader in readers:
            reader.start()
        try:
            # events, not sleeps: on a loaded machine the readers may need long
            assert read_before.wait(timeout=30), "no read finished before rotate"
            new = store.rotate_session(old)
            returned.append(time.monotonic())
            assert read_after.wait(timeout=30), "no read started after rotate returned"
        finally:
            stop.set()
            for reader in readers:
                reader.join()
        assert new is not None
        assert any(ok for _, ok in seen), "the readers never saw the live session"
        late = [ok for started, ok in seen if started > returned[0]]
        assert late and not any(late), "the old secret worked after rotate returned"
        assert store.get_user_id_from_session(new) == "u"


# -- failures ------------------------------------------------------------------------------


@pytest.mark.postgres
def test_a_stopped_server_raises_backend_error_then_recovers(postgres_server_factory: Any) -> None:
    server = postgres_server_factory()
    engine = sa.create_engine(server.url, pool_pre_ping=True, pool_timeout=10)
    store = _store(engine)
    sid = store.create_session(user_id="u", label="", meta={})
    server.stop()
    for call in (lambda: store.get_session(sid), lambda: store.create_session(user_id="u",
                 label="", meta={}), store.list_sessions, store.prune):  # fmt: skip
        with pytest.raises(SessionBackendError) as info:
            call()
        assert info.value.backend == "sql"
        assert sid.partition(".")[2] not in str(info.value)
    server.start()
    engine.dispose()  # the pool's connections died with the server
    assert store.get_user_id_from_session(sid) == "u", "data survives a clean stop"
    engine.dispose()


@pytest.mark.postgres
def test_after_a_restart_pre_ping_gives_the_direct_paths_fresh_connections(
    postgres_server_factory: Any,
) -> None:
    # the reads and the pipelined create check connections out of the
    # engine's pool: its pre-ping replaces the ones the restart killed
    server = postgres_server_factory()
    engine = sa.create_engine(server.url, pool_pre_ping=True, pool_timeout=10)
    store = _store(engine, policy=SessionPolicy(max_sessions_per_user=3))
    sid = store.create_session(user_id="u", label="", meta={})
    server.stop()
    server.start()
    assert store.get_user_id_from_session(sid) == "u"
    assert store.create_session(user_id="u", label="after", meta={})
    assert len(store.get_sessions_for_user("u")) == 2
    engine.dispose()


@pytest.mark.postgres
@pytest.mark.parametrize("path", ["direct", "sqlalchemy"])
def test_after_a_restart_without_pre_ping_one_call_fails_then_the_pool_is_fresh(
    postgres_server_factory: Any, path: str
) -> None:
    # as SQLAlchemy's own execution does: a disconnect invalidates every
    # connection pooled before it, not only the one that saw it
    server = postgres_server_factory()
    engine = sa.create_engine(server.url, pool_size=4, pool_timeout=10)
    if path == "sqlalchemy":
        Statements(engine)  # a statement listener: the store keeps SQLAlchemy's path
    store = _store(engine)
    sid = store.create_session(user_id="u", label="", meta={})
    held = [engine.raw_connection() for _ in range(4)]  # four pooled connections
    for connection in held:
        connection.close()
    server.stop()
    server.start()
    outcomes = []
    for _ in range(4):
        try:
            store.get_user_id_from_session(sid)
            outcomes.append("ok")
        except SessionBackendError:
            outcomes.append("error")
    assert outcomes == ["error", "ok", "ok", "ok"]
    engine.dispose()


@pytest.mark.postgres
def test_a_hung_server_raises_backend_error_within_the_timeout(
    postgres_server_factory: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="authsessions.sql")
    server = postgres_server_factory()
    engine = sa.create_engine(server.url, pool_timeout=1, connect_args={"connect_timeout": 2})
    store = _store(engine, operation_timeout=timedelta(seconds=1))
    sid = store.create_session(user_id="u", label="", meta={})
    server.signal(signal.SIGSTOP)
    try:
        for call in (
            lambda: store.get_session(sid),
            store.stats,
            lambda: store.create_session(user_id="u", label="", meta={}),  # the function
        ):
            started = time.monotonic()
            with pytest.raises(SessionBackendError) as info:
                call()
            took = time.monotonic() - started
            assert took < 4, f"took {took:.1f}s against a hung server"
            assert sid.partition(".")[2] not in str(info.value)
    finally:
        server.signal(signal.SIGCONT)
    engine.dispose()
    assert store.get_user_id_from_session(sid) == "u"
    engine.dispose()
    deadlines = [r for r in caplog.records if "ran past operation_timeout" in r.getMessage()]
    assert len(deadlines) >= 1, "a connection closed at its deadline is a warning"


@pytest.mark.postgres
def test_a_hung_server_bounds_the_asyncio_store_too(postgres_server_factory: Any) -> None:
    server = postgres_server_factory()

    async def main() -> None:
        store: Any = AsyncSqlSessions.from_url(
            server.async_url,
            table=f"t{uuid.uuid4().hex[:12]}",
            operation_timeout=timedelta(seconds=1),
            engine_options={"connect_args": {"connect_timeout": 2}, "pool_timeout": 1},
        )
        await store.create_schema()
        sid = await store.create_session(user_id="u", label="", meta={})
        server.signal(signal.SIGSTOP)
        try:
            started = time.monotonic()
            with pytest.raises(SessionBackendError):
                await store.get_session(sid)
            assert time.monotonic() - started < 4
        finally:
            server.signal(signal.SIGCONT)
        await store.engine.dispose()
        assert await store.get_user_id_from_session(sid) == "u"
        await store.aclose()

    asyncio.run(main())


def test_a_locked_sqlite_file_raises_backend_error_after_the_busy_timeout(tmp_path: Any) -> None:
    engine = sqlite_engine(tmp_path / "locked.db", busy_timeout=0.2)
    store = _store(engine)
    holder = sqlite_engine(tmp_path / "locked.db")
    with holder.connect() as conn:
        conn.exec_driver_sql("BEGIN EXCLUSIVE")
        started = time.monotonic()
        with pytest.raises(SessionBackendError) as info:
            store.create_session(user_id="u", label="", meta={})
        assert time.monotonic() - started < 2
        assert "locked" in info.value.detail
        conn.exec_driver_sql("ROLLBACK")
    assert store.create_session(user_id="u", label="", meta={})


def test_the_expired_rows_a_read_meets_are_gone_for_good() -> None:
    clock = FakeClock()
    store = _store(
        sqlite_engine(), clock=clock, policy=SessionPolicy(absolute_ttl=timedelta(hours=1))
    )
    sid = store.create_session(user_id="u", label="", meta={})
    clock.advance(timedelta(hours=2))
    assert store.get_session(sid) is None
    assert store.stats().expired_not_collected == 0, "the read deleted what it found expired"


def test_every_statement_is_built_once_per_store() -> None:
    from authsessions.sql import _statements

    # a property the store reads but the class does not declare (or the
    # reverse) would be an AttributeError at the first call, not here
    declared = set(_statements.Statements.__annotations__) - {"destroy_user"}
    assert declared == set(_statements._BUILT)
    store = _store(sqlite_engine())
    assert store._sql.read_touching is store._sql.read_touching


# -- defects an outside reliability review reproduced --------------------------


def _bounded(call: Any, server: Any, within: float = 6.0) -> list[str]:
    """Run ``call`` in a thread; if it is still blocked after ``within``
    seconds, wake the server and report it as unbounded."""
    outcome: list[str] = []

    def run() -> None:
        try:
            call()
            outcome.append("returned")
        except SessionBackendError:
            outcome.append("backend error")

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(within)
    if thread.is_alive():
        outcome.append("still blocked")
    server.signal(signal.SIGCONT)
    thread.join(30)
    return outcome


@pytest.mark.postgres
def test_a_server_hanging_at_commit_bounds_a_create(
    postgres_server_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import psycopg

    server = postgres_server_factory()
    engine = sa.create_engine(server.url, pool_timeout=1, connect_args={"connect_timeout": 2})
    store = _store(engine, operation_timeout=timedelta(seconds=1))
    _drop_create_function(engine, store.table.name)
    store.create_session(user_id="u", label="", meta={})  # finds the function missing
    commit = psycopg.Connection.commit

    def stop_at_commit(connection: Any) -> None:
        server.signal(signal.SIGSTOP)  # the server hangs as the COMMIT goes out
        commit(connection)

    # the driver's commit: the create runs on psycopg's pipeline, not through
    # SQLAlchemy's transaction (whose "commit" event never fires)
    monkeypatch.setattr(psycopg.Connection, "commit", stop_at_commit)
    outcome = _bounded(lambda: store.create_session(user_id="u", label="", meta={}), server)
    assert outcome == ["backend error"], outcome
    monkeypatch.undo()
    assert store.create_session(user_id="u", label="", meta={})  # the pool recovered
    engine.dispose()


@pytest.mark.postgres
def test_a_server_hanging_at_commit_bounds_an_asyncio_create(
    postgres_server_factory: Any,
) -> None:
    server = postgres_server_factory()

    def stop_at_commit(connection: Any) -> None:
        server.signal(signal.SIGSTOP)

    async def create() -> None:
        store: Any = AsyncSqlSessions.from_url(
            server.async_url,
            table=f"t{uuid.uuid4().hex[:12]}",
            operation_timeout=timedelta(seconds=1),
            engine_options={"connect_args": {"connect_timeout": 2}, "pool_timeout": 1},
        )
        await store.create_schema()
        async with store.engine.begin() as conn:
            await conn.exec_driver_sql(drop_function_sql(store.table.name))
        await store.create_session(user_id="u", label="", meta={})  # finds it missing
        event.listen(store.engine.sync_engine, "commit", stop_at_commit)
        try:
            await store.create_session(user_id="u", label="", meta={})
        finally:
            event.remove(store.engine.sync_engine, "commit", stop_at_commit)
            server.signal(signal.SIGCONT)
            await store.aclose()

    assert _bounded(lambda: asyncio.run(create()), server) == ["backend error"]


@pytest.mark.postgres
def test_create_schema_on_a_hung_server_is_bounded(postgres_server_factory: Any) -> None:
    server = postgres_server_factory()
    engine = sa.create_engine(server.url, pool_timeout=1, connect_args={"connect_timeout": 2})
    store = SqlSessions(engine, table="hung", operation_timeout=timedelta(seconds=1))
    with engine.connect():
        pass  # a pooled connection, so the hang is in the statements, not the connect
    server.signal(signal.SIGSTOP)
    assert _bounded(store.create_schema, server) == ["backend error"]
    engine.dispose()


@pytest.mark.postgres
@pytest.mark.parametrize("level", ["AUTOCOMMIT", "REPEATABLE READ", "SERIALIZABLE"])
def test_the_cap_holds_and_creates_succeed_whatever_the_engines_isolation(
    postgres_server: Any, level: str
) -> None:
    engine = sa.create_engine(
        postgres_server.url, isolation_level=level, pool_size=16, pool_timeout=10
    )
    store = _store(engine, policy=SessionPolicy(max_sessions_per_user=5))
    errors: list[BaseException] = []

    def create(i: int) -> None:
        try:
            for _ in range(6):
                store.create_session(user_id="crowd", label=f"t{i}", meta={})
        except BaseException as err:
            errors.append(err)

    _threads(create, 16)
    assert not errors, [repr(e.__cause__ or e) for e in errors[:2]]
    assert store.stats().sessions == 5
    engine.dispose()


def test_only_a_key_collision_is_retried_other_integrity_errors_surface(tmp_path: Any) -> None:
    engine = sqlite_engine(tmp_path / "extra.db")
    store = SqlSessions(engine, table="sessions")
    store.create_schema()
    with engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE sessions ADD COLUMN tenant TEXT NOT NULL DEFAULT 'x'")
        conn.exec_driver_sql(
            "CREATE TRIGGER refuse BEFORE INSERT ON sessions BEGIN "
            "SELECT RAISE(ABORT, 'CHECK constraint failed: tenant'); END"
        )
    with pytest.raises(SessionBackendError) as info:
        store.create_session(user_id="u", label="", meta={})
    assert "three tries" not in str(info.value)
    assert info.value.__cause__ is not None
    engine.dispose()


def test_create_schema_says_when_a_table_of_that_name_does_not_match(tmp_path: Any) -> None:
    engine = sqlite_engine(tmp_path / "other.db")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE sessions (id INTEGER PRIMARY KEY, name TEXT)")
    store = SqlSessions(engine, table="sessions")
    with pytest.raises(ConfigurationError) as info:
        store.create_schema()
    assert info.value.setting == "table"
    assert "does not match" in str(info.value)
    engine.dispose()


@pytest.mark.parametrize("where", ["sqlite", "postgres"])
def test_create_schema_adds_the_sign_in_columns_to_an_older_table(
    where: str, request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture
) -> None:
    # the table as the first 0.2 builds made it, holding one session
    engine = sqlite_engine() if where == "sqlite" else request.getfixturevalue("postgres_engine")
    name = f"old{uuid.uuid4().hex[:10]}"
    old = sa.Table(
        name,
        sa.MetaData(),
        sa.Column("key", sa.String(32), primary_key=True),
        sa.Column("secret_hash", sa.LargeBinary(32), nullable=False),
        *(sa.Column(c, sa.Text, nullable=False) for c in ("user_id", "label", "meta")),
        *(sa.Column(c, sa.BigInteger, nullable=False)
          for c in ("created_ms", "last_used_ms", "absolute_ms")),
    )  # fmt: skip
    old.create(engine)
    store = SqlSessions(engine, table=name)
    parsed = mint_session_id(user_tag('"ann"'))
    now = store.config.now_ms()
    with engine.begin() as conn:
        conn.execute(old.insert().values(
            key=parsed.key, secret_hash=parsed.secret_hash(), user_id='"ann"', label='"old"',
            meta="{}", created_ms=now, last_used_ms=now, absolute_ms=now + 3_600_000,
        ))  # fmt: skip
    with caplog.at_level(logging.WARNING, logger="authsessions.sql"):
        store.create_schema()
    assert caplog.text.count("added column") == len(UPGRADABLE)
    store.create_schema()  # now a no-op
    session = store.get_session(parsed.session_id())
    assert session is not None and session.label == "old"
    assert session.authenticated_at == session.created_at
    assert session.remember is True and session.client is None
    new = store.reauthenticate(parsed.session_id())
    assert new is not None and store.get_session(new) is not None
    assert [s.key for s in store.get_sessions_for_user("ann")] == [parsed.key]


@pytest.mark.parametrize("where", ["sqlite", "postgres"])
def test_the_alembic_operations_add_and_drop_the_sign_in_columns(
    where: str, request: pytest.FixtureRequest
) -> None:
    from alembic.migration import MigrationContext
    from alembic.operations import Operations

    engine = sqlite_engine() if where == "sqlite" else request.getfixturevalue("postgres_engine")
    store = _store(engine)
    sid = store.create_session(user_id="ann", label="l", meta={}, remember=False)
    name = store.table.name
    with engine.begin() as conn:
        op = Operations(MigrationContext.configure(conn))
        drop_sign_in_columns(op, table=name)
    assert {c["name"] for c in sa.inspect(engine).get_columns(name)}.isdisjoint(UPGRADABLE)
    with engine.begin() as conn:
        add_sign_in_columns(Operations(MigrationContext.configure(conn)), table=name)
    again = SqlSessions(engine, table=name)
    session = again.get_session(sid)
    assert session is not None and session.remember is True  # the flag went with the column
    assert session.authenticated_at == session.created_at
    with pytest.raises(ConfigurationError):
        add_sign_in_columns(op, table="no good")


@pytest.mark.parametrize("where", ["sqlite", "postgres"])
def test_the_alembic_operations_add_and_drop_the_create_function(
    where: str, request: pytest.FixtureRequest
) -> None:
    from alembic.migration import MigrationContext
    from alembic.operations import Operations

    engine = sqlite_engine() if where == "sqlite" else request.getfixturevalue("postgres_engine")
    count = Statements(engine)
    store = _store(engine)
    name = store.table.name

    def migrate(step: Any) -> None:
        with engine.begin() as conn:
            step(Operations(MigrationContext.configure(conn)), table=name)

    migrate(drop_create_function)
    create = count.during(lambda: store.create_session(user_id="ann", label="", meta={}))
    one_call = ["SELECT"] if where == "postgres" else []
    assert create != one_call
    migrate(add_create_function)
    again = SqlSessions(engine, table=name)  # a new process, say
    create = count.during(lambda: again.create_session(user_id="ann", label="", meta={}))
    assert (create == one_call) == (where == "postgres")
    assert again.stats().sessions == 2
    with pytest.raises(ConfigurationError):  # checked before anything runs
        add_create_function(None, table="no good")
    if where == "sqlite":
        engine.dispose()


class _Silent:
    """A TCP port that accepts connections (the kernel's backlog) and never
    answers: a hung host, as a client sees it while connecting."""

    def signal(self, signum: int) -> None:
        pass


def test_from_url_bounds_connecting_to_a_host_that_never_answers() -> None:
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    port = listener.getsockname()[1]
    store = SqlSessions.from_url(
        f"postgresql+psycopg://nobody@127.0.0.1:{port}/none",
        operation_timeout=timedelta(seconds=1),
    )
    from authsessions.kit import mint_session_id, user_tag

    sid = mint_session_id(user_tag('"u"')).session_id()
    try:
        outcome = _bounded(lambda: store.get_session(sid), _Silent(), within=5)
        assert outcome[0] == "backend error", outcome
    finally:
        listener.close()
        store.close()


@pytest.mark.postgres
def test_waiting_for_a_pooled_connection_counts_against_the_timeout(
    postgres_server_factory: Any,
) -> None:
    """Twelve callers on a pool of two (+1 overflow) with the server hung:
    each ends with a backend error, none waits its turn for the others."""
    server = postgres_server_factory()
    store = SqlSessions.from_url(
        server.url,
        table=f"t{uuid.uuid4().hex[:12]}",
        operation_timeout=timedelta(seconds=1),
        engine_options={"pool_size": 2, "max_overflow": 1},
    )
    store.create_schema()
    sid = store.create_session(user_id="u", label="", meta={})
    outcomes: list[str] = []

    def call() -> None:
        try:
            store.get_session(sid)
            outcomes.append("returned")
        except SessionBackendError:
            outcomes.append("backend error")

    server.signal(signal.SIGSTOP)
    threads = [threading.Thread(target=call, daemon=True) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(4)  # 1 s each if bounded; the old store kept them ~6 s
    blocked = sum(thread.is_alive() for thread in threads)
    server.signal(signal.SIGCONT)
    for thread in threads:
        thread.join(30)
    store.close()
    assert blocked == 0 and outcomes == ["backend error"] * 12, (blocked, outcomes)


def test_an_engine_whose_pool_waits_longer_than_the_timeout_is_refused() -> None:
    engine = sa.create_engine("postgresql+psycopg://nobody@127.0.0.1:9/none")
    with pytest.raises(ConfigurationError) as info:
        SqlSessions(engine)  # pool_timeout 30 s, operation_timeout 10 s
    assert info.value.setting == "engine"
    assert "from_url" in str(info.value) and "pool_timeout=10" in str(info.value)
    SqlSessions(engine, operation_timeout=None)  # no bound promised: accepted
    SqlSessions(sa.create_engine("postgresql+psycopg://nobody@127.0.0.1:9/none", pool_timeout=5))
    engine.dispose()


def test_from_url_bounds_the_pool_wait_and_connecting_by_the_operation_timeout() -> None:
    store = SqlSessions.from_url(
        "postgresql+psycopg://nobody@127.0.0.1:9/none", operation_timeout=timedelta(seconds=2.5)
    )
    assert store.engine.pool.timeout() == 2.5  # type: ignore[attr-defined]
    store.close()
    custom = SqlSessions.from_url(
        "postgresql+psycopg://nobody@127.0.0.1:9/none",
        engine_options={"pool_timeout": 1, "connect_args": {"connect_timeout": 1}},
    )
    assert custom.engine.pool.timeout() == 1  # type: ignore[attr-defined]
    custom.close()


class DriverStatements:
    """Counts what psycopg itself executes (the fast path bypasses
    SQLAlchemy's execution, and its events)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        import psycopg

        self.sent: list[str] = []
        original = psycopg.Cursor.execute

        def execute(cursor: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
            self.sent.append(str(query).split()[0].upper())
            return original(cursor, query, *args, **kwargs)

        monkeypatch.setattr(psycopg.Cursor, "execute", execute)

    def during(self, fn: Any) -> list[str]:
        self.sent.clear()
        fn()
        return list(self.sent)


@pytest.mark.postgres
def test_single_statements_skip_sqlalchemy_and_stay_one_statement(
    postgres_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = sa.create_engine(postgres_server.url, pool_timeout=10)
    touching = _store(engine)
    sid = touching.create_session(user_id="u", label="", meta={})
    executed: list[str] = []
    event.listen(engine, "engine_connect", lambda conn: executed.append("sqlalchemy"))
    driver = DriverStatements(monkeypatch)
    assert driver.during(lambda: touching.get_session(sid)) == ["UPDATE"]
    assert driver.during(lambda: touching.get_sessions_for_user("u")) == ["WITH"]
    create = driver.during(lambda: touching.create_session(user_id="u", label="", meta={}))
    assert create == ["SELECT"]  # the table's function
    assert executed == [], "the calls went through SQLAlchemy's execution"
    with engine.connect() as conn:  # the pooled connection is left as it was found
        assert conn.get_isolation_level() == "READ COMMITTED"
        assert conn.execute(sa.text("SELECT 1")).scalar() == 1
    # a statement watcher (an instrumentation) sees every statement again
    watched = Statements(engine)
    assert watched.during(lambda: touching.get_session(sid)) == ["UPDATE"]
    engine.dispose()


def test_sqlite_single_statements_skip_sqlalchemy_and_commit_on_their_own(
    tmp_path: Any,
) -> None:
    engine = sqlite_engine(tmp_path / "fast.db")
    sent: list[str] = []
    # what sqlite3 itself runs, BEGIN and COMMIT included
    event.listen(engine, "connect", lambda dbapi, record: dbapi.set_trace_callback(sent.append))
    clock = FakeClock()
    touching = _store(engine, clock=clock)
    sid = touching.create_session(user_id="u", label="", meta={})
    clock.advance(timedelta(minutes=5))
    executed: list[str] = []
    event.listen(engine, "engine_connect", lambda conn: executed.append("sqlalchemy"))
    sent.clear()
    assert touching.get_session(sid) is not None
    assert [s.split()[0].upper() for s in sent] == ["UPDATE"]  # no BEGIN, no COMMIT
    sent.clear()
    assert len(touching.get_sessions_for_user("u")) == 1
    assert [s.split()[0].upper() for s in sent] == ["SELECT"]  # nothing expired: no write
    assert executed == [], "the reads went through SQLAlchemy's execution"
    # the touch is durable: another connection sees it
    other = sqlite_engine(tmp_path / "fast.db")
    with other.connect() as conn:
        last = conn.execute(sa.text(f"SELECT last_used_ms FROM {touching.table.name}")).scalar()
    assert last == clock.ms  # the touch of the read, committed
    with engine.connect() as conn:  # the pooled connection is left as it was found
        dbapi: Any = conn.connection.driver_connection
        assert dbapi.isolation_level == "" and not dbapi.in_transaction
    watched = Statements(engine)  # a statement watcher sees every statement again
    assert watched.during(lambda: touching.get_session(sid)) == ["UPDATE"]
    engine.dispose()
    other.dispose()


@pytest.mark.postgres
def test_without_the_function_a_create_is_two_round_trips_without_sqlalchemy(
    postgres_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import psycopg

    engine = sa.create_engine(postgres_server.url, pool_timeout=10)
    store = _store(engine, policy=SessionPolicy(max_sessions_per_user=2))
    _drop_create_function(engine, store.table.name)
    store.create_session(user_id="u", label="a", meta={})
    store.create_session(user_id="u", label="b", meta={})
    executed: list[str] = []
    event.listen(engine, "engine_connect", lambda conn: executed.append("sqlalchemy"))
    syncs: list[str] = []
    original_sync, original_commit = psycopg.Pipeline.sync, psycopg.Connection.commit

    def sync(pipeline: Any) -> Any:
        syncs.append("sync")
        return original_sync(pipeline)

    def commit(conn: Any) -> Any:
        syncs.append("commit")
        return original_commit(conn)

    monkeypatch.setattr(psycopg.Pipeline, "sync", sync)
    monkeypatch.setattr(psycopg.Connection, "commit", commit)
    driver = DriverStatements(monkeypatch)
    evicted: list[Any] = []
    store.add_hook(evicted.append)
    sent = driver.during(lambda: store.create_session(user_id="u", label="c", meta={}))
    # BEGIN and the lock in the first round trip; the rest and COMMIT in the second
    assert sent == ["SELECT", "DELETE", "DELETE", "INSERT"]
    assert syncs == ["sync", "commit"]
    assert executed == [], "the create went through SQLAlchemy's execution"
    assert sorted(s.label for s in store.get_sessions_for_user("u")) == ["b", "c"]
    assert [type(e).__name__ for e in evicted] == ["SessionRevoked", "SessionCreated"]
    with engine.connect() as conn:  # the pooled connection is left as it was found
        assert conn.get_isolation_level() == "READ COMMITTED"
        assert not conn.connection.driver_connection.autocommit  # type: ignore[union-attr]
    engine.dispose()


class AsyncDriverStatements:
    """Counts what psycopg's asyncio cursor itself executes."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        import psycopg

        self.sent: list[str] = []
        original = psycopg.AsyncCursor.execute

        async def execute(cursor: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
            self.sent.append(str(query).split()[0].upper())
            return await original(cursor, query, *args, **kwargs)

        monkeypatch.setattr(psycopg.AsyncCursor, "execute", execute)


@pytest.mark.postgres
def test_asyncio_single_statements_skip_sqlalchemy_and_stay_one_statement(
    postgres_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def main() -> None:
        store: Any = AsyncSqlSessions.from_url(
            postgres_server.async_url, table=f"t{uuid.uuid4().hex[:12]}"
        )
        await store.create_schema()
        sid = await store.create_session(user_id="u", label="", meta={})
        executed: list[str] = []
        event.listen(
            store.engine.sync_engine, "engine_connect", lambda conn: executed.append("sqlalchemy")
        )
        driver = AsyncDriverStatements(monkeypatch)
        assert await store.get_session(sid) is not None
        assert await store.get_sessions_for_user("u")
        assert await store.create_session(user_id="u", label="", meta={})
        assert driver.sent == ["UPDATE", "WITH", "SELECT"]  # the read, the listing, the function
        assert executed == [], "the calls went through SQLAlchemy's execution"
        async with store.engine.connect() as conn:  # the pooled connection as it was found
            raw = await conn.get_raw_connection()
            assert raw.driver_connection.autocommit is False
            assert await conn.get_isolation_level() == "READ COMMITTED"
        # a statement watcher (an instrumentation) sees every statement again
        watched = Statements(store.engine.sync_engine)
        driver.sent.clear()
        assert await store.get_session(sid) is not None
        assert watched.sent == ["UPDATE"]
        await store.aclose()

    asyncio.run(main())


@pytest.mark.postgres
def test_an_asyncio_call_cancelled_midway_gives_back_a_usable_connection(
    postgres_server_factory: Any,
) -> None:
    # a request's task cancelled while its statement is in flight (a client
    # that went away): that connection must not go back to the pool mid-query
    server = postgres_server_factory()

    async def main() -> None:
        store: Any = AsyncSqlSessions.from_url(
            server.async_url,
            table=f"t{uuid.uuid4().hex[:12]}",
            engine_options={"pool_size": 1, "max_overflow": 0},
        )
        await store.create_schema()
        sid = await store.create_session(user_id="u", label="", meta={})
        server.signal(signal.SIGSTOP)
        try:
            read = asyncio.ensure_future(store.get_session(sid))
            await asyncio.sleep(0.3)  # the statement is out, the server does not answer
            assert not read.done()
            read.cancel()
            with pytest.raises(asyncio.CancelledError):
                await read
        finally:
            server.signal(signal.SIGCONT)
        for _ in range(3):  # the pool's one connection, and the ones after it
            assert await store.get_session(sid) is not None
        await store.aclose()

    asyncio.run(main())
