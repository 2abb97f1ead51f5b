"""Namespaces (store prefixes) for contract runs.

Every namespace of one test run starts with ``NAMESPACE_ROOT``, so the
plugin can remove exactly what this run wrote from a shared Redis, and
nothing else.
"""

from __future__ import annotations

import itertools
import secrets

RUN_ID = secrets.token_hex(4)
NAMESPACE_ROOT = f"authsessions-contract:{RUN_ID}:"
_counter = itertools.count()


def new_namespace() -> str:
    """A namespace no other example of this run uses."""
    return f"{NAMESPACE_ROOT}{next(_counter)}:"
