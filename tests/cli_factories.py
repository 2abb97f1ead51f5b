"""Store factories for `authsessions check` in the CLI tests."""

from __future__ import annotations

from typing import Any

from broken_stores import broken_factory

from authsessions import InMemorySessions


def memory(namespace: str, clock: Any, **options: Any) -> InMemorySessions[Any, Any]:
    return InMemorySessions(clock=clock, **options)


keep_ignored = broken_factory("KeepIgnored")
not_callable = 42
