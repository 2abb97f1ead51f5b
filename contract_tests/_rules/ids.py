"""Ids and secrets: the SessionId format, and every id that is not a live
session's reads as None."""

from __future__ import annotations

import re
from typing import Any

import pytest

from authsessions.kit import StoreConfig, user_tag

from .._base import ContractBase, StoreFactory

SESSION_ID = re.compile(r"[0-9a-f]{32}\.[A-Za-z0-9_-]{43}")

JUNK = {
    "none": None,
    "empty": "",
    "no-dot": "not-a-session-id",
    "unknown-key": "a" * 32 + "." + "b" * 43,
    "zero-key": "0" * 32 + "." + "A" * 43,
    "100kB": "x" * 100_000,
    "nul-bytes": "\x00" * 76,
    "non-ascii": "é" * 76,
    "upper-case-key": "A" * 32 + "." + "A" * 43,
    "with-bearer": "Bearer " + "0" * 32 + "." + "A" * 43,
}


class IdRules(ContractBase):
    def test_session_ids_have_the_documented_format(self, sessions_factory: StoreFactory) -> None:
        user, meta = self._sample()
        with self.open(sessions_factory) as store:
            ids = [store.create(user, meta) for _ in range(5)]
            for session_id in ids:
                assert SESSION_ID.fullmatch(session_id), (
                    "a SessionId is 32 lowercase hex digits, a dot and 43 base64url "
                    f"characters; got {len(session_id)} characters"
                )
            assert len({i.key for i in ids}) == 5, "two sessions got the same key"
            codec = StoreConfig.build(user_id_type=self.user_id_type).codec
            tag = user_tag(codec.encode_user_id(user))
            assert all(i.key[:16] == tag for i in ids), (
                "a key's first 16 hex digits must be kit.user_tag(user_json) of its user "
                "(kit.mint_session_id(tag) makes such ids)"
            )
            for session_id in ids:
                session = store.get_session(session_id)
                assert session is not None and session.key == session_id.key, (
                    "Session.key must be the part of the SessionId before the dot"
                )

    @pytest.mark.parametrize("junk", list(JUNK.values()), ids=list(JUNK))
    def test_unknown_malformed_and_oversized_ids_read_as_none(
        self, sessions_factory: StoreFactory, junk: Any
    ) -> None:
        user, meta = self._sample()
        with self.open(sessions_factory) as store:
            store.create(user, meta)
            assert store.get_user_id(junk) is None
            assert store.get_meta(junk) is None
            assert store.get_session(junk) is None
            if junk is not None:
                assert store.set_meta(junk, meta) is False
                assert store.rotate(junk) is None
                assert store.destroy(junk) is False
                assert store.get_by_key(junk) is None
            assert len(store.keys(user)) == 1

    def test_a_wrong_secret_for_a_valid_key_reads_as_none(
        self, sessions_factory: StoreFactory
    ) -> None:
        user, meta = self._sample()
        with self.open(sessions_factory) as store:
            session_id = store.create(user, meta)
            key, _, secret = session_id.partition(".")
            forged = f"{key}.{'A' if secret[0] != 'A' else 'B'}{secret[1:]}"
            assert store.get_session(forged) is None
            assert store.set_meta(forged, meta) is False
            assert store.rotate(forged) is None
            assert store.destroy(forged) is False
            assert store.get_session(session_id) is not None
