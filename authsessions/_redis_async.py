"""The asyncio Redis store: the source of truth for the sync twin.

``scripts/unasync.py`` generates ``_redis_sync.py`` from this file; CI fails
when the checked-in twin differs from what it would generate. Logic that is
not I/O lives in ``_redis_core``; scripts live in ``lua/``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Generic, TypeVar, Unpack, overload

import cattrs
import redis.asyncio as _redis
import redis.asyncio.cluster as _cluster
import redis.exceptions

from . import _scripts
from ._clock import Clock, now_ms
from ._ids import (
    TAG_LENGTH,
    ParsedSessionId,
    SessionId,
    is_session_key,
    new_secret,
    parse_session_id,
    user_tag,
    with_secret,
)
from ._options import StoreOptions, build_codec, check_clock
from ._policy import SessionPolicy
from ._redis_core import (
    DEFAULT_PREFIX,
    RedisLayout,
    backend_error,
    check_grace,
    check_prefix,
    describe,
    text,
)
from ._repr import SessionList
from ._session import Session

U = TypeVar("U")
M = TypeVar("M")

_BATCH = 500
# Every exception out of a client call is the backend failing, as far as
# the caller is concerned (including client bugs, such as redis-py asyncio
# cluster's AttributeError under connection races): it is raised as
# SessionBackendError with the original as __cause__. CancelledError is a
# BaseException and passes through untouched.
_BACKEND_ERRORS = (Exception,)


class AsyncRedisSessions(Generic[U, M]):
    """Sessions in Redis (or Redis Cluster), for asyncio.

    Every per-session and per-user operation is one Lua script: atomic and
    one round trip. ``list_sessions`` and ``prune`` SCAN in batches.

    Args:
        client: a ``redis.asyncio.Redis`` or ``redis.asyncio.RedisCluster``.
        user_id_type, meta_type, policy, clock, converter: as for every store.
        prefix: literal text before every key (no braces); default
            ``"authsessions:"``.
        gc_grace: how long after logical expiry Redis drops a key; default
            5 minutes. Validity is always decided by ``clock``; a clock
            running more than this behind the Redis server's would see keys
            vanish early.

    Raises:
        ConfigurationError: for an invalid option.
    """

    @overload
    def __init__(
        self: AsyncRedisSessions[str, dict[str, Any]],
        client: Any,
        *,
        prefix: str = ...,
        gc_grace: timedelta = ...,
        **options: Unpack[StoreOptions],
    ) -> None: ...
    @overload
    def __init__(
        self: AsyncRedisSessions[U, dict[str, Any]],
        client: Any,
        *,
        user_id_type: type[U],
        prefix: str = ...,
        gc_grace: timedelta = ...,
        **options: Unpack[StoreOptions],
    ) -> None: ...
    @overload
    def __init__(
        self: AsyncRedisSessions[str, M],
        client: Any,
        *,
        meta_type: type[M],
        prefix: str = ...,
        gc_grace: timedelta = ...,
        **options: Unpack[StoreOptions],
    ) -> None: ...
    @overload
    def __init__(
        self,
        client: Any,
        *,
        user_id_type: type[U],
        meta_type: type[M],
        prefix: str = ...,
        gc_grace: timedelta = ...,
        **options: Unpack[StoreOptions],
    ) -> None: ...
    def __init__(
        self,
        client: Any,
        *,
        user_id_type: Any = str,
        meta_type: Any = dict[str, Any],
        policy: SessionPolicy | None = None,
        clock: Clock | None = None,
        converter: cattrs.Converter | None = None,
        prefix: str = DEFAULT_PREFIX,
        gc_grace: timedelta = timedelta(minutes=5),
    ) -> None:
        codec = build_codec(
            user_id_type=user_id_type, meta_type=meta_type, policy=policy, converter=converter
        )
        self._layout: RedisLayout[U, M] = RedisLayout(
            check_prefix(prefix), codec, check_grace(gc_grace)
        )
        self._clock = check_clock(clock)
        self._client = client
        self._owns_client = False
        self._is_cluster = type(client).__name__ == "RedisCluster"

    @classmethod
    def from_url(
        cls, url: str, *, cluster: bool = False, **kwargs: Any
    ) -> AsyncRedisSessions[Any, Any]:
        """A store with its own client for ``url`` (closed by ``aclose()``).

        Args:
            url: ``redis://``, ``rediss://`` or ``unix://``; with
                ``cluster=True``, any node of the cluster.
            cluster: build a ``RedisCluster`` client instead of ``Redis``.
            kwargs: store options; the client uses redis-py defaults.

        Raises:
            ConfigurationError: for an invalid option.
            ValueError: for a malformed URL (from redis-py).
        """
        client: Any
        if cluster:
            # no CLIENT SETINFO handshake: in redis-py 8.1's asyncio cluster
            # client, tasks racing to open connections can hit a connection
            # another task is still handshaking ('NoneType' object has no
            # attribute 'writelines'); without the handshake there is no
            # await inside connect, so no race (tests/test_cluster.py)
            try:
                client = _cluster.RedisCluster.from_url(url, driver_info=None)
            except TypeError:  # redis-py before 7.0 knows no driver_info
                client = _cluster.RedisCluster.from_url(url, lib_name=None, lib_version=None)
        else:
            client = _redis.Redis.from_url(url)
        store: AsyncRedisSessions[Any, Any] = cls(client, **kwargs)
        store._owns_client = True
        return store

    async def aclose(self) -> None:
        """Close the client if this store created it (``from_url``)."""
        if self._owns_client:
            await self._client.aclose()

    def __repr__(self) -> str:
        return describe(type(self).__name__, self._layout, self._client)

    @property
    def policy(self) -> SessionPolicy:
        """The store's policy."""
        return self._layout.codec.policy

    @property
    def client(self) -> Any:
        """The redis-py client."""
        return self._client

    # -- plumbing --------------------------------------------------------------

    async def _run(
        self, operation: str, script: _scripts.Script, keys: list[str], args: list[Any]
    ) -> Any:
        """EVALSHA, loading the script once if the server lacks it."""
        client = self._client
        try:
            try:
                return await client.evalsha(script.sha, len(keys), *keys, *args)
            except redis.exceptions.NoScriptError:
                # first use, or after SCRIPT FLUSH / a failover to a fresh
                # node: load every script at once, so the others never pay
                await self._load_all()
                return await client.evalsha(script.sha, len(keys), *keys, *args)
        except _BACKEND_ERRORS as err:
            raise backend_error(operation, err) from err

    async def _load_all(self) -> None:
        """SCRIPT LOAD every script (one pipelined round trip on a single
        server; redis-py sends it to every primary of a cluster)."""
        if self._is_cluster:
            for script in _scripts.ALL:
                await self._client.script_load(script.source)
            return
        async with self._client.pipeline(transaction=False) as pipe:
            for script in _scripts.ALL:
                pipe.script_load(script.source)
            await pipe.execute()

    async def _pipeline(
        self, operation: str, script: _scripts.Script, calls: list[tuple[list[str], list[Any]]]
    ) -> list[Any]:
        """One pipelined EVALSHA per call; calls that met NOSCRIPT are sent
        again once every script is loaded."""
        try:
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
        except _BACKEND_ERRORS as err:
            raise backend_error(operation, err) from err

    async def _send(
        self, script: _scripts.Script, calls: list[tuple[list[str], list[Any]]]
    ) -> list[Any]:
        async with self._client.pipeline(transaction=False) as pipe:
            for keys, args in calls:
                # execute_command, not evalsha(): redis-py blocks the named
                # method in cluster pipelines, yet routes the raw command by key
                pipe.execute_command("EVALSHA", script.sha, len(keys), *keys, *args)
            return list(await pipe.execute(raise_on_error=False))

    async def _scan(self, operation: str, pattern: str) -> list[list[str]]:
        # SCAN may return a key more than once (while the keyspace rehashes):
        # without the set, a listing could show a session twice
        seen: set[str] = set()
        try:
            async for key in self._client.scan_iter(match=pattern, count=_BATCH):
                seen.add(text(key))
        except _BACKEND_ERRORS as err:
            raise backend_error(operation, err) from err
        keys = sorted(seen)
        return [keys[i : i + _BATCH] for i in range(0, len(keys), _BATCH)]

    async def _read(self, operation: str, session_id: object) -> tuple[str, Any, Any] | None:
        parsed = parse_session_id(session_id)
        if parsed is None:
            return None
        layout = self._layout
        args = self._checked(parsed, [layout.codec.policy.touch_interval_ms, layout.grace_ms])
        reply = await self._run(operation, _scripts.READ, layout.keys_of(parsed.key), args)
        return None if reply is None else (parsed.key, reply[0], reply[1])

    def _checked(self, parsed: ParsedSessionId, extra: list[Any]) -> list[Any]:
        return [
            now_ms(self._clock),
            parsed.secret_hash_hex(),
            parsed.local,
            self._layout.idle,
            *extra,
        ]

    # -- the interface ---------------------------------------------------------

    async def create_session(self, *, user_id: U, label: str, meta: M) -> SessionId:
        """See :meth:`authsessions.Sessions.create_session`."""
        layout = self._layout
        codec = layout.codec
        user_json = codec.encode_user_id(user_id)
        label = codec.check_label(label)
        meta_json = codec.encode_meta(meta)
        for _ in range(3):
            session_id, parsed, args = layout.new_record(
                user_json, label, meta_json, now_ms(self._clock)
            )
            created = await self._run(
                "create_session", _scripts.CREATE, layout.keys_of(parsed.key), args
            )
            if created != -1:
                return session_id
        raise backend_error("create_session", RuntimeError("could not find a free session key"))

    async def get_user_id_from_session(self, session_id: SessionId | None) -> U | None:
        """See :meth:`authsessions.Sessions.get_user_id_from_session`."""
        found = await self._read("get_user_id_from_session", session_id)
        if found is None:
            return None
        key, record, _ = found
        return self._layout.codec.decode_user_id(key, self._layout.user_json_of(record))

    async def get_session_meta(self, session_id: SessionId | None) -> M | None:
        """See :meth:`authsessions.Sessions.get_session_meta`."""
        found = await self._read("get_session_meta", session_id)
        if found is None:
            return None
        key, record, _ = found
        return self._layout.codec.decode_meta(key, text(record).rsplit("\n", 1)[1])

    async def get_session(self, session_id: SessionId | None) -> Session[U, M] | None:
        """See :meth:`authsessions.Sessions.get_session`."""
        found = await self._read("get_session", session_id)
        return None if found is None else self._layout.session(*found)

    async def set_session_meta(self, session_id: SessionId, meta: M) -> bool:
        """See :meth:`authsessions.Sessions.set_session_meta`."""
        meta_json = self._layout.codec.encode_meta(meta)
        parsed = parse_session_id(session_id)
        if parsed is None:
            return False
        keys = self._layout.keys_of(parsed.key)
        args = self._checked(parsed, [meta_json])
        return bool(await self._run("set_session_meta", _scripts.SET_META, keys, args))

    async def rotate_session(self, session_id: SessionId) -> SessionId | None:
        """See :meth:`authsessions.Sessions.rotate_session`."""
        parsed = parse_session_id(session_id)
        if parsed is None:
            return None
        secret = new_secret()
        new_hash = ParsedSessionId(parsed.key, secret).secret_hash_hex()
        keys = self._layout.keys_of(parsed.key)
        args = self._checked(parsed, [new_hash])
        rotated = await self._run("rotate_session", _scripts.ROTATE, keys, args)
        return with_secret(parsed.key, secret) if rotated else None

    async def destroy_session(self, session: SessionId | Session[U, M]) -> bool:
        """See :meth:`authsessions.Sessions.destroy_session`."""
        key, secret_hash = None, ""
        if isinstance(session, Session):
            # a listed Session revokes by key alone ("" skips the secret check)
            key = session.key if is_session_key(session.key) else None
        else:
            parsed = parse_session_id(session)
            if parsed is not None:
                key, secret_hash = parsed.key, parsed.secret_hash_hex()
        if key is None:
            return False
        keys = self._layout.keys_of(key)
        args = [now_ms(self._clock), secret_hash, key[TAG_LENGTH:], self._layout.idle]
        return bool(await self._run("destroy_session", _scripts.DESTROY, keys, args))

    async def destroy_sessions_for_user(self, user_id: U, *, keep: SessionId | None = None) -> int:
        """See :meth:`authsessions.Sessions.destroy_sessions_for_user`."""
        layout = self._layout
        user_json = layout.codec.encode_user_id(user_id)
        tag = user_tag(user_json)
        kept = parse_session_id(keep)
        keep_member, keep_hash = "", ""
        if kept is not None and kept.tag == tag:
            keep_member, keep_hash = kept.local, kept.secret_hash_hex()
        args = [now_ms(self._clock), layout.idle, user_json, keep_member, keep_hash]
        destroyed = await self._run(
            "destroy_sessions_for_user", _scripts.DESTROY_USER, [layout.index_key(tag)], args
        )
        return int(destroyed)

    async def get_sessions_for_user(self, user_id: U) -> list[Session[U, M]]:
        """See :meth:`authsessions.Sessions.get_sessions_for_user`."""
        layout = self._layout
        user_json = layout.codec.encode_user_id(user_id)
        tag = user_tag(user_json)
        args = [now_ms(self._clock), layout.idle, user_json]
        reply = await self._run(
            "get_sessions_for_user", _scripts.LIST_USER, [layout.index_key(tag)], args
        )
        return layout.listing(tag, reply)

    async def list_sessions(self) -> list[Session[U, M]]:
        """See :meth:`authsessions.Sessions.list_sessions`."""
        layout = self._layout
        sessions: list[Session[U, M]] = SessionList()
        for batch in await self._scan("list_sessions", layout.index_pattern()):
            args = [now_ms(self._clock), layout.idle, ""]
            replies = await self._pipeline(
                "list_sessions", _scripts.LIST_USER, [([key], args) for key in batch]
            )
            for key, reply in zip(batch, replies, strict=True):
                sessions.extend(layout.listing(layout.tag_of_index(key), reply))
        sessions.sort(key=lambda s: s.last_used_at, reverse=True)
        return sessions

    async def prune(self) -> int:
        """See :meth:`authsessions.Sessions.prune`."""
        layout = self._layout
        removed = 0
        for batch in await self._scan("prune", layout.index_pattern()):
            args = [now_ms(self._clock), layout.idle]
            replies = await self._pipeline(
                "prune", _scripts.PRUNE_USER, [([key], args) for key in batch]
            )
            removed += sum(int(r) for r in replies)
        for batch in await self._scan("prune", layout.record_pattern()):
            now = now_ms(self._clock)
            calls = []
            for record_key in batch:
                index_key, member = layout.index_of_record(record_key)
                calls.append(([record_key, index_key], [now, member, layout.idle]))
            replies = await self._pipeline("prune", _scripts.PRUNE_RECORD, calls)
            removed += sum(int(r) for r in replies)
        return removed
