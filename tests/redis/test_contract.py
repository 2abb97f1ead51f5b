"""Both Redis stores pass the contract on a real redis-server, tested
exactly as a third party would."""

from __future__ import annotations

from typing import Any

import pytest

from authsessions import AsyncRedisSessions, RedisSessions
from contract_tests import SessionsContract

pytestmark = pytest.mark.redis


class TestRedisSessions(SessionsContract):
    # the sync twin is generated from the asyncio store (`scripts/unasync.py
    # --check` proves it token for token): the full profile runs on the
    # source, the twin runs every example rule and a short state machine
    contract_profile = "dev"

    @pytest.fixture
    def sessions_factory(self, redis_server: Any) -> Any:
        def factory(namespace: str, clock: Any, **options: Any) -> Any:
            return RedisSessions.from_url(
                redis_server.url, prefix=namespace, clock=clock, **options
            )

        return factory


class TestAsyncRedisSessions(SessionsContract):
    @pytest.fixture
    def sessions_factory(self, redis_server: Any) -> Any:
        def factory(namespace: str, clock: Any, **options: Any) -> Any:
            return AsyncRedisSessions.from_url(
                redis_server.url, prefix=namespace, clock=clock, **options
            )

        return factory
