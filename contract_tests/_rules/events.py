"""Security events and stolen-session detection: a rotated-away secret
presented again after the grace revokes its session, and every change is
reported to the hooks exactly once, after it is durable; a failing hook
changes nothing."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pytest

from authsessions import (
    ClientInfo,
    RevokeReason,
    SessionCreated,
    SessionPolicy,
    SessionRevoked,
    TheftSuspected,
)

from .._base import ContractBase, StoreFactory
from .._checks import same_typed

GRACE = timedelta(seconds=30)


def _kinds(events: list[Any]) -> list[tuple[str, str]]:
    return [(e.kind, e.key) for e in events]


class EventRules(ContractBase):
    def test_a_rotated_away_secret_presented_after_the_grace_revokes_the_session(
        self, sessions_factory: StoreFactory
    ) -> None:
        user, meta = self._sample()
        with self.open(sessions_factory, policy=SessionPolicy(reuse_grace=GRACE)) as store:
            old = store.create(user, meta)
            new = store.rotate(old)
            store.events()
            store.clock.advance(GRACE - timedelta(milliseconds=1))
            # a request that was in flight during the rotation: refused, no theft
            assert store.get_session(old) is None
            assert store.events() == [], "a reuse within the grace was reported as a theft"
            assert store.get_session(new) is not None
            store.clock.advance(1)
            assert store.get_user_id(old) is None, "a rotated-away secret was accepted"
            events = store.events()
            assert _kinds(events) == [("theft_suspected", old.key), ("revoked", old.key)], (
                f"a reuse after the grace sent {_kinds(events)}"
            )
            assert isinstance(events[0], TheftSuspected) and events[0].revoked is True
            assert isinstance(events[1], SessionRevoked)
            assert events[1].reason is RevokeReason.THEFT
            assert same_typed(events[0].user_id, user)
            assert store.get_session(new) is None, "the stolen session was not revoked"
            assert store.keys(user) == []
            assert store.get_session(old) is None and store.events() == [], (
                "a revoked session's old secret was reported again"
            )

    def test_every_read_detects_a_reuse(self, sessions_factory: StoreFactory) -> None:
        user, meta = self._sample()
        with self.open(sessions_factory, policy=SessionPolicy(reuse_grace=GRACE)) as store:
            for read in (store.get_user_id, store.get_meta, store.get_session):
                old = store.create(user, meta)
                new = store.rotate(old)
                store.clock.advance(GRACE)
                store.events()
                assert read(old) is None
                assert [e.kind for e in store.events()] == ["theft_suspected", "revoked"], (
                    f"{read.__name__} missed a rotated-away secret"
                )
                assert store.get_session(new) is None

    def test_without_revoke_on_reuse_a_theft_is_reported_only(
        self, sessions_factory: StoreFactory
    ) -> None:
        user, meta = self._sample()
        policy = SessionPolicy(reuse_grace=GRACE, revoke_on_reuse=False)
        with self.open(sessions_factory, policy=policy) as store:
            old = store.create(user, meta)
            new = store.reauthenticate(old)
            store.clock.advance(GRACE)
            store.events()
            assert store.get_session(old) is None
            events = store.events()
            assert _kinds(events) == [("theft_suspected", old.key)]
            assert isinstance(events[0], TheftSuspected) and events[0].revoked is False
            assert store.get_session(new) is not None, "revoke_on_reuse=False revoked"

    def test_the_last_four_rotated_away_secrets_are_recognised(
        self, sessions_factory: StoreFactory
    ) -> None:
        user, meta = self._sample()
        policy = SessionPolicy(reuse_grace=timedelta(0), revoke_on_reuse=False)
        with self.open(sessions_factory, policy=policy) as store:
            ids = [store.create(user, meta)]
            for _ in range(5):
                ids.append(store.rotate(ids[-1]))
            store.events()
            for old in ids[1:5]:
                assert store.get_session(old) is None
                assert [e.kind for e in store.events()] == ["theft_suspected"], (
                    "one of the last four rotated-away secrets was not recognised"
                )
            assert store.get_session(ids[0]) is None
            assert store.events() == [], "a fifth rotated-away secret was kept"

    def test_each_change_is_reported_once_with_its_user_and_time(
        self, sessions_factory: StoreFactory
    ) -> None:
        user, meta = self._sample()
        other = self._sample_users()[1]
        client = ClientInfo(ip="198.51.100.4", user_agent="UA")
        policy = SessionPolicy(max_sessions_per_user=2)
        with self.open(sessions_factory, policy=policy) as store:
            first = store.create(user, meta, client=client, remember=False)
            created = store.events()
            assert _kinds(created) == [("created", first.key)]
            event = created[0]
            assert isinstance(event, SessionCreated)
            assert same_typed(event.user_id, user) and event.client == client
            assert event.remember is False and event.at == store.clock.now()
            assert first.partition(".")[2] not in repr(event), "an event shows a secret"
            store.clock.advance(1)
            second = store.create(user, meta)
            store.clock.advance(1)
            third = store.create(user, meta)  # the cap: the least recently used goes
            assert _kinds(store.events()) == [
                ("created", second.key),
                ("revoked", first.key),
                ("created", third.key),
            ]
            second = store.rotate(second)
            third = store.reauthenticate(third)
            assert _kinds(store.events()) == [
                ("rotated", second.key),
                ("reauthenticated", third.key),
            ]
            listed = {s.key: s for s in store.for_user(user)}
            assert store.destroy(listed[second.key]) is True
            assert store.destroy(third) is True
            assert store.destroy(third) is False
            reasons = [(e.key, e.reason) for e in store.events()]
            assert reasons == [
                (second.key, RevokeReason.REVOKED),
                (third.key, RevokeReason.LOGOUT),
            ], f"destroy_session reported {reasons}"
            kept = store.create(other, meta)
            gone = store.create(other, meta)
            store.events()
            assert store.destroy_for_user(other, keep=kept) == 1
            reasons = [(e.key, e.reason) for e in store.events()]
            assert reasons == [(gone.key, RevokeReason.EVERYWHERE)]
            assert store.destroy_for_user(other, keep=kept) == 0 and store.events() == []
            store.clock.advance(timedelta(days=365))
            store.prune()
            assert store.events() == [], "expiry or prune sent an event"

    def test_a_failing_hook_changes_nothing_and_never_reaches_the_caller(
        self, sessions_factory: StoreFactory, caplog: pytest.LogCaptureFixture
    ) -> None:
        user, meta = self._sample()
        later: list[Any] = []

        def broken(event: Any) -> None:
            raise RuntimeError("the mail server is down")

        with self.open(sessions_factory) as store:
            store.driver.store.add_hook(broken)
            store.driver.store.add_hook(later.append)
            with caplog.at_level(logging.WARNING):
                sid = store.create(user, meta)
                new = store.rotate(sid)
                assert store.get_session(new) is not None, "a failing hook undid the create"
                assert store.destroy(new) is True
            assert store.get_session(new) is None, "a failing hook undid the destroy"
            assert [e.kind for e in later] == ["created", "rotated", "revoked"], (
                "a failing hook kept the next hook from its events"
            )
            assert "the mail server is down" in caplog.text, "a failing hook was not logged"
            assert new.partition(".")[2] not in caplog.text

    def test_hooks_are_added_and_removed(self, sessions_factory: StoreFactory) -> None:
        user, meta = self._sample()
        seen: list[Any] = []
        with self.open(sessions_factory) as store:
            target = store.driver.store
            assert target.add_hook(seen.append) == seen.append, "add_hook returns the hook"
            store.create(user, meta)
            target.remove_hook(seen.append)
            store.create(user, meta)
            assert len(seen) == 1, "a removed hook still received events"
            with pytest.raises(ValueError, match="not registered"):
                target.remove_hook(seen.append)
            with pytest.raises(TypeError):
                target.add_hook("not callable")
