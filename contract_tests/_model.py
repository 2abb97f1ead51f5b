"""The reference model: the contract's semantics written as plainly as
possible, independent of every store (including the in-memory one), so a
store's bug can never become the specification."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Any

import attrs


@attrs.define
class ModelSession:
    """What the model knows of one session."""

    key: str
    session_id: str
    user: Any
    label: str
    meta: Any
    created: int
    absolute: int
    last_used: int
    # live | destroyed | rotated (an old id) | gone (seen expired: final)
    status: str = "live"
    authenticated: int = 0
    remember: bool = True
    client: Any = None
    # of an old id ("rotated"): the session it was rotated away from, when
    rotated_from: ModelSession | None = None
    rotated_at: int = 0
    # of a live session: its rotated-away ids, newest first
    previous: list[str] = attrs.Factory(list)
    last_ip: Any = None


def kept_ip(ip: Any, keep: str) -> Any:
    """What a store keeps of a read's address under ``client_details``."""
    if ip is None or keep == "none":
        return None
    address = ipaddress.ip_address(ip)
    if keep == "truncated":
        prefix = 24 if address.version == 4 else 48
        address = ipaddress.ip_network(f"{address}/{prefix}", strict=False).network_address
    return address


def kept_client(client: Any, keep: str) -> Any:
    """What a store keeps of a ClientInfo under a policy's
    ``client_details``: all of it, its address cut to the /24 or /48
    network, or nothing (written out here, not imported: the model must
    not share the library's code)."""
    if client is None or keep == "none":
        return None
    if keep == "truncated" and client.ip is not None:
        prefix = 24 if client.ip.version == 4 else 48
        network = ipaddress.ip_network(f"{client.ip}/{prefix}", strict=False)
        client = attrs.evolve(client, ip=network.network_address)
    if client.ip is None and client.user_agent is None and client.location is None:
        return None
    return client


@attrs.define
class Eviction:
    """The outcome of a create at the per-user limit.

    ``certain`` sessions are evicted for sure; ``among`` is a group of
    sessions tied on last use, of which exactly ``count`` are evicted (ties
    have no defined order, so the store may pick any of them).
    """

    certain: list[ModelSession]
    among: list[ModelSession]
    count: int


@attrs.define
class Model:
    """The reference model of one store, driven by the state machine.

    Expiry is final: a session a store reported on (a read, a listing, a
    destroy, prune) while it was expired is ``gone``, and stays so when the
    clock steps back.
    """

    absolute_ttl: int
    idle_ttl: int | None
    touch_interval: int
    max_per_user: int | None
    browser_session_ttl: int = 12 * 3_600_000
    reuse_grace: int = 30_000
    revoke_on_reuse: bool = True
    previous_kept: int = 4
    by_id: dict[str, ModelSession] = attrs.Factory(dict)
    by_key: dict[str, ModelSession] = attrs.Factory(dict)

    def expiry(self, s: ModelSession) -> int:
        if self.idle_ttl is None:
            return s.absolute
        return min(s.absolute, s.last_used + self.idle_ttl)

    def is_live(self, s: ModelSession, now: int) -> bool:
        return s.status == "live" and now < self.expiry(s)

    def observe(self, sessions: Iterable[ModelSession], now: int) -> None:
        """A store reported on these sessions at ``now``: the expired ones
        are gone for good."""
        for s in sessions:
            if s.status == "live" and now >= self.expiry(s):
                s.status = "gone"

    def live_of(self, session_id: object, now: int) -> ModelSession | None:
        s = self.by_id.get(session_id) if isinstance(session_id, str) else None
        if s is None:
            return None
        # an old id names its session's key: a call presenting it finds
        # that session expired (and removes it) whatever the secret
        self.observe([s] if s.rotated_from is None else [s, s.rotated_from], now)
        return s if self.is_live(s, now) else None

    def live(self, now: int) -> list[ModelSession]:
        return [s for s in self.by_key.values() if self.is_live(s, now)]

    def of_user(self, user: Any) -> list[ModelSession]:
        return [s for s in self.by_key.values() if s.user == user and type(s.user) is type(user)]

    def live_for(self, user: Any, now: int) -> list[ModelSession]:
        return [s for s in self.of_user(user) if self.is_live(s, now)]

    def create(
        self,
        key: str,
        session_id: str,
        user: Any,
        label: str,
        meta: Any,
        now: int,
        *,
        remember: bool = True,
        client: Any = None,
    ) -> Eviction:
        eviction = Eviction([], [], 0)
        if self.max_per_user is not None:
            live = sorted(self.live_for(user, now), key=lambda s: s.last_used)
            excess = len(live) - self.max_per_user + 1
            if excess > 0:
                boundary = live[excess - 1].last_used
                eviction.certain = [s for s in live if s.last_used < boundary]
                eviction.among = [s for s in live if s.last_used == boundary]
                eviction.count = excess - len(eviction.certain)
                for s in eviction.certain:
                    s.status = "destroyed"
        lifetime = self.absolute_ttl
        if not remember:
            lifetime = min(lifetime, self.browser_session_ttl)
        s = ModelSession(
            key,
            session_id,
            user,
            label,
            meta,
            now,
            now + lifetime,
            now,
            authenticated=now,
            remember=remember,
            client=client,
        )
        self.by_id[session_id] = s
        self.by_key[key] = s
        return eviction

    def reused(self, session_id: object, now: int) -> ModelSession | None:
        """A read of ``session_id`` is a stolen session's: it is one of the
        last ``previous_kept`` ids rotated away from a live session, longer
        than ``reuse_grace`` ago. The session is revoked if the policy says
        so; returns it (None when the read is no reuse)."""
        old = self.by_id.get(session_id) if isinstance(session_id, str) else None
        if old is None or old.status != "rotated" or old.rotated_from is None:
            return None
        s = old.rotated_from
        self.observe([s], now)
        if (
            not self.is_live(s, now)
            or session_id not in s.previous[: self.previous_kept]
            or now - old.rotated_at < self.reuse_grace
        ):
            return None
        if self.revoke_on_reuse:
            s.status = "destroyed"
        return s

    def read(self, session_id: object, now: int, ip: Any = None) -> ModelSession | None:
        """A read; a touch records ``ip`` (already as the policy keeps it)."""
        s = self.live_of(session_id, now)
        if s is not None and now - s.last_used >= self.touch_interval and now > s.last_used:
            s.last_used = now
            if ip is not None:
                s.last_ip = ip
        return s

    def read_key(self, key: object, now: int) -> ModelSession | None:
        s = self.by_key.get(key) if isinstance(key, str) else None
        if s is None:
            return None
        self.observe([s], now)
        return s if self.is_live(s, now) else None

    def set_meta(self, session_id: object, meta: Any, now: int) -> bool:
        s = self.live_of(session_id, now)
        if s is None:
            return False
        s.meta = meta
        return True

    def rotate(
        self, session_id: str, new_id: str | None, now: int, *, reauthenticate: bool = False
    ) -> ModelSession | None:
        s = self.live_of(session_id, now)
        if s is None or new_id is None:
            return s
        retired = attrs.evolve(s, status="rotated", rotated_from=s, rotated_at=now, previous=[])
        self.by_id[session_id] = retired
        s.session_id = new_id
        s.previous.insert(0, session_id)
        if reauthenticate:
            s.authenticated = now
        self.by_id[new_id] = s
        return s

    def destroy(self, session_id: object, now: int) -> bool:
        s = self.live_of(session_id, now)
        if s is None:
            return False
        s.status = "destroyed"
        return True

    def destroy_key(self, key: str, now: int) -> bool:
        s = self.read_key(key, now)
        if s is None:
            return False
        s.status = "destroyed"
        return True

    def destroy_for_user(self, user: Any, keep: object, now: int) -> int:
        self.observe(self.of_user(user), now)
        kept = self.live_of(keep, now)
        count = 0
        for s in self.live_for(user, now):
            if s is not kept:
                s.status = "destroyed"
                count += 1
        return count
