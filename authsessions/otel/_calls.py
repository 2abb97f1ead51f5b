"""Calls counted in the process, reported to OpenTelemetry when it collects.

The SDK's synchronous instruments cost 7-20 µs a measurement (attribute
cleaning and hashing, the exemplar filter, a lock): as much as a tenth of a
Redis read. An asynchronous counter costs a call nothing but an increment
here; the SDK asks for the totals when its reader collects. That makes the
call count exact whatever share of durations the histogram records
(``instrument(..., duration_sample=)``)."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator
from typing import Any

CALLS = "authsessions.operation.calls"


class Series:
    """One attribute set's running total (shared by every store whose calls
    carry the same attributes, so the memory is bounded by the attribute
    sets, not the stores)."""

    __slots__ = ("attributes", "count")

    def __init__(self, attributes: dict[str, str]) -> None:
        self.attributes = attributes
        self.count = 0


class Calls:
    """The totals behind one meter provider's ``authsessions.operation.calls``
    (a call adds one to its series' ``count`` under ``lock``)."""

    def __init__(self) -> None:
        # an increment is three bytecodes: without the lock, two threads
        # could both read the old total and one call would be lost
        self.lock = threading.Lock()
        self._series: dict[frozenset[tuple[str, str]], Series] = {}

    def series(self, attributes: dict[str, str]) -> Series:
        key = frozenset(attributes.items())
        with self.lock:
            found = self._series.get(key)
            if found is None:
                found = self._series[key] = Series(dict(attributes))
            return found

    def observe(self, options: Any = None) -> Iterator[Any]:
        """The observable counter's callback: every total so far (the
        counter is cumulative; the SDK computes deltas if asked)."""
        from opentelemetry.metrics import Observation

        with self.lock:
            totals = [(s.count, s.attributes) for s in self._series.values() if s.count]
        for count, attributes in totals:
            yield Observation(count, attributes)


# one set of totals per meter provider: a second observable counter of the
# same name on the same provider is the first one (its callback, not ours)
_BY_PROVIDER: weakref.WeakKeyDictionary[Any, Calls] = weakref.WeakKeyDictionary()
_GLOBAL: list[Calls] = []
_LOCK = threading.Lock()


def calls_for(meter_provider: Any, meter: Any, description: str) -> Calls:
    """The totals for ``meter_provider`` (None: the global provider, which
    may be set after the first store is instrumented: its proxy forwards),
    registering the counter the first time."""
    with _LOCK:
        if meter_provider is None:
            found = _GLOBAL[0] if _GLOBAL else None
        else:
            found = _BY_PROVIDER.get(meter_provider)
        if found is not None:
            return found
        calls = Calls()
        meter.create_observable_counter(
            CALLS, callbacks=[calls.observe], unit="{call}", description=description
        )
        if meter_provider is None:
            _GLOBAL.append(calls)
        else:
            _BY_PROVIDER[meter_provider] = calls
        return calls
