"""Comparisons shared by the rules and the state machine, with messages
that say what differed (never a secret: SessionIds print as their key)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from authsessions import Session

from ._model import Model, ModelSession

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def to_ms(moment: datetime) -> int:
    """Milliseconds since the epoch of an aware UTC datetime."""
    assert isinstance(moment, datetime), f"timestamps must be datetimes, got {type(moment)}"
    assert moment.utcoffset() == timedelta(0), f"timestamps must be aware UTC, got {moment!r}"
    return (moment - _EPOCH) // timedelta(milliseconds=1)


def same_typed(found: Any, expected: Any) -> bool:
    """Equal and of exactly the same type (``"123"`` is not ``123``)."""
    return type(found) is type(expected) and found == expected


def check_session(model: Model, found: Any, expected: ModelSession, what: str) -> None:
    """Assert a store's Session equals the model's."""
    assert isinstance(found, Session), f"{what}: returned {type(found).__name__}, not a Session"
    assert found.key == expected.key, f"{what}: key {found.key} != {expected.key}"
    assert same_typed(found.user_id, expected.user), (
        f"{what}: user_id {found.user_id!r} ({type(found.user_id).__name__}) "
        f"!= {expected.user!r} ({type(expected.user).__name__})"
    )
    assert found.label == expected.label, f"{what}: label {found.label!r} != {expected.label!r}"
    assert same_typed(found.meta, expected.meta), (
        f"{what}: meta {found.meta!r} ({type(found.meta).__name__}) "
        f"!= {expected.meta!r} ({type(expected.meta).__name__})"
    )
    assert to_ms(found.created_at) == expected.created, f"{what}: created_at differs"
    assert to_ms(found.last_used_at) == expected.last_used, (
        f"{what}: last_used_at {to_ms(found.last_used_at)} != {expected.last_used}"
    )
    assert to_ms(found.expires_at) == model.expiry(expected), (
        f"{what}: expires_at {to_ms(found.expires_at)} != {model.expiry(expected)}"
    )
    assert to_ms(found.authenticated_at) == expected.authenticated, (
        f"{what}: authenticated_at {to_ms(found.authenticated_at)} != {expected.authenticated}"
    )
    assert found.remember is expected.remember, (
        f"{what}: remember {found.remember!r} != {expected.remember!r}"
    )
    assert found.client == expected.client, (
        f"{what}: client {found.client!r} != {expected.client!r}"
    )
    assert found.last_used_ip == expected.last_ip, (
        f"{what}: last_used_ip {found.last_used_ip!r} != {expected.last_ip!r}"
    )


def check_listing(
    model: Model, listing: Any, expected: list[ModelSession], what: str, *, ordered: bool = True
) -> None:
    """Assert a listing holds exactly the expected sessions (newest first
    when ``ordered``); sessions tied on last use may come in any order."""
    assert isinstance(listing, list), f"{what}: a listing must be a list, got {type(listing)}"
    found_keys = [s.key for s in listing]
    assert len(found_keys) == len(set(found_keys)), f"{what}: a session is listed twice"
    want = {s.key: s for s in expected}
    missing = sorted(set(want) - set(found_keys))
    extra = sorted(set(found_keys) - set(want))
    assert not missing and not extra, (
        f"{what}: missing live sessions {missing}, listed dead or unknown ones {extra}"
    )
    if ordered:
        stamps = [to_ms(s.last_used_at) for s in listing]
        assert stamps == sorted(stamps, reverse=True), f"{what}: not most recently used first"
    for session in listing:
        check_session(model, session, want[session.key], what)
