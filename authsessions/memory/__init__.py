"""The in-memory stores: for tests, notebooks and single-process apps.

``InMemorySessions`` (sync, thread-safe) and ``AsyncInMemorySessions``
(asyncio, task- and thread-safe). They round-trip user ids and meta through
the same converter as every other store, so they accept and reject exactly
the same values and never share mutable objects.
"""

from ._async import AsyncInMemorySessions
from ._sync import InMemorySessions

__all__ = ["AsyncInMemorySessions", "InMemorySessions"]
