"""A reference store: a complete store on ``authsessions.kit``'s store base
in storage code only (two dicts), to read and copy when writing your own.
It passes the whole contract (``tests/reference``). For a real in-memory
store use ``authsessions.InMemorySessions``, which evicts in O(log k)."""

from ._async import AsyncDictSessions
from ._sync import DictSessions

__all__ = ["AsyncDictSessions", "DictSessions"]
