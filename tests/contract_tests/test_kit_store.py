"""A store written from outside, on the public kit alone, passes the whole
contract (sync and asyncio): the kit is enough to build a store."""

from __future__ import annotations

from typing import Any

import pytest

from contract_tests import SessionsContract

from .kit_store import factory


class TestKitStore(SessionsContract):
    @pytest.fixture
    def sessions_factory(self) -> Any:
        return factory()


class TestAsyncKitStore(SessionsContract):
    # the same store behind awaitable methods: it proves the driver, not
    # the store, so the short profile suffices
    contract_profile = "dev"

    @pytest.fixture
    def sessions_factory(self) -> Any:
        return factory(asyncio=True)
