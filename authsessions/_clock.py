"""Clocks: every validity decision is made with an injected clock."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Protocol, runtime_checkable

import attrs


@runtime_checkable
class Clock(Protocol):
    """Anything with a ``now()`` returning an aware datetime."""

    def now(self) -> datetime:
        """Return the current time as an aware datetime."""
        ...


@attrs.frozen
class SystemClock:
    """The wall clock, in UTC."""

    def now(self) -> datetime:
        """Return ``datetime.now(UTC)``."""
        return datetime.now(UTC)


def to_ms(moment: datetime) -> int:
    """Milliseconds since the epoch of an aware datetime."""
    if moment.tzinfo is None:
        raise ValueError("the clock returned a naive datetime; clocks must be timezone-aware")
    # integer arithmetic on timedelta avoids float rounding at the millisecond
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000


def from_ms(ms: int) -> datetime:
    """The aware UTC datetime of a millisecond timestamp (exact: integer
    arithmetic, no float)."""
    return _EPOCH + _MS * ms


def now_ms(clock: Clock) -> int:
    """The clock's current time in milliseconds since the epoch."""
    if type(clock) is SystemClock:
        # the hot path: no datetime round trip for the wall clock
        return time.time_ns() // 1_000_000
    return to_ms(clock.now())


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)
