"""Restarts: Redis with an append-only file, killed with SIGKILL right after
acknowledged writes, then restarted: every acknowledged create, destroy and
rotate is there."""

from __future__ import annotations

from typing import Any

import pytest
import redis

from authsessions import RedisSessions

from .consistency import check_consistency

pytestmark = [pytest.mark.redis, pytest.mark.slow]


@pytest.mark.parametrize("fsync", ["always", "everysec"])
def test_acknowledged_writes_survive_a_sigkill(redis_server_factory: Any, fsync: str) -> None:
    server = redis_server_factory(extra_args=["--appendonly", "yes", "--appendfsync", fsync])
    client = redis.Redis.from_url(server.url)
    store = RedisSessions(client, prefix="aof:")
    users = [f"u{i % 7}" for i in range(60)]
    created = [
        store.create_session(user_id=u, label="", meta={"i": i}) for i, u in enumerate(users)
    ]
    for sid in created[:15]:
        assert store.destroy_session(sid)
    current = dict(zip(created, users, strict=True))
    for old in created[:15]:
        del current[old]
    for old in created[15:30]:
        new = store.rotate_session(old)
        assert new is not None
        current[new] = current.pop(old)
    revoked = store.destroy_sessions_for_user("u6")
    assert revoked == sum(1 for u in current.values() if u == "u6")
    expected_live = {sid: u for sid, u in current.items() if u != "u6"}

    server.stop(kill=True)  # no shutdown, no final fsync: a crash
    server.start()

    for sid in created:
        if sid not in expected_live:
            assert store.get_session(sid) is None, "a destroyed or rotated-away id came back"
    for sid, user in expected_live.items():
        assert store.get_user_id_from_session(sid) == user, "an acknowledged write was lost"
    assert len(store.list_sessions()) == len(expected_live)
    check_consistency(client, "aof:")
    client.close()
