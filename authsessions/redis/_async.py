"""The Redis store for asyncio: the source of truth for the sync twin."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from datetime import timedelta
from typing import Any, Generic, TypeVar, Unpack, overload

import redis.asyncio
import redis.asyncio.cluster
import redis.exceptions

from authsessions.kit import (
    TAG_LENGTH,
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
)

from . import _compat, _peek, _records, _scripts
from ._layout import (
    DEFAULT_PREFIX,
    LAYOUT_VERSION,
    SLOTS,
    RedisLayout,
    check_grace,
    check_prefix,
    populated_slots,
)
from ._scripts import Call, Script, ScriptArgs

U = TypeVar("U")
M = TypeVar("M")

Client = redis.asyncio.Redis | redis.asyncio.cluster.RedisCluster
_CLIENT_TYPES = (redis.asyncio.Redis, redis.asyncio.cluster.RedisCluster)
# "redis.asyncio.Redis or redis.asyncio.cluster.RedisCluster" (or the sync
# names in the generated twin): messages name the classes this twin takes
_CLIENT_NAMES = " or ".join(
    f"{cls.__module__.removesuffix('.client')}.{cls.__name__}" for cls in _CLIENT_TYPES
)
_BATCH = 500  # users (and scripts) per pipeline in the admin paths
SCAN_BELOW = SLOTS  # admin paths SCAN databases of at most this many keys
_REGISTRY_BATCH = 1024  # registries read per pipeline


_log = logging.getLogger("authsessions.redis")


class AsyncRedisSessions(AsyncStoreBase[U, M], Generic[U, M]):
    """Sessions in Redis or Redis Cluster, for asyncio.

    Every per-session and per-user operation is one Lua script: atomic, one
    round trip, single-slot on a cluster; with a touch interval, a read
    between touches is a snapshot of two plain commands instead
    (``_peek.py``).
    The admin paths (``iter_sessions``, ``list_sessions``, ``prune``,
    ``stats``) walk the per-slot registries of this prefix's users, so
    their cost follows this store's users and sessions, not the other keys
    in the database. On a cluster, ``stats()`` also counts live sessions per
    primary (``sessions_per_node``).
    """

    backend = "redis"

    @overload
    def __init__(
        self: AsyncRedisSessions[str, dict[str, Any]],
        client: Client,
        *,
        prefix: str = ...,
        gc_grace: timedelta = ...,
        **options: Unpack[StoreOptions],
    ) -> None: ...
    @overload
    def __init__(
        self: AsyncRedisSessions[U, dict[str, Any]],
        client: Client,
        *,
        user_id_type: type[U],
        prefix: str = ...,
        gc_grace: timedelta = ...,
        **options: Unpack[StoreOptions],
    ) -> None: ...
    @overload
    def __init__(
        self: AsyncRedisSessions[str, M],
        client: Client,
        *,
        meta_type: type[M],
        prefix: str = ...,
        gc_grace: timedelta = ...,
        **options: Unpack[StoreOptions],
    ) -> None: ...
    @overload
    def __init__(
        self,
        client: Client,
        *,
        user_id_type: type[U],
        meta_type: type[M],
        prefix: str = ...,
        gc_grace: timedelta = ...,
        **options: Unpack[StoreOptions],
    ) -> None: ...
    def __init__(
        self,
        client: Client,
        *,
        prefix: str = DEFAULT_PREFIX,
        gc_grace: timedelta = timedelta(minutes=5),
        **options: Any,
    ) -> None:
        """Build the store around a client.

        Args:
            client: a redis-py client of this store's kind (subclasses
                too): ``redis.Redis`` or ``redis.cluster.RedisCluster`` for
                ``RedisSessions``, their ``redis.asyncio`` twins for
                ``AsyncRedisSessions``.
            user_id_type, meta_type, policy, clock, converter: as for every
                store.
            prefix: literal text before every key (no braces); default
                ``"authsessions:"``.
            gc_grace: how long after logical expiry Redis drops a key;
                default 5 minutes. Validity is always decided by ``clock``;
                a clock running more than this behind the Redis server's
                would see keys vanish early.

        Raises:
            ConfigurationError: for an invalid option, or a client of the
                wrong kind (a sync client here, or not a redis-py client).
        """
        if not isinstance(client, _CLIENT_TYPES):
            raise ConfigurationError(
                "client",
                f"must be a {_CLIENT_NAMES}, not {type(client).__module__}."
                f"{type(client).__qualname__} (RedisSessions takes sync clients, "
                "AsyncRedisSessions asyncio ones)",
            )
        super().__init__(**options)
        self._layout = RedisLayout(check_prefix(prefix))
        self._client = client
        self._owns_client = False
        self._is_cluster = isinstance(client, redis.asyncio.cluster.RedisCluster)
        self._args = ScriptArgs(
            self._layout,
            self._config.policy,
            check_grace(gc_grace),
            slot_map=not self._is_cluster,
        )
        self._registered = False
        # reads between touches from a snapshot (_peek.py): pooled
        # connections only, and a policy with an interval
        policy = self._config.policy
        self._peeks = (
            _peek.Peeks(self._layout, policy)
            if _peek.SNAPSHOTS
            and policy.touch_interval_ms > 0
            and getattr(client, "connection", None) is None
            else None
        )

    @overload
    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        cluster: bool = ...,
        client_options: dict[str, Any] | None = ...,
        prefix: str = ...,
        gc_grace: timedelta = ...,
        **options: Unpack[StoreOptions],
    ) -> AsyncRedisSessions[str, dict[str, Any]]: ...
    @overload
    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        user_id_type: type[U],
        cluster: bool = ...,
        client_options: dict[str, Any] | None = ...,
        prefix: str = ...,
        gc_grace: timedelta = ...,
        **options: Unpack[StoreOptions],
    ) -> AsyncRedisSessions[U, dict[str, Any]]: ...
    @overload
    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        meta_type: type[M],
        cluster: bool = ...,
        client_options: dict[str, Any] | None = ...,
        prefix: str = ...,
        gc_grace: timedelta = ...,
        **options: Unpack[StoreOptions],
    ) -> AsyncRedisSessions[str, M]: ...
    @overload
    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        user_id_type: type[U],
        meta_type: type[M],
        cluster: bool = ...,
        client_options: dict[str, Any] | None = ...,
        prefix: str = ...,
        gc_grace: timedelta = ...,
        **options: Unpack[StoreOptions],
    ) -> AsyncRedisSessions[U, M]: ...
    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        cluster: bool = False,
        client_options: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> Any:
        """A store with its own client for ``url`` (closed by ``aclose()``).

        Args:
            url: ``redis://``, ``rediss://`` or ``unix://``; with
                ``cluster=True``, any node of the cluster.
            cluster: build a ``RedisCluster`` client instead of ``Redis``.
            client_options: keyword arguments for redis-py's ``from_url``,
                e.g. ``{"socket_timeout": 2, "socket_connect_timeout": 2}``
                to bound every wait on a hung server.
            kwargs: store options.

        Raises:
            ConfigurationError: for an invalid option (a client option
                given as a store option says where it belongs), or
                ``cluster=True`` for a server that is not a cluster node.
            SessionBackendError: the cluster could not be reached.
            ValueError: for a malformed URL (from redis-py).
        """
        client: Any
        options = dict(client_options or {})
        if cluster:
            try:
                # both twins build their cluster client alike (see no_handshake)
                client = redis.asyncio.cluster.RedisCluster.from_url(
                    url, **_compat.no_handshake(), **options
                )
            except redis.exceptions.RedisClusterException as err:
                raise ConfigurationError(
                    "cluster", f"the server is not a Redis Cluster node ({err})"
                ) from None
            except (redis.exceptions.RedisError, OSError) as err:
                raise SessionBackendError(
                    "redis", "from_url", f"the cluster did not answer ({type(err).__name__})"
                ) from err
        else:
            client = redis.asyncio.Redis.from_url(url, **options)
        store = cls(client, **kwargs)
        store._owns_client = True
        return store

    async def aclose(self) -> None:
        """Close the client if this store created it (``from_url``)."""
        if self._owns_client:
            await _compat.aclose(self._client)

    def _repr_fields(self) -> dict[str, Any]:
        return {"prefix": repr(self._layout.prefix), "client": type(self._client).__name__}

    @property
    def prefix(self) -> str:
        """The literal text before every key."""
        return self._layout.prefix

    @property
    def client(self) -> Client:
        """The redis-py client."""
        return self._client

    @property
    def is_cluster(self) -> bool:
        """True when the client is a Redis Cluster client."""
        return self._is_cluster

    # -- plumbing --------------------------------------------------------------

    async def _run(self, operation: str, script: Script, call: Call) -> Any:
        """EVALSHA, loading the scripts if the server lacks them."""
        keys, args = call
        client: Any = self._client
        with backend_errors("redis", operation):
            for attempt in (1, 2):
                try:
                    try:
                        return await client.evalsha(script.sha, len(keys), *keys, *args)
                    except redis.exceptions.NoScriptError:
                        # first use, or after SCRIPT FLUSH / a failover to a
                        # fresh node: load every script at once, so the others
                        # never pay
                        _log.info("Redis has not got the scripts (first use, SCRIPT FLUSH "
                                  "or a fresh node): loading them")  # fmt: skip
                        await self._load_all()
                        return await client.evalsha(script.sha, len(keys), *keys, *args)
                except AttributeError as err:
                    # redis-py's asyncio cluster client can hand a task a
                    # connection whose writer a concurrent reconnect just
                    # dropped: the command was never written, so trying once
                    # more is safe for every script (tests/redis/test_cluster.py)
                    if attempt == 2 or err.name != "writelines":
                        raise
            raise AssertionError("unreachable")  # pragma: no cover

    async def _load_all(self) -> None:
        """SCRIPT LOAD every script: one pipelined round trip on a single
        server; on a cluster redis-py sends each to every primary (its
        cluster pipelines refuse SCRIPT LOAD)."""
        client: Any = self._client
        if self._is_cluster:
            for script in _scripts.ALL:
                await client.script_load(script.source)
            return
        async with client.pipeline(transaction=False) as pipe:
            for script in _scripts.ALL:
                pipe.script_load(script.source)
            await pipe.execute()

    async def _pipeline(self, operation: str, script: Script, calls: list[Call]) -> list[Any]:
        """One pipelined EVALSHA per call; calls that met NOSCRIPT are sent
        again once every script is loaded."""
        with backend_errors("redis", operation):
            results = await self._send(script, calls)
            missing = [
                i for i, r in enumerate(results) if isinstance(r, redis.exceptions.NoScriptError)
            ]
            if missing:
                await self._load_all()
                retried = await self._send(script, [calls[i] for i in missing])
                for i, result in zip(missing, retried, strict=True):
                    results[i] = result
            for result in results:
                if isinstance(result, Exception):
                    raise result
            return results

    async def _send(self, script: Script, calls: list[Call]) -> list[Any]:
        client: Any = self._client
        async with client.pipeline(transaction=False) as pipe:
            for keys, args in calls:
                # execute_command, not evalsha(): redis-py blocks the named
                # method in cluster pipelines, yet routes the raw command by key
                pipe.execute_command("EVALSHA", script.sha, len(keys), *keys, *args)
            return list(await pipe.execute(raise_on_error=False))

    def _found_of(self, key: str, reply: Any) -> Any:
        """A read script's reply: (record tail, last use), a ReusedSecret,
        or None."""
        if reply is None:
            return None
        if _records.is_bad(reply):
            raise StoredDataError(key, "record", "an authsessions record")
        if len(reply) == 3:  # {"reused", user json, revoked}
            return ReusedSecret(_records.as_text(reply[1]), reply[2] == 1)
        return reply[0], reply[1]

    # -- the operation primitives of the store base: one script each -----------

    async def _read(self, parsed: ParsedSessionId, operation: str, ip: str | None) -> Any | None:
        now = self._config.now_ms()
        peeks = self._peeks
        if peeks is not None and peeks.worth_it(parsed.key, now):
            found = await self._peek(peeks, parsed, operation, now)
            if found is not _peek.UNDECIDED:
                return found
        call = self._args.read(parsed, now, ip)
        found = self._found_of(parsed.key, await self._run(operation, _scripts.READ, call))
        if peeks is not None and type(found) is tuple:
            peeks.recent.seen(parsed.key, int(found[1]))
        return found

    async def _peek(
        self, peeks: _peek.Peeks, parsed: ParsedSessionId, operation: str, now: int
    ) -> Any:
        """A read answered from a snapshot (``_peek.py``), or UNDECIDED."""
        pool = self._snapshot_pool(parsed)
        if pool is None:
            return _peek.UNDECIDED
        commands = peeks.commands(parsed)
        with backend_errors("redis", operation):
            connection = await pool.get_connection(*_compat.connection_args(pool))
            replies: list[Any] = []
            try:
                await connection.send_packed_command(connection.pack_commands(commands))
                for _ in commands:
                    # every reply is read (an error one kept as its
                    # exception), so the connection stays in step
                    try:
                        replies.append(await connection.read_response())
                    except redis.exceptions.ResponseError as err:
                        replies.append(err)
            except redis.exceptions.ConnectionError:
                # a connection gone stale (a restart, an idle timeout): the
                # script's path reconnects and retries as the client says
                await connection.disconnect()
                return _peek.UNDECIDED
            except BaseException:
                await connection.disconnect()  # mid-reply: never reused as it is
                raise
            finally:
                await pool.release(connection)
        return peeks.decide(parsed, replies, now)

    def _snapshot_pool(self, parsed: ParsedSessionId) -> Any:
        """The pool of connections to the server holding the session: the
        client's; on a cluster, the pool of the primary serving the
        session's slot (all its keys share it), or None where the client
        keeps no such pool. redis-py's asyncio cluster nodes never do: the
        store then stops trying snapshots, which would only cost each read
        a slot lookup before the script."""
        client: Any = self._client
        if not self._is_cluster:
            return client.connection_pool
        node = client.get_node_from_key(self._layout.last_use_key(parsed.tag))
        if not hasattr(node, "redis_connection"):
            self._peeks = None
            return None
        return getattr(node.redis_connection, "connection_pool", None)

    async def _read_key(self, key: str) -> Any | None:
        call = self._args.read_key(key, self._config.now_ms())
        return self._found_of(key, await self._run("get_session_by_key", _scripts.READ_KEY, call))

    def _user_id_of(self, key: str, found: Any) -> U:
        return self._config.codec.decode_user_id(key, _records.user_json_of(key, found[0]))

    def _meta_of(self, key: str, found: Any) -> M:
        return self._config.codec.decode_meta(key, _records.meta_json_of(key, found[0]))

    def _session_of(self, key: str, found: Any) -> Session[U, M]:
        tail, last_used = found
        return _records.session(self._config.codec, self._config.policy, key, tail, last_used)

    async def _insert(
        self,
        parsed: ParsedSessionId,
        user_json: str,
        label: str,
        meta_json: str,
        lifetime_ms: int,
        details_json: str,
    ) -> Sequence[str] | None:
        now = self._config.now_ms()
        call = self._args.create(
            parsed, user_json, label, meta_json, now, lifetime_ms, details_json
        )
        # -1: the key is taken (a collision of 64 random bits); else the
        # members evicted
        reply = await self._run("create_session", _scripts.CREATE, call)
        if reply == -1:
            return None
        if self._peeks is not None:
            self._peeks.recent.seen(parsed.key, now)
        return [parsed.tag + _records.as_text(member) for member in reply]

    async def _set_meta(self, parsed: ParsedSessionId, meta_json: str) -> bool:
        call = self._args.set_meta(parsed, meta_json, self._config.now_ms())
        reply = await self._run("set_session_meta", _scripts.SET_META, call)
        if _records.is_bad(reply):
            raise StoredDataError(parsed.key, "record", "an authsessions record")
        return bool(reply == 1)

    async def _rotate(
        self, parsed: ParsedSessionId, rotated: ParsedSessionId, reauthenticate: bool
    ) -> str | None:
        call = self._args.rotate(parsed, rotated, self._config.now_ms(), reauthenticate)
        operation = "reauthenticate" if reauthenticate else "rotate_session"
        reply = await self._run(operation, _scripts.ROTATE, call)
        if _records.is_bad(reply):
            raise StoredDataError(parsed.key, "record", "an authsessions record")
        # the user json, or 0: not live
        return None if reply == 0 else _records.as_text(reply)

    async def _destroy(self, key: str, parsed: ParsedSessionId | None) -> str | None:
        # "" as the hash: a listed Session revokes by key alone
        secret_hash = "" if parsed is None else parsed.secret_hash_hex()
        call = self._args.destroy(key, secret_hash, self._config.now_ms())
        reply = await self._run("destroy_session", _scripts.DESTROY, call)
        # the user json, or 0: no live session destroyed
        return None if reply == 0 else _records.as_text(reply)

    async def _destroy_user(
        self, user_json: str, tag: str, keep_key: str | None, keep_id: ParsedSessionId | None
    ) -> Sequence[str]:
        keep_member, keep_hash = "", ""
        if keep_key is not None and keep_key[:TAG_LENGTH] == tag:
            # "*" as the hash: kept by key alone
            keep_member = keep_key[TAG_LENGTH:]
            keep_hash = "*" if keep_id is None else keep_id.secret_hash_hex()
        call = self._args.destroy_user(
            tag, user_json, keep_member, keep_hash, self._config.now_ms()
        )
        members = await self._run("destroy_sessions_for_user", _scripts.DESTROY_USER, call)
        return [tag + _records.as_text(member) for member in members]

    async def _list_user(self, user_json: str, tag: str) -> SessionList[U, M]:
        call = self._args.list_user(tag, user_json, self._config.now_ms())
        reply = await self._run("get_sessions_for_user", _scripts.LIST_USER, call)
        return _records.listing(self._config.codec, tag, reply)

    # -- admin paths: walk the registries ----------------------------------------

    async def migrate(self) -> int:
        """Register every user index that authsessions 0.1 wrote (it kept no
        registry and no expiry index). The admin paths run this once by
        themselves; run it again after the last 0.1 process has stopped
        (a rolling upgrade). Idempotent. This SCANs the database once.

        Returns:
            How many user indexes holding sessions were registered.

        Raises:
            SessionBackendError: the backend failed.
        """
        client: Any = self._client
        seen: set[str] = set()
        with backend_errors("redis", "migrate"):
            async for key in client.scan_iter(match=self._layout.index_pattern(), count=1000):
                seen.add(key.decode() if isinstance(key, bytes) else key)
        tags = sorted({self._layout.tag_of_index(key) for key in seen})
        registered = 0
        for start in range(0, len(tags), _BATCH):
            calls = [self._args.register(tag) for tag in tags[start : start + _BATCH]]
            registered += sum(await self._pipeline("migrate", _scripts.REGISTER, calls))
        with backend_errors("redis", "migrate"):
            await client.set(self._layout.marker_key, LAYOUT_VERSION)
        self._registered = True
        return registered

    async def _tag_batches(self, operation: str) -> AsyncIterator[list[str]]:
        """The user tags of this prefix, up to _BATCH at a time, found the
        cheaper way: SCAN while the database is small (its cost follows
        every key in it), the slot registries once it is larger (their cost
        is fixed, 16,384 registries, whatever else the database holds)."""
        client: Any = self._client
        with backend_errors("redis", operation):
            size = int(await client.dbsize())
        tags = (
            self._scanned_tags(operation)
            if size <= SCAN_BELOW
            else self._registered_tags(operation)
        )
        pending: list[str] = []
        async for found in tags:
            pending.extend(found)
            while len(pending) >= _BATCH:
                yield pending[:_BATCH]
                pending = pending[_BATCH:]
        if pending:
            yield pending

    async def _scanned_tags(self, operation: str) -> AsyncIterator[list[str]]:
        client: Any = self._client
        # SCAN may return a key more than once (while the keyspace rehashes)
        seen: set[str] = set()
        with backend_errors("redis", operation):
            async for key in client.scan_iter(match=self._layout.index_pattern(), count=1000):
                tag = self._layout.tag_of_index(key.decode() if isinstance(key, bytes) else key)
                if tag not in seen:
                    seen.add(tag)
        yield sorted(seen)

    async def _registered_tags(self, operation: str) -> AsyncIterator[list[str]]:
        client: Any = self._client
        if not self._registered:
            with backend_errors("redis", operation):
                marker = await client.get(self._layout.marker_key)
            if marker not in (LAYOUT_VERSION, LAYOUT_VERSION.encode()):
                await self.migrate()
            self._registered = True
        registries = self._layout.registries()
        if self._is_cluster:
            # one HKEYS per registry: a script may not span slots
            for start in range(0, SLOTS, _REGISTRY_BATCH):
                with backend_errors("redis", operation):
                    async with client.pipeline(transaction=False) as pipe:
                        for key in registries[start : start + _REGISTRY_BATCH]:
                            pipe.hkeys(key)
                        replies = await pipe.execute()
                yield [_records.as_text(tag) for reply in replies for tag in reply]
            return
        with backend_errors("redis", operation):
            # raw bytes, whatever the client's decode_responses
            bitmap = await client.execute_command(
                "GET", self._layout.slot_map_key, NEVER_DECODE=True
            )
        # the slots with a registry, from the map (all of them if it is gone)
        slots = range(SLOTS) if bitmap is None else populated_slots(bitmap)
        keys = [registries[slot] for slot in slots]
        chunk = SLOTS // 4
        calls: list[Call] = [(keys[i : i + chunk], []) for i in range(0, len(keys), chunk)]
        if calls:
            replies = await self._pipeline(operation, _scripts.WALK_REGISTRIES, calls)
            yield [_records.as_text(tag) for reply in replies for tag in reply]

    async def _batches(self, operation: str) -> AsyncIterator[SessionList[U, M]]:
        codec = self._config.codec
        async for tags in self._tag_batches(operation):
            now = self._config.now_ms()
            calls = [self._args.list_user(tag, "", now) for tag in tags]
            replies = await self._pipeline(operation, _scripts.LIST_USER, calls)
            batch: SessionList[U, M] = SessionList()
            for tag, reply in zip(tags, replies, strict=True):
                batch.extend(_records.listing(codec, tag, reply))
            yield batch

    async def _prune(self) -> int:
        removed = 0
        async for tags in self._tag_batches("prune"):
            now = self._config.now_ms()
            calls = [self._args.prune_user(tag, now) for tag in tags]
            removed += sum(await self._pipeline("prune", _scripts.PRUNE_USER, calls))
        return removed

    async def _stats(self) -> SessionStats:
        live = users = dead = 0
        per_node: dict[str, int] = {}
        client: Any = self._client
        async for tags in self._tag_batches("stats"):
            now = self._config.now_ms()
            calls = [self._args.count_user(tag, now) for tag in tags]
            replies = await self._pipeline("stats", _scripts.COUNT_USER, calls)
            for tag, (tag_live, tag_dead) in zip(tags, replies, strict=True):
                live += tag_live
                dead += tag_dead
                users += tag_live > 0
                if self._is_cluster and tag_live:
                    node = client.get_node_from_key(self._layout.last_use_key(tag))
                    per_node[node.name] = per_node.get(node.name, 0) + tag_live
        return SessionStats(
            sessions=live,
            users=users,
            expired_not_collected=dead,
            sessions_per_node=dict(sorted(per_node.items())) if self._is_cluster else None,
        )
