"""The guided tour behind ``authsessions demo`` (``make demo``)."""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from authsessions import ClientInfo, InMemorySessions, SessionEvent, Sessions, SessionUtils

from ._errors import CliError
from ._output import Output


class _Story:
    """The demo's clock: an hour ago, moved on by the story (so listings
    show an order and times a reader can follow)."""

    def __init__(self) -> None:
        start = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(hours=1)
        self._now = start

    def now(self) -> datetime:
        return self._now

    def later(self, minutes: int) -> None:
        self._now += timedelta(minutes=minutes)


@contextlib.contextmanager
def _store(
    kind: str, out: Output, clock: _Story
) -> Iterator[tuple[Sessions[str, dict[str, Any]], str]]:
    if kind == "sqlite":
        try:
            from authsessions.sql import SqlSessions, sqlite_engine
        except ImportError as err:
            raise CliError(str(err), 2) from None
        engine = sqlite_engine()
        store: SqlSessions[str, dict[str, Any]] = SqlSessions(engine, clock=clock)
        store.create_schema()
        try:
            yield store, "an in-memory SQLite database"
        finally:
            engine.dispose()
        return
    if kind in ("auto", "redis"):
        try:
            from authsessions.redis import RedisServerNotFound, RedisSessions, embedded_redis
        except ImportError as err:
            if kind == "redis":
                raise CliError(str(err), 2) from None
        else:
            try:
                with embedded_redis() as client:
                    yield RedisSessions(client, prefix="demo:", clock=clock), "an embedded Redis"
                return
            except RedisServerNotFound:
                if kind == "redis":
                    raise
                out.note("(no redis-server binary found: using the in-memory store)")
    yield InMemorySessions(clock=clock), "the in-memory store"


def _tally(events: Counter[str]) -> Callable[[SessionEvent[Any]], None]:
    """A hook counting events by kind (and a revocation's reason)."""

    def count(event: SessionEvent[Any]) -> None:
        reason = getattr(event, "reason", None)
        events[event.kind if reason is None else f"{event.kind} ({reason.value})"] += 1

    return count


def run_demo(kind: str, *, out: Output) -> int:
    """Log in on three devices, list, revoke, rotate, log out everywhere,
    catch a stolen session."""
    say = out.line
    clock = _Story()
    with _store(kind, out, clock) as (sessions, where):
        events: Counter[str] = Counter()
        sessions.add_hook(_tally(events))
        say(f"authsessions demo on {where} (the story starts an hour ago)\n")
        say("1. alice logs in on three devices, bob with curl (documentation addresses)")
        laptop = sessions.create_session(
            user_id="alice", label="Firefox on Linux", meta={"theme": "dark"},
            client=ClientInfo(ip="203.0.113.7", location="Berlin, DE"),
        )  # fmt: skip
        clock.later(12)
        phone = sessions.create_session(
            user_id="alice", label="Safari on iPhone", meta={},
            client=ClientInfo(ip="2001:db8:4::1c", location="Lyon, FR"),
        )  # fmt: skip
        clock.later(13)
        tablet = sessions.create_session(
            user_id="alice", label="Chrome on an Android tablet", meta={}, remember=False,
            client=ClientInfo(ip="198.51.100.23"),
        )  # fmt: skip
        clock.later(6)
        bob = sessions.create_session(
            user_id="bob", label="curl", meta={"scopes": ["read"]},
            client=ClientInfo(ip="192.0.2.10"),
        )  # fmt: skip
        clock.later(9)
        header = SessionUtils.get_auth_token_for_session_id(laptop)
        say("   the laptop sends: Authorization: Bearer <key>.<secret> (never printed here)")
        sid = SessionUtils.get_session_id_from_auth_token(header)
        say(f"   the server reads user {sessions.get_user_id_from_session(sid)!r}")
        say(f"   and meta {sessions.get_session_meta(sid)!r}\n")

        say("2. alice's devices page, most recently used first (* = this device)")
        current = laptop.partition(".")[0]
        out.table(sessions.get_sessions_for_user("alice"), current_key=current)
        say("")

        clock.later(5)
        say("3. alice revokes the phone from that page (by its listed Session)")
        phone_key = phone.partition(".")[0]
        listed = next(s for s in sessions.get_sessions_for_user("alice") if s.key == phone_key)
        sessions.destroy_session(listed)
        say(f"   the phone's id now reads as: {sessions.get_user_id_from_session(phone)!r}\n")

        say("4. after a privilege change the laptop's id is rotated (fixation defence)")
        rotated = sessions.rotate_session(laptop)
        say(
            f"   the old id now reads as {sessions.get_user_id_from_session(laptop)!r}, "
            f"the new id is {sessions.get_user_id_from_session(rotated)}'s, "
            f"same key: {rotated is not None and rotated.startswith(current)}\n"
        )

        say("5. 'log out everywhere else', keeping the laptop")
        count = sessions.destroy_sessions_for_user("alice", keep=rotated)
        say(
            f"   destroyed {count}; the tablet reads as "
            f"{sessions.get_user_id_from_session(tablet)!r}\n"
        )

        say("6. bob's token is rotated; someone who copied the old one replays it later")
        rotated_bob = sessions.rotate_session(bob)
        clock.later(2)
        say(f"   the copy reads as {sessions.get_user_id_from_session(bob)!r}: two parties")
        say("   hold the session, so the store revoked it (stolen-session detection);")
        say(f"   bob's own token reads as {sessions.get_user_id_from_session(rotated_bob)!r} "
            "too: bob signs in again\n")  # fmt: skip

        say("7. every live session in the store, the counts, and the events a hook saw")
        out.table(sessions.list_sessions(), current_key=current)
        stats = sessions.stats()
        say(f"   {stats.sessions} live session(s) of {stats.users} user(s)")
        say("   events: " + ", ".join(f"{kind} x{n}" for kind, n in sorted(events.items())))
    return 0
