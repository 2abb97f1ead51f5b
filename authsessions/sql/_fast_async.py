"""The direct path of an asyncio psycopg engine (``_fast.py`` has the sync
one and the reasons).

Through SQLAlchemy's asyncio layer every step of an execution crosses into
a greenlet and back; a throttled validate on PostgreSQL took 498 µs where
the same statement on a pooled psycopg ``AsyncConnection`` takes 212 µs
(and on a connection of its own 126 µs; 7 interleaved rounds, pinned).
Here the connection is checked out of, and returned to, the engine's pool
in one greenlet hop each (its events, pre-ping and limits apply), and the
statement runs on psycopg's own ``AsyncConnection`` in autocommit,
restored before it goes back. The deadline watchdog bounds it as every
other call; a connection that failed or whose call was cancelled midway is
invalidated, never returned to the pool as it is. aiosqlite engines keep
the SQLAlchemy path (its connection lives on a thread of its own), and so
does an engine with statement listeners, and any statement with expanding
parameters.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.util import greenlet_spawn

from ._fast import Compiled, Compiler
from ._watchdog import deadline


class AsyncFastPath(Compiler):
    """The direct path of an asyncio psycopg engine."""

    def __init__(self, engine: AsyncEngine) -> None:
        super().__init__(engine.sync_engine)
        self._async_engine = engine

    @property
    def pipelines(self) -> bool:
        """A create's pipelined transaction is the sync path's only."""
        return False

    def transaction(self, *args: Any) -> Any:
        raise RuntimeError("no pipelined transaction on the asyncio direct path")

    def is_integrity_error(self, err: BaseException | None) -> bool:
        """Whether psycopg raised ``err`` for a violated constraint."""
        import psycopg

        return isinstance(err, psycopg.IntegrityError)

    @classmethod
    def for_engine(cls, engine: object) -> AsyncFastPath | None:
        """A direct path for ``engine`` if it is an asyncio psycopg engine."""
        if not isinstance(engine, AsyncEngine):
            return None
        dialect = engine.dialect
        if dialect.name == "postgresql" and dialect.driver == "psycopg":
            return cls(engine)
        return None

    async def run(
        self,
        compiled: Compiled,
        params: dict[str, Any],
        timeout: float | None,
        started: float,
    ) -> Any:
        """Rows (a list of tuples) or the row count.

        Raises:
            Exception: whatever psycopg raised (the caller maps it to
                SessionBackendError).
        """
        sql, own, _, rows = compiled
        if own:
            params = {**own, **params}
        raw = await self._async_engine.raw_connection()
        try:
            dbapi: Any = raw.driver_connection
            with deadline(raw, timeout, started):
                was = dbapi.autocommit
                if not was:
                    await dbapi.set_autocommit(True)
                async with dbapi.cursor() as cursor:
                    await cursor.execute(sql, params)
                    result = await cursor.fetchall() if rows else cursor.rowcount
                if not was:
                    await dbapi.set_autocommit(False)
                return result
        except BaseException as err:
            # failed, or cancelled mid-statement: whatever state it is in,
            # it is not reused
            await greenlet_spawn(self._drop, raw, err, _disconnected(err, raw))
            raise
        finally:
            await greenlet_spawn(raw.close)


def _disconnected(err: BaseException, raw: Any) -> bool:
    """Whether ``err`` says the server is gone (psycopg's own error on a
    closed or broken connection): then every pooled connection is stale."""
    import psycopg

    driver = getattr(raw, "driver_connection", None)
    return isinstance(err, psycopg.Error) and bool(
        driver is not None and (driver.closed or driver.broken)
    )
