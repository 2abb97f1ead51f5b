from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, date, datetime
from typing import Any, TypedDict

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from authsessions import InMemorySessions, InvalidSessionDataError, make_converter
from contract_tests import metas


@attrs.frozen
class Device:
    name: str
    seen: datetime
    tags: tuple[str, ...] = ()


@attrs.define
class AttrsMeta:
    role: str
    level: int
    devices: list[Device]
    owner: uuid.UUID | None = None


@dataclasses.dataclass
class DataMeta:
    theme: str
    scores: dict[str, float]
    born: date


class TypedMeta(TypedDict):
    csrf: str
    ids: list[int]


KINDS: list[Any] = [AttrsMeta, DataMeta, TypedMeta, dict[str, Any], list[dict[str, int]]]


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: getattr(k, "__name__", repr(k)))
@given(data=st.data())
def test_every_supported_meta_kind_round_trips_exactly(kind: Any, data: st.DataObject) -> None:
    meta = data.draw(metas(kind))
    store: InMemorySessions[str, Any] = InMemorySessions(meta_type=kind)
    sid = store.create_session(user_id="u", label="", meta=meta)
    back = store.get_session_meta(sid)
    assert type(back) is type(meta) and back == meta


@pytest.mark.parametrize(
    ("kind", "user_ids"),
    [(str, st.text(max_size=20)), (int, st.integers(-(2**63), 2**63)), (uuid.UUID, st.uuids())],
)
@given(data=st.data())
def test_user_ids_round_trip_with_their_type(
    kind: Any, user_ids: Any, data: st.DataObject
) -> None:
    user = data.draw(user_ids)
    store: InMemorySessions[Any, Any] = InMemorySessions(user_id_type=kind)
    sid = store.create_session(user_id=user, label="", meta={})
    back = store.get_user_id_from_session(sid)
    assert type(back) is kind and back == user


@pytest.mark.parametrize(
    "bad",
    [
        {"t": (1, 2)},  # a tuple would come back as a list
        {"d": datetime(2020, 1, 1, tzinfo=UTC)},  # untyped datetime comes back as str
        {1: "x"},  # int keys come back as str
        {"n": float("nan")},
        {"n": float("inf")},
        {"s": {1}},
        {"o": object()},
        {"b": b"bytes"},
        [1, 2],
        "text",
    ],
    # stable ids: xdist workers must collect the same names (an object's
    # repr holds its address)
    ids=lambda bad: "object" if isinstance(bad, dict) and "o" in bad else repr(bad),
)
def test_values_that_cannot_round_trip_raise_the_documented_error(bad: Any) -> None:
    store = InMemorySessions()
    with pytest.raises(InvalidSessionDataError) as info:
        store.create_session(user_id="u", label="", meta=bad)
    assert info.value.field == "meta"
    assert info.value.expected_type == "dict[str, Any]"
    assert store.list_sessions() == []


def test_typed_meta_rejects_wrong_field_types_instead_of_coercing() -> None:
    store: InMemorySessions[str, AttrsMeta] = InMemorySessions(meta_type=AttrsMeta)
    with pytest.raises(InvalidSessionDataError) as info:
        store.create_session(user_id="u", label="", meta=AttrsMeta("r", "5", []))  # type: ignore[arg-type]
    assert info.value.expected_type == "AttrsMeta"
    with pytest.raises(InvalidSessionDataError):
        store.create_session(user_id="u", label="", meta=AttrsMeta("r", True, []))


@pytest.mark.parametrize(("kind", "bad"), [(int, "5"), (int, True), (str, 5), (uuid.UUID, "x")])
def test_user_ids_of_the_wrong_type_are_rejected(kind: Any, bad: Any) -> None:
    store: InMemorySessions[Any, Any] = InMemorySessions(user_id_type=kind)
    with pytest.raises(InvalidSessionDataError) as info:
        store.create_session(user_id=bad, label="", meta={})
    assert info.value.field == "user_id"


def test_converters_are_independent() -> None:
    first, second = make_converter(), make_converter()
    first.register_unstructure_hook(Device, lambda d: "custom")
    assert second.unstructure(Device("n", datetime(2020, 1, 1, tzinfo=UTC)))["name"] == "n"


def test_a_custom_converter_is_used() -> None:
    class Point:
        def __init__(self, x: int) -> None:
            self.x = x

        def __eq__(self, other: object) -> bool:
            return isinstance(other, Point) and other.x == self.x

        __hash__ = None  # type: ignore[assignment]

    converter = make_converter()
    converter.register_unstructure_hook(Point, lambda p: {"x": p.x})
    converter.register_structure_hook(Point, lambda v, _: Point(v["x"]))
    store: InMemorySessions[str, Point] = InMemorySessions(meta_type=Point, converter=converter)
    sid = store.create_session(user_id="u", label="", meta=Point(3))
    assert store.get_session_meta(sid) == Point(3)
