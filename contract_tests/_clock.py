"""A clock the tests move by hand."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta


class FakeClock:
    """A thread-safe clock that only moves when told to.

    It starts at the current wall time (whole milliseconds) rather than at a
    fixed date: Redis garbage-collects keys by its own clock, so a fake
    clock behind the server's would see live sessions vanish early.

    Args:
        start: the initial time (aware); default: now, rounded down to the ms.
    """

    def __init__(self, start: datetime | None = None) -> None:
        if start is None:
            self._ms = time.time_ns() // 1_000_000
        else:
            if start.tzinfo is None:
                raise ValueError("start must be timezone-aware")
            self._ms = int(start.timestamp() * 1000)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        """The current fake time, an aware UTC datetime at ms resolution."""
        ms = self._ms
        return datetime.fromtimestamp(ms // 1000, UTC).replace(microsecond=(ms % 1000) * 1000)

    @property
    def ms(self) -> int:
        """The current fake time in milliseconds since the epoch."""
        return self._ms

    def advance(self, delta: timedelta | int) -> None:
        """Move forward by a timedelta or a number of milliseconds.

        Raises:
            ValueError: for a negative step (time never goes back here).
        """
        step = delta // timedelta(milliseconds=1) if isinstance(delta, timedelta) else delta
        if step < 0:
            raise ValueError("a FakeClock only moves forward")
        with self._lock:
            self._ms += step

    def __repr__(self) -> str:
        return f"FakeClock({self.now().isoformat()})"
