"""What a session knows of its sign-in: the client it came from (as much
as the policy keeps), the remember flag and its lifetime, and the time of
the last sign-in (``reauthenticate``)."""

from __future__ import annotations

import ipaddress
from datetime import timedelta
from typing import Any

import pytest

from authsessions import ClientInfo, InvalidSessionDataError, SessionPolicy

from .._base import ContractBase, StoreFactory

_CLIENTS = [
    ClientInfo(ip="203.0.113.77", user_agent="Mozilla/5.0 (X11; Linux) Firefox/133.0"),
    ClientInfo(ip="2001:db8:85a3:8d3:1319:8a2e:370:7348", location="Berlin, DE"),
    ClientInfo(user_agent="curl/8.5\u202e\x00", location="\u5317\u4eac"),
]


class SignInRules(ContractBase):
    @pytest.mark.parametrize("client", _CLIENTS, ids=["v4", "v6", "no address"])
    def test_the_client_round_trips_typed_on_every_read(
        self, sessions_factory: StoreFactory, client: ClientInfo
    ) -> None:
        user, meta = self._sample()
        with self.open(sessions_factory) as store:
            sid = store.create(user, meta, client=client)
            found = [
                store.get_session(sid),
                store.get_by_key(sid.key),
                *store.for_user(user),
                *store.list_all(),
                *store.iter_all(),
            ]
            for session in found:
                assert session is not None and session.client == client, (
                    f"client {session.client if session else None!r} != {client!r}"
                )
                if client.ip is not None:
                    assert type(session.client.ip) is type(client.ip), "the address is not typed"

    @pytest.mark.parametrize(
        ("keep", "v4", "v6"),
        [
            ("full", "203.0.113.77", "2001:db8:85a3:8d3:1319:8a2e:370:7348"),
            ("truncated", "203.0.113.0", "2001:db8:85a3::"),
            ("none", None, None),
        ],
    )
    def test_the_policy_decides_how_much_of_the_client_is_kept(
        self, sessions_factory: StoreFactory, keep: Any, v4: str | None, v6: str | None
    ) -> None:
        user, meta = self._sample()
        policy = SessionPolicy(client_details=keep)
        with self.open(sessions_factory, policy=policy) as store:
            for client, address in ((_CLIENTS[0], v4), (_CLIENTS[1], v6)):
                sid = store.create(user, meta, client=client)
                session = store.get_session(sid)
                assert session is not None
                if address is None:
                    assert session.client is None, f"client_details='none' kept {session.client}"
                    continue
                assert session.client is not None
                assert session.client.ip == ipaddress.ip_address(address), (
                    f"client_details={keep!r}: kept {session.client.ip}, expected {address}"
                )
                assert session.client.user_agent == client.user_agent
                assert session.client.location == client.location

    def test_no_client_and_remembered_by_default(self, sessions_factory: StoreFactory) -> None:
        user, meta = self._sample()
        with self.open(sessions_factory) as store:
            session = store.get_session(store.create(user, meta))
            assert session is not None
            assert session.client is None and session.remember is True
            assert session.authenticated_at == session.created_at

    def test_a_browser_session_login_lives_at_most_the_browser_session_ttl(
        self, sessions_factory: StoreFactory
    ) -> None:
        user, meta = self._sample()
        policy = SessionPolicy(
            absolute_ttl=timedelta(days=30), browser_session_ttl=timedelta(hours=12)
        )
        with self.open(sessions_factory, policy=policy) as store:
            short = store.create(user, meta, remember=False)
            shorter = store.create(user, meta, remember=False, absolute_ttl=timedelta(hours=1))
            kept = store.create(user, meta, remember=True)
            for sid, lifetime, remember in (
                (short, timedelta(hours=12), False),
                (shorter, timedelta(hours=1), False),
                (kept, timedelta(days=30), True),
            ):
                session = store.get_session(sid)
                assert session is not None and session.remember is remember
                assert session.expires_at - session.created_at == lifetime, (
                    f"remember={remember}: lives {session.expires_at - session.created_at}, "
                    f"expected {lifetime}"
                )
            store.clock.advance(timedelta(hours=12))
            assert store.get_session(short) is None, "a browser-session login outlived its ttl"
            assert store.get_session(kept) is not None

    @pytest.mark.parametrize(
        ("field", "extra"),
        [
            ("client", {"client": "203.0.113.7"}),
            ("client", {"client": {"ip": "203.0.113.7"}}),
            ("remember", {"remember": "no"}),
            ("remember", {"remember": None}),
        ],
    )
    def test_a_bad_client_or_remember_is_refused_and_nothing_stored(
        self, sessions_factory: StoreFactory, field: str, extra: dict[str, Any]
    ) -> None:
        user, meta = self._sample()
        with self.open(sessions_factory) as store:
            with pytest.raises(InvalidSessionDataError) as info:
                store.create(user, meta, **extra)
            assert info.value.field == field
            assert store.keys(user) == [], "a refused create stored a session"
            assert store.events() == [], "a refused create sent an event"

    def test_reauthenticate_records_a_fresh_sign_in_and_rotates(
        self, sessions_factory: StoreFactory
    ) -> None:
        user, meta = self._sample()
        with self.open(sessions_factory) as store:
            old = store.create(user, meta)
            before = store.get_by_key(old.key)
            store.clock.advance(timedelta(minutes=5))
            new = store.reauthenticate(old)
            assert new is not None and new != old and new.key == old.key
            after = store.get_by_key(old.key)
            assert before is not None and after is not None
            assert after.authenticated_at - before.authenticated_at == timedelta(minutes=5), (
                "reauthenticate did not make now the sign-in time"
            )
            assert after.created_at == before.created_at, "reauthenticate restarted the session"
            assert after.expires_at == before.expires_at, "reauthenticate moved the expiry"
            assert after.last_used_at == before.last_used_at, "reauthenticate touched"
            assert store.get_session(old) is None, "the id before reauthenticate still works"
            assert store.get_session(new) is not None
            assert store.reauthenticate(old) is None
            store.destroy(new)
            assert store.reauthenticate(new) is None, "reauthenticate revived a destroyed session"
            assert store.reauthenticate("junk") is None

    def test_rotation_keeps_the_sign_in_time(self, sessions_factory: StoreFactory) -> None:
        user, meta = self._sample()
        with self.open(sessions_factory) as store:
            old = store.create(user, meta)
            store.clock.advance(timedelta(minutes=5))
            new = store.rotate(old)
            session = store.get_session(new)
            assert session is not None and session.authenticated_at == session.created_at, (
                "rotate_session changed the sign-in time (only reauthenticate does)"
            )

    def test_the_last_use_records_its_address_at_most_once_per_touch_interval(
        self, sessions_factory: StoreFactory
    ) -> None:
        user, meta = self._sample()
        policy = SessionPolicy(touch_interval=timedelta(minutes=1))
        a, b = "198.51.100.7", ipaddress.ip_address("2001:db8::42")
        with self.open(sessions_factory, policy=policy) as store:
            sid = store.create(user, meta)
            first = store.get_session(sid, ip=a)
            assert first is not None and first.last_used_ip is None, "no touch, yet recorded"
            store.clock.advance(timedelta(minutes=1))
            assert store.get_user_id(sid, ip=a) is not None
            found = store.get_by_key(sid.key)
            assert found is not None
            assert found.last_used_ip == ipaddress.ip_address(a), (
                f"a touch did not record its address: {found.last_used_ip!r}"
            )
            store.clock.advance(timedelta(seconds=10))
            assert store.get_meta(sid, ip=b) is not None
            found = store.get_session(sid)
            assert found is not None and found.last_used_ip == ipaddress.ip_address(a), (
                "an address was recorded inside the touch interval"
            )
            store.clock.advance(timedelta(minutes=1))
            found = store.get_session(sid, ip=b)
            assert found is not None and found.last_used_ip == b
            assert type(found.last_used_ip) is ipaddress.IPv6Address
            store.clock.advance(timedelta(minutes=1))
            store.get_session(sid)  # a touch without an address keeps the last one
            (listed,) = store.for_user(user)
            assert listed.last_used_ip == b
            assert [s.last_used_ip for s in store.iter_all()] == [b]

    @pytest.mark.parametrize(("keep", "kept"), [("truncated", "198.51.100.0"), ("none", None)])
    def test_the_policy_decides_how_much_of_the_last_address_is_kept(
        self, sessions_factory: StoreFactory, keep: Any, kept: str | None
    ) -> None:
        user, meta = self._sample()
        with self.open(sessions_factory, policy=SessionPolicy(client_details=keep)) as store:
            sid = store.create(user, meta)
            store.clock.advance(1)
            found = store.get_session(sid, ip="198.51.100.7")
            assert found is not None
            assert found.last_used_ip == (None if kept is None else ipaddress.ip_address(kept))

    def test_a_bad_address_is_refused_and_the_read_does_nothing(
        self, sessions_factory: StoreFactory
    ) -> None:
        user, meta = self._sample()
        with self.open(sessions_factory) as store:
            sid = store.create(user, meta)
            store.clock.advance(1)
            for read in (store.get_user_id, store.get_meta, store.get_session):
                with pytest.raises(InvalidSessionDataError) as info:
                    read(sid, ip="localhost")
                assert info.value.field == "ip"
            found = store.get_by_key(sid.key)
            assert found is not None and found.last_used_at == found.created_at, (
                "a read refused for its address touched the session"
            )
