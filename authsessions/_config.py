"""The keyword arguments every store shares, checked once."""

from __future__ import annotations

import uuid
from typing import Any, Generic, TypedDict, TypeVar

import attrs
import cattrs

from ._clock import Clock, SystemClock, now_ms
from ._codec import Codec, type_name
from ._converter import make_converter
from ._errors import ConfigurationError
from ._policy import SessionPolicy

U = TypeVar("U")
M = TypeVar("M")

USER_ID_TYPES = (str, int, uuid.UUID)


class StoreOptions(TypedDict, total=False):
    """The keyword arguments every store takes besides the two types (for
    typing a store constructor's ``**options``)."""

    policy: SessionPolicy | None
    clock: Clock | None
    converter: cattrs.Converter | None


@attrs.frozen
class StoreConfig(Generic[U, M]):
    """A store's validated common options: its codec (types, converter,
    policy) and its clock.

    Build it with ``build`` from the keyword arguments a store's
    constructor received.
    """

    codec: Codec[U, M]
    clock: Clock

    @classmethod
    def build(
        cls,
        *,
        user_id_type: Any = str,
        meta_type: Any = dict[str, Any],
        policy: SessionPolicy | None = None,
        clock: Clock | None = None,
        converter: cattrs.Converter | None = None,
    ) -> StoreConfig[Any, Any]:
        """Check the common options.

        Raises:
            ConfigurationError: for a user_id_type other than str, int or
                uuid.UUID; a policy that is not a SessionPolicy; a converter
                that is not a cattrs Converter; a clock without ``now()``.
        """
        if user_id_type not in USER_ID_TYPES:
            raise ConfigurationError(
                "user_id_type", f"must be str, int or uuid.UUID, not {type_name(user_id_type)}"
            )
        if policy is None:
            policy = SessionPolicy()
        elif not isinstance(policy, SessionPolicy):
            raise ConfigurationError("policy", "must be a SessionPolicy")
        fast = converter is None
        if converter is None:
            converter = make_converter()
        elif not isinstance(converter, cattrs.Converter):
            raise ConfigurationError("converter", "must be a cattrs.Converter")
        if clock is None:
            clock = SystemClock()
        elif not callable(getattr(clock, "now", None)):
            raise ConfigurationError(
                "clock", "must have a now() method returning an aware datetime"
            )
        return StoreConfig(Codec(user_id_type, meta_type, converter, policy, fast), clock)

    @property
    def policy(self) -> SessionPolicy:
        """The store's policy."""
        return self.codec.policy

    def now_ms(self) -> int:
        """The clock's current time in milliseconds since the epoch."""
        return now_ms(self.clock)

    def describe(self, name: str, **extra: Any) -> str:
        """A store's repr: its class, types and ``extra``, without I/O."""
        parts = [
            f"user_id_type={type_name(self.codec.user_id_type)}",
            f"meta_type={type_name(self.codec.meta_type)}",
            *(f"{k}={v}" for k, v in extra.items()),
        ]
        return f"{name}({', '.join(parts)})"
