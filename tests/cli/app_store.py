"""An application's configured store, as `authsessions --store` imports it.

The test passes the Redis URL, prefix and a clock offset through the
environment (the app's clock running ahead stands for time passing, so no
test sleeps)."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

from authsessions import RedisSessions, SessionPolicy


class OffsetClock:
    def __init__(self, offset_ms: int) -> None:
        self.offset = timedelta(milliseconds=offset_ms)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset


POLICY = SessionPolicy(idle_ttl=timedelta(hours=1))


def make_store() -> RedisSessions[int, dict[str, object]]:
    return RedisSessions.from_url(
        os.environ["APP_REDIS_URL"],
        prefix=os.environ["APP_PREFIX"],
        user_id_type=int,
        policy=POLICY,
        clock=OffsetClock(int(os.environ.get("APP_CLOCK_OFFSET_MS", "0"))),
    )
