"""Hypothesis strategies for the values a store must round-trip."""

from __future__ import annotations

import json
import uuid
from typing import Any, get_args, get_origin

from hypothesis import strategies as st

from authsessions import make_converter

# JSON numbers, strings and containers; floats are finite because JSON has no
# NaN or infinity (and NaN != NaN would make "equal after a round trip"
# meaningless)
json_scalars: st.SearchStrategy[Any] = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)

json_values: st.SearchStrategy[Any] = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


def user_ids(user_id_type: Any) -> st.SearchStrategy[Any]:
    """User ids of ``str``, ``int`` or ``uuid.UUID``.

    Strings include the characters that break naive key schemes: braces (a
    Redis hash tag), colons, dots, spaces and non-ASCII text.
    """
    if user_id_type is str:
        return st.text(
            alphabet=st.sampled_from("ab{}:.* \\\"'é€😀") | st.characters(),
            min_size=0,
            max_size=16,
        )
    if user_id_type is int:
        return st.integers(min_value=-(2**63), max_value=2**63 - 1)
    if user_id_type is uuid.UUID:
        return st.uuids()
    raise TypeError(f"no strategy for user ids of {user_id_type!r}; override user_id_strategy")


def labels(max_length: int = 40) -> st.SearchStrategy[str]:
    """Labels: any text, including control characters and lone surrogates."""
    return st.text(max_size=max_length)


def metas(meta_type: Any, converter: Any = None, max_bytes: int = 4096) -> st.SearchStrategy[Any]:
    """Meta values of ``meta_type``: JSON-like dicts for ``dict[str, Any]``,
    else what Hypothesis derives from the type (attrs classes, dataclasses,
    TypedDicts, ...), keeping only values the converter round-trips through
    JSON (a derived float field may hold NaN or infinity, which JSON lacks)
    in at most ``max_bytes`` (the default policy allows 8192).
    """
    if meta_type is dict or (get_origin(meta_type) is dict and get_args(meta_type)[1] is Any):
        return st.dictionaries(st.text(max_size=8), json_values, max_size=5)
    conv = converter or make_converter()

    def round_trips(value: Any) -> bool:
        try:
            text = json.dumps(conv.unstructure(value, unstructure_as=meta_type), allow_nan=False)
            fits = len(text.encode()) <= max_bytes // 2  # ASCII escaping may double it
            return fits and bool(conv.structure(json.loads(text), meta_type) == value)
        except Exception:
            return False

    return st.from_type(meta_type).filter(round_trips)
