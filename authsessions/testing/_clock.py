"""A clock the tests move by hand, forward and (like an NTP step) back."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta


def _ms(delta: timedelta | int) -> int:
    return delta // timedelta(milliseconds=1) if isinstance(delta, timedelta) else delta


class FakeClock:
    """A thread-safe clock that only moves when told to.

    It starts at the current wall time (whole milliseconds) rather than at a
    fixed date: Redis garbage-collects keys by its own clock, so a fake
    clock behind the server's would see live sessions vanish early.

    Args:
        start: the initial time (aware); default: now, rounded down to the ms.

    Raises:
        ValueError: for a naive ``start``.
    """

    def __init__(self, start: datetime | None = None) -> None:
        if start is None:
            self._ms = time.time_ns() // 1_000_000
        else:
            if start.tzinfo is None:
                raise ValueError("start must be timezone-aware")
            self._ms = (start - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1)
        self.start_ms = self._ms
        self._lock = threading.Lock()

    def now(self) -> datetime:
        """The current fake time, an aware UTC datetime at ms resolution."""
        return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=self._ms)

    @property
    def ms(self) -> int:
        """The current fake time in milliseconds since the epoch."""
        return self._ms

    @property
    def elapsed_ms(self) -> int:
        """Milliseconds since the clock was made (negative after a step back
        past its start): what failure reports print as ``t=+N ms``."""
        return self._ms - self.start_ms

    def advance(self, delta: timedelta | int) -> None:
        """Move forward by a timedelta or a number of milliseconds.

        Raises:
            ValueError: for a negative step (use ``rewind``).
        """
        step = _ms(delta)
        if step < 0:
            raise ValueError("advance() moves forward; use rewind() to step back")
        with self._lock:
            self._ms += step

    def rewind(self, delta: timedelta | int) -> None:
        """Step back, as a host clock does when NTP corrects it.

        Raises:
            ValueError: for a negative step.
        """
        step = _ms(delta)
        if step < 0:
            raise ValueError("rewind() takes a positive step back")
        with self._lock:
            self._ms -= step

    def __repr__(self) -> str:
        return f"FakeClock({self.now().isoformat()}, t={self.elapsed_ms:+d} ms)"
