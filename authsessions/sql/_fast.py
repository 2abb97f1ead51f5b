"""A direct path for the store's single statements on a sync psycopg
engine.

SQLAlchemy's per-execution work (an execution context, a result object,
and for the store's autocommit connection an isolation-level switch on
checkout and a reset on return) costs more than PostgreSQL's own work on
a one-row read. Here each statement is compiled once to the driver's SQL
and run on the pooled DBAPI connection, checked out through the engine's
pool (its events, pre-ping and limits apply), in autocommit for the one
statement and restored before it goes back. The deadline watchdog bounds
it as it bounds every other call; a connection that failed is invalidated,
never returned to the pool. Statements with expanding parameters (``IN``
over a list), every other dialect or driver, and an engine with
``before_cursor_execute`` or ``after_cursor_execute`` listeners (an
OpenTelemetry or statement-logging instrumentation expects to see every
statement) keep the SQLAlchemy path, and so does the asyncio store.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy

from ._watchdog import deadline


class FastPath:
    """Compiled statements and the calls that run them."""

    def __init__(self, engine: sqlalchemy.Engine) -> None:
        self._engine = engine
        # statement id -> its SQL and the values of the parameters the
        # statement carries itself (a LIMIT, a literal), or None
        self._sql: dict[int, tuple[str, dict[str, Any]] | None] = {}

    @classmethod
    def for_engine(cls, engine: object) -> FastPath | None:
        """A fast path for ``engine`` if it is a sync psycopg engine."""
        if not isinstance(engine, sqlalchemy.Engine):
            return None
        dialect = engine.dialect
        if dialect.name != "postgresql" or dialect.driver != "psycopg":
            return None
        return cls(engine)

    def sql_of(self, statement: Any) -> tuple[str, dict[str, Any]] | None:
        """The driver's SQL for one of the store's statements (built once
        per store and kept, so its id is stable), or None to take the
        SQLAlchemy path."""
        dispatch = self._engine.dispatch
        if dispatch.before_cursor_execute or dispatch.after_cursor_execute:
            return None  # someone watches the statements: let them see these
        key = id(statement)
        if key not in self._sql:
            compiled = statement.compile(dialect=self._engine.dialect)
            expanding = any(getattr(b, "expanding", False) for b in compiled.binds.values())
            own = {name: value for name, value in compiled.params.items() if value is not None}
            self._sql[key] = None if expanding else (str(compiled), own)
        return self._sql[key]

    def run(
        self,
        compiled: tuple[str, dict[str, Any]],
        params: dict[str, Any],
        timeout: float | None,
        started: float,
    ) -> Any:
        """Rows (a list of tuples) or the row count.

        Raises:
            Exception: whatever the driver raised (the caller maps it to
                SessionBackendError).
        """
        sql, own = compiled
        if own:
            params = {**own, **params}
        raw = self._engine.raw_connection()
        try:
            dbapi: Any = raw.driver_connection
            with deadline(raw, timeout, started):
                was = dbapi.autocommit
                if not was:
                    dbapi.autocommit = True
                try:
                    with dbapi.cursor() as cursor:
                        cursor.execute(sql, params)
                        if cursor.description is None:
                            return cursor.rowcount
                        return cursor.fetchall()
                finally:
                    if not was:
                        dbapi.autocommit = False
        except Exception:
            raw.invalidate()  # whatever state it is in, it is not reused
            raise
        finally:
            raw.close()
