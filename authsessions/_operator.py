"""Operator views of a Redis store, for the command line: by public key,
without touching, and counts."""

from __future__ import annotations

from typing import Any

from . import _scripts
from ._clock import now_ms
from ._codec import expires_ms
from ._ids import TAG_LENGTH, is_session_key, user_tag
from ._redis_core import text
from ._redis_sync import RedisSessions
from ._session import Session


def find_session(store: RedisSessions[Any, Any], key: str) -> Session[Any, Any] | None:
    """The live session with public key ``key``, without touching it (one
    round trip: the listing script on the key's index)."""
    if not is_session_key(key):
        return None
    layout = store._layout
    tag = key[:TAG_LENGTH]
    args = [now_ms(store._clock), layout.idle, ""]
    reply = store._run("show", _scripts.LIST_USER, [layout.index_key(tag)], args)
    return next((s for s in layout.listing(tag, reply) if s.key == key), None)


def revoke_user(store: RedisSessions[Any, Any], user_id: Any, keep_key: str | None) -> int:
    """Destroy every session of a user except the one with ``keep_key``
    (by key: an operator holds no secret). One atomic round trip."""
    layout = store._layout
    user_json = layout.codec.encode_user_id(user_id)
    tag = user_tag(user_json)
    keep_member, keep_hash = "", ""
    if keep_key is not None and is_session_key(keep_key) and keep_key[:TAG_LENGTH] == tag:
        keep_member, keep_hash = keep_key[TAG_LENGTH:], "*"
    args = [now_ms(store._clock), layout.idle, user_json, keep_member, keep_hash]
    return int(store._run("revoke", _scripts.DESTROY_USER, [layout.index_key(tag)], args))


def stats(store: RedisSessions[Any, Any]) -> dict[str, Any]:
    """Counts over the whole prefix: live sessions, users, records expired
    but not yet collected, and (on a cluster) keys per primary."""
    layout = store._layout
    now = now_ms(store._clock)
    indexes = [k for batch in store._scan("stats", layout.index_pattern()) for k in batch]
    records = [k for batch in store._scan("stats", layout.record_pattern()) for k in batch]
    expired = live = 0
    for start in range(0, len(records), 500):
        batch = records[start : start + 500]
        with store.client.pipeline(transaction=False) as pipe:
            for record_key in batch:
                index_key, member = layout.index_of_record(record_key)
                pipe.get(record_key)
                pipe.zscore(index_key, member)
            replies = pipe.execute()
        for i in range(0, len(replies), 2):
            value, score = replies[i], replies[i + 1]
            if value is None:
                continue
            absolute = int(text(value).split("\n", 2)[1])
            if score is None or now >= expires_ms(absolute, int(score), layout.idle):
                expired += 1
            else:
                live += 1
    out: dict[str, Any] = {
        "prefix": layout.prefix,
        "sessions": live,
        "users": len(indexes),
        "expired_not_collected": expired,
    }
    if store._is_cluster:
        from redis.crc import key_slot

        per_node: dict[str, int] = {}
        slots: set[int] = set()
        for key in [*indexes, *records]:
            slot = key_slot(key.encode())
            slots.add(slot)
            node = store.client.nodes_manager.get_node_from_slot(slot)
            per_node[node.name] = per_node.get(node.name, 0) + 1
        out["keys_per_node"] = dict(sorted(per_node.items()))
        out["slots_used"] = len(slots)
    return out
