"""The cattrs converter that turns user ids and meta into JSON-ready values."""

from __future__ import annotations

import uuid
from typing import Any

import cattrs
from cattrs.preconf.json import make_converter as _make_json_converter


def _strict(kind: type, *, accept: tuple[type, ...] = ()) -> Any:
    accepted = (kind, *accept)

    def structure(value: object, _: type) -> object:
        # cattrs' default hooks coerce ("5" -> 5, 1 -> True); a session store
        # must hand back exactly what it was given, so coercion is an error
        if type(value) not in accepted:
            raise TypeError(f"expected {kind.__name__}, got {type(value).__name__}")
        return float(value) if kind is float else value  # type: ignore[arg-type]

    return structure


def make_converter() -> cattrs.Converter:
    """Build the converter authsessions uses for user ids and meta.

    It is cattrs' JSON-preconfigured converter (datetimes as ISO 8601,
    attrs classes, dataclasses, TypedDicts, nested containers) with two
    changes: primitives are structured strictly (no ``"5" -> 5`` coercion),
    and UUIDs round-trip as strings. Build your own from this one to add
    hooks for your types, and pass it as ``converter=`` to any store.

    Returns:
        A new converter; changing it affects no other.
    """
    converter = _make_json_converter()
    converter.register_structure_hook(int, _strict(int))
    converter.register_structure_hook(str, _strict(str))
    converter.register_structure_hook(bool, _strict(bool))
    converter.register_structure_hook(float, _strict(float, accept=(int,)))
    converter.register_unstructure_hook(uuid.UUID, str)
    converter.register_structure_hook(uuid.UUID, lambda value, _: uuid.UUID(value))
    return converter
