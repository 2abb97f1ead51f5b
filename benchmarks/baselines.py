"""Baselines measured beside authsessions in the same run (benchmarks only)."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from typing import Any


class TsPortStore:
    """A straight port of the original TypeScript RedisSessions algorithm:
    the raw id is the key, a read is HGET then HSET (two round trips), and a
    user's sessions are found by reading every session in the store."""

    def __init__(self, client: Any, prefix: str = "tsport:") -> None:
        self.client = client
        self.prefix = prefix

    def create_session(self, user_id: str, label: str, meta: dict[str, Any]) -> str:
        session_id = secrets.token_urlsafe(32)
        now = str(int(time.time() * 1000))
        self.client.hset(
            self.prefix + session_id,
            mapping={"userId": user_id, "label": label, "meta": json.dumps(meta),
                     "createdAt": now, "lastUsedAt": now},
        )  # fmt: skip
        return session_id

    def get_user_id_from_session(self, session_id: str) -> str | None:
        user = self.client.hget(self.prefix + session_id, "userId")
        if user is None:
            return None
        self.client.hset(self.prefix + session_id, "lastUsedAt", str(int(time.time() * 1000)))
        return user.decode()

    def get_sessions_for_user(self, user_id: str) -> list[dict[bytes, bytes]]:
        found = []
        keys = list(self.client.scan_iter(match=self.prefix + "*", count=1000))
        for start in range(0, len(keys), 1000):
            with self.client.pipeline(transaction=False) as pipe:
                for key in keys[start : start + 1000]:
                    pipe.hgetall(key)
                for record in pipe.execute():
                    if record.get(b"userId") == user_id.encode():
                        found.append(record)
        found.sort(key=lambda r: int(r[b"lastUsedAt"]), reverse=True)
        return found


class MinimalDictStore:
    """The least an in-memory store can do with the same security work:
    split, SHA-256, constant-time compare, expiry check, touch."""

    def __init__(self) -> None:
        self.records: dict[str, list[Any]] = {}

    def create(self, user_id: str) -> str:
        key, secret = secrets.token_hex(16), secrets.token_urlsafe(32)
        now = time.time()
        self.records[key] = [hashlib.sha256(secret.encode()).digest(), user_id, now + 86400, now]
        return f"{key}.{secret}"

    def validate(self, session_id: str) -> str | None:
        key, _, secret = session_id.partition(".")
        record = self.records.get(key)
        if record is None or not hmac.compare_digest(
            record[0], hashlib.sha256(secret.encode()).digest()
        ):
            return None
        now = time.time()
        if now >= record[2]:
            return None
        record[3] = now
        return str(record[1])


class V1Creates:
    """authsessions 0.1's create script (tests/redis/data/v1_create.lua): a
    create at the per-user cap read every entry and every record of the
    user. Measured beside this version's create at the cap."""

    def __init__(self, client: Any, prefix: str, cap: int) -> None:
        from pathlib import Path

        script = Path(__file__).parent.parent / "tests" / "redis" / "data" / "v1_create.lua"
        self.client, self.prefix, self.cap = client, prefix, cap
        self.sha = client.script_load(script.read_text())

    def create(self, user_json: str, tag: str) -> None:
        from authsessions.kit import mint_session_id

        parsed = mint_session_id(tag)
        now = int(time.time() * 1000)
        absolute = now + 30 * 86_400_000
        value = "\n".join(
            [parsed.secret_hash_hex(), str(absolute), str(now), user_json, '"l"', "{}"]
        )
        base = f"{self.prefix}{{{tag}}}:"
        self.client.evalsha(
            self.sha, 2, f"{base}s:{parsed.local}", f"{base}u",
            now, value, parsed.local, absolute, 0, self.cap, 300_000, user_json,
        )  # fmt: skip
