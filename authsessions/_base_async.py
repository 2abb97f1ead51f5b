"""The store base for asyncio stores: the source of truth for the sync twin.

A store says how to reach its storage; the base holds every rule. Two
levels of primitives, so a store implements the least it can:

- **Record primitives** (``_load``, ``_store``, ``_delete``, ``_user_keys``,
  ``_all_keys``): enough for a store on a dict, a file, a key-value
  store. Each operation then runs under ``_atomic()`` (one lock for the
  whole store by default; override it with your backend's transaction or
  lock when several processes share the data).
- **Operation primitives** (``_read``, ``_read_key``, ``_insert``,
  ``_set_meta``, ``_rotate``, ``_destroy``, ``_destroy_user``,
  ``_list_user``, ``_batches``, ``_prune``, ``_stats``): one backend call
  each. Their defaults are built on the record primitives; a store whose
  backend can do an operation in one round trip (a Lua script, one SQL
  statement) overrides it, and the base adds no round trip of its own.

Whatever a store overrides, the public methods stay the base's: parsing
ids (a malformed one costs no I/O), validating and encoding values before
anything is stored, the create retry on a key collision, ``keep``
matching, the decoding of what was found, listings from batches.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from datetime import timedelta
from typing import Any, ClassVar, Generic, TypeVar

import attrs

from ._client import ClientInfo, IPAddress, from_details, push_previous, rotated_at
from ._clock import from_ms
from ._config import StoreConfig
from ._errors import ConfigurationError, SessionBackendError, backend_errors
from ._events import (
    AsyncHook,
    RevokeReason,
    SessionCreated,
    SessionEvent,
    SessionReauthenticated,
    SessionRevoked,
    SessionRotated,
    TheftSuspected,
    check_hook,
    deliver_async,
)
from ._ids import (
    ParsedSessionId,
    SessionId,
    is_session_key,
    mint_session_id,
    parse_session_id,
    secret_matches,
    user_tag,
)
from ._locks import AsyncStoreLock
from ._policy import SessionPolicy
from ._record import ReusedSecret, StoredRecord
from ._session import Session, SessionList, SessionStats

U = TypeVar("U")
M = TypeVar("M")

BATCH = 500
"""Sessions per batch of the default whole-store operations."""

_OPTIONS = frozenset({"user_id_type", "meta_type", "policy", "clock", "converter"})


def _newest_first(sessions: SessionList[U, M]) -> SessionList[U, M]:
    sessions.sort(key=lambda s: s.last_used_at, reverse=True)
    return sessions


_log = logging.getLogger("authsessions.store")


class AsyncStoreBase(Generic[U, M]):
    """The base of every asyncio store (see ``StoreBase`` for sync ones).

    Subclass it, call ``super().__init__(**options)`` with the common
    keyword arguments (``user_id_type``, ``meta_type``, ``policy``,
    ``clock``, ``converter``), and implement the record primitives (or the
    operation primitives your backend does in one call). Set ``backend`` to
    the name errors should carry.

    Raises:
        ConfigurationError: from ``__init__``, for an invalid option.
    """

    backend: ClassVar[str] = "store"
    """The backend's name in ``SessionBackendError`` (e.g. ``"redis"``)."""

    _config: StoreConfig[U, M]

    def __init__(self, **options: Any) -> None:
        unknown = sorted(set(options) - _OPTIONS)
        if unknown:
            raise ConfigurationError(
                unknown[0],
                f"is not an option of {type(self).__name__} (every store takes "
                f"{', '.join(sorted(_OPTIONS))}, and its own); a client's or an engine's "
                "option belongs in from_url's client_options or engine_options",
            )
        self._config = StoreConfig.build(**options)
        self._lock = AsyncStoreLock()
        self._hooks: list[AsyncHook] = []

    def __repr__(self) -> str:
        return self._config.describe(type(self).__name__, **self._repr_fields())

    def _repr_fields(self) -> dict[str, Any]:
        """What the repr shows besides the types: no I/O, never a secret."""
        return {}

    @property
    def policy(self) -> SessionPolicy:
        """The store's policy."""
        return self._config.policy

    @property
    def config(self) -> StoreConfig[U, M]:
        """The store's validated options: its codec (types, converter,
        policy) and its clock."""
        return self._config

    # -- events -----------------------------------------------------------------

    def add_hook(self, hook: AsyncHook) -> AsyncHook:
        """See ``authsessions.Sessions.add_hook``."""
        check_hook(hook)
        self._hooks.append(hook)
        return hook

    def remove_hook(self, hook: AsyncHook) -> None:
        """See ``authsessions.Sessions.remove_hook``."""
        try:
            self._hooks.remove(hook)
        except ValueError:
            raise ValueError("remove_hook: that hook is not registered") from None

    async def _emit(self, *events: SessionEvent[U]) -> None:
        await deliver_async(self._hooks, list(events))

    def _event_user(self, key: str, user_json: str) -> U:
        return self._config.codec.decode_user_id(key, user_json)

    async def _revoked(self, keys: Sequence[str], user_json: str, reason: RevokeReason) -> None:
        if self._hooks and keys:
            at = from_ms(self._now())
            user = self._event_user(keys[0], user_json)
            await self._emit(
                *(SessionRevoked(key=k, user_id=user, at=at, reason=reason) for k in keys)
            )

    async def _reused(self, key: str, reused: ReusedSecret) -> None:
        """A read met a rotated-away secret: report it (and the revocation)."""
        if not self._hooks:
            return
        at = from_ms(self._now())
        user = self._event_user(key, reused.user_json)
        events: list[SessionEvent[U]] = [
            TheftSuspected(key=key, user_id=user, at=at, revoked=reused.revoked)
        ]
        if reused.revoked:
            events.append(SessionRevoked(key=key, user_id=user, at=at, reason=RevokeReason.THEFT))
        await self._emit(*events)

    async def _found(self, parsed: ParsedSessionId, operation: str, ip: str | None) -> Any | None:
        found = await self._read(parsed, operation, ip)
        if type(found) is ReusedSecret:
            await self._reused(parsed.key, found)
            return None
        return found

    # -- the interface ----------------------------------------------------------

    async def create_session(
        self,
        *,
        user_id: U,
        label: str,
        meta: M,
        absolute_ttl: timedelta | None = None,
        client: ClientInfo | None = None,
        remember: bool = True,
    ) -> SessionId:
        """See ``authsessions.Sessions.create_session``."""
        codec = self._config.codec
        user_json = codec.encode_user_id(user_id)
        label = codec.check_label(label)
        meta_json = codec.encode_meta(meta)
        details_json = codec.encode_details(client, remember)
        lifetime_ms = self._config.policy.lifetime_ms(absolute_ttl, remember=remember)
        tag = user_tag(user_json)
        for attempt in range(3):
            parsed = mint_session_id(tag)
            evicted = await self._insert(
                parsed, user_json, label, meta_json, lifetime_ms, details_json
            )
            if evicted is not None:
                await self._revoked(evicted, user_json, RevokeReason.EVICTED)
                if self._hooks:
                    # the client as stored (the policy may have cut its address)
                    kept, stored = from_details(parsed.key, json.loads(details_json))
                    await self._emit(
                        SessionCreated(
                            key=parsed.key,
                            user_id=user_id,
                            at=from_ms(self._now()),
                            client=stored,
                            remember=kept,
                        )
                    )
                return parsed.session_id()
            # 64 random bits collided: once in billions of creates, so an
            # operator should hear of it (a broken random source?)
            _log.warning(
                "%s: create_session drew a session key that is taken (try %d of 3); "
                "retrying with a new key",
                self.backend,
                attempt + 1,
            )
        raise SessionBackendError(
            self.backend, "create_session", "no free session key in three tries"
        )

    async def get_user_id_from_session(
        self, session_id: SessionId | None, *, ip: IPAddress | str | None = None
    ) -> U | None:
        """See ``authsessions.Sessions.get_user_id_from_session``."""
        seen = None if ip is None else self._config.codec.encode_ip(ip)
        parsed = parse_session_id(session_id)
        if parsed is None:
            return None
        found = await self._found(parsed, "get_user_id_from_session", seen)
        return None if found is None else self._user_id_of(parsed.key, found)

    async def get_session_meta(
        self, session_id: SessionId | None, *, ip: IPAddress | str | None = None
    ) -> M | None:
        """See ``authsessions.Sessions.get_session_meta``."""
        seen = None if ip is None else self._config.codec.encode_ip(ip)
        parsed = parse_session_id(session_id)
        if parsed is None:
            return None
        found = await self._found(parsed, "get_session_meta", seen)
        return None if found is None else self._meta_of(parsed.key, found)

    async def get_session(
        self, session_id: SessionId | None, *, ip: IPAddress | str | None = None
    ) -> Session[U, M] | None:
        """See ``authsessions.Sessions.get_session``."""
        seen = None if ip is None else self._config.codec.encode_ip(ip)
        parsed = parse_session_id(session_id)
        if parsed is None:
            return None
        found = await self._found(parsed, "get_session", seen)
        return None if found is None else self._session_of(parsed.key, found)

    async def get_session_by_key(self, key: str) -> Session[U, M] | None:
        """See ``authsessions.Sessions.get_session_by_key``."""
        if not is_session_key(key):
            return None
        found = await self._read_key(key)
        return None if found is None else self._session_of(key, found)

    async def set_session_meta(self, session_id: SessionId, meta: M) -> bool:
        """See ``authsessions.Sessions.set_session_meta``."""
        meta_json = self._config.codec.encode_meta(meta)
        parsed = parse_session_id(session_id)
        if parsed is None:
            return False
        return await self._set_meta(parsed, meta_json)

    async def rotate_session(self, session_id: SessionId) -> SessionId | None:
        """See ``authsessions.Sessions.rotate_session``."""
        return await self._new_secret(session_id, reauthenticate=False)

    async def reauthenticate(self, session_id: SessionId) -> SessionId | None:
        """See ``authsessions.Sessions.reauthenticate``."""
        return await self._new_secret(session_id, reauthenticate=True)

    async def _new_secret(
        self, session_id: SessionId, *, reauthenticate: bool
    ) -> SessionId | None:
        parsed = parse_session_id(session_id)
        if parsed is None:
            return None
        rotated = parsed.rotated()
        user_json = await self._rotate(parsed, rotated, reauthenticate)
        if user_json is None:
            return None
        if self._hooks:
            kind = SessionReauthenticated if reauthenticate else SessionRotated
            user = self._event_user(parsed.key, user_json)
            await self._emit(kind(key=parsed.key, user_id=user, at=from_ms(self._now())))
        return rotated.session_id()

    async def destroy_session(self, session: SessionId | Session[U, M]) -> bool:
        """See ``authsessions.Sessions.destroy_session``."""
        if isinstance(session, Session):
            # a listed Session revokes by its key alone
            if not is_session_key(session.key):
                return False
            key, parsed, reason = session.key, None, RevokeReason.REVOKED
        else:
            parsed = parse_session_id(session)
            if parsed is None:
                return False
            key, reason = parsed.key, RevokeReason.LOGOUT
        user_json = await self._destroy(key, parsed)
        if user_json is None:
            return False
        await self._revoked([key], user_json, reason)
        return True

    async def destroy_sessions_for_user(
        self, user_id: U, *, keep: SessionId | Session[U, M] | None = None
    ) -> int:
        """See ``authsessions.Sessions.destroy_sessions_for_user``."""
        user_json = self._config.codec.encode_user_id(user_id)
        keep_key: str | None = None
        keep_id: ParsedSessionId | None = None
        if isinstance(keep, Session):
            keep_key = keep.key if is_session_key(keep.key) else None
        else:
            keep_id = parse_session_id(keep)
            keep_key = None if keep_id is None else keep_id.key
        keys = await self._destroy_user(user_json, user_tag(user_json), keep_key, keep_id)
        await self._revoked(keys, user_json, RevokeReason.EVERYWHERE)
        return len(keys)

    async def get_sessions_for_user(self, user_id: U) -> SessionList[U, M]:
        """See ``authsessions.Sessions.get_sessions_for_user``."""
        user_json = self._config.codec.encode_user_id(user_id)
        return await self._list_user(user_json, user_tag(user_json))

    async def iter_sessions(self) -> AsyncIterator[Session[U, M]]:
        """See ``authsessions.Sessions.iter_sessions``."""
        async for batch in self._batches("iter_sessions"):
            for session in batch:
                yield session

    async def list_sessions(self) -> SessionList[U, M]:
        """See ``authsessions.Sessions.list_sessions``."""
        sessions: SessionList[U, M] = SessionList()
        async for batch in self._batches("list_sessions"):
            sessions.extend(batch)
        return _newest_first(sessions)

    async def prune(self) -> int:
        """See ``authsessions.Sessions.prune``."""
        return await self._prune()

    async def stats(self, *, breakdown: bool = False) -> SessionStats:
        """See ``authsessions.Sessions.stats``."""
        counts = await self._stats()
        if not breakdown:
            return counts
        labels: Counter[str] = Counter()
        per_user: Counter[Any] = Counter()
        async for batch in self._batches("stats"):
            for session in batch:
                labels[session.label] += 1
                per_user[session.user_id] += 1
        histogram = Counter(per_user.values())
        # the live counts from the breakdown's own walk: a login or logout
        # between the two walks must not leave sessions != sum(by_label)
        return attrs.evolve(
            counts,
            sessions=sum(labels.values()),
            users=len(per_user),
            by_label=dict(labels.most_common()),
            sessions_per_user=dict(sorted(histogram.items())),
        )

    # -- decoding what an operation primitive found -----------------------------
    # The defaults take a StoredRecord; a store whose reads return something
    # else (a script's reply, a row) overrides these three.

    def _user_id_of(self, key: str, found: Any) -> U:
        return self._config.codec.decode_user_id(key, found.user_json)

    def _meta_of(self, key: str, found: Any) -> M:
        return self._config.codec.decode_meta(key, found.meta_json)

    def _session_of(self, key: str, found: Any) -> Session[U, M]:
        return self._config.codec.session(
            key=key,
            user_json=found.user_json,
            label=found.label,
            meta_json=found.meta_json,
            created_ms=found.created_ms,
            last_used_ms=found.last_used_ms,
            expires_ms=self._config.policy.expires_ms(found.absolute_ms, found.last_used_ms),
            authenticated_ms=found.authenticated_ms,
            details_json=found.details_json,
            last_ip=found.last_ip,
        )

    # -- record primitives: implement these, or the operations below ------------

    async def _load(self, key: str) -> StoredRecord | None:
        """The record stored under ``key``, live or not; None if none."""
        raise NotImplementedError(f"{type(self).__name__} implements no _load")

    async def _store(self, record: StoredRecord) -> None:
        """Write ``record`` under ``record.key`` (insert or replace)."""
        raise NotImplementedError(f"{type(self).__name__} implements no _store")

    async def _delete(self, keys: Sequence[str]) -> None:
        """Remove these records (keys that are not stored are ignored)."""
        raise NotImplementedError(f"{type(self).__name__} implements no _delete")

    async def _user_keys(self, user_json: str) -> list[str]:
        """The keys of every record of the user (``user_json``), live or not."""
        raise NotImplementedError(f"{type(self).__name__} implements no _user_keys")

    def _all_keys(self) -> AsyncIterator[str]:
        """Every stored key, in any order, without holding them all at once
        (page through your backend)."""
        raise NotImplementedError(f"{type(self).__name__} implements no _all_keys")

    def _atomic(self) -> AsyncStoreLock:
        """Held around each default operation: one lock for the whole store.
        Override it with your backend's lock or transaction when other
        processes share the data."""
        return self._lock

    # -- what the defaults share ------------------------------------------------

    def _now(self) -> int:
        return self._config.now_ms()

    async def _live(self, key: str, now: int) -> StoredRecord | None:
        """The live record under ``key``; an expired one is deleted (expiry
        is final: a clock stepping back cannot revive it)."""
        record = await self._load(key)
        if record is None:
            return None
        if now >= self._config.policy.expires_ms(record.absolute_ms, record.last_used_ms):
            await self._delete([key])
            return None
        return record

    async def _live_of_user(self, user_json: str, now: int) -> list[StoredRecord]:
        found = []
        for key in await self._user_keys(user_json):
            record = await self._live(key, now)
            if record is not None:
                found.append(record)
        return found

    async def _pages_of_keys(self) -> AsyncIterator[list[str]]:
        page: list[str] = []
        async for key in self._all_keys():
            page.append(key)
            if len(page) == BATCH:
                yield page
                page = []
        if page:
            yield page

    # -- operation primitives: defaults on the record primitives ----------------

    async def _read(self, parsed: ParsedSessionId, operation: str, ip: str | None) -> Any | None:
        """Validate a presented id and touch its session (at most once per
        ``touch_interval``, never past its expiry), recording ``ip`` (the
        request's address as ``Codec.encode_ip`` kept it; None: keep the
        recorded one) with the touch; what was found, or None.

        A secret rotated away from a live session longer than the policy's
        ``reuse_grace`` ago (``policy.reused(rotated_at(previous, hash),
        now)``) is a reuse: return ``ReusedSecret``, having removed the
        session if the policy's ``revoke_on_reuse`` says so."""
        with backend_errors(self.backend, operation):
            async with self._atomic():
                now = self._now()
                record = await self._live(parsed.key, now)
                if record is None:
                    return None
                if not secret_matches(record.secret_hash, parsed):
                    policy = self._config.policy
                    rotated = rotated_at(record.previous, parsed.secret_hash_hex())
                    if not policy.reused(rotated, now):
                        return None
                    if policy.revoke_on_reuse:
                        await self._delete([parsed.key])
                    return ReusedSecret(record.user_json, policy.revoke_on_reuse)
                if self._config.policy.touches(now, record.last_used_ms):
                    record = record._replace(
                        last_used_ms=now, last_ip=record.last_ip if ip is None else ip
                    )
                    await self._store(record)
                return record

    async def _read_key(self, key: str) -> Any | None:
        """The live session under ``key``, untouched; None if none."""
        with backend_errors(self.backend, "get_session_by_key"):
            async with self._atomic():
                return await self._live(key, self._now())

    async def _insert(
        self,
        parsed: ParsedSessionId,
        user_json: str,
        label: str,
        meta_json: str,
        lifetime_ms: int,
        details_json: str,
    ) -> Sequence[str] | None:
        """Store a new session whose absolute expiry is ``lifetime_ms``
        after its creation (``policy.absolute_ms(now, lifetime_ms)``), first
        evicting the user's least recently used live sessions beyond the
        cap; the keys evicted, or None (nothing stored) if the key is taken."""
        policy = self._config.policy
        with backend_errors(self.backend, "create_session"):
            async with self._atomic():
                if await self._load(parsed.key) is not None:
                    return None
                now = self._now()
                live = await self._live_of_user(user_json, now)
                cap = policy.max_sessions_per_user
                evicted: list[str] = []
                if cap is not None and len(live) >= cap:
                    live.sort(key=lambda r: r.last_used_ms)
                    evicted = [r.key for r in live[: len(live) - cap + 1]]
                    await self._delete(evicted)
                await self._store(
                    StoredRecord(
                        parsed.key,
                        parsed.secret_hash(),
                        user_json,
                        label,
                        meta_json,
                        now,
                        now,
                        policy.absolute_ms(now, lifetime_ms),
                        now,
                        details_json,
                        "",
                    )
                )
                return evicted

    async def _changed(
        self, parsed: ParsedSessionId, operation: str, change: Any
    ) -> StoredRecord | None:
        """Replace a live record by ``change(record, now)``; the old record,
        or None if it is not live."""
        with backend_errors(self.backend, operation):
            async with self._atomic():
                now = self._now()
                record = await self._live(parsed.key, now)
                if record is None or not secret_matches(record.secret_hash, parsed):
                    return None
                await self._store(change(record, now))
                return record

    async def _set_meta(self, parsed: ParsedSessionId, meta_json: str) -> bool:
        """Replace a live session's meta; False if it is not live."""
        changed = await self._changed(
            parsed, "set_session_meta", lambda r, _: r._replace(meta_json=meta_json)
        )
        return changed is not None

    async def _rotate(
        self, parsed: ParsedSessionId, rotated: ParsedSessionId, reauthenticate: bool
    ) -> str | None:
        """Give a live session ``rotated``'s secret, keeping the old one's
        hash in ``previous`` (``push_previous``); with ``reauthenticate``,
        also make now its ``authenticated_ms``. The session's user JSON, or
        None if it is not live."""

        def change(record: StoredRecord, now: int) -> StoredRecord:
            return record._replace(
                secret_hash=rotated.secret_hash(),
                previous=push_previous(record.previous, parsed.secret_hash_hex(), now),
                authenticated_ms=now if reauthenticate else record.authenticated_ms,
            )

        operation = "reauthenticate" if reauthenticate else "rotate_session"
        changed = await self._changed(parsed, operation, change)
        return None if changed is None else changed.user_json

    async def _destroy(self, key: str, parsed: ParsedSessionId | None) -> str | None:
        """Remove the live session under ``key`` (whose secret must match
        ``parsed`` unless it is None); its user JSON, or None if none was
        removed."""
        with backend_errors(self.backend, "destroy_session"):
            async with self._atomic():
                record = await self._live(key, self._now())
                if record is None:
                    return None
                if parsed is not None and not secret_matches(record.secret_hash, parsed):
                    return None
                await self._delete([key])
                return record.user_json

    async def _destroy_user(
        self, user_json: str, tag: str, keep_key: str | None, keep_id: ParsedSessionId | None
    ) -> Sequence[str]:
        """Remove the user's live sessions but the kept one (by key alone
        when ``keep_id`` is None, else only if its secret matches); the keys
        removed."""
        with backend_errors(self.backend, "destroy_sessions_for_user"):
            async with self._atomic():
                doomed = [
                    record.key
                    for record in await self._live_of_user(user_json, self._now())
                    if record.key != keep_key
                    or (keep_id is not None and not secret_matches(record.secret_hash, keep_id))
                ]
                await self._delete(doomed)
                return doomed

    async def _list_user(self, user_json: str, tag: str) -> SessionList[U, M]:
        """The user's live sessions, most recently used first."""
        with backend_errors(self.backend, "get_sessions_for_user"):
            async with self._atomic():
                live = await self._live_of_user(user_json, self._now())
        return _newest_first(SessionList(self._session_of(r.key, r) for r in live))

    async def _batches(self, operation: str) -> AsyncIterator[SessionList[U, M]]:
        """Every live session, a batch at a time, in no particular order."""
        pages = self._pages_of_keys()
        while True:
            with backend_errors(self.backend, operation):
                page = await anext(pages, None)
                if page is None:
                    return
                async with self._atomic():
                    now = self._now()
                    live = [r for r in [await self._live(k, now) for k in page] if r is not None]
            yield SessionList(self._session_of(r.key, r) for r in live)

    async def _prune(self) -> int:
        """Remove every expired record; how many."""
        removed = 0
        with backend_errors(self.backend, "prune"):
            async for page in self._pages_of_keys():
                async with self._atomic():
                    now = self._now()
                    doomed = []
                    for key in page:
                        record = await self._load(key)
                        if record is not None and now >= self._config.policy.expires_ms(
                            record.absolute_ms, record.last_used_ms
                        ):
                            doomed.append(key)
                    await self._delete(doomed)
                    removed += len(doomed)
        return removed

    async def _stats(self) -> SessionStats:
        """Counts over the whole store; nothing is removed."""
        live = expired = 0
        users: set[str] = set()
        policy = self._config.policy
        with backend_errors(self.backend, "stats"):
            async for page in self._pages_of_keys():
                async with self._atomic():
                    now = self._now()
                    for key in page:
                        record = await self._load(key)
                        if record is None:
                            continue
                        if now >= policy.expires_ms(record.absolute_ms, record.last_used_ms):
                            expired += 1
                        else:
                            live += 1
                            users.add(record.user_json)
        return SessionStats(sessions=live, users=len(users), expired_not_collected=expired)
