"""The in-memory stores pass the contract, tested exactly as a third party would."""

from __future__ import annotations

from typing import Any

import pytest

from authsessions import AsyncInMemorySessions, InMemorySessions
from contract_tests import SessionsContract


class TestInMemorySessions(SessionsContract):
    # the sync twin is generated from the asyncio store (`scripts/unasync.py
    # --check` proves it token for token): the full profile runs on the
    # source, the twin runs every example rule and a short state machine
    contract_profile = "dev"

    @pytest.fixture
    def sessions_factory(self) -> Any:
        def factory(namespace: str, clock: Any, **options: Any) -> InMemorySessions[Any, Any]:
            return InMemorySessions(clock=clock, **options)

        return factory


class TestAsyncInMemorySessions(SessionsContract):
    @pytest.fixture
    def sessions_factory(self) -> Any:
        def factory(namespace: str, clock: Any, **options: Any) -> AsyncInMemorySessions[Any, Any]:
            return AsyncInMemorySessions(clock=clock, **options)

        return factory
