"""The contract fails on broken stores: each bug is caught by the example test
named after its rule, and by the state machine on its own."""

from __future__ import annotations

import pytest
from broken_stores import BROKEN

# bug -> the example test (by -k expression) that names the rule it breaks;
# None where only the concurrency or state-machine view sees it
CAUGHT_BY = {
    "OldestFirst": "most_recently_used_first",
    "ReadsDoNotTouch": "read_touches_last_used_at",
    "TouchResurrects": "touch_never_resurrects",
    "SharedMeta": "fresh_object",
    "ExpiredStillReturned": "absolute_ttl",
    "RotationKeepsOldId": "old_one_stops_working",
    "KeepIgnored": "keeps_the_callers_session",
    "OtherUsersListed": "excludes_other_users",
    "EvictsNewest": "evicts_the_least_recently_used",
    "IdlePastAbsolute": "never_passes_the_absolute",
    "StoresBadMeta": "does_not_fit_meta_type",
    "AnySecretWorks": "wrong_secret",
    "DestroyNotIdempotent": "destroy_is_idempotent",
}

TEMPLATE = """
import pytest
from hypothesis import Phase, settings
from broken_stores import broken_factory
from contract_tests import PROFILES, SessionsContract

class TestBroken(SessionsContract):
    # a failure is expected: skip shrinking, which would only make it readable
    contract_profile = settings(
        PROFILES["dev"], max_examples=200, phases=[Phase.generate], database=None,
        derandomize=True,
    )

    @pytest.fixture
    def sessions_factory(self):
        return broken_factory({name!r})
"""


def test_every_broken_store_is_listed() -> None:
    assert set(CAUGHT_BY) == set(BROKEN)


@pytest.mark.parametrize("name", sorted(BROKEN))
@pytest.mark.parametrize("view", ["example", "state_machine"])
def test_contract_fails_on_broken_store(
    pytester: pytest.Pytester, name: str, view: str, request: pytest.FixtureRequest
) -> None:
    pytester.syspathinsert(request.path.parent)
    pytester.makepyfile(test_broken=TEMPLATE.format(name=name))
    keyword = CAUGHT_BY[name] if view == "example" else "random_operation_sequences"
    result = pytester.runpytest_inprocess("-q", "-p", "no:cacheprovider", "-k", keyword)
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed", 0) >= 1, f"{name} passed the contract ({view}): {outcomes}"
