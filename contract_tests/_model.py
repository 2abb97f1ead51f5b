"""The reference model: the contract's semantics written as plainly as
possible, independent of every store (including the in-memory one), so a
store's bug can never become the specification."""

from __future__ import annotations

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
        self.observe([s], now)
        return s if self.is_live(s, now) else None

    def live(self, now: int) -> list[ModelSession]:
        return [s for s in self.by_key.values() if self.is_live(s, now)]

    def of_user(self, user: Any) -> list[ModelSession]:
        return [s for s in self.by_key.values() if s.user == user and type(s.user) is type(user)]

    def live_for(self, user: Any, now: int) -> list[ModelSession]:
        return [s for s in self.of_user(user) if self.is_live(s, now)]

    def create(
        self, key: str, session_id: str, user: Any, label: str, meta: Any, now: int
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
        s = ModelSession(key, session_id, user, label, meta, now, now + self.absolute_ttl, now)
        self.by_id[session_id] = s
        self.by_key[key] = s
        return eviction

    def read(self, session_id: object, now: int) -> ModelSession | None:
        s = self.live_of(session_id, now)
        if s is not None and now - s.last_used >= self.touch_interval and now > s.last_used:
            s.last_used = now
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

    def rotate(self, session_id: str, new_id: str | None, now: int) -> ModelSession | None:
        s = self.live_of(session_id, now)
        if s is None or new_id is None:
            return s
        retired = attrs.evolve(s, status="rotated")
        self.by_id[session_id] = retired
        s.session_id = new_id
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
