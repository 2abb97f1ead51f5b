"""A store written for an earlier release is told what changed: a missing
method or a result of the wrong kind fails with the method's name, the
release that specified it and the upgrade guide, not an AttributeError
from inside the suite; and an asyncio store is recognised by what its
methods return, however they are declared."""

from __future__ import annotations

import pytest

from contract_tests import SPECIFIES, StoreInterfaceError

TEMPLATE = """
import functools
import pytest
from hypothesis import Phase, settings
from authsessions.kit import SessionList
from contract_tests import PROFILES, SessionsContract
from tests.contract_tests.kit_store import AsyncKitStore, KitStore

{store}

class TestOld(SessionsContract):
    contract_profile = settings(PROFILES["dev"], max_examples=5, phases=[Phase.generate],
                                database=None)

    @pytest.fixture
    def sessions_factory(self):
        return lambda namespace, clock, **options: Store(clock=clock, **options)
"""

WITHOUT_BY_KEY = """
class Store(KitStore):
    def __getattribute__(self, name):
        if name == "get_session_by_key":  # a store written for 0.1
            raise AttributeError(name)
        return super().__getattribute__(name)
"""

PLAIN_LIST = """
class Store(KitStore):
    def get_sessions_for_user(self, user_id):
        return list(super().get_sessions_for_user(user_id))
"""

COROUTINE_FROM_SYNC = """
class Store(KitStore):
    async def stats(self, *, breakdown=False):
        return KitStore.stats(self, breakdown=breakdown)
"""

# every method a plain function returning an awaitable, as a decorator
# that forgets functools.wraps would leave it
DECORATED_ASYNC = """
def returns_awaitable(method):
    def wrapper(*args, **kwargs):
        return method(*args, **kwargs)
    return wrapper

class Store(AsyncKitStore):
    def __getattr__(self, name):
        method = super().__getattr__(name)
        return method if name == "iter_sessions" else returns_awaitable(method)
"""


WITHOUT_LIFETIME = """
class Store(KitStore):
    def create_session(self, *, user_id, label, meta):  # written for 0.1
        return super().create_session(user_id=user_id, label=label, meta=meta)
"""


def _run(pytester: pytest.Pytester, store: str, *args: str) -> pytest.RunResult:
    pytester.makepyfile(test_old=TEMPLATE.format(store=store))
    return pytester.runpytest_inprocess("-q", "-p", "no:cacheprovider", "-x", *args)


def test_a_store_missing_a_method_is_told_which_and_since_when(
    pytester: pytest.Pytester,
) -> None:
    result = _run(pytester, WITHOUT_BY_KEY, "-k", "expires_at_its_absolute_ttl")
    result.assert_outcomes(failed=1)
    output = result.stdout.str()
    assert "StoreInterfaceError" in output
    assert "Store has no `get_session_by_key` (since 0.2)" in output
    assert "Upgrading your store" in output
    assert "AttributeError" not in output


def test_a_create_session_without_the_lifetime_keyword_is_told_what_to_add(
    pytester: pytest.Pytester,
) -> None:
    result = _run(pytester, WITHOUT_LIFETIME, "-k", "expires_at_its_absolute_ttl")
    result.assert_outcomes(failed=1)
    output = result.stdout.str()
    assert "Store.create_session takes no `absolute_ttl` keyword" in output
    assert "specified since 0.2" in output and "Upgrading your store" in output


def test_a_plain_list_where_a_session_list_is_specified_fails(
    pytester: pytest.Pytester,
) -> None:
    result = _run(pytester, PLAIN_LIST, "-k", "most_recently_used_first")
    result.assert_outcomes(failed=1)
    assert "get_sessions_for_user returned list where the contract wants SessionList" in (
        result.stdout.str()
    )


def test_a_coroutine_from_a_sync_store_fails_naming_the_method(
    pytester: pytest.Pytester,
) -> None:
    result = _run(pytester, COROUTINE_FROM_SYNC, "-k", "stats_count")
    result.assert_outcomes(failed=1)
    output = result.stdout.str()
    assert "stats of a sync store returned coroutine" in output
    assert "was never awaited" not in output


def test_an_asyncio_store_of_plain_functions_returning_awaitables_runs_as_asyncio(
    pytester: pytest.Pytester,
) -> None:
    result = _run(pytester, DECORATED_ASYNC, "-k", "not random_operation_sequences")
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed", 0) == 0, result.stdout.str()
    assert outcomes["passed"] >= 50


def test_the_error_carries_the_method_and_release() -> None:
    error = StoreInterfaceError("stats", "Store has no `stats`")
    assert (error.method, error.since) == ("stats", "0.2")
    assert SPECIFIES in str(error)
    assert isinstance(error, TypeError)


def test_namespaces_hold_only_the_characters_the_guide_promises() -> None:
    import re

    from contract_tests._namespaces import new_namespace

    for _ in range(3):
        namespace = new_namespace()
        assert re.fullmatch(r"[A-Za-z0-9:-]{1,64}", namespace), namespace
        assert re.fullmatch(r"[A-Za-z0-9:-]{1,64}", f"{namespace}123:"), "state machine's"
