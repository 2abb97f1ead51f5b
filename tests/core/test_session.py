"""The Session record: the codec's bulk path builds the same record."""

from __future__ import annotations

import attrs
import pytest

from authsessions import Session
from authsessions.kit import StoreConfig


def test_sessions_built_in_bulk_equal_sessions_built_one_by_one() -> None:
    codec = StoreConfig.build().codec
    row = ["0123456789abcdef", 9_000, 1_000, 2_000, "ann", "laptop", {"k": [1]}]
    (bulk,) = codec.sessions([row], key_prefix="fedcba9876543210")
    single = codec.build("fedcba98765432100123456789abcdef", "ann", "laptop", {"k": [1]},
                         1_000, 2_000, 9_000)  # fmt: skip
    assert type(bulk) is Session and bulk == single and hash(bulk.key) == hash(single.key)
    assert attrs.asdict(bulk) == attrs.asdict(single)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        bulk.label = "changed"  # type: ignore[misc]
    assert attrs.evolve(bulk, label="x").label == "x"
