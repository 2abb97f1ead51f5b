"""What every group of contract rules shares: the implementer's settings,
the store factory fixture, and a fresh store per rule."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any, ClassVar

import pytest
from hypothesis import find, settings
from hypothesis import strategies as st

from authsessions import SessionPolicy
from authsessions.testing import FakeClock

from ._driver import StoreDriver
from ._harness import Harness
from ._namespaces import new_namespace
from ._settings import contract_settings
from ._strategies import labels, metas, user_ids

StoreFactory = Callable[..., Any]

_SAMPLE_USERS: dict[Any, tuple[Any, Any]] = {
    str: ("alice", "bob"),
    int: (1, 2),
    uuid.UUID: (uuid.UUID(int=1), uuid.UUID(int=2)),
}

_MANY_USERS: dict[Any, Callable[[int], Any]] = {
    str: lambda i: f"user{i}",
    int: lambda i: i,
    uuid.UUID: lambda i: uuid.UUID(int=i),
}


class ContractBase:
    """Settings an implementer may override as class attributes:

    Attributes:
        user_id_type, meta_type: the types under test (the contract also
            runs its own typed variants whatever these are).
        policy: an extra policy the state machine runs with.
        user_id_strategy, meta_strategy, label_strategy: replace the
            strategies derived from the types.
        converter: the converter whose round trip is checked for meta_type.
        contract_profile: ``"dev"``, ``"ci"``, ``"exhaustive"`` or a
            Hypothesis ``settings``; else pytest's ``--authsessions-contract-profile``,
            else ``$AUTHSESSIONS_CONTRACT_PROFILE``, else ``"dev"``.
    """

    user_id_type: ClassVar[Any] = str
    meta_type: ClassVar[Any] = dict[str, Any]
    policy: ClassVar[SessionPolicy] = SessionPolicy(
        absolute_ttl=timedelta(hours=1),
        idle_ttl=timedelta(minutes=20),
        touch_interval=timedelta(minutes=1),
        max_sessions_per_user=3,
    )
    user_id_strategy: ClassVar[st.SearchStrategy[Any] | None] = None
    meta_strategy: ClassVar[st.SearchStrategy[Any] | None] = None
    label_strategy: ClassVar[st.SearchStrategy[str] | None] = None
    converter: ClassVar[Any] = None
    contract_profile: ClassVar[str | settings | None] = None
    _cached_metas: ClassVar[tuple[Any, Any] | None] = None

    @pytest.fixture
    def sessions_factory(self) -> StoreFactory:
        """Override in your subclass: return ``factory(namespace, clock,
        **options) -> store``."""
        raise NotImplementedError(
            "define a `sessions_factory` fixture returning factory(namespace, clock, **options)"
        )

    def _settings(self) -> settings:
        return contract_settings(self.contract_profile)

    def _users(self) -> st.SearchStrategy[Any]:
        return self.user_id_strategy or user_ids(self.user_id_type)

    def _metas(self) -> st.SearchStrategy[Any]:
        return self.meta_strategy or metas(self.meta_type, self.converter)

    def _labels(self) -> st.SearchStrategy[str]:
        return self.label_strategy or labels()

    def _sample_users(self) -> tuple[Any, Any]:
        if self.user_id_strategy is None and self.user_id_type in _SAMPLE_USERS:
            return _SAMPLE_USERS[self.user_id_type]
        quiet = settings(database=None)
        first = find(self._users(), lambda _: True, settings=quiet)
        return first, find(self._users(), lambda u: u != first, settings=quiet)

    def _many_users(self, count: int) -> list[Any]:
        """``count`` distinct users of the declared type."""
        if self.user_id_strategy is None and self.user_id_type in _MANY_USERS:
            return [_MANY_USERS[self.user_id_type](i) for i in range(1, count + 1)]
        distinct = st.lists(self._users(), min_size=count, max_size=count, unique=True)
        found: list[Any] = find(distinct, lambda _: True, settings=settings(database=None))
        return found

    def _sample_metas(self) -> tuple[Any, Any]:
        if self.meta_strategy is None and self.meta_type == dict[str, Any]:
            return {"role": "admin", "tags": ["a", "b"]}, {"role": "user", "n": 1}
        cached = type(self).__dict__.get("_cached_metas")
        if cached is None:
            quiet = settings(database=None)
            first = find(self._metas(), lambda _: True, settings=quiet)
            cached = (first, find(self._metas(), lambda m: m != first, settings=quiet))
            type(self)._cached_metas = cached
        return cached

    def _sample(self) -> tuple[Any, Any]:
        """A user and a meta value of the declared types."""
        return self._sample_users()[0], self._sample_metas()[0]

    @contextlib.contextmanager
    def open(
        self,
        factory: StoreFactory,
        *,
        clock: FakeClock | None = None,
        namespace: str | None = None,
        **options: Any,
    ) -> Iterator[Harness]:
        """A store in a fresh namespace; its users' sessions are destroyed
        after the rule. ``options`` override the declared types and the
        default policy."""
        options.setdefault("user_id_type", self.user_id_type)
        options.setdefault("meta_type", self.meta_type)
        options.setdefault("policy", SessionPolicy())
        clock = clock or FakeClock()
        namespace = namespace or new_namespace()
        harness = Harness(StoreDriver(factory, namespace, clock, **options), clock)
        try:
            yield harness
        finally:
            harness.cleanup()
