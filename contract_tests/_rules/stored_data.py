"""Stored data that no longer fits: reads raise StoredDataError
naming the session key and the type, never silently return something else."""

from __future__ import annotations

import pytest

from authsessions import StoredDataError
from authsessions.testing import FakeClock

from .._base import ContractBase, StoreFactory
from .._namespaces import new_namespace


class StoredDataRules(ContractBase):
    def test_stored_data_that_no_longer_fits_raises_naming_the_key_and_type(
        self, sessions_factory: StoreFactory
    ) -> None:
        user, meta = self._sample()
        clock = FakeClock()
        namespace = new_namespace()
        with self.open(sessions_factory, clock=clock, namespace=namespace) as store:
            session_id = store.create(user, meta)
            with self.open(sessions_factory, clock=clock, namespace=namespace) as same:
                if same.get_session(session_id) is None:
                    pytest.skip("this store keeps no data across instances")
            with self.open(
                sessions_factory, clock=clock, namespace=namespace, meta_type=list[int]
            ) as changed:
                with pytest.raises(StoredDataError) as info:
                    changed.get_meta(session_id)
                assert info.value.session_key == session_id.key
                assert info.value.field == "meta"
                assert "list[int]" in info.value.expected_type
                assert session_id.partition(".")[2] not in str(info.value)
