"""The Redis layout of this version: sessions written by authsessions 0.1
keep working; the admin paths find our users through the slot registries
when the database is large, whatever else it holds; the slot tag table is
right."""

from __future__ import annotations

import binascii
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import redis

from authsessions import RedisSessions, SessionId, SessionPolicy
from authsessions.kit import dumps, mint_session_id, user_tag
from authsessions.testing import FakeClock

from .consistency import check_consistency

pytestmark = pytest.mark.redis

DATA = Path(__file__).parent / "data"


def create_v1(client: redis.Redis, prefix: str, user: str, label: str, now: int) -> SessionId:
    """A session written exactly as authsessions 0.1 wrote it (its own
    create script, its own arguments): record and last-use index only."""
    parsed = mint_session_id(user_tag(dumps(user)))
    absolute = now + 30 * 86_400_000
    value = "\n".join(
        [parsed.secret_hash_hex(), str(absolute), str(now), dumps(user), dumps(label), "{}"]
    )
    base = f"{prefix}{{{parsed.tag}}}:"
    args: list[str | int] = [now, value, parsed.local, absolute, 0, 100, 300_000, dumps(user)]
    script = (DATA / "v1_create.lua").read_text()
    client.eval(script, 2, f"{base}s:{parsed.local}", f"{base}u", *args)
    return parsed.session_id()


def test_the_slot_tag_table_maps_every_slot_to_itself() -> None:
    from authsessions.redis._layout import SLOTS, slot_tags

    table = slot_tags()
    tags = [table[3 * i : 3 * i + 3] for i in range(SLOTS)]
    assert all(binascii.crc_hqx(t.encode(), 0) % SLOTS == slot for slot, t in enumerate(tags))
    assert all("{" not in t and "}" not in t for t in tags)


def test_sessions_written_by_version_0_1_keep_working(client: redis.Redis, prefix: str) -> None:
    clock = FakeClock()
    old = {u: [create_v1(client, prefix, u, f"{u}{i}", clock.ms) for i in range(3)]
           for u in ("ann", "bob")}  # fmt: skip
    store = RedisSessions(
        client, prefix=prefix, clock=clock, policy=SessionPolicy(max_sessions_per_user=3)
    )
    clock.advance(1)
    # reads, listings, by key, rotation, meta
    assert store.get_user_id_from_session(old["ann"][0]) == "ann"
    assert {s.label for s in store.get_sessions_for_user("ann")} == {"ann0", "ann1", "ann2"}
    assert store.get_session_by_key(old["bob"][1].partition(".")[0]) is not None
    rotated = store.rotate_session(old["bob"][1])
    assert rotated is not None and store.get_session(old["bob"][1]) is None
    assert store.set_session_meta(rotated, {"new": True})
    # creating at the cap builds the missing expiry index, then evicts the
    # least recently used (ann1, ann2: ann0 was just read)
    newest = store.create_session(user_id="ann", label="ann3", meta={})
    labels = {s.label for s in store.get_sessions_for_user("ann")}
    assert len(labels) == 3 and {"ann0", "ann3"} <= labels  # ann1 and ann2 were tied
    assert store.get_session(newest) is not None and store.get_session(old["ann"][0]) is not None
    # the admin paths find users 0.1 never registered
    assert len(store.list_sessions()) == 6
    assert store.stats().users == 2
    assert store.destroy_sessions_for_user("bob", keep=rotated) == 2
    # prune brings bob's 0.1 index (never created into since) into this layout
    assert store.prune() == 0
    check_consistency(client, prefix)


def test_six_line_records_gain_the_sign_in_fields_lazily(client: redis.Redis, prefix: str) -> None:
    # a record written before sign-in details (six lines, as 0.1 and the
    # first 0.2 builds wrote it): read as signed in at creation, remembered,
    # no client; the first rotation rewrites it as nine lines
    clock = FakeClock()
    sid = create_v1(client, prefix, "ann", "old laptop", clock.ms)
    record_key = f"{prefix}{{{sid[:16]}}}:s:{sid[16:32]}"
    store = RedisSessions(client, prefix=prefix, clock=clock)
    clock.advance(timedelta(minutes=1))
    session = store.get_session(sid)
    assert session is not None and session.authenticated_at == session.created_at
    assert session.remember is True and session.client is None
    (listed,) = store.get_sessions_for_user("ann")
    assert listed == store.get_session_by_key(sid[:32]) == store.get_session(sid)
    assert store.set_session_meta(sid, {"k": 1})
    value = client.get(record_key)
    assert isinstance(value, bytes) and value.count(b"\n") == 5, "set_meta rewrote the format"
    again = store.reauthenticate(sid)
    assert again is not None
    value = client.get(record_key)
    assert isinstance(value, bytes) and value.count(b"\n") == 9
    session = store.get_session(again)
    assert session is not None and session.meta == {"k": 1} and session.label == "old laptop"
    assert session.authenticated_at - session.created_at == timedelta(minutes=1)
    # the old secret is now a previous one: presented after the grace, a theft
    seen: list[Any] = []
    store.add_hook(seen.append)
    clock.advance(timedelta(minutes=1))
    assert store.get_session(sid) is None and store.get_session(again) is None
    assert [e.kind for e in seen] == ["theft_suspected", "revoked"]
    check_consistency(client, prefix)


def test_admin_paths_on_a_large_database_walk_the_registries(
    redis_server_factory: Any, prefix: str
) -> None:
    # 20,000 unrelated keys (an app cache) beside our sessions: the admin
    # paths leave SCAN for the registries; 0.1 sessions get registered once
    server = redis_server_factory()
    client = redis.Redis.from_url(server.url)
    with client.pipeline(transaction=False) as pipe:
        for i in range(20_000):
            pipe.set(f"cache:{i}", "x")
        pipe.execute()
    clock = FakeClock()
    legacy = create_v1(client, prefix, "legacy", "old", clock.ms)
    store = RedisSessions(
        client, prefix=prefix, clock=clock, policy=SessionPolicy(idle_ttl=timedelta(minutes=5))
    )
    fresh = [store.create_session(user_id=f"u{i}", label="", meta={}) for i in range(50)]
    assert len(store.list_sessions()) == 51
    assert {s.key for s in store.iter_sessions()} == {
        sid.partition(".")[0] for sid in [legacy, *fresh]
    }
    assert client.get(f"{prefix}layout") == b"2", "the migration did not record itself"
    stats = store.stats()
    assert (stats.sessions, stats.users, stats.expired_not_collected) == (51, 51, 0)
    clock.advance(timedelta(minutes=6))
    survivor = store.create_session(user_id="late", label="", meta={})
    # every earlier session idled out, the 0.1 one too (policy applies to all)
    assert store.stats().expired_not_collected == 51
    assert store.prune() == 51
    assert [s.key for s in store.list_sessions()] == [survivor.partition(".")[0]]
    snap = check_consistency(client, prefix)
    # prune unregistered every user it emptied: the walk stays proportional
    assert sum(len(r) for r in snap.registries.values()) <= 2
    client.close()


def test_a_client_that_decodes_responses_works_throughout(redis_server_factory: Any) -> None:
    server = redis_server_factory()
    client = redis.Redis.from_url(server.url, decode_responses=True)
    fill = redis.Redis.from_url(server.url)
    with fill.pipeline(transaction=False) as pipe:  # large: the registry walk
        for i in range(17_000):
            pipe.set(f"cache:{i}", "x")
        pipe.execute()
    store = RedisSessions(client, prefix="dec:")
    ids = [store.create_session(user_id=f"u{i % 3}", label="é", meta={"i": i}) for i in range(6)]
    assert store.get_session_meta(ids[0]) == {"i": 0}
    assert {s.key for s in store.iter_sessions()} == {i.partition(".")[0] for i in ids}
    assert len(store.get_sessions_for_user("u1")) == 2
    assert store.stats().sessions == 6 and store.prune() == 0
    client.close()
    fill.close()
