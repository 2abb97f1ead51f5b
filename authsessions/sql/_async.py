"""The SQL store for asyncio: the source of truth for the sync twin."""

from __future__ import annotations

import functools
import json
import logging
import math
import time
from collections.abc import AsyncIterator, Sequence
from datetime import timedelta
from typing import Any, Generic, TypeVar, Unpack, overload

import sqlalchemy.exc
from sqlalchemy import MetaData, Table
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from authsessions.kit import (
    AsyncStoreBase,
    ConfigurationError,
    ParsedSessionId,
    ReusedSecret,
    Session,
    SessionBackendError,
    SessionList,
    SessionStats,
    StoredDataError,
    StoreOptions,
    backend_errors,
    dumps,
    push_previous,
    rotated_at,
)

from ._create_function import create_function_sql, fallback_reason, function_name
from ._fast_async import AsyncFastPath
from ._schema import DEFAULT_TABLE, UPGRADABLE, add_column_sql, sessions_table
from ._statements import BATCH, Statements
from ._twins import AsyncSerial, create_all_async, shares_one_connection, table_columns_async
from ._watchdog import deadline, record_sockets

_log = logging.getLogger("authsessions.sql")

U = TypeVar("U")
M = TypeVar("M")


# "sqlalchemy.ext.asyncio.engine.AsyncEngine" (the sync class in the twin)
_ENGINE_NAME = AsyncEngine.__module__ + "." + AsyncEngine.__name__


_TRANSACTION_LEVEL = {"sqlite": "SERIALIZABLE"}
_DEFAULT_TIMEOUT = timedelta(seconds=10)


def _check_pool_wait(engine: Any, timeout: float | None) -> None:
    """Refuse a pool that may keep a caller waiting for a connection longer
    than the operation timeout: no deadline can interrupt that wait.

    Raises:
        ConfigurationError: the pool's ``pool_timeout`` is longer.
    """
    pool = getattr(engine, "sync_engine", engine).pool
    wait = getattr(pool, "timeout", None)
    if timeout is None or engine.dialect.name == "sqlite" or not callable(wait):
        return
    if wait() > timeout:
        raise ConfigurationError(
            "engine",
            f"its pool lets a caller wait {wait():g} s for a connection, longer than "
            f"operation_timeout ({timeout:g} s): build the store with from_url(), which "
            f"sets the engine's timeouts, or create the engine with pool_timeout={timeout:g} "
            'and connect_args={"connect_timeout": ...}',
        )


def _signed(tag: str) -> int:
    """A user tag (64 bits, hex) as the signed bigint an advisory lock takes."""
    value = int(tag, 16)
    return value - (1 << 64) if value >= 1 << 63 else value


class AsyncSqlSessions(AsyncStoreBase[U, M], Generic[U, M]):
    """Sessions in a SQL database through SQLAlchemy Core, for asyncio.

    A read is one statement (``UPDATE ... RETURNING`` that validates and
    touches; with a ``touch_interval``, one ``SELECT`` inside the interval).
    A create runs one short transaction that serializes the user's writers
    (PostgreSQL: ``pg_advisory_xact_lock`` on the user's tag, under READ
    COMMITTED; SQLite: the database write lock its first write takes), then
    removes the user's expired sessions, evicts beyond the cap and inserts.
    Tested dialects: SQLite (>= 3.35, for RETURNING) and PostgreSQL.
    """

    backend = "sql"

    @overload
    def __init__(
        self: AsyncSqlSessions[str, dict[str, Any]],
        engine: AsyncEngine,
        *,
        table: str = ...,
        operation_timeout: timedelta | None = ...,
        **options: Unpack[StoreOptions],
    ) -> None: ...
    @overload
    def __init__(
        self: AsyncSqlSessions[U, dict[str, Any]],
        engine: AsyncEngine,
        *,
        user_id_type: type[U],
        table: str = ...,
        operation_timeout: timedelta | None = ...,
        **options: Unpack[StoreOptions],
    ) -> None: ...
    @overload
    def __init__(
        self: AsyncSqlSessions[str, M],
        engine: AsyncEngine,
        *,
        meta_type: type[M],
        table: str = ...,
        operation_timeout: timedelta | None = ...,
        **options: Unpack[StoreOptions],
    ) -> None: ...
    @overload
    def __init__(
        self,
        engine: AsyncEngine,
        *,
        user_id_type: type[U],
        meta_type: type[M],
        table: str = ...,
        operation_timeout: timedelta | None = ...,
        **options: Unpack[StoreOptions],
    ) -> None: ...
    def __init__(
        self,
        engine: AsyncEngine,
        *,
        table: str = DEFAULT_TABLE,
        operation_timeout: timedelta | None = _DEFAULT_TIMEOUT,
        **options: Any,
    ) -> None:
        """Build the store around an engine (create the table with
        ``create_schema``, or with your migrations from ``metadata``).

        Args:
            engine: a SQLAlchemy engine of this store's kind: ``Engine`` for
                ``SqlSessions``, ``AsyncEngine`` for ``AsyncSqlSessions``.
            user_id_type, meta_type, policy, clock, converter: as for every
                store.
            table: the table's name (default ``"authsessions"``).
            operation_timeout: a bound on every call, enforced on the
                client even when the server hangs (PostgreSQL); None for
                none. Default 10 seconds.

        Raises:
            ConfigurationError: for an invalid option, or an engine of the
                wrong kind.
        """
        if not isinstance(engine, AsyncEngine):
            raise ConfigurationError(
                "engine",
                f"must be a {_ENGINE_NAME}, not "
                f"{type(engine).__module__}.{type(engine).__qualname__} (SqlSessions takes "
                "sync engines, AsyncSqlSessions asyncio ones)",
            )
        if operation_timeout is not None and (
            not isinstance(operation_timeout, timedelta) or operation_timeout <= timedelta(0)
        ):
            raise ConfigurationError("operation_timeout", "must be a positive timedelta or None")
        super().__init__(**options)
        self._metadata = MetaData()
        self._table: Table = sessions_table(self._metadata, table)
        self._sql = Statements(self._table, self._config.policy, engine.dialect.name)
        self._engine = engine
        self._owns_engine = False
        # single statements commit on their own: one round trip, no BEGIN
        self._autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")
        # a create's transaction is designed for READ COMMITTED (the advisory
        # lock serializes the user's writers; a stricter level only adds
        # serialization failures, a looser one breaks the cap), whatever the
        # engine's own default is; SQLite serializes writers by its lock
        self._transactional = engine.execution_options(
            isolation_level=_TRANSACTION_LEVEL.get(engine.dialect.name, "READ COMMITTED")
        )
        self._timeout = None if operation_timeout is None else operation_timeout.total_seconds()
        _check_pool_wait(engine, self._timeout)
        self._serial = AsyncSerial(shares_one_connection(engine))
        # psycopg engines (and sync sqlite3 ones): single statements skip
        # SQLAlchemy's execution
        self._fast = AsyncFastPath.for_engine(engine)
        # PostgreSQL: a create is one call of the table's function until a
        # call says it is missing or refuses the isolation level
        self._create_in_one_call = self._sql.create_call is not None
        record_sockets(engine)

    def _repr_fields(self) -> dict[str, Any]:
        return {"table": repr(self._table.name), "dialect": self._engine.dialect.name}

    @property
    def metadata(self) -> MetaData:
        """The store's table as SQLAlchemy metadata (for Alembic)."""
        return self._metadata

    @property
    def table(self) -> Table:
        """The store's table."""
        return self._table

    @property
    def engine(self) -> AsyncEngine:
        """The SQLAlchemy engine."""
        return self._engine

    async def create_schema(self) -> None:
        """Create the table and its indexes if they do not exist; add the
        columns a table made by an earlier release lacks (``UPGRADABLE``:
        each has a default, so existing rows read as before).

        Raises:
            ConfigurationError: a table of that name exists and lacks the
                store's columns, or has a required column the store does
                not write.
            SessionBackendError: the database failed, or did not answer
                within the operation timeout.
        """
        started = time.monotonic()
        async with self._serial:
            with backend_errors("sql", "create_schema"):
                async with self._transactional.connect() as conn:
                    with deadline(conn, self._timeout, started):
                        async with conn.begin():
                            columns = await table_columns_async(conn, self._table.name)
                            if columns is not None:
                                for name in self._check_columns(columns):
                                    sql = add_column_sql(self._table, name, conn.dialect)
                                    await conn.exec_driver_sql(sql)
                                    _log.warning(
                                        "create_schema: added column %s to table %s",
                                        name,
                                        self._table.name,
                                    )
                            await create_all_async(conn, self._metadata)
                            if conn.dialect.name == "postgresql":
                                sql = create_function_sql(self._table.name)
                                await conn.exec_driver_sql(sql)
        self._create_in_one_call = self._sql.create_call is not None

    def _check_columns(self, columns: list[dict[str, Any]]) -> list[str]:
        """The columns to add to an existing table (of ``UPGRADABLE``);
        raise if it cannot hold this store's rows."""
        ours = {column.name for column in self._table.columns}
        theirs = {column["name"] for column in columns}
        addable = [name for name in UPGRADABLE if name not in theirs]
        ours -= set(addable)
        required = {
            c["name"]
            for c in columns
            if not c.get("nullable", True)
            and c.get("default") is None
            and c.get("autoincrement") is not True
        }
        missing, unknown = sorted(ours - theirs), sorted(required - ours)
        if missing or unknown:
            found = ", ".join(sorted(theirs))
            raise ConfigurationError(
                "table",
                f"a table named {self._table.name!r} exists and does not match the "
                f"sessions table (its columns: {found}; "
                + (f"missing: {', '.join(missing)}" if missing else "")
                + ("; " if missing and unknown else "")
                + (f"required, unknown to the store: {', '.join(unknown)}" if unknown else "")
                + "): choose another table name, or migrate it",
            )
        return addable

    @overload
    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        engine_options: dict[str, Any] | None = ...,
        table: str = ...,
        operation_timeout: timedelta | None = ...,
        **options: Unpack[StoreOptions],
    ) -> AsyncSqlSessions[str, dict[str, Any]]: ...
    @overload
    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        user_id_type: type[U],
        engine_options: dict[str, Any] | None = ...,
        table: str = ...,
        operation_timeout: timedelta | None = ...,
        **options: Unpack[StoreOptions],
    ) -> AsyncSqlSessions[U, dict[str, Any]]: ...
    @overload
    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        meta_type: type[M],
        engine_options: dict[str, Any] | None = ...,
        table: str = ...,
        operation_timeout: timedelta | None = ...,
        **options: Unpack[StoreOptions],
    ) -> AsyncSqlSessions[str, M]: ...
    @overload
    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        user_id_type: type[U],
        meta_type: type[M],
        engine_options: dict[str, Any] | None = ...,
        table: str = ...,
        operation_timeout: timedelta | None = ...,
        **options: Unpack[StoreOptions],
    ) -> AsyncSqlSessions[U, M]: ...
    @classmethod
    def from_url(cls, url: str, *, engine_options: dict[str, Any] | None = None,
                 **kwargs: Any) -> Any:  # fmt: skip
        """A store with its own engine for ``url`` (disposed by ``aclose()``).

        Args:
            url: a SQLAlchemy URL of this store's kind, e.g.
                ``postgresql+psycopg://...`` or ``sqlite+aiosqlite:///sessions.db``
                for ``AsyncSqlSessions``, ``sqlite:///sessions.db`` for
                ``SqlSessions``.
            engine_options: keyword arguments for the engine. By default
                the pool's wait (``pool_timeout``) and, on PostgreSQL,
                connecting (``connect_timeout``) are bounded by the
                operation timeout; these options override that.
            kwargs: store options.

        Raises:
            ConfigurationError: for an invalid option.
            sqlalchemy.exc.ArgumentError: for a malformed URL.
        """
        options = dict(engine_options or {})
        timeout = kwargs.get("operation_timeout", _DEFAULT_TIMEOUT)
        if isinstance(timeout, timedelta) and timeout > timedelta(0):
            seconds = timeout.total_seconds()
            if not url.startswith("sqlite"):
                options.setdefault("pool_timeout", seconds)
            if url.startswith("postgresql"):
                connect_args = dict(options.get("connect_args", {}))
                connect_args.setdefault("connect_timeout", max(1, math.ceil(seconds)))
                options["connect_args"] = connect_args
        engine = create_async_engine(url, **options)
        store = cls(engine, **kwargs)
        store._owns_engine = True
        return store

    async def aclose(self) -> None:
        """Dispose of the engine if this store created it (``from_url``)."""
        if self._owns_engine:
            await self._engine.dispose()

    # -- plumbing --------------------------------------------------------------

    async def _one(self, operation: str, statement: Any, params: dict[str, Any]) -> Any:
        """One statement, committed on its own; its result, fetched."""
        started = time.monotonic()
        fast = None if self._fast is None else self._fast.sql_of(statement)
        async with self._serial:
            with backend_errors("sql", operation):
                if fast is not None and self._fast is not None:
                    return await self._fast.run(fast, params, self._timeout, started)
                async with self._autocommit.connect() as conn:
                    with deadline(conn, self._timeout, started):
                        result = await conn.execute(statement, params)
                        return result.all() if result.returns_rows else result.rowcount

    async def _forget_if_expired(self, operation: str, key: str, now: int) -> None:
        """The read found nothing: remove the session if it has expired, so
        a clock stepping back cannot bring it back."""
        await self._one(operation, self._sql.forget_expired, {"b_key": key, "now": now})

    def _session(self, key: str, row: Any) -> Session[U, M]:
        user_json, label_json, meta_json, created, last_used, absolute, auth, details, ip = row
        try:
            label = json.loads(label_json)
        except ValueError as err:
            raise StoredDataError(key, "label", "str") from err
        return self._config.codec.session(
            key=key,
            user_json=user_json,
            label=label,
            meta_json=meta_json,
            created_ms=created,
            last_used_ms=last_used,
            expires_ms=self._config.policy.expires_ms(absolute, last_used),
            authenticated_ms=auth,
            details_json=details,
            last_ip=ip,
        )

    def _listing(self, rows: Sequence[Any]) -> SessionList[U, M]:
        """Sessions from rows (key first), decoded in one ``json.loads``."""
        if not rows:
            return SessionList()
        parts = [
            f'["{key}",{absolute},{created},{last},{user},{label},{meta},'
            # the sign-in fields as one value, null for the defaults (most rows)
            + (
                "null]"
                if (auth is None or auth == created) and details == "{}" and ip is None
                else f"[{'null' if auth is None else auth},{details},"
                f"{'null' if ip is None else dumps(ip)}]]"
            )
            for key, user, label, meta, created, last, absolute, auth, details, ip in rows
        ]
        try:
            decoded = json.loads("[" + ",".join(parts) + "]")
        except ValueError:
            for row in rows:  # find and name the broken one
                self._session(row[0], row[1:])
            raise  # pragma: no cover - the loop above raised
        return self._config.codec.sessions(decoded)

    # -- the operation primitives of the store base: one statement each -------

    async def _read(self, parsed: ParsedSessionId, operation: str, ip: str | None) -> Any | None:
        now = self._config.now_ms()
        params = {"b_key": parsed.key, "b_hash": parsed.secret_hash(), "now": now, "ip": ip}
        policy = self._config.policy
        if not policy.touch_interval_ms:
            rows = await self._one(operation, self._sql.read_touching, params)
        else:
            rows = await self._one(operation, self._sql.read, params)
            if rows and policy.touches(now, rows[0][4]):
                touched = {"b_key": parsed.key, "seen": rows[0][4], "now": now, "ip": ip}
                if await self._one(operation, self._sql.touch, touched):
                    row = rows[0]
                    rows = [(*row[:4], now, *row[5:8], row[8] if ip is None else ip)]
        if not rows:
            return await self._missed(operation, parsed, now)
        return rows[0]

    async def _missed(self, operation: str, parsed: ParsedSessionId, now: int) -> Any | None:
        """A read found no live session for its id: remove the key's
        session if it has expired (a clock stepping back cannot bring it
        back); report a rotated-away secret presented again. One statement
        when the key is unknown."""
        policy = self._config.policy
        rows = await self._one(operation, self._sql.missed, {"b_key": parsed.key})
        if not rows:
            return None
        user_json, previous, absolute, last_used = rows[0]
        if now >= policy.expires_ms(absolute, last_used):
            await self._forget_if_expired(operation, parsed.key, now)
            return None
        if not policy.reused(rotated_at(previous, parsed.secret_hash_hex()), now):
            return None
        revoked = False
        if policy.revoke_on_reuse:
            params = {"b_key": parsed.key, "seen_previous": previous}
            revoked = bool(await self._one(operation, self._sql.forget_reused, params))
        return ReusedSecret(user_json, revoked)

    def _user_id_of(self, key: str, found: Any) -> U:
        return self._config.codec.decode_user_id(key, found[0])

    def _meta_of(self, key: str, found: Any) -> M:
        return self._config.codec.decode_meta(key, found[2])

    def _session_of(self, key: str, found: Any) -> Session[U, M]:
        return self._session(key, found)

    async def _read_key(self, key: str) -> Any | None:
        now = self._config.now_ms()
        rows = await self._one("get_session_by_key", self._sql.read_key, {"b_key": key})
        if not rows:
            return None
        last_used, absolute = rows[0][4], rows[0][5]
        if now >= self._config.policy.expires_ms(absolute, last_used):
            await self._forget_if_expired("get_session_by_key", key, now)
            return None
        return rows[0]

    def _lock_step(self, tag: str) -> tuple[Any, dict[str, Any]] | None:
        """The statement that serializes the user's writers for the rest of
        the transaction, or None where the dialect needs none."""
        lock = self._sql.lock_user
        return None if lock is None else (lock, {"tag": _signed(tag)})

    async def _insert(
        self,
        parsed: ParsedSessionId,
        user_json: str,
        label: str,
        meta_json: str,
        lifetime_ms: int,
        details_json: str,
    ) -> Sequence[str] | None:
        try:
            evicted = await self._insert_row(
                parsed, user_json, label, meta_json, lifetime_ms, details_json
            )
        except SessionBackendError as err:
            # a 64-bit random key collision (the base tries another key)
            # only if that key is there; any other constraint failure is
            # the table's, and surfaces with its cause
            duplicate = isinstance(err.__cause__, sqlalchemy.exc.IntegrityError) or (
                self._fast is not None and self._fast.is_integrity_error(err.__cause__)
            )
            if duplicate and await self._one(
                "create_session", self._sql.read_key, {"b_key": parsed.key}
            ):
                return None
            raise
        return evicted

    async def _insert_row(
        self,
        parsed: ParsedSessionId,
        user_json: str,
        label: str,
        meta_json: str,
        lifetime_ms: int,
        details_json: str,
    ) -> list[str]:
        """Run the create, bounded; the keys it evicted. On PostgreSQL one
        call of the table's function; otherwise (or without the function)
        a transaction whose statements after the user's lock are built once
        the lock is held (``_after_lock`` reads the time then)."""
        if self._create_in_one_call:
            now = self._config.now_ms()
            cap = self._config.policy.max_sessions_per_user
            arguments = {
                **self._row(parsed, user_json, label, meta_json, lifetime_ms, details_json, now),
                "tag": _signed(parsed.tag),
                "now": now,
                "idle": self._config.policy.idle_ttl_ms,
                "keep": None if cap is None else cap - 1,
            }
            try:
                rows = await self._one("create_session", self._sql.create_call, arguments)
            except SessionBackendError as err:
                why = fallback_reason(err.__cause__)
                if why is None:
                    raise
                self._create_in_one_call = False
                _log.info(
                    "create_session: %s %s; creates take a transaction",
                    function_name(self._table.name),
                    why,
                )
            else:
                return [row[0] for row in rows]
        started = time.monotonic()
        steps = functools.partial(
            self._after_lock, parsed, user_json, label, meta_json, lifetime_ms, details_json
        )
        lock = self._lock_step(parsed.tag)
        async with self._serial:
            with backend_errors("sql", "create_session"):
                if lock is not None and self._fast is not None and self._fast.pipelines:
                    # two round trips on psycopg's pipeline: BEGIN and the
                    # lock; then the rest and COMMIT
                    return self._evicted(
                        self._fast.transaction([lock], steps, self._timeout, started)
                    )
                async with self._transactional.connect() as conn:
                    # the deadline covers the COMMIT too
                    with deadline(conn, self._timeout, started):
                        async with conn.begin():
                            if lock is not None:
                                await conn.execute(*lock)
                            done = []
                            for statement, params in steps():
                                result = await conn.execute(statement, params)
                                rows = result.all() if result.returns_rows else result.rowcount
                                done.append((statement, rows))
                            return self._evicted(done)

    def _evicted(self, done: list[tuple[Any, Any]]) -> list[str]:
        """The keys the create's eviction returned (none without a cap)."""
        evict = self._sql.evict
        return next(([row[0] for row in rows] for st, rows in done if st is evict), [])

    def _after_lock(
        self,
        parsed: ParsedSessionId,
        user_json: str,
        label: str,
        meta_json: str,
        lifetime_ms: int,
        details_json: str,
    ) -> list[tuple[Any, dict[str, Any]]]:
        """The create transaction's statements once the user's lock is
        held (the time is read then): forget the user's expired sessions,
        evict beyond the cap (returning the keys), insert."""
        policy, sql = self._config.policy, self._sql
        now = self._config.now_ms()
        steps: list[tuple[Any, dict[str, Any]]] = [
            (sql.forget_user_expired, {"user": user_json, "now": now})
        ]
        cap = policy.max_sessions_per_user
        if cap is not None:
            steps.append((sql.evict, {"user": user_json, "keep_newest": cap - 1}))
        steps.append((
            sql.insert,
            self._row(parsed, user_json, label, meta_json, lifetime_ms, details_json, now),
        ))  # fmt: skip
        return steps

    def _row(
        self,
        parsed: ParsedSessionId,
        user_json: str,
        label: str,
        meta_json: str,
        lifetime_ms: int,
        details_json: str,
        now: int,
    ) -> dict[str, Any]:
        """A new session's row, created at ``now``."""
        return {
            "key": parsed.key,
            "secret_hash": parsed.secret_hash(),
            "user_id": user_json,
            "label": dumps(label),
            "meta": meta_json,
            "created_ms": now,
            "last_used_ms": now,
            "absolute_ms": self._config.policy.absolute_ms(now, lifetime_ms),
            "authenticated_ms": now,
            "details": details_json,
            "previous": "",
        }

    async def _set_meta(self, parsed: ParsedSessionId, meta_json: str) -> bool:
        now = self._config.now_ms()
        params = {
            "b_key": parsed.key,
            "b_hash": parsed.secret_hash(),
            "now": now,
            "b_meta": meta_json,
        }
        if await self._one("set_session_meta", self._sql.set_meta, params):
            return True
        await self._forget_if_expired("set_session_meta", parsed.key, now)
        return False

    async def _rotate(
        self, parsed: ParsedSessionId, rotated: ParsedSessionId, reauthenticate: bool
    ) -> str | None:
        # two statements: read the previous secrets, then write them with
        # the new secret where the old one still holds (a rotation is rare:
        # a privilege change, a sign-in again)
        operation = "reauthenticate" if reauthenticate else "rotate_session"
        now = self._config.now_ms()
        presented = {"b_key": parsed.key, "b_hash": parsed.secret_hash(), "now": now}
        rows = await self._one(operation, self._sql.before_rotation, presented)
        if rows:
            user_json, previous = rows[0]
            params = {
                **presented,
                "new_hash": rotated.secret_hash(),
                "new_previous": push_previous(previous, parsed.secret_hash_hex(), now),
            }
            statement = self._sql.reauthenticate if reauthenticate else self._sql.rotate
            if await self._one(operation, statement, params):
                return str(user_json)
            return None
        await self._forget_if_expired(operation, parsed.key, now)
        return None

    async def _destroy(self, key: str, parsed: ParsedSessionId | None) -> str | None:
        params: dict[str, Any]
        if parsed is None:
            statement, params = self._sql.destroy_key, {"b_key": key}
        else:
            statement = self._sql.destroy
            params = {"b_key": key, "b_hash": parsed.secret_hash()}
        now = self._config.now_ms()
        rows = await self._one("destroy_session", statement, params)
        for absolute, last_used, user_json in rows:
            if now < self._config.policy.expires_ms(absolute, last_used):
                return str(user_json)
        if not rows and parsed is not None:
            # a wrong secret: the key's session, if expired, goes all the same
            await self._forget_if_expired("destroy_session", key, now)
        return None

    async def _destroy_user(
        self, user_json: str, tag: str, keep_key: str | None, keep_id: ParsedSessionId | None
    ) -> Sequence[str]:
        now = self._config.now_ms()
        params: dict[str, Any] = {"user": user_json, "now": now}
        mode = ""
        if keep_id is not None:
            mode, params["keep"], params["keep_hash"] = "id", keep_id.key, keep_id.secret_hash()
        elif keep_key is not None:
            mode, params["keep"] = "key", keep_key
        statement = self._sql.destroy_user[mode]
        rows = await self._one("destroy_sessions_for_user", statement, params)
        policy = self._config.policy
        return [key for a, last, key in rows if now < policy.expires_ms(a, last)]

    async def _list_user(self, user_json: str, tag: str) -> SessionList[U, M]:
        now = self._config.now_ms()
        params = {"user": user_json, "now": now}
        operation = "get_sessions_for_user"
        if self._sql.list_forgets:  # one statement lists and removes the expired
            return self._listing(await self._one(operation, self._sql.list_user, params))
        # one read-only statement; a write only when it met expired sessions
        rows = await self._one(operation, self._sql.list_user_all, params)
        expires = self._config.policy.expires_ms
        dead = [row[0] for row in rows if now >= expires(row[6], row[5])]
        if dead:
            # the expired ones this listing passes over are gone for good
            await self._one(operation, self._sql.forget_keys, {"keys": dead})
            rows = [row for row in rows if now < expires(row[6], row[5])]
        return self._listing(rows)

    async def _batches(self, operation: str) -> AsyncIterator[SessionList[U, M]]:
        """Every live session, BATCH at a time by key (keyset paging: memory
        stays bounded); expired ones met on the way are removed."""
        after, policy = "", self._config.policy
        while True:
            rows = await self._one(operation, self._sql.page, {"after": after})
            if not rows:
                return
            now = self._config.now_ms()
            live = [r for r in rows if now < policy.expires_ms(r[6], r[5])]
            dead = [r[0] for r in rows if now >= policy.expires_ms(r[6], r[5])]
            if dead:
                await self._one(operation, self._sql.forget_keys, {"keys": dead})
            yield self._listing(live)
            if len(rows) < BATCH:
                return
            after = rows[-1][0]

    async def _prune(self) -> int:
        # deletes in batches
        removed = 0
        while True:
            now = self._config.now_ms()
            count: int = await self._one("prune", self._sql.prune, {"now": now})
            removed += count
            if count < BATCH:
                return removed

    async def _stats(self) -> SessionStats:
        rows = await self._one("stats", self._sql.stats, {"now": self._config.now_ms()})
        live, users, expired = rows[0]
        return SessionStats(sessions=live, users=users, expired_not_collected=expired)
