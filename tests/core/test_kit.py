"""The kit's helpers in the forms docs/writing-a-store.md promises."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from authsessions import SessionPolicy
from authsessions.kit import StoreConfig, mint_session_id, parse_session_id, secret_matches


def test_secret_matches_takes_the_hash_as_bytes_or_as_hex_text() -> None:
    minted = mint_session_id("0" * 16)
    parsed = parse_session_id(minted.session_id())
    other = parse_session_id(mint_session_id("0" * 16).session_id())
    assert parsed is not None and other is not None
    stored = minted.secret_hash()
    assert secret_matches(stored, parsed) and secret_matches(stored.hex(), parsed)
    assert not secret_matches(stored, other) and not secret_matches(stored.hex(), other)
    assert not secret_matches("not hex", parsed) and not secret_matches("", parsed)


def test_codec_session_takes_the_stored_absolute_expiry_like_codec_sessions() -> None:
    policy = SessionPolicy(absolute_ttl=timedelta(hours=1), idle_ttl=timedelta(minutes=5))
    codec = StoreConfig.build(policy=policy).codec
    parts: dict[str, Any] = {"key": "a" * 32, "user_json": '"u"', "label": "l", "meta_json": "{}",
             "created_ms": 0, "last_used_ms": 1_000}  # fmt: skip
    one = codec.session(**parts, absolute_ms=3_600_000)
    (bulk,) = codec.sessions([["a" * 32, 3_600_000, 0, 1_000, "u", "l", {}]])
    assert one == bulk
    assert one.expires_at == codec.session(**parts, expires_ms=301_000).expires_at
    with pytest.raises(TypeError):
        codec.session(**parts)
    with pytest.raises(TypeError):
        codec.session(**parts, expires_ms=1, absolute_ms=1)
