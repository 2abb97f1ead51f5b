"""Hypothesis strategies for the values a store must round-trip."""

from __future__ import annotations

import json
import uuid
from typing import Any, get_args, get_origin

from hypothesis import strategies as st

from authsessions import ClientInfo, make_converter

# strings that read as another JSON type, or as nothing: a store that parses
# or coerces instead of round-tripping gives back the wrong type
LOOKALIKES = ["123", "007", "1e3", "-0", "1.0", "true", "false", "null", "", " ", "[]", "{}"]
# integers JSON numbers in other languages (or a double) cannot hold exactly
BIG_INTS = [2**53 + 1, -(2**53) - 1, 2**63 - 1, -(2**63), 10**20]

# JSON numbers, strings and containers; floats are finite because JSON has no
# NaN or infinity (and NaN != NaN would make "equal after a round trip"
# meaningless)
json_scalars: st.SearchStrategy[Any] = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.sampled_from(BIG_INTS)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
    | st.sampled_from(LOOKALIKES)
)


def _json_containers(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    # a named function, not a lambda: older Hypothesis (6.100, our lowest) re-parses a
    # lambda's source file each time it describes the strategy (10x slower runs)
    return st.lists(children, max_size=4) | st.dictionaries(
        st.text(max_size=8) | st.sampled_from(LOOKALIKES), children, max_size=4
    )


json_values: st.SearchStrategy[Any] = st.recursive(json_scalars, _json_containers, max_leaves=12)


def user_ids(user_id_type: Any) -> st.SearchStrategy[Any]:
    """User ids of ``str``, ``int`` or ``uuid.UUID``.

    Strings include the characters that break naive key schemes (braces, a
    Redis hash tag; colons, dots, spaces, non-ASCII) and strings that look
    like numbers, booleans or null; integers include those beyond 2**53.
    """
    if user_id_type is str:
        return st.sampled_from(LOOKALIKES) | st.text(
            alphabet=st.sampled_from("ab{}:.* \\\"'é€😀") | st.characters(),
            min_size=0,
            max_size=16,
        )
    if user_id_type is int:
        return st.sampled_from(BIG_INTS) | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    if user_id_type is uuid.UUID:
        return st.uuids()
    raise TypeError(f"no strategy for user ids of {user_id_type!r}; override user_id_strategy")


def labels(max_length: int = 40) -> st.SearchStrategy[str]:
    """Labels: any text, including control characters, lone surrogates and
    number-like strings."""
    return st.sampled_from(LOOKALIKES) | st.text(max_size=max_length)


def metas(meta_type: Any, converter: Any = None, max_bytes: int = 4096) -> st.SearchStrategy[Any]:
    """Meta values of ``meta_type``: JSON-like dicts for ``dict[str, Any]``,
    else what Hypothesis derives from the type (attrs classes, dataclasses,
    TypedDicts, ...), keeping only values the converter round-trips through
    JSON (a derived float field may hold NaN or infinity, which JSON lacks)
    in at most ``max_bytes`` (the default policy allows 8192).
    """
    if meta_type is dict or (get_origin(meta_type) is dict and get_args(meta_type)[1] is Any):
        keys = st.text(max_size=8) | st.sampled_from(LOOKALIKES)
        return st.dictionaries(keys, json_values, max_size=5)
    conv = converter or make_converter()

    def round_trips(value: Any) -> bool:
        try:
            text = json.dumps(conv.unstructure(value, unstructure_as=meta_type), allow_nan=False)
            fits = len(text.encode()) <= max_bytes // 2  # ASCII escaping may double it
            return fits and bool(conv.structure(json.loads(text), meta_type) == value)
        except Exception:
            return False

    return st.from_type(meta_type).filter(round_trips)


def clients() -> st.SearchStrategy[Any]:
    """None, or a ClientInfo with any of its fields: IPv4 and IPv6
    addresses, user agents and locations of any text."""
    return st.none() | st.builds(
        ClientInfo,
        ip=st.none() | st.ip_addresses(),
        user_agent=st.none() | st.text(max_size=60),
        location=st.none() | st.text(max_size=30),
    )
