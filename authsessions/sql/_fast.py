"""A direct path for the store's single statements on a sync psycopg or
sqlite3 engine.

SQLAlchemy's per-execution work (an execution context, a result object,
and for the store's autocommit connection an isolation-level switch on
checkout and a reset on return) costs more than the database's own work
on a one-row read. Here each statement is compiled once to the driver's
SQL and run on the pooled DBAPI connection, checked out through the
engine's pool (its events, pre-ping and limits apply), in autocommit for
the one statement (psycopg's ``autocommit``, sqlite3's ``isolation_level
= None``) and restored before it goes back. The deadline watchdog bounds
it as it bounds every other call; a connection that failed is
invalidated, never returned to the pool. Statements with expanding
parameters (``IN`` over a list), every other dialect or driver, and an
engine with ``before_cursor_execute`` or ``after_cursor_execute``
listeners (an OpenTelemetry or statement-logging instrumentation expects
to see every statement) keep the SQLAlchemy path. The asyncio store's twin
for psycopg's asyncio connections is ``_fast_async.AsyncFastPath``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy

from ._watchdog import deadline

# a statement's SQL for the driver, the values it carries itself, the
# order of its parameters for a positional driver (None: named), and
# whether it returns rows (asking the cursor costs psycopg a Column object
# per field: ~10 µs for a session's nine)
Compiled = tuple[str, dict[str, Any], tuple[str, ...] | None, bool]


class Compiler:
    """The store's statements compiled once to one engine's driver SQL,
    and what both direct paths share."""

    def __init__(self, engine: sqlalchemy.Engine, *, sqlite: bool = False) -> None:
        self._engine = engine  # sync; an AsyncEngine's sync_engine
        self._sqlite = sqlite  # qmark parameters, isolation_level for autocommit
        # statement id -> its SQL, the values of the parameters the
        # statement carries itself (a LIMIT, a literal), and the order of
        # the parameters (positional drivers); or None
        self._sql: dict[int, Compiled | None] = {}

    def watched(self) -> bool:
        """Whether someone watches the engine's statements (an
        OpenTelemetry or logging instrumentation): let them see ours."""
        dispatch = self._engine.dispatch
        return bool(dispatch.before_cursor_execute or dispatch.after_cursor_execute)

    def sql_of(self, statement: Any) -> Compiled | None:
        """The driver's SQL for one of the store's statements (built once
        per store and kept, so its id is stable), or None to take the
        SQLAlchemy path."""
        if self.watched():
            return None
        key = id(statement)
        if key not in self._sql:
            compiled = statement.compile(dialect=self._engine.dialect)
            expanding = any(getattr(b, "expanding", False) for b in compiled.binds.values())
            own = {name: value for name, value in compiled.params.items() if value is not None}
            order = tuple(compiled.positiontup or ()) if self._sqlite else None
            self._sql[key] = None if expanding else (str(compiled), own, order, _rows(compiled))
        return self._sql[key]

    def _drop(self, raw: Any, err: BaseException, disconnect: bool) -> None:
        """Drop a connection that failed. On a disconnect (the server
        restarted, the network dropped) every connection pooled before it
        is stale too: mark them all, as SQLAlchemy's own execution does
        (``Pool._invalidate``, the call its ``Connection`` makes), so the
        next call gets a fresh one instead of the next dead one."""
        invalidate_pool = getattr(self._engine.pool, "_invalidate", None)
        if disconnect and invalidate_pool is not None:
            invalidate_pool(raw, err)
        else:
            raw.invalidate(err)


class FastPath(Compiler):
    """The direct path of a sync psycopg or sqlite3 engine."""

    @property
    def pipelines(self) -> bool:
        """Whether ``transaction`` is available: psycopg's pipeline mode,
        and no one watching the statements (see ``sql_of``)."""
        return not self._sqlite and not self.watched()

    def is_integrity_error(self, err: BaseException | None) -> bool:
        """Whether the driver raised ``err`` for a violated constraint."""
        dbapi = self._engine.dialect.loaded_dbapi
        return isinstance(err, dbapi.IntegrityError)

    @classmethod
    def for_engine(cls, engine: object) -> FastPath | None:
        """A fast path for ``engine`` if it is a sync psycopg or sqlite3 engine."""
        if not isinstance(engine, sqlalchemy.Engine):
            return None
        dialect = engine.dialect
        if dialect.name == "postgresql" and dialect.driver == "psycopg":
            return cls(engine)
        if dialect.name == "sqlite" and dialect.driver == "pysqlite":
            return cls(engine, sqlite=True)
        return None

    def run(
        self,
        compiled: Compiled,
        params: dict[str, Any],
        timeout: float | None,
        started: float,
    ) -> Any:
        """Rows (a list of tuples) or the row count.

        Raises:
            Exception: whatever the driver raised (the caller maps it to
                SessionBackendError).
        """
        sql, own, order, rows = compiled
        if own:
            params = {**own, **params}
        raw = self._engine.raw_connection()
        try:
            dbapi: Any = raw.driver_connection
            with deadline(raw, timeout, started):
                if order is not None:
                    return _run_sqlite(dbapi, sql, tuple(params[name] for name in order), rows)
                was = dbapi.autocommit
                if not was:
                    dbapi.autocommit = True
                try:
                    with dbapi.cursor() as cursor:
                        cursor.execute(sql, params)
                        return cursor.fetchall() if rows else cursor.rowcount
                finally:
                    if not was:
                        dbapi.autocommit = False
        except Exception as err:
            self._invalidate(raw, err)  # whatever state it is in, it is not reused
            raise
        finally:
            raw.close()

    def transaction(
        self,
        first: list[tuple[Any, dict[str, Any]]],
        then: Callable[[], list[tuple[Any, dict[str, Any]]]],
        timeout: float | None,
        started: float,
    ) -> list[tuple[Any, Any]]:
        """One transaction in two round trips on psycopg's pipeline: BEGIN
        and the ``first`` statements (a lock); then the statements ``then``
        returns once those have run (so it can read the time after the
        lock was granted), and COMMIT. Each of ``then``'s statements with
        its rows (or row count).

        Raises:
            Exception: whatever the driver raised (the transaction is
                rolled back with the connection, which is invalidated).
        """
        from psycopg import IsolationLevel, pq

        raw = self._engine.raw_connection()
        try:
            dbapi: Any = raw.driver_connection
            with deadline(raw, timeout, started):
                # the create's rule: a READ COMMITTED transaction, whatever the
                # engine's isolation level (AUTOCOMMIT included) or the server's
                was = (dbapi.autocommit, dbapi.isolation_level)
                dbapi.autocommit = False
                dbapi.isolation_level = IsolationLevel.READ_COMMITTED
                try:
                    with dbapi.pipeline() as pipeline:
                        for statement, params in first:
                            self._queue(dbapi, statement, params)
                        pipeline.sync()  # BEGIN and the lock: the first round trip
                        later = then()
                        queued = [self._queue(dbapi, s, p) for s, p in later]
                        dbapi.commit()  # the rest and COMMIT: the second
                finally:
                    if dbapi.info.transaction_status == pq.TransactionStatus.IDLE:
                        dbapi.autocommit, dbapi.isolation_level = was
                return [
                    (statement, cursor.fetchall() if rows else cursor.rowcount)
                    for (statement, _), (cursor, rows) in zip(later, queued, strict=True)
                ]
        except Exception as err:
            self._invalidate(raw, err)  # never back to the pool mid-transaction
            raise
        finally:
            raw.close()

    def _invalidate(self, raw: Any, err: BaseException) -> None:
        dialect = self._engine.dialect
        dbapi_error = getattr(dialect.loaded_dbapi, "Error", ())
        disconnect = isinstance(err, dbapi_error) and dialect.is_disconnect(
            err, getattr(raw, "dbapi_connection", None), None
        )
        self._drop(raw, err, disconnect)

    def _queue(self, dbapi: Any, statement: Any, params: dict[str, Any]) -> tuple[Any, bool]:
        """Queue ``statement`` on the pipeline: its cursor, and whether it
        returns rows."""
        sql, own, _, rows = _compiled(self, statement)
        cursor = dbapi.cursor()
        cursor.execute(sql, {**own, **params} if own else params)
        return cursor, rows


def _compiled(fast: FastPath, statement: Any) -> Compiled:
    compiled = fast.sql_of(statement)
    if compiled is None:
        raise RuntimeError("a statement of the pipelined create has no fast form")
    return compiled


def _rows(compiled: Any) -> bool:
    """Whether a compiled statement returns rows: a SELECT (or text), or a
    write with RETURNING."""
    if compiled.isinsert or compiled.isupdate or compiled.isdelete:
        return bool(compiled.effective_returning)
    return True


def _run_sqlite(dbapi: Any, sql: str, args: tuple[Any, ...], rows: bool) -> Any:
    """One statement on a sqlite3 connection, committed on its own."""
    was = dbapi.isolation_level
    if was is not None:
        if dbapi.in_transaction:  # never commit someone else's work
            raise RuntimeError("a pooled sqlite3 connection came back inside a transaction")
        dbapi.isolation_level = None  # autocommit: no implicit BEGIN before a write
    try:
        cursor = dbapi.execute(sql, args)
        try:
            return cursor.fetchall() if rows else cursor.rowcount
        finally:
            cursor.close()
    finally:
        if was is not None:
            dbapi.isolation_level = was
