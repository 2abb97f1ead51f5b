"""Store factories for `authsessions check` in the CLI tests."""

from __future__ import annotations

import time
from typing import Any

from authsessions import InMemorySessions
from tests.contract_tests.kit_store import factory


def memory(namespace: str, clock: Any, **options: Any) -> InMemorySessions[Any, Any]:
    return InMemorySessions(clock=clock, **options)


def slow(namespace: str, clock: Any, **options: Any) -> InMemorySessions[Any, Any]:
    """A correct store that takes a while to build: time to press Ctrl-C."""
    time.sleep(0.2)
    return InMemorySessions(clock=clock, **options)


_built = 0


def interrupted_after_ten(namespace: str, clock: Any, **options: Any) -> Any:
    """As if Ctrl-C were pressed while the eleventh store was being built."""
    global _built
    _built += 1
    if _built > 10:
        raise KeyboardInterrupt
    return InMemorySessions(clock=clock, **options)


keep_ignored = factory("KeepIgnored")
not_callable = 42
