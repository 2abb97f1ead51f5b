"""The SQL store for asyncio: the source of truth for the sync twin."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from datetime import timedelta
from typing import Any, Generic, TypeVar, Unpack, overload

import cattrs
import sqlalchemy.exc
from sqlalchemy import MetaData, Table
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from authsessions.kit import (
    Clock,
    ConfigurationError,
    ParsedSessionId,
    Session,
    SessionBackendError,
    SessionId,
    SessionList,
    SessionPolicy,
    SessionStats,
    StoreConfig,
    StoredDataError,
    StoreOptions,
    backend_errors,
    dumps,
    is_session_key,
    mint_session_id,
    parse_session_id,
    user_tag,
)

from ._schema import DEFAULT_TABLE, sessions_table
from ._statements import BATCH, Statements
from ._twins import AsyncSerial, create_all_async, shares_one_connection
from ._watchdog import deadline, record_sockets

U = TypeVar("U")
M = TypeVar("M")


# "sqlalchemy.ext.asyncio.engine.AsyncEngine" (the sync class in the twin)
_ENGINE_NAME = AsyncEngine.__module__ + "." + AsyncEngine.__name__


def _signed(tag: str) -> int:
    """A user tag (64 bits, hex) as the signed bigint an advisory lock takes."""
    value = int(tag, 16)
    return value - (1 << 64) if value >= 1 << 63 else value


class AsyncSqlSessions(Generic[U, M]):
    """Sessions in a SQL database through SQLAlchemy Core, for asyncio.

    A read is one statement (``UPDATE ... RETURNING`` that validates and
    touches; with a ``touch_interval``, one ``SELECT`` inside the interval).
    A create runs one short transaction that serializes the user's writers
    (PostgreSQL: ``pg_advisory_xact_lock`` on the user's tag, under READ
    COMMITTED; SQLite: the database write lock its first write takes), then
    removes the user's expired sessions, evicts beyond the cap and inserts.
    Tested dialects: SQLite (>= 3.35, for RETURNING) and PostgreSQL.
    """

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
        user_id_type: Any = str,
        meta_type: Any = dict[str, Any],
        policy: SessionPolicy | None = None,
        clock: Clock | None = None,
        converter: cattrs.Converter | None = None,
        table: str = DEFAULT_TABLE,
        operation_timeout: timedelta | None = timedelta(seconds=10),
    ) -> None:
        """Build the store around an engine (create the table with
        :meth:`create_schema`, or with your migrations from :attr:`metadata`).

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
        self._config: StoreConfig[U, M] = StoreConfig.build(
            user_id_type=user_id_type,
            meta_type=meta_type,
            policy=policy,
            clock=clock,
            converter=converter,
        )
        self._metadata = MetaData()
        self._table: Table = sessions_table(self._metadata, table)
        self._sql = Statements(self._table, self._config.policy, engine.dialect.name)
        self._engine = engine
        self._owns_engine = False
        # single statements commit on their own: one round trip, no BEGIN
        self._autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")
        self._timeout = None if operation_timeout is None else operation_timeout.total_seconds()
        self._serial = AsyncSerial(shares_one_connection(engine))
        record_sockets(engine)

    def __repr__(self) -> str:
        return self._config.describe(
            type(self).__name__,
            table=repr(self._table.name),
            dialect=self._engine.dialect.name,
        )

    @property
    def policy(self) -> SessionPolicy:
        """The store's policy."""
        return self._config.policy

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
        """Create the table and its indexes if they do not exist.

        Raises:
            SessionBackendError: the database failed.
        """
        async with self._serial:
            with backend_errors("sql", "create_schema"):
                async with self._engine.begin() as conn:
                    await create_all_async(conn, self._metadata)

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
            engine_options: keyword arguments for the engine.
            kwargs: store options.

        Raises:
            ConfigurationError: for an invalid option.
            sqlalchemy.exc.ArgumentError: for a malformed URL.
        """
        engine = create_async_engine(url, **(engine_options or {}))
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
        async with self._serial:
            with backend_errors("sql", operation):
                async with self._autocommit.connect() as conn:
                    with deadline(conn, self._timeout):
                        result = await conn.execute(statement, params)
                        return result.all() if result.returns_rows else result.rowcount

    async def _forget_if_expired(self, operation: str, key: str, now: int) -> None:
        """The read found nothing: remove the session if it has expired, so
        a clock stepping back cannot bring it back."""
        await self._one(operation, self._sql.forget_expired, {"b_key": key, "now": now})

    def _session(self, key: str, row: Any) -> Session[U, M]:
        user_json, label_json, meta_json, created, last_used, absolute = row
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
        )

    def _listing(self, rows: Sequence[Any]) -> SessionList[U, M]:
        """Sessions from rows (key first), decoded in one ``json.loads``."""
        if not rows:
            return SessionList()
        parts = [
            f'["{key}",{absolute},{created},{last},{user},{label},{meta}]'
            for key, user, label, meta, created, last, absolute in rows
        ]
        try:
            decoded = json.loads("[" + ",".join(parts) + "]")
        except ValueError:
            for row in rows:  # find and name the broken one
                self._session(row[0], row[1:])
            raise  # pragma: no cover - the loop above raised
        return self._config.codec.sessions(decoded)

    async def _read(self, operation: str, session_id: object) -> tuple[str, Any] | None:
        parsed = parse_session_id(session_id)
        if parsed is None:
            return None
        now = self._config.now_ms()
        params = {"b_key": parsed.key, "b_hash": parsed.secret_hash(), "now": now}
        policy = self._config.policy
        if not policy.touch_interval_ms:
            rows = await self._one(operation, self._sql.read_touching, params)
        else:
            rows = await self._one(operation, self._sql.read, params)
            if rows and policy.touches(now, rows[0][4]):
                touched = {"b_key": parsed.key, "seen": rows[0][4], "now": now}
                if await self._one(operation, self._sql.touch, touched):
                    rows = [(*rows[0][:4], now, rows[0][5])]
        if not rows:
            await self._forget_if_expired(operation, parsed.key, now)
            return None
        return parsed.key, rows[0]

    async def _locked_user(self, conn: AsyncConnection, tag: str) -> None:
        lock = self._sql.lock_user
        if lock is not None:
            await conn.execute(lock, {"tag": _signed(tag)})

    # -- the interface ---------------------------------------------------------

    async def create_session(self, *, user_id: U, label: str, meta: M) -> SessionId:
        """See :meth:`authsessions.Sessions.create_session`."""
        codec = self._config.codec
        user_json = codec.encode_user_id(user_id)
        label = codec.check_label(label)
        meta_json = codec.encode_meta(meta)
        tag = user_tag(user_json)
        for _ in range(3):
            parsed = mint_session_id(tag)
            try:
                await self._insert(parsed, user_json, label, meta_json)
            except SessionBackendError as err:
                if isinstance(err.__cause__, sqlalchemy.exc.IntegrityError):
                    continue  # a 64-bit random key collision: try another key
                raise
            return parsed.session_id()
        raise SessionBackendError("sql", "create_session", "no free session key in three tries")

    async def _insert(
        self, parsed: ParsedSessionId, user_json: str, label: str, meta_json: str
    ) -> None:
        policy, sql = self._config.policy, self._sql
        async with self._serial:
            with backend_errors("sql", "create_session"):
                async with self._engine.begin() as conn:
                    with deadline(conn, self._timeout):
                        await self._locked_user(conn, parsed.tag)
                        now = self._config.now_ms()
                        await conn.execute(
                            sql.forget_user_expired, {"user": user_json, "now": now}
                        )
                        cap = policy.max_sessions_per_user
                        if cap is not None:
                            await conn.execute(
                                sql.evict, {"user": user_json, "keep_newest": cap - 1}
                            )
                        await conn.execute(
                            sql.insert,
                            {
                                "key": parsed.key,
                                "secret_hash": parsed.secret_hash(),
                                "user_id": user_json,
                                "label": dumps(label),
                                "meta": meta_json,
                                "created_ms": now,
                                "last_used_ms": now,
                                "absolute_ms": policy.absolute_ms(now),
                            },
                        )

    async def get_user_id_from_session(self, session_id: SessionId | None) -> U | None:
        """See :meth:`authsessions.Sessions.get_user_id_from_session`."""
        found = await self._read("get_user_id_from_session", session_id)
        if found is None:
            return None
        key, row = found
        return self._config.codec.decode_user_id(key, row[0])

    async def get_session_meta(self, session_id: SessionId | None) -> M | None:
        """See :meth:`authsessions.Sessions.get_session_meta`."""
        found = await self._read("get_session_meta", session_id)
        if found is None:
            return None
        key, row = found
        return self._config.codec.decode_meta(key, row[2])

    async def get_session(self, session_id: SessionId | None) -> Session[U, M] | None:
        """See :meth:`authsessions.Sessions.get_session`."""
        found = await self._read("get_session", session_id)
        return None if found is None else self._session(*found)

    async def get_session_by_key(self, key: str) -> Session[U, M] | None:
        """See :meth:`authsessions.Sessions.get_session_by_key`."""
        if not is_session_key(key):
            return None
        now = self._config.now_ms()
        rows = await self._one("get_session_by_key", self._sql.read_key, {"b_key": key})
        if not rows:
            return None
        last_used, absolute = rows[0][4:6]
        if now >= self._config.policy.expires_ms(absolute, last_used):
            await self._forget_if_expired("get_session_by_key", key, now)
            return None
        return self._session(key, rows[0])

    async def set_session_meta(self, session_id: SessionId, meta: M) -> bool:
        """See :meth:`authsessions.Sessions.set_session_meta`."""
        meta_json = self._config.codec.encode_meta(meta)
        parsed = parse_session_id(session_id)
        if parsed is None:
            return False
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

    async def rotate_session(self, session_id: SessionId) -> SessionId | None:
        """See :meth:`authsessions.Sessions.rotate_session`."""
        parsed = parse_session_id(session_id)
        if parsed is None:
            return None
        rotated = parsed.rotated()
        now = self._config.now_ms()
        params = {
            "b_key": parsed.key,
            "b_hash": parsed.secret_hash(),
            "now": now,
            "new_hash": rotated.secret_hash(),
        }
        if await self._one("rotate_session", self._sql.rotate, params):
            return rotated.session_id()
        await self._forget_if_expired("rotate_session", parsed.key, now)
        return None

    async def destroy_session(self, session: SessionId | Session[U, M]) -> bool:
        """See :meth:`authsessions.Sessions.destroy_session`."""
        params: dict[str, Any]
        if isinstance(session, Session):
            if not is_session_key(session.key):
                return False
            statement, params = self._sql.destroy_key, {"b_key": session.key}
        else:
            parsed = parse_session_id(session)
            if parsed is None:
                return False
            statement = self._sql.destroy
            params = {"b_key": parsed.key, "b_hash": parsed.secret_hash()}
        now = self._config.now_ms()
        rows = await self._one("destroy_session", statement, params)
        return any(now < self._config.policy.expires_ms(a, last) for a, last in rows)

    async def destroy_sessions_for_user(
        self, user_id: U, *, keep: SessionId | Session[U, M] | None = None
    ) -> int:
        """See :meth:`authsessions.Sessions.destroy_sessions_for_user`."""
        user_json = self._config.codec.encode_user_id(user_id)
        now = self._config.now_ms()
        params: dict[str, Any] = {"user": user_json, "now": now}
        mode = ""
        if isinstance(keep, Session):
            mode, params["keep"] = "key", keep.key
        else:
            kept = parse_session_id(keep)
            if kept is not None:
                mode, params["keep"], params["keep_hash"] = "id", kept.key, kept.secret_hash()
        statement = self._sql.destroy_user[mode]
        rows = await self._one("destroy_sessions_for_user", statement, params)
        return sum(now < self._config.policy.expires_ms(a, last) for a, last in rows)

    async def get_sessions_for_user(self, user_id: U) -> SessionList[U, M]:
        """See :meth:`authsessions.Sessions.get_sessions_for_user`."""
        user_json = self._config.codec.encode_user_id(user_id)
        now = self._config.now_ms()
        params = {"user": user_json, "now": now}
        operation = "get_sessions_for_user"
        # the expired ones this listing passes over are gone for good
        if not self._sql.list_forgets:
            await self._one(operation, self._sql.forget_user_expired, params)
        rows = await self._one(operation, self._sql.list_user, params)
        return self._listing(rows)

    async def _pages(self, operation: str) -> AsyncIterator[SessionList[U, M]]:
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

    async def iter_sessions(self) -> AsyncIterator[Session[U, M]]:
        """See :meth:`authsessions.Sessions.iter_sessions`."""
        async for page in self._pages("iter_sessions"):
            for session in page:
                yield session

    async def list_sessions(self) -> SessionList[U, M]:
        """See :meth:`authsessions.Sessions.list_sessions`."""
        sessions: SessionList[U, M] = SessionList()
        async for page in self._pages("list_sessions"):
            sessions.extend(page)
        sessions.sort(key=lambda s: s.last_used_at, reverse=True)
        return sessions

    async def prune(self) -> int:
        """See :meth:`authsessions.Sessions.prune`: deletes in batches."""
        removed = 0
        while True:
            now = self._config.now_ms()
            count: int = await self._one("prune", self._sql.prune, {"now": now})
            removed += count
            if count < BATCH:
                return removed

    async def stats(self) -> SessionStats:
        """See :meth:`authsessions.Sessions.stats`."""
        rows = await self._one("stats", self._sql.stats, {"now": self._config.now_ms()})
        live, users, expired = rows[0]
        return SessionStats(sessions=live, users=users, expired_not_collected=expired)
