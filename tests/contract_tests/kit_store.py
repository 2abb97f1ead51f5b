"""A store written the way an outside author would: a dict, the public
``authsessions.kit``, nothing else from authsessions.

It passes the whole contract; each name in ``BUGS`` plants one realistic
defect, and test_has_teeth.py proves the contract catches every one.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Sequence
from datetime import timedelta
from typing import Any

from attrs import evolve

from authsessions.kit import (
    ClientInfo,
    LimitExceededError,
    RevokeReason,
    Session,
    SessionCreated,
    SessionEvent,
    SessionId,
    SessionList,
    SessionReauthenticated,
    SessionRevoked,
    SessionRotated,
    SessionStats,
    StoreConfig,
    check_hook,
    deliver,
    dumps,
    evictions_needed,
    from_details,
    from_ms,
    is_session_key,
    mint_session_id,
    parse_session_id,
    push_previous,
    rotated_at,
    secret_matches,
    user_tag,
)
from authsessions.kit import TheftSuspected as Theft

BUGS = {
    # the contract of the first round caught these
    "OldestFirst": "listings come least recently used first",
    "ReadsDoNotTouch": "reads never record the use",
    "TouchResurrects": "a destroyed session is only unlisted; a read brings it back",
    "SharedMeta": "get_session_meta hands out the same object every time",
    "ExpiredStillReturned": "expiry is never checked",
    "RotationKeepsOldId": "rotate_session returns the old id",
    "KeepIgnored": "log out everywhere ignores keep",
    "OtherUsersListed": "a user's listing holds everyone",
    "EvictsNewest": "the cap evicts the most recently used",
    "IdlePastAbsolute": "a touch slides expiry past the absolute one",
    "StoresBadMeta": "a create with bad meta stores a session before raising",
    "AnySecretWorks": "the secret is never compared",
    "DestroyNotIdempotent": "destroy_session always returns True",
    # found by an outside implementer, caught since this round
    "ExpiryOffByOne": "a session is still valid at exactly expires_at",
    "RotationGraceWindow": "the old secret keeps working for 1 s after rotation",
    "CapCountsExpired": "the cap counts expired sessions and evicts a live one",
    "NumericUserIdsAsInt": 'user ids that look like numbers ("123") come back as int',
    "PlainDictMeta": "get_session_meta returns the stored dict, not meta_type",
    "ExpiryNotFinal": "expired sessions are skipped, not removed: a clock step back revives them",
    "LabelLimitOffByOne": "a label of exactly max_label_length is refused",
    "MetaLimitCountsUtf8": "max_meta_bytes measures UTF-8, not the canonical ASCII JSON",
    "UserIdLimitIgnored": "max_user_id_bytes is never checked",
    "ByKeyTouches": "get_session_by_key records a use",
    "IterSkipsUsers": "iter_sessions yields the first user's sessions only",
    "StatsCountExpired": "stats counts expired sessions as live",
    # found by an outside store author in the second round, caught since the third
    "PagingDropsAnItem": "whole-store paging drops the item arriving at a full page of 100",
    "RotationRestartsLifetime": "rotate_session restarts created_at and the absolute expiry",
    "LifetimeIgnored": "create_session takes absolute_ttl and ignores it",
    "BreakdownCountsExpired": "stats(breakdown=True) counts expired sessions' labels",
    # sign-in details, stolen sessions and events (0.2's session depth)
    "ReuseUndetected": "a rotated-away secret presented again is only an unknown id",
    "ReuseOutsideGrace": "a reuse within the grace is reported as a theft",
    "EvictionUnreported": "an eviction at the cap sends no event",
    "HookFailureRaises": "a failing hook's exception reaches the caller",
    "ReauthKeepsSignInTime": "reauthenticate rotates but keeps authenticated_at",
    "RememberIgnored": "a remember=False login gets the policy's full lifetime",
    "ClientKeptWhole": "client_details='truncated' keeps the whole address",
    "AddressOnEveryRead": "a read records its address even inside the touch interval",
}
PAGE = 100


class KitStore:
    """A thread-safe dict store; ``bugs`` plants defects from BUGS."""

    def __init__(self, *, bugs: frozenset[str] = frozenset(), **options: Any) -> None:
        unknown = bugs - set(BUGS)
        if unknown:
            raise ValueError(f"unknown bugs {sorted(unknown)}")
        self.bugs = bugs
        self.config: StoreConfig[Any, Any] = StoreConfig.build(**options)
        self.lock = threading.Lock()
        # key -> [hash, user_json, label, meta_json, created, absolute, last_used, hidden,
        #         authenticated, details_json, previous, last_ip]
        self.records: dict[str, list[Any]] = {}
        self.hooks: list[Any] = []
        self.grace: dict[str, tuple[bytes, int]] = {}  # RotationGraceWindow only
        self.meta_cache: dict[str, Any] = {}  # SharedMeta only

    # -- helpers (the lock held) ----------------------------------------------

    def _expires(self, record: list[Any]) -> int:
        policy = self.config.policy
        if "IdlePastAbsolute" in self.bugs and policy.idle_ttl_ms:
            return int(record[6]) + policy.idle_ttl_ms
        return policy.expires_ms(record[5], record[6])

    def _alive(self, key: str, record: list[Any], now: int) -> bool:
        if record[7]:  # destroyed under TouchResurrects: hidden, still stored
            return False
        if "ExpiredStillReturned" in self.bugs:
            return True
        expires = self._expires(record)
        if now > expires or (now == expires and "ExpiryOffByOne" not in self.bugs):
            if "ExpiryNotFinal" not in self.bugs:
                del self.records[key]
            return False
        return True

    def _live(self, session_id: object, now: int) -> tuple[str, list[Any]] | None:
        parsed = parse_session_id(session_id)
        if parsed is None:
            return None
        record = self.records.get(parsed.key)
        if record is None:
            return None
        if "AnySecretWorks" not in self.bugs and not secret_matches(record[0], parsed):
            old = self.grace.get(parsed.key)
            if old is None or not secret_matches(old[0], parsed) or now >= old[1]:
                return None
        if record[7] and "TouchResurrects" in self.bugs:
            record[7] = False  # a read by id brings the hidden record back
        return (parsed.key, record) if self._alive(parsed.key, record, now) else None

    def _session(self, key: str, record: list[Any]) -> Session[Any, Any]:
        return self.config.codec.session(
            key=key,
            user_json=record[1],
            label=record[2],
            meta_json=record[3],
            created_ms=record[4],
            last_used_ms=record[6],
            expires_ms=self._expires(record),
            authenticated_ms=record[8],
            details_json=record[9],
            last_ip=record[11],
        )

    def _listing(self, keys: list[str], now: int) -> SessionList[Any, Any]:
        live = [(k, self.records[k]) for k in keys if self._alive(k, self.records[k], now)]
        live.sort(key=lambda item: item[1][6], reverse="OldestFirst" not in self.bugs)
        return SessionList(self._session(k, r) for k, r in live)

    def _paged(self, keys: list[str]) -> list[str]:
        """``keys`` a page at a time, as a store paging its backend would."""
        out: list[str] = []
        page: list[str] = []
        for key in keys:
            if len(page) == PAGE:
                out += page
                page = []
                if "PagingDropsAnItem" in self.bugs:
                    continue
            page.append(key)
        return out + page

    def _keys_of(self, user_json: str) -> list[str]:
        if "OtherUsersListed" in self.bugs:
            return list(self.records)
        return [k for k, r in self.records.items() if r[1] == user_json]

    # -- the interface -----------------------------------------------------------

    # -- events ------------------------------------------------------------------

    def add_hook(self, hook: Any) -> Any:
        check_hook(hook)
        self.hooks.append(hook)
        return hook

    def remove_hook(self, hook: Any) -> None:
        if hook not in self.hooks:
            raise ValueError("that hook is not registered")
        self.hooks.remove(hook)

    def _emit(self, events: Sequence[SessionEvent[Any]]) -> None:
        """Called once the change is done, outside the lock."""
        if "HookFailureRaises" in self.bugs:
            for event in events:
                for hook in self.hooks:
                    hook(event)
            return
        deliver(self.hooks, events)

    def _event_user(self, key: str, user_json: str) -> Any:
        return self.config.codec.decode_user_id(key, user_json)

    def _now(self) -> Any:
        return from_ms(self.config.now_ms())

    def create_session(
        self,
        *,
        user_id: Any,
        label: str,
        meta: Any,
        absolute_ttl: timedelta | None = None,
        client: ClientInfo | None = None,
        remember: bool = True,
    ) -> SessionId:
        codec, policy = self.config.codec, self.config.policy
        details_json = codec.encode_details(client, remember)
        if "ClientKeptWhole" in self.bugs:
            whole = StoreConfig.build(policy=evolve(policy, client_details="full"))
            details_json = whole.codec.encode_details(client, remember)
        lifetime_ms = policy.lifetime_ms(absolute_ttl, remember=remember)
        if "RememberIgnored" in self.bugs:
            lifetime_ms = policy.lifetime_ms(absolute_ttl)
        if "LifetimeIgnored" in self.bugs:
            lifetime_ms = policy.absolute_ttl_ms
        try:
            user_json = codec.encode_user_id(user_id)
        except LimitExceededError:
            if "UserIdLimitIgnored" not in self.bugs:
                raise
            user_json = dumps(user_id)
        if "LabelLimitOffByOne" in self.bugs and len(label) >= policy.max_label_length:
            codec.check_label(label + "!")
        label = codec.check_label(label)
        if "StoresBadMeta" in self.bugs:
            try:
                meta_json = codec.encode_meta(meta)
            except Exception:
                self.create_session(user_id=user_id, label=label, meta={})
                raise
        else:
            meta_json = self._encode_meta(meta)
        parsed = mint_session_id(user_tag(user_json))
        with self.lock:
            now = self.config.now_ms()
            keys = [k for k, r in self.records.items() if r[1] == user_json and not r[7]]
            if "CapCountsExpired" in self.bugs:
                live = [k for k in keys if self._expires(self.records[k]) > now]
                excess = evictions_needed(len(keys), policy)
            else:
                live = [k for k in keys if self._alive(k, self.records[k], now)]
                excess = evictions_needed(len(live), policy)
            live.sort(key=lambda k: self.records[k][6], reverse="EvictsNewest" in self.bugs)
            evicted = live[:excess]
            for key in evicted:
                del self.records[key]
            self.records[parsed.key] = [
                parsed.secret_hash(), user_json, label, meta_json,
                now, policy.absolute_ms(now, lifetime_ms), now, False,
                now, details_json, "", None,
            ]  # fmt: skip
        at, user = self._now(), self._event_user(parsed.key, user_json)
        events: list[SessionEvent[Any]] = []
        if "EvictionUnreported" not in self.bugs:
            events += [
                SessionRevoked(key=k, user_id=user, at=at, reason=RevokeReason.EVICTED)
                for k in evicted
            ]
        remember_kept, client_kept = from_details(parsed.key, json.loads(details_json))
        events.append(
            SessionCreated(
                key=parsed.key, user_id=user, at=at, client=client_kept, remember=remember_kept
            )
        )
        self._emit(events)
        return parsed.session_id()

    def _encode_meta(self, meta: Any) -> str:
        codec, limit = self.config.codec, self.config.policy.max_meta_bytes
        if "MetaLimitCountsUtf8" in self.bugs and type(meta) is dict:
            import json

            utf8 = json.dumps(meta, ensure_ascii=False, separators=(",", ":")).encode()
            if len(utf8) > limit:
                raise LimitExceededError("meta", limit=limit, actual=len(utf8), unit="bytes")
            return dumps(meta)
        return codec.encode_meta(meta)

    def _reuse(self, session_id: object, now: int) -> list[SessionEvent[Any]]:
        """A read found nothing: the events of a rotated-away secret
        presented again (the session revoked if the policy says so)."""
        parsed = parse_session_id(session_id)
        policy = self.config.policy
        record = None if parsed is None else self.records.get(parsed.key)
        if parsed is None or record is None or "ReuseUndetected" in self.bugs:
            return []
        rotated = rotated_at(record[10], parsed.secret_hash_hex())
        if rotated is None or not self._alive(parsed.key, record, now):
            return []
        if not policy.reused(rotated, now) and "ReuseOutsideGrace" not in self.bugs:
            return []
        user, at = self._event_user(parsed.key, record[1]), from_ms(now)
        events: list[SessionEvent[Any]] = [
            Theft(key=parsed.key, user_id=user, at=at, revoked=policy.revoke_on_reuse)
        ]
        if policy.revoke_on_reuse:
            del self.records[parsed.key]
            events.append(
                SessionRevoked(key=parsed.key, user_id=user, at=at, reason=RevokeReason.THEFT)
            )
        return events

    def _touch(self, session_id: object, ip: Any = None) -> tuple[str, list[Any]] | None:
        seen = self.config.codec.encode_ip(ip)
        events: list[SessionEvent[Any]] = []
        touched = None
        with self.lock:
            now = self.config.now_ms()
            found = self._live(session_id, now)
            if found is None:
                events = self._reuse(session_id, now)
            else:
                key, record = found
                if "ReadsDoNotTouch" not in self.bugs and self.config.policy.touches(
                    now, record[6]
                ):
                    record[6] = now
                    if seen is not None:
                        record[11] = seen
                elif "AddressOnEveryRead" in self.bugs and seen is not None:
                    record[11] = seen
                touched = key, list(record)
        self._emit(events)
        return touched

    def get_user_id_from_session(self, session_id: SessionId | None, *, ip: Any = None) -> Any:
        found = self._touch(session_id, ip)
        if found is None:
            return None
        key, record = found
        user = self.config.codec.decode_user_id(key, record[1])
        if "NumericUserIdsAsInt" in self.bugs and isinstance(user, str) and user.isdigit():
            return int(user)
        return user

    def get_session_meta(self, session_id: SessionId | None, *, ip: Any = None) -> Any:
        found = self._touch(session_id, ip)
        if found is None:
            return None
        key, record = found
        if "PlainDictMeta" in self.bugs:
            import json

            return json.loads(record[3])
        if "SharedMeta" in self.bugs:
            return self.meta_cache.setdefault(key, self.config.codec.decode_meta(key, record[3]))
        return self.config.codec.decode_meta(key, record[3])

    def get_session(
        self, session_id: SessionId | None, *, ip: Any = None
    ) -> Session[Any, Any] | None:
        found = self._touch(session_id, ip)
        return None if found is None else self._session(*found)

    def get_session_by_key(self, key: str) -> Session[Any, Any] | None:
        if not is_session_key(key):
            return None
        with self.lock:
            now = self.config.now_ms()
            record = self.records.get(key)
            if record is None or not self._alive(key, record, now):
                return None
            if "ByKeyTouches" in self.bugs:
                record[6] = max(record[6], now)
            return self._session(key, record)

    def set_session_meta(self, session_id: SessionId, meta: Any) -> bool:
        meta_json = self._encode_meta(meta)
        with self.lock:
            found = self._live(session_id, self.config.now_ms())
            if found is None:
                return False
            found[1][3] = meta_json
            return True

    def rotate_session(self, session_id: SessionId) -> SessionId | None:
        return self._new_secret(session_id, again=False)

    def reauthenticate(self, session_id: SessionId) -> SessionId | None:
        return self._new_secret(session_id, again=True)

    def _new_secret(self, session_id: SessionId, *, again: bool) -> SessionId | None:
        parsed = parse_session_id(session_id)
        if parsed is None:
            return None
        rotated = parsed.rotated()
        with self.lock:
            now = self.config.now_ms()
            found = self._live(session_id, now)
            if found is None:
                return None
            record = found[1]
            if "RotationKeepsOldId" in self.bugs:
                return session_id
            if "RotationGraceWindow" in self.bugs:
                self.grace[parsed.key] = (record[0], now + 1000)
            if "RotationRestartsLifetime" in self.bugs:
                record[4], record[5] = now, self.config.policy.absolute_ms(now)
            record[0] = rotated.secret_hash()
            record[10] = push_previous(record[10], parsed.secret_hash_hex(), now)
            if again and "ReauthKeepsSignInTime" not in self.bugs:
                record[8] = now
            user = self._event_user(parsed.key, record[1])
        kind: Any = SessionReauthenticated if again else SessionRotated
        self._emit([kind(key=parsed.key, user_id=user, at=from_ms(now))])
        return rotated.session_id()

    def destroy_session(self, session: SessionId | Session[Any, Any]) -> bool:
        with self.lock:
            now = self.config.now_ms()
            if isinstance(session, Session):
                record = self.records.get(session.key)
                alive = record is not None and self._alive(session.key, record, now)
                key = session.key
            else:
                found = self._live(session, now)
                alive, key = found is not None, found[0] if found else ""
            events: list[SessionEvent[Any]] = []
            if alive:
                record = self.records[key]
                if "TouchResurrects" in self.bugs:
                    record[7] = True
                else:
                    del self.records[key]
                reason = RevokeReason.REVOKED if isinstance(session, Session) else (
                    RevokeReason.LOGOUT)  # fmt: skip
                user = self._event_user(key, record[1])
                events.append(
                    SessionRevoked(key=key, user_id=user, at=from_ms(now), reason=reason)
                )
        self._emit(events)
        return True if "DestroyNotIdempotent" in self.bugs else alive

    def destroy_sessions_for_user(self, user_id: Any, *, keep: Any = None) -> int:
        user_json = self.config.codec.encode_user_id(user_id)
        if "KeepIgnored" in self.bugs:
            keep = None
        with self.lock:
            now = self.config.now_ms()
            kept: str | None
            if isinstance(keep, Session):
                kept = keep.key
            else:
                found = self._live(keep, now)
                kept = found[0] if found else None
            destroyed = []
            for key in [k for k, r in self.records.items() if r[1] == user_json]:
                if key != kept and self._alive(key, self.records[key], now):
                    del self.records[key]
                    destroyed.append(key)
        at, reason = from_ms(now), RevokeReason.EVERYWHERE
        self._emit(
            [SessionRevoked(key=k, user_id=user_id, at=at, reason=reason) for k in destroyed]
        )
        return len(destroyed)

    def get_sessions_for_user(self, user_id: Any) -> SessionList[Any, Any]:
        user_json = self.config.codec.encode_user_id(user_id)
        with self.lock:
            return self._listing(self._keys_of(user_json), self.config.now_ms())

    def list_sessions(self) -> SessionList[Any, Any]:
        with self.lock:
            return self._listing(self._paged(list(self.records)), self.config.now_ms())

    def iter_sessions(self) -> Iterator[Session[Any, Any]]:
        sessions = self.list_sessions()
        if "IterSkipsUsers" in self.bugs and sessions:
            sessions = SessionList(s for s in sessions if s.user_id == sessions[0].user_id)
        yield from sessions

    def prune(self) -> int:
        with self.lock:
            now = self.config.now_ms()
            return sum(
                not self._alive(k, self.records[k], now) for k in self._paged(list(self.records))
            )

    def stats(self, *, breakdown: bool = False) -> SessionStats:
        if breakdown:
            from collections import Counter

            labels: Counter[str] = Counter()
            per_user: Counter[Any] = Counter()
            if "BreakdownCountsExpired" in self.bugs:
                everyone = [self._session(k, r) for k, r in self.records.items()]
            else:
                everyone = list(self.list_sessions())
            for session in everyone:
                labels[session.label] += 1
                per_user[session.user_id] += 1
            counts = self.stats()
            return SessionStats(
                sessions=counts.sessions,
                users=counts.users,
                expired_not_collected=counts.expired_not_collected,
                by_label=dict(labels.most_common()),
                sessions_per_user=dict(sorted(Counter(per_user.values()).items())),
            )
        with self.lock:
            now = self.config.now_ms()
            records = [self.records[k] for k in self._paged(list(self.records))]
            live = [r for r in records if not r[7] and self._expires(r) > now]
            if "StatsCountExpired" in self.bugs:
                live = [r for r in records if not r[7]]
            return SessionStats(
                sessions=len(live),
                users=len({r[1] for r in live}),
                expired_not_collected=len(self.records) - len(live),
            )


class AsyncKitStore:
    """The same store behind asyncio methods (the contract drives both)."""

    def __init__(self, **options: Any) -> None:
        self.inner = KitStore(**options)

    def add_hook(self, hook: Any) -> Any:
        return self.inner.add_hook(hook)

    def remove_hook(self, hook: Any) -> None:
        self.inner.remove_hook(hook)

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.inner, name)
        if name == "iter_sessions":

            async def stream() -> Any:
                for session in method():
                    yield session

            return stream

        async def call(*args: Any, **kwargs: Any) -> Any:
            return method(*args, **kwargs)

        return call


def factory(*bugs: str, asyncio: bool = False) -> Any:
    """A contract factory for a KitStore with the given bugs."""

    def build(namespace: str, clock: Any, **options: Any) -> Any:
        store_class: Any = AsyncKitStore if asyncio else KitStore
        return store_class(bugs=frozenset(bugs), clock=clock, **options)

    return build
