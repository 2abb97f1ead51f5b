"""The reference store, storage code only on the kit's base, passes the
whole contract, tested exactly as a third party would."""

from __future__ import annotations

from typing import Any

import pytest

from authsessions.reference import AsyncDictSessions, DictSessions
from contract_tests import SessionsContract


class TestAsyncDictSessions(SessionsContract):
    @pytest.fixture
    def sessions_factory(self) -> Any:
        def factory(namespace: str, clock: Any, **options: Any) -> AsyncDictSessions[Any, Any]:
            return AsyncDictSessions(clock=clock, **options)

        return factory


class TestDictSessions(SessionsContract):
    # the sync twin is generated from the asyncio store (`scripts/unasync.py
    # --check` proves it token for token): the full profile runs on the
    # source, the twin runs every example rule and a short state machine
    contract_profile = "dev"

    @pytest.fixture
    def sessions_factory(self) -> Any:
        def factory(namespace: str, clock: Any, **options: Any) -> DictSessions[Any, Any]:
            return DictSessions(clock=clock, **options)

        return factory
