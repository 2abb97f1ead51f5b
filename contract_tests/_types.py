"""The typed variants the contract runs every store with, whatever types
its implementer declared: a store must hand back exactly the declared type
on every read path, not a dict or a str that merely looks alike."""

from __future__ import annotations

import uuid
from typing import Any

import attrs


@attrs.frozen
class DeviceMeta:
    """A flat attrs meta class."""

    role: str
    scopes: tuple[str, ...]
    login_count: int


@attrs.frozen
class Address:
    city: str
    postcode: str


@attrs.frozen
class ProfileMeta:
    """A nested attrs meta class (attrs inside attrs, optional field, list)."""

    name: str
    address: Address
    tags: list[str]
    score: int | None


# (name, user_id_type, meta_type, two users, two metas)
VARIANTS: list[tuple[str, Any, Any, tuple[Any, Any], tuple[Any, Any]]] = [
    (
        "int_user_attrs_meta",
        int,
        DeviceMeta,
        (7, 2**53 + 1),
        (DeviceMeta("admin", ("read", "write"), 3), DeviceMeta("user", (), 0)),
    ),
    (
        "uuid_user_nested_attrs_meta",
        uuid.UUID,
        ProfileMeta,
        (uuid.UUID(int=1), uuid.UUID(int=2**127)),
        (
            ProfileMeta("Ann", Address("Oslo", "0150"), ["a", "007"], None),
            ProfileMeta("Bo", Address("Lyon", "69001"), [], 5),
        ),
    ),
    (
        "str_lookalike_user_dict_meta",
        str,
        dict[str, Any],
        ("123", "null"),
        ({"n": "007", "t": "true", "big": 2**63 - 1}, {"": [], "1e3": "1e3"}),
    ),
]
