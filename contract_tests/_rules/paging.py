"""Whole-store operations over more sessions than any page: a store that
pages through its backend (as the guide tells it to) must see every
session exactly once, whatever its page size.

2,503 is prime, so every page size a store might pick (10, 64, 100, 128,
500, 1,000, 1,024, ...) leaves a partial last page and crosses at least
one full-page boundary: a loop that drops the item arriving at a full
page, the last partial page, or repeats the boundary item fails here."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

from authsessions import SessionPolicy

from .._base import ContractBase, StoreFactory

TOTAL = 2_503
BIG_USER = 1_001  # one user's sessions, across pages too
OTHER_USERS = 12


def _once(found: list[Any], expected: set[str], what: str) -> None:
    counts = Counter(s.key for s in found)
    repeated = [k for k, n in counts.items() if n > 1]
    missing = expected - set(counts)
    extra = set(counts) - expected
    assert not repeated and not missing and not extra, (
        f"{what} over {len(expected):,} sessions: {len(repeated)} listed more than once, "
        f"{len(missing)} missing, {len(extra)} not created by this rule (a paging loop "
        "that drops or repeats the item at a page boundary?)"
    )


class PagingRules(ContractBase):
    def test_whole_store_operations_see_every_session_once_across_pages(
        self, sessions_factory: StoreFactory
    ) -> None:
        users = self._many_users(OTHER_USERS + 1)
        big, others = users[0], users[1:]
        meta = self._sample_metas()[0]
        policy = SessionPolicy(absolute_ttl=timedelta(hours=1), max_sessions_per_user=None)
        with self.open(sessions_factory, policy=policy) as store:
            ids = [store.create(big, meta) for _ in range(BIG_USER)]
            ids += [store.create(others[i % OTHER_USERS], meta)
                    for i in range(TOTAL - BIG_USER)]  # fmt: skip
            every = {i.key for i in ids}
            assert len(every) == TOTAL, "create_session returned a key twice"
            big_keys = {i.key for i in ids[:BIG_USER]}
            _once(store.list_all(), every, "list_sessions")
            _once(store.iter_all(), every, "iter_sessions")
            _once(store.for_user(big), big_keys, "get_sessions_for_user")
            stats = store.stats()
            assert (stats.sessions, stats.users) == (TOTAL, len(users)), (
                f"stats over {TOTAL:,} sessions of {len(users)} users: {stats}"
            )
            removed = store.destroy_for_user(big)
            assert removed == BIG_USER, f"destroy_sessions_for_user counted {removed}"
            store.clock.advance(timedelta(hours=1))
            left = TOTAL - BIG_USER
            pruned = store.prune()
            assert pruned == left, f"prune after all {left:,} expired returned {pruned}"
            assert store.list_all() == [] and store.stats().sessions == 0
