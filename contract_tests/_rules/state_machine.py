"""The stateful contract: random sequences of every operation, clock jumps
forward and back, checked step by step against the reference model."""

from __future__ import annotations

import ipaddress
import itertools
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    precondition,
    rule,
    run_state_machine_as_test,
)

from authsessions import InvalidSessionDataError, RevokeReason, SessionPolicy, SessionStats
from authsessions.testing import FakeClock

from .._base import ContractBase, StoreFactory
from .._checks import check_listing, check_session, same_typed, to_ms
from .._driver import StoreDriver
from .._harness import HiddenSessionId, hide
from .._model import Model, ModelSession, kept_client, kept_ip
from .._namespaces import new_namespace
from .._strategies import clients

# values no meta type can store: rejected with nothing stored, by every store
_BAD_METAS: list[Any] = [object(), {"k": {1, 2}}, {"k": float("nan")}, {1: "int key"}, [b"x"]]

# the policies every run uses besides the implementer's: touching on every
# read with a small cap, and lifetimes of seconds, so that live, idle and
# expired sessions sit together at the cap. A reused secret is reported at
# once and not revoked in the first, revoked after 2 s in the second.
POLICIES = {
    "touch_every_read": SessionPolicy(
        max_sessions_per_user=4, reuse_grace=timedelta(0), revoke_on_reuse=False
    ),
    "short_lifetimes": SessionPolicy(
        absolute_ttl=timedelta(seconds=30),
        idle_ttl=timedelta(seconds=8),
        touch_interval=timedelta(seconds=1),
        max_sessions_per_user=3,
        browser_session_ttl=timedelta(seconds=20),
        reuse_grace=timedelta(seconds=2),
    ),
}


# preconditions are named functions, not lambdas: older Hypothesis (6.100,
# our lowest) re-parses a lambda's source file each time it describes a rule
def _clock_moved(machine: Any) -> bool:
    return bool(machine.clock.elapsed_ms > 0)


def _has_users(machine: Any) -> bool:
    return bool(machine.users)


def _interesting_steps(policy: SessionPolicy) -> list[int]:
    steps = {1, 2, policy.touch_interval_ms, policy.absolute_ttl_ms, policy.absolute_ttl_ms // 2}
    if policy.idle_ttl is not None:
        idle = policy.idle_ttl_ms
        steps |= {idle - 1, idle, idle // 2, idle // 3}
    if policy.touch_interval_ms:
        steps |= {policy.touch_interval_ms - 1}
    return sorted(s for s in steps if s > 0)


_counter = itertools.count()


def build_machine(
    *,
    factory: Callable[..., Any],
    namespace_root: str,
    policy: SessionPolicy,
    user_id_type: Any,
    meta_type: Any,
    user_ids: st.SearchStrategy[Any],
    labels: st.SearchStrategy[str],
    metas: st.SearchStrategy[Any],
) -> type[RuleBasedStateMachine]:
    """A state machine class bound to one store factory and one policy."""
    steps = _interesting_steps(policy)
    forward = st.sampled_from([0, *steps]) | st.integers(0, 10_000)
    # half the time a spacing near the idle ttl: earlier devices expire while
    # later ones are created at the cap (expired sessions must not count)
    idle = policy.idle_ttl_ms
    near_idle = [idle // 2, idle // 3, idle - 1] if idle else [policy.absolute_ttl_ms // 3]
    spacings = st.sampled_from(near_idle) | st.sampled_from([0, 1, 1000])
    cap = policy.max_sessions_per_user or 3
    # a read's address: none, or one of a few (as text or typed), so that
    # reads from the same address and from another both happen
    addresses = st.none() | st.sampled_from(
        ["198.51.100.7", "2001:db8::42", ipaddress.ip_address("198.51.100.99")]
    )
    device_counts = st.integers(cap, cap + 3) | st.integers(2, 6)

    class SessionsMachine(RuleBasedStateMachine):
        ids = Bundle("ids")

        def __init__(self) -> None:
            super().__init__()
            self.clock = FakeClock()
            self.namespace = f"{namespace_root}{next(_counter)}:"
            self.driver = StoreDriver(
                factory,
                self.namespace,
                self.clock,
                policy=policy,
                user_id_type=user_id_type,
                meta_type=meta_type,
            )
            self.model = Model(
                absolute_ttl=policy.absolute_ttl_ms,
                idle_ttl=policy.idle_ttl_ms or None,
                touch_interval=policy.touch_interval_ms,
                max_per_user=policy.max_sessions_per_user,
                browser_session_ttl=policy.browser_session_lifetime // timedelta(milliseconds=1),
                reuse_grace=policy.reuse_grace_ms,
                revoke_on_reuse=policy.revoke_on_reuse,
            )
            self.users: list[Any] = []

        @initialize(users=st.lists(user_ids, min_size=2, max_size=3, unique=True))
        def choose_users(self, users: list[Any]) -> None:
            self.users = users

        def teardown(self) -> None:
            try:
                for user in self.users:
                    self.driver.call("destroy_sessions_for_user", user)
            finally:
                self.driver.close()

        @property
        def now(self) -> int:
            return self.clock.ms

        @property
        def t(self) -> str:
            return f"at t={self.clock.elapsed_ms:+d} ms"

        def _user(self, index: int) -> Any:
            return self.users[index % len(self.users)]

        def _check_events(self, what: str, expected: list[tuple[Any, ...]]) -> None:
            """The events the last call sent: exactly ``expected`` (kind,
            session, detail), in order, each with its session's user and
            the clock's time."""
            events = self.driver.take_events()
            found = [
                (e.kind, e.key, getattr(e, "reason", getattr(e, "revoked", None))) for e in events
            ]
            wanted = [(kind, s.key, detail) for kind, s, detail in expected]
            assert found == wanted, f"{what} sent the events {found}, expected {wanted} {self.t}"
            for event, (_, s, _) in zip(events, expected, strict=True):
                assert same_typed(event.user_id, s.user), (
                    f"{what}: a {event.kind} event's user_id {event.user_id!r} != {s.user!r}"
                )
                assert to_ms(event.at) == self.now, f"{what}: a {event.kind} event's time {self.t}"

        @rule(
            target=ids,
            index=st.integers(0, 2),
            label=labels,
            meta=metas,
            remember=st.booleans(),
            client=clients(),
        )
        def create(
            self, index: int, label: str, meta: Any, remember: bool = True, client: Any = None
        ) -> Any:
            user = self._user(index)
            session_id = self.driver.call(
                "create_session",
                user_id=user,
                label=label,
                meta=meta,
                remember=remember,
                client=client,
            )
            assert isinstance(session_id, str), "create_session must return a str"
            key, dot, _ = session_id.partition(".")
            assert dot, "a SessionId is <key>.<secret>"
            eviction = self.model.create(
                key,
                session_id,
                user,
                label,
                meta,
                self.now,
                remember=remember,
                client=kept_client(client, policy.client_details),
            )
            events = self.driver.take_events()
            gone: list[ModelSession] = []
            if eviction.count:
                listed = {s.key for s in self.driver.call("get_sessions_for_user", user)}
                self.model.observe(self.model.of_user(user), self.now)
                gone = [s for s in eviction.among if s.key not in listed]
                assert len(gone) == eviction.count, (
                    f"creating at the limit evicted {len(gone)} of the least recently used "
                    f"live sessions, expected {eviction.count} {self.t}"
                )
                for s in gone:
                    s.status = "destroyed"
            self.driver.events[:] = events
            evicted = sorted([*eviction.certain, *gone], key=lambda s: s.key)
            created = self.model.by_key[key]
            # evictions first (in any order between them), then the creation
            self.driver.events.sort(key=lambda e: (e.kind == "created", e.key))
            self._check_events(
                "create_session",
                [*(("revoked", s, RevokeReason.EVICTED) for s in evicted),
                 ("created", created, None)],
            )  # fmt: skip
            return HiddenSessionId(session_id)

        @rule(index=st.integers(0, 2), meta=st.sampled_from(_BAD_METAS), label=labels)
        def create_with_bad_meta(self, index: int, meta: Any, label: str) -> None:
            user = self._user(index)
            with pytest.raises(InvalidSessionDataError) as info:
                self.driver.call("create_session", user_id=user, label=label, meta=meta)
            assert info.value.field == "meta"

        @rule(session_id=ids, meta=st.sampled_from(_BAD_METAS))
        def set_bad_meta(self, session_id: str, meta: Any) -> None:
            with pytest.raises(InvalidSessionDataError) as info:
                self.driver.call("set_session_meta", session_id, meta)
            assert info.value.field == "meta"

        @rule(
            target=ids,
            index=st.integers(0, 2),
            count=device_counts,
            meta=metas,
            spacing=spacings,
        )
        def log_in_on_many_devices(self, index: int, count: int, meta: Any, spacing: int) -> Any:
            # reaches max_sessions_per_user quickly, and with a spacing near
            # the idle ttl leaves expired sessions among live ones at the cap
            created = []
            for n in range(count):
                if n:
                    self.clock.advance(spacing)
                created.append(self.create(index, f"device {n}", meta, remember=n % 2 == 0))
            return multiple(*created)

        @rule(step=forward)
        def advance_clock(self, step: int) -> None:
            self.clock.advance(step)

        @rule(session_id=ids, offset=st.sampled_from([-1, 0, 1]))
        def advance_to_an_absolute_expiry(self, session_id: str, offset: int) -> None:
            # the clock lands on a session's absolute expiry, on it or a
            # millisecond either side: a read path that caches or shortcuts
            # must see the boundary where the model does. (Its absolute
            # expiry is fixed at creation, so the step is the same whatever
            # the store did, and Hypothesis replays it exactly.)
            s = self.model.by_id.get(session_id)
            if s is not None:
                self.clock.advance(max(0, s.absolute + offset - self.now))

        @rule(session_id=ids, after=st.sampled_from([0, 1]))
        def read_across_an_absolute_expiry(self, session_id: str, after: int) -> None:
            # a user active up to the session's absolute expiry: read every
            # three quarters of the idle time (at most 12 reads), then a
            # millisecond before the expiry (a touch may be recorded), then
            # at it or just after: found, then gone, however recently the
            # store saw it used
            s = self.model.by_id.get(session_id)
            if s is None or s.absolute - 1 < self.now:
                return
            step = (policy.idle_ttl_ms or policy.absolute_ttl_ms) * 3 // 4
            for _ in range(12):
                if self.now + step >= s.absolute - 1:
                    break
                self.clock.advance(step)
                self.get_session(session_id)
            self.clock.advance(s.absolute - 1 - self.now)
            self.get_session(session_id)
            self.clock.advance(1 + after)
            self.get_session(session_id)

        @precondition(_clock_moved)
        @rule(step=st.sampled_from(steps) | st.integers(1, 5_000))
        def step_clock_back(self, step: int) -> None:
            # an NTP correction; never before the run's start, so the fake
            # clock stays ahead of the server's (Redis collects by its own)
            self.clock.rewind(min(step, self.clock.elapsed_ms))

        @rule(rounds=st.integers(1, 6))
        def busy_period(self, rounds: int) -> None:
            # a user active for a while: steps just inside the idle window,
            # every known id read after each, so idle expiry keeps sliding
            # up to (and past) the absolute expiry
            step = (policy.idle_ttl_ms or policy.absolute_ttl_ms) * 3 // 4
            for _ in range(rounds):
                self.clock.advance(step)
                for session_id in list(self.model.by_id):
                    self.get_session(hide(session_id))

        def _read(self, operation: str, session_id: str, ip: Any = None) -> tuple[Any, Any]:
            """Read through the store and the model, from address ``ip``
            (None: none given): (found, expected); a stolen session's read
            must send its events and find nothing."""
            stolen = self.model.reused(session_id, self.now)
            kept = kept_ip(ip, policy.client_details)
            expected = None if stolen is not None else self.model.read(session_id, self.now, kept)
            found = self.driver.call(operation, session_id, **({} if ip is None else {"ip": ip}))
            if stolen is None:
                self._check_events(operation, [])
                return found, expected
            assert found is None, f"{operation}: a rotated-away secret was accepted {self.t}"
            revoked = self.model.revoke_on_reuse
            self._check_events(
                f"{operation} of a rotated-away secret",
                [("theft_suspected", stolen, revoked)]
                + ([("revoked", stolen, RevokeReason.THEFT)] if revoked else []),
            )
            return found, None

        @rule(session_id=ids, ip=addresses)
        def get_user_id(self, session_id: str, ip: Any) -> None:
            found, expected = self._read("get_user_id_from_session", session_id, ip)
            if expected is None:
                assert found is None, f"a dead id returned a user id {self.t}"
            else:
                assert same_typed(found, expected.user), (
                    f"get_user_id_from_session: {found!r} != {expected.user!r} {self.t}"
                )

        @rule(session_id=ids, ip=addresses)
        def get_meta(self, session_id: str, ip: Any) -> None:
            found, expected = self._read("get_session_meta", session_id, ip)
            if expected is None:
                assert found is None, f"a dead id returned meta {self.t}"
                return
            assert same_typed(found, expected.meta), f"get_session_meta differs {self.t}"
            again = self.driver.call("get_session_meta", session_id)
            self.model.read(session_id, self.now)
            if isinstance(found, dict | list) or hasattr(found, "__attrs_attrs__"):
                assert again is not found, "meta must be a fresh object on every read"

        @rule(session_id=ids, ip=addresses)
        def get_session(self, session_id: str, ip: Any = None) -> None:
            found, expected = self._read("get_session", session_id, ip)
            if expected is None:
                assert found is None, f"a dead id returned a session {self.t}"
            else:
                assert found is not None, f"a live session read as None {self.t}"
                check_session(self.model, found, expected, f"get_session {self.t}")

        @rule(session_id=ids)
        def get_by_key(self, session_id: HiddenSessionId) -> None:
            expected = self.model.read_key(session_id.key, self.now)
            found = self.driver.call("get_session_by_key", session_id.key)
            if expected is None:
                assert found is None, f"get_session_by_key returned a dead session {self.t}"
            else:
                assert found is not None, f"get_session_by_key: a live session is None {self.t}"
                check_session(self.model, found, expected, f"get_session_by_key {self.t}")

        @rule(session_id=ids, meta=metas)
        def set_meta(self, session_id: str, meta: Any) -> None:
            expected = self.model.set_meta(session_id, meta, self.now)
            found = self.driver.call("set_session_meta", session_id, meta)
            assert found is expected, f"set_session_meta returned {found}, expected {expected}"

        @rule(target=ids, session_id=ids, again=st.booleans())
        def rotate(self, session_id: str, again: bool) -> Any:
            # again: sign in again (reauthenticate) instead of rotating
            operation = "reauthenticate" if again else "rotate_session"
            new_id = self.driver.call(operation, session_id)
            expected = self.model.rotate(session_id, new_id, self.now, reauthenticate=again)
            if expected is None:
                assert new_id is None, f"{operation} of a dead id returned a new id {self.t}"
                self._check_events(operation, [])
                # the bundle grows by one either way, so that what Hypothesis
                # draws next never depends on the store's random keys
                return session_id
            assert new_id is not None, f"{operation} of a live session returned None {self.t}"
            assert new_id.partition(".")[0] == expected.key, "rotation must keep the key"
            assert new_id != session_id
            kind = "reauthenticated" if again else "rotated"
            self._check_events(operation, [(kind, expected, None)])
            return HiddenSessionId(new_id)

        @rule(session_id=ids)
        def destroy(self, session_id: str) -> None:
            target = self.model.live_of(session_id, self.now)
            expected = self.model.destroy(session_id, self.now)
            found = self.driver.call("destroy_session", session_id)
            assert found is expected, f"destroy_session returned {found}, expected {expected}"
            self._check_events(
                "destroy_session",
                [("revoked", target, RevokeReason.LOGOUT)] if target is not None else [],
            )
            assert self.driver.call("destroy_session", session_id) is False, "not idempotent"
            self._check_events("destroy_session (again)", [])

        @precondition(_has_users)
        @rule(index=st.integers(0, 2), pick=st.integers(0, 100))
        def destroy_listed(self, index: int, pick: int) -> None:
            # pick by the model's creation order: the store's order among
            # sessions tied on last use is undefined, and a choice that
            # depended on it would make the example irreproducible
            user = self._user(index)
            candidates = self.model.live_for(user, self.now)
            if not candidates:
                return
            chosen = candidates[pick % len(candidates)]
            listing = {s.key: s for s in self.driver.call("get_sessions_for_user", user)}
            self.model.observe(self.model.of_user(user), self.now)
            assert chosen.key in listing, f"a live session is missing from its listing {self.t}"
            assert self.model.destroy_key(chosen.key, self.now)
            assert self.driver.call("destroy_session", listing[chosen.key]) is True
            self._check_events(
                "destroy_session(listed Session)", [("revoked", chosen, RevokeReason.REVOKED)]
            )

        @rule(index=st.integers(0, 2), keep=st.none() | ids, by_key=st.booleans())
        def destroy_for_user(self, index: int, keep: HiddenSessionId | None, by_key: bool) -> None:
            user = self._user(index)
            kept: Any = keep
            if keep is not None and by_key:
                # keep a listed Session (by key), as a devices page would
                model_kept = self.model.read_key(keep.key, self.now)
                kept = self.driver.call("get_session_by_key", keep.key)
                assert (kept is None) == (model_kept is None), f"get_session_by_key {self.t}"
                keep_id = model_kept.session_id if model_kept is not None else None
            else:
                keep_id = keep
            live = {s.key: s for s in self.model.live_for(user, self.now)}
            expected = self.model.destroy_for_user(user, keep_id, self.now)
            found = self.driver.call("destroy_sessions_for_user", user, keep=kept)
            assert found == expected, f"destroyed {found} sessions, expected {expected} {self.t}"
            ended = [s for key, s in sorted(live.items()) if s.status == "destroyed"]
            self.driver.events.sort(key=lambda e: e.key)
            self._check_events(
                "destroy_sessions_for_user",
                [("revoked", s, RevokeReason.EVERYWHERE) for s in ended],
            )

        @rule(junk=st.sampled_from(["", ".", "x" * 5000, "a.b", None]) | st.text(max_size=80))
        def read_malformed(self, junk: Any) -> None:
            assert self.driver.call("get_session", junk) is None

        @rule()
        def prune(self) -> None:
            removed = self.driver.call("prune")
            assert isinstance(removed, int) and removed >= 0, f"prune returned {removed!r}"
            self.model.observe(list(self.model.by_key.values()), self.now)

        @rule()
        def iter_sessions(self) -> None:
            streamed = self.driver.collect("iter_sessions")
            check_listing(
                self.model, streamed, self.model.live(self.now), f"iter_sessions {self.t}",
                ordered=False,
            )  # fmt: skip
            self.model.observe(list(self.model.by_key.values()), self.now)

        @rule()
        def stats(self) -> None:
            found = self.driver.call("stats")
            assert isinstance(found, SessionStats), f"stats returned {type(found)}"
            live = self.model.live(self.now)
            users = {repr(s.user) for s in live}
            assert (found.sessions, found.users) == (len(live), len(users)), (
                f"stats counted {found.sessions} sessions of {found.users} users, "
                f"expected {len(live)} of {len(users)} {self.t}"
            )

        @invariant()
        def listings_match_the_model(self) -> None:
            if not self.users:
                return
            now = self.now
            for user in self.users:
                check_listing(
                    self.model,
                    self.driver.call("get_sessions_for_user", user),
                    self.model.live_for(user, now),
                    f"get_sessions_for_user {self.t}",
                )
            check_listing(
                self.model,
                self.driver.call("list_sessions"),
                self.model.live(now),
                f"list_sessions {self.t}",
            )
            # the listings saw every session: the expired ones are gone for good
            self.model.observe(list(self.model.by_key.values()), now)

    return SessionsMachine


class StateMachineRules(ContractBase):
    @pytest.mark.parametrize("which", ["touch_every_read", "short_lifetimes", "class_policy"])
    def test_random_operation_sequences_match_the_reference_model(
        self, sessions_factory: StoreFactory, which: str
    ) -> None:
        machine = build_machine(
            factory=sessions_factory,
            namespace_root=new_namespace(),
            policy=POLICIES.get(which, self.policy),
            user_id_type=self.user_id_type,
            meta_type=self.meta_type,
            user_ids=self._users(),
            labels=self._labels(),
            metas=self._metas(),
        )
        run_state_machine_as_test(machine, settings=self._settings())
