"""Checking what a Redis store left behind, straight from Redis."""

from __future__ import annotations

from typing import Any

import attrs


@attrs.frozen
class Snapshot:
    records: dict[str, bytes]  # record key -> value
    entries: dict[str, dict[bytes, float]]  # index key -> member -> score


def snapshot(client: Any, prefix: str) -> Snapshot:
    records: dict[str, bytes] = {}
    entries: dict[str, dict[bytes, float]] = {}
    for raw in set(client.scan_iter(match=prefix + "*", count=1000)):
        key = raw.decode()
        if key.endswith(":u"):
            entries[key] = dict(client.zrange(raw, 0, -1, withscores=True))
        else:
            value = client.get(raw)
            if value is not None:
                records[key] = value
    return Snapshot(records, entries)


def check_consistency(client: Any, prefix: str) -> Snapshot:
    """Every record is indexed, every index entry has a record, no record is
    half-written, every key has a TTL. Returns the snapshot."""
    snap = snapshot(client, prefix)
    for key, value in snap.records.items():
        base, _, local = key.rpartition(":s:")
        index = snap.entries.get(f"{base}:u", {})
        assert local.encode() in index, f"record {key} is missing from its user's index"
        lines = value.split(b"\n")
        assert len(lines) == 6 and len(lines[0]) == 64, f"record {key} is half-written"
        assert client.pttl(key) > 0, f"record {key} has no TTL"
    for index_key, members in snap.entries.items():
        base = index_key[:-1]
        for member in members:
            assert f"{base}s:{member.decode()}" in snap.records, (
                f"index {index_key} lists {member!r}, which has no record"
            )
        assert client.pttl(index_key) > 0, f"index {index_key} has no TTL"
    return snap
