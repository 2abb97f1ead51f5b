"""The guided tour behind ``python -m authsessions demo``."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import Any, TextIO

from ._memory import InMemorySessions
from ._protocols import Sessions
from ._session import Session
from ._table import ago, clip, render
from ._utils import SessionUtils


def _table(sessions: list[Session[str, dict[str, Any]]], current: str | None = None) -> str:
    if not sessions:
        return "(no sessions)"
    now = max(s.last_used_at for s in sessions)
    rows = [
        [
            # the first half of a key is the user's tag: show both ends
            ("* " if s.key == current else "  ") + s.key[:4] + "…" + s.key[-8:],
            s.user_id,
            clip(s.label, 28),
            ago(s.last_used_at, now),
            ago(s.expires_at, now),
            clip(json.dumps(s.meta), 24),
        ]
        for s in sessions
    ]
    return render(["  key", "user", "label", "last used", "expires", "meta"], rows)


@contextlib.contextmanager
def _store(kind: str, out: TextIO) -> Iterator[tuple[Sessions[str, dict[str, Any]], str]]:
    if kind in ("auto", "redis"):
        try:
            from ._embedded import RedisServerNotFound, embedded_redis
            from ._redis_sync import RedisSessions
        except ImportError as err:
            if kind == "redis":
                raise SystemExit(
                    f"authsessions: the redis extra is not installed ({err})"
                ) from None
        else:
            try:
                with embedded_redis() as client:
                    yield RedisSessions(client, prefix="demo:"), "an embedded Redis"
                return
            except RedisServerNotFound:
                if kind == "redis":
                    raise
                print("(no redis-server binary found: using the in-memory store)", file=out)
    yield InMemorySessions(), "the in-memory store"


def run_demo(kind: str, *, out: TextIO) -> int:
    """Log in on three devices, list, revoke, rotate, log out everywhere."""

    def say(text: str = "") -> None:
        print(text, file=out)

    with _store(kind, out) as (sessions, where):
        say(f"authsessions demo on {where}\n")
        say("1. alice logs in on three devices")
        laptop = sessions.create_session(
            user_id="alice", label="Firefox on Linux", meta={"theme": "dark"}
        )
        phone = sessions.create_session(user_id="alice", label="Safari on iPhone", meta={})
        tablet = sessions.create_session(user_id="alice", label="Chrome on Android", meta={})
        sessions.create_session(user_id="bob", label="curl", meta={"scopes": ["read"]})
        header = SessionUtils.get_auth_token_for_session_id(laptop)
        say("   the laptop sends: Authorization: Bearer <key>.<secret> (never printed here)")
        sid = SessionUtils.get_session_id_from_auth_token(header)
        say(f"   the server reads user {sessions.get_user_id_from_session(sid)!r}")
        say(f"   and meta {sessions.get_session_meta(sid)!r}\n")

        say("2. alice's devices page, most recently used first (* = this device)")
        current = laptop.partition(".")[0]
        say(_table(sessions.get_sessions_for_user("alice"), current) + "\n")

        say("3. alice revokes the phone from that page (by its listed Session)")
        phone_key = phone.partition(".")[0]
        listed = next(s for s in sessions.get_sessions_for_user("alice") if s.key == phone_key)
        sessions.destroy_session(listed)
        say(f"   the phone's id now reads as: {sessions.get_user_id_from_session(phone)!r}\n")

        say("4. after a privilege change the laptop's id is rotated (fixation defence)")
        rotated = sessions.rotate_session(laptop)
        say(f"   old id: {sessions.get_user_id_from_session(laptop)!r}, "
            f"new id: {sessions.get_user_id_from_session(rotated)!r}, same key: "
            f"{rotated is not None and rotated.startswith(current)}\n")  # fmt: skip

        say("5. 'log out everywhere else', keeping the laptop")
        count = sessions.destroy_sessions_for_user("alice", keep=rotated)
        say(f"   destroyed {count}; the tablet reads as "
            f"{sessions.get_user_id_from_session(tablet)!r}\n")  # fmt: skip

        say("6. every live session in the store")
        say(_table(sessions.list_sessions(), current))
    return 0
