"""OpenTelemetry for session stores: a span per store call and metrics
(``pip install 'authsessions[otel]'``).

Nothing here runs, and OpenTelemetry is not imported, until you enable it:
``instrument(store)`` for one store, ``instrument_all()`` for every store
on the kit's base created afterwards. Spans and metrics carry the
operation, the store and its outcome, and a session's public key where
the call names one; never a SessionId, a secret, a user id or meta.
"""

from ._instrument import (
    DURATION_BUCKETS,
    METRICS,
    instrument,
    instrument_all,
    is_instrumented,
    uninstrument,
    uninstrument_all,
)

__all__ = [
    "DURATION_BUCKETS",
    "METRICS",
    "instrument",
    "instrument_all",
    "is_instrumented",
    "uninstrument",
    "uninstrument_all",
]
