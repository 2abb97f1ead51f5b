"""Checking what a Redis store left behind, straight from Redis.

The layout (README, "Redis"): per user tag T, records ``P{T}:s:<member>``,
a last-use index ``P{T}:u`` and an expiry index ``P{T}:x`` with the same
members; per slot a registry ``P{R}:r`` (T -> user json); one marker
``Playout``.
"""

from __future__ import annotations

from typing import Any

import attrs


@attrs.frozen
class Snapshot:
    records: dict[str, bytes]  # record key -> value
    entries: dict[str, dict[bytes, float]]  # last-use index key -> member -> score
    expiries: dict[str, dict[bytes, float]]  # expiry index key -> member -> score
    registries: dict[str, dict[bytes, bytes]]  # registry key -> tag -> user json


def snapshot(client: Any, prefix: str) -> Snapshot:
    records: dict[str, bytes] = {}
    entries: dict[str, dict[bytes, float]] = {}
    expiries: dict[str, dict[bytes, float]] = {}
    registries: dict[str, dict[bytes, bytes]] = {}
    pattern = "".join("\\" + ch if ch in "*?[]\\" else ch for ch in prefix) + "*"
    for raw in set(client.scan_iter(match=pattern, count=1000)):
        key = raw.decode()
        if key.endswith(":u"):
            entries[key] = dict(client.zrange(raw, 0, -1, withscores=True))
        elif key.endswith(":x"):
            expiries[key] = dict(client.zrange(raw, 0, -1, withscores=True))
        elif key.endswith(":r"):
            registries[key] = client.hgetall(raw)
        elif ":s:" in key:
            value = client.get(raw)
            if value is not None:
                records[key] = value
    return Snapshot(records, entries, expiries, registries)


def check_consistency(client: Any, prefix: str) -> Snapshot:
    """Every record is indexed (in both indexes), every index entry has a
    record, no record is half-written, every tag is registered, every key
    but the layout marker has a TTL. Returns the snapshot."""
    snap = snapshot(client, prefix)
    tags = {tag.decode() for registry in snap.registries.values() for tag in registry}
    for key, value in snap.records.items():
        base, _, local = key.rpartition(":s:")
        assert local.encode() in snap.entries.get(f"{base}:u", {}), (
            f"record {key} is missing from its user's last-use index"
        )
        assert local.encode() in snap.expiries.get(f"{base}:x", {}), (
            f"record {key} is missing from its user's expiry index"
        )
        lines = value.split(b"\n")
        assert len(lines) in (6, 10) and len(lines[0]) == 64, f"record {key} is half-written"
        assert client.pttl(key) > 0, f"record {key} has no TTL"
    for index_key, members in [*snap.entries.items(), *snap.expiries.items()]:
        base = index_key[:-1]
        for member in members:
            assert f"{base}s:{member.decode()}" in snap.records, (
                f"index {index_key} lists {member!r}, which has no record"
            )
        assert client.pttl(index_key) > 0, f"index {index_key} has no TTL"
        tag = index_key[len(prefix) + 1 : len(prefix) + 17]
        assert tag in tags, f"the tag of {index_key} is in no registry"
    for index_key, members in snap.entries.items():
        expiry_key = index_key[:-1] + "x"
        assert set(members) == set(snap.expiries.get(expiry_key, {})), (
            f"{index_key} and {expiry_key} hold different members"
        )
    for registry in snap.registries:
        assert client.pttl(registry) > 0, f"registry {registry} has no TTL"
    slot_map = f"{prefix}:slots"
    if client.exists(slot_map):
        assert client.pttl(slot_map) > 0, "the slot map has no TTL"
    return snap
