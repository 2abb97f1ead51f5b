"""Filling a Redis with sessions and other keys, fast: the very create script
the store runs, pipelined (a benchmark's setup, never a measured case)."""

from __future__ import annotations

from typing import Any

from _timing import now_ms

from authsessions import SessionPolicy
from authsessions.kit import dumps, mint_session_id, user_tag
from authsessions.redis._layout import RedisLayout
from authsessions.redis._scripts import CREATE, ScriptArgs

LABEL = "Firefox 133 on Ubuntu 24.04 LTS"  # 30 characters, a typical User-Agent label
META = {"role": "member", "theme": "dark", "locale": "en-GB", "csrf": "x" * 43}  # 100 bytes


def script_args(
    prefix: str, policy: SessionPolicy, grace_ms: int = 300_000, *, cluster: bool = False
) -> ScriptArgs:
    """The arguments the store builds, for the same prefix and policy (a
    cluster keeps no slot map: a script there cannot span slots)."""
    return ScriptArgs(RedisLayout(prefix), policy, grace_ms, slot_map=not cluster)


def fill_sessions(
    client: Any,
    prefix: str,
    users: list[str],
    per_user: int,
    policy: SessionPolicy,
    *,
    label: str = "Firefox on Linux",
    meta: Any = None,
) -> None:
    """``per_user`` sessions for each user, through the create script."""
    from redis.cluster import RedisCluster

    args = script_args(prefix, policy, cluster=isinstance(client, RedisCluster))
    meta_json = dumps({"role": "user", "theme": "dark"} if meta is None else meta)
    calls = []
    client.script_load(CREATE.source)
    for user in users:
        user_json = dumps(user)
        tag = user_tag(user_json)
        for _ in range(per_user):
            keys, argv = args.create(mint_session_id(tag), user_json, label, meta_json, now_ms())
            calls.append((keys, argv))
            if len(calls) == 2000:
                _send(client, calls)
                calls = []
    if calls:
        _send(client, calls)


def _send(client: Any, calls: list[tuple[list[str], list[Any]]]) -> None:
    with client.pipeline(transaction=False) as pipe:
        for keys, argv in calls:
            pipe.execute_command("EVALSHA", CREATE.sha, len(keys), *keys, *argv)
        pipe.execute()


def fill_unrelated(client: Any, count: int, prefix: str = "cache:", first: int = 0) -> None:
    """``count`` unrelated string keys (an application cache beside us),
    numbered from ``first`` (so a second call adds keys, not overwrites)."""
    end = first + count
    for start in range(first, end, 10_000):
        with client.pipeline(transaction=False) as pipe:
            for i in range(start, min(end, start + 10_000)):
                pipe.set(f"{prefix}{i}", "v" * 20)
            pipe.execute()
