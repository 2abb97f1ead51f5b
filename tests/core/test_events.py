"""Events and hooks on the store base: delivery, failures, asyncio hooks."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import pytest

from authsessions import (
    AsyncInMemorySessions,
    ClientInfo,
    InMemorySessions,
    RevokeReason,
    SessionCreated,
    SessionRevoked,
)


def test_events_are_json_ready_and_hold_no_secret() -> None:
    store = InMemorySessions()
    seen: list[Any] = []
    store.add_hook(seen.append)
    sid = store.create_session(
        user_id="ann", label="l", meta={}, client=ClientInfo(ip="192.0.2.1"), remember=False
    )
    store.destroy_session(sid)
    created, revoked = (event.to_dict() for event in seen)
    assert created["kind"] == "created" and created["client"]["ip"] == "192.0.2.1"
    assert created["remember"] is False and created["user_id"] == "ann"
    assert revoked == {**revoked, "kind": "revoked", "reason": "logout"}
    text = json.dumps([created, revoked]) + repr(seen)
    assert sid.partition(".")[2] not in text


def test_no_hook_no_event_built() -> None:
    # the hot path pays nothing for events nobody listens to
    store = InMemorySessions()
    built: list[Any] = []
    original = SessionCreated.__init__

    def spy(self: Any, **kwargs: Any) -> None:
        built.append(kwargs)
        original(self, **kwargs)

    SessionCreated.__init__ = spy  # type: ignore[method-assign]
    try:
        store.create_session(user_id="u", label="", meta={})
    finally:
        SessionCreated.__init__ = original  # type: ignore[method-assign]
    assert built == []


def test_an_asyncio_store_awaits_coroutine_hooks_and_logs_failures(
    caplog: pytest.LogCaptureFixture,
) -> None:
    store = AsyncInMemorySessions()
    seen: list[Any] = []

    async def audit(event: Any) -> None:
        await asyncio.sleep(0)
        seen.append(event)

    async def broken(event: Any) -> None:
        raise OSError("smtp down")

    store.add_hook(broken)
    store.add_hook(audit)
    store.add_hook(seen.append)

    async def journey() -> None:
        sid = await store.create_session(user_id="u", label="", meta={})
        assert await store.destroy_sessions_for_user("u") == 1
        assert await store.get_session(sid) is None

    with caplog.at_level(logging.WARNING, logger="authsessions.store"):
        asyncio.run(journey())
    assert [type(e) for e in seen] == [SessionCreated] * 2 + [SessionRevoked] * 2
    assert seen[-1].reason is RevokeReason.EVERYWHERE
    failures = [r for r in caplog.records if "the change stands" in r.getMessage()]
    assert len(failures) == 2 and all(r.exc_info for r in failures)
