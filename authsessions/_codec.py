"""Validation and (de)serialisation shared by every store.

Stores keep user ids and meta as canonical JSON text, so the in-memory
store accepts and rejects exactly what the Redis store does, and every read
builds a fresh object.
"""

from __future__ import annotations

import json
from typing import Any, Generic, TypeVar

import attrs
import cattrs

from ._clock import from_ms
from ._errors import InvalidSessionDataError, LimitExceededError, StoredDataError
from ._policy import SessionPolicy
from ._session import Session

U = TypeVar("U")
M = TypeVar("M")

MAX_USER_ID_BYTES = 256
"""User ids are index names; a bound keeps keys and listings small."""


def type_name(tp: object) -> str:
    """A readable name for a type, for error messages."""
    if isinstance(tp, type) and not getattr(tp, "__args__", None):
        return tp.__qualname__
    return repr(tp).replace("typing.", "")


def dumps(value: object) -> str:
    """Canonical JSON: compact, ASCII-only (so no raw newline or lone
    surrogate ever reaches a store), no NaN or infinity."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=True, allow_nan=False)


@attrs.frozen
class Codec(Generic[U, M]):
    """Turns user ids, labels and meta into stored text and back."""

    user_id_type: Any
    meta_type: Any
    converter: cattrs.Converter
    policy: SessionPolicy
    # True when the converter is our own: then plain JSON types skip cattrs
    # on reads (what json.loads returns is already fresh and exact)
    fast: bool = False
    # per type: the plain JSON type json.loads already returns exactly, or None
    _plain: dict[str, type | None] = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        def plain(tp: Any) -> type | None:
            if not self.fast:
                return None
            if tp is str or tp is int:
                return tp
            return dict if tp == dict[str, Any] else None

        object.__setattr__(
            self, "_plain", {"user_id": plain(self.user_id_type), "meta": plain(self.meta_type)}
        )

    def _encode(self, field: str, value: object, tp: Any) -> str:
        expected = type_name(tp)
        try:
            text = dumps(self.converter.unstructure(value, unstructure_as=tp))
            back = self.converter.structure(json.loads(text), tp)
        except Exception as err:  # whatever the converter raises: it cannot be stored
            raise InvalidSessionDataError(
                field, f"cannot be stored as JSON ({type(err).__name__})", expected_type=expected
            ) from None
        # the stored form must give back an equal value of the same type, or
        # reads would return something other than what was stored
        if type(back) is not type(value) or back != value:
            raise InvalidSessionDataError(
                field, "does not survive a JSON round trip unchanged", expected_type=expected
            )
        return text

    def encode_user_id(self, user_id: U) -> str:
        """Canonical JSON of a user id.

        Raises:
            InvalidSessionDataError: wrong type, or not exactly storable.
            LimitExceededError: over MAX_USER_ID_BYTES once encoded.
        """
        if isinstance(user_id, bool) or not isinstance(user_id, self.user_id_type):
            raise InvalidSessionDataError(
                "user_id", "has the wrong type", expected_type=type_name(self.user_id_type)
            )
        text = self._encode("user_id", user_id, self.user_id_type)
        if len(text) > MAX_USER_ID_BYTES:
            raise LimitExceededError(
                "user_id", limit=MAX_USER_ID_BYTES, actual=len(text), unit="bytes"
            )
        return text

    def encode_meta(self, meta: M) -> str:
        """Canonical JSON of meta.

        Raises:
            InvalidSessionDataError: not of meta_type, or not exactly storable.
            LimitExceededError: over the policy's max_meta_bytes.
        """
        text = self._encode("meta", meta, self.meta_type)
        if len(text) > self.policy.max_meta_bytes:
            raise LimitExceededError(
                "meta", limit=self.policy.max_meta_bytes, actual=len(text), unit="bytes"
            )
        return text

    def check_label(self, label: object) -> str:
        """Return the label if it is a str within the policy's length.

        Raises:
            InvalidSessionDataError: not a str.
            LimitExceededError: too long.
        """
        if not isinstance(label, str):
            raise InvalidSessionDataError("label", "must be a str", expected_type="str")
        if len(label) > self.policy.max_label_length:
            raise LimitExceededError(
                "label", limit=self.policy.max_label_length, actual=len(label), unit="characters"
            )
        return label

    def _structure(self, key: str, field: str, value: Any, tp: Any) -> Any:
        plain = self._plain[field]
        if plain is not None:
            if type(value) is plain:
                return value
            raise StoredDataError(key, field, type_name(tp))
        try:
            return self.converter.structure(value, tp)
        except Exception as err:  # whatever the converter raises: it does not fit
            raise StoredDataError(key, field, type_name(tp)) from err

    def _decode(self, key: str, field: str, text: str | bytes, tp: Any) -> Any:
        try:
            value = json.loads(text)
        except ValueError as err:
            raise StoredDataError(key, field, type_name(tp)) from err
        return self._structure(key, field, value, tp)

    def decode_user_id(self, key: str, text: str | bytes) -> U:
        """The user id of a stored session.

        Raises:
            StoredDataError: the stored value no longer fits user_id_type.
        """
        value: U = self._decode(key, "user_id", text, self.user_id_type)
        return value

    def decode_meta(self, key: str, text: str) -> M:
        """A fresh meta object of a stored session.

        Raises:
            StoredDataError: the stored value no longer fits meta_type.
        """
        value: M = self._decode(key, "meta", text, self.meta_type)
        return value

    def session(
        self,
        *,
        key: str,
        user_json: str,
        label: str | None,
        meta_json: str,
        created_ms: int,
        last_used_ms: int,
        expires_ms: int,
        label_json: str | None = None,
    ) -> Session[U, M]:
        """Build the public record from stored parts; the label comes as a
        str, or as JSON text in ``label_json`` (decoded together with the
        rest in one ``json.loads``).

        Raises:
            StoredDataError: the stored user id, label or meta no longer fits.
        """
        try:
            if label_json is None:
                user, meta = json.loads(f"[{user_json},{meta_json}]")
            else:
                user, label, meta = json.loads(f"[{user_json},{label_json},{meta_json}]")
        except ValueError as err:
            raise StoredDataError(key, "record", "an authsessions record") from err
        return self.build(key, user, label, meta, created_ms, last_used_ms, expires_ms)

    def build(
        self,
        key: str,
        user: Any,
        label: Any,
        meta: Any,
        created_ms: int,
        last_used_ms: int,
        expires_ms: int,
    ) -> Session[U, M]:
        """A Session from JSON-decoded parts.

        Raises:
            StoredDataError: a part no longer fits its declared type.
        """
        if type(label) is not str:
            raise StoredDataError(key, "label", "str")
        return Session(
            key=key,
            user_id=self._structure(key, "user_id", user, self.user_id_type),
            label=label,
            meta=self._structure(key, "meta", meta, self.meta_type),
            created_at=from_ms(created_ms),
            last_used_at=from_ms(last_used_ms),
            expires_at=from_ms(expires_ms),
        )


def expires_ms(absolute_ms: int, last_used_ms: int, idle_ttl_ms: int) -> int:
    """When a session expires: its absolute expiry, or sooner if idle."""
    if idle_ttl_ms:
        return min(absolute_ms, last_used_ms + idle_ttl_ms)
    return absolute_ms
