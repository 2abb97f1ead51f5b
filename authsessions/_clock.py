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
    delta = moment - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000


def from_ms(ms: int) -> datetime:
    """The aware UTC datetime of a millisecond timestamp (exact: integer
    arithmetic, no float).

    Recent results are kept (datetimes are immutable, so sharing one is
    safe): a devices page listed again builds the same timestamps, and a
    dict lookup costs a tenth of the arithmetic.
    """
    found = _RECENT.get(ms)
    if found is None:
        if len(_RECENT) >= _RECENT_SIZE:
            _RECENT.clear()  # a bound, not an LRU: refilling is cheap
        found = _RECENT[ms] = EPOCH + MILLISECOND * ms
    return found


def now_ms(clock: Clock) -> int:
    """The clock's current time in milliseconds since the epoch."""
    if type(clock) is SystemClock:
        # the hot path: no datetime round trip for the wall clock
        return time.time_ns() // 1_000_000
    return to_ms(clock.now())


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MILLISECOND = timedelta(milliseconds=1)
_RECENT: dict[int, datetime] = {}
_RECENT_SIZE = 1 << 16
