"""Fixtures the Redis test modules share: a fresh key prefix per test and a
plain client that removes the test's keys afterwards."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

import pytest
import redis


@pytest.fixture
def prefix() -> str:
    return f"t{secrets.token_hex(4)}:"


@pytest.fixture
def client(redis_server: Any, prefix: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_server.url)
    yield client
    for key in client.scan_iter(match=prefix + "*"):
        client.unlink(key)
    client.close()
