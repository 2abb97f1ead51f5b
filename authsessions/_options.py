"""Checking the keyword arguments every store shares."""

from __future__ import annotations

import uuid
from typing import Any, TypedDict

import cattrs

from ._clock import Clock, SystemClock
from ._codec import Codec, type_name
from ._converter import make_converter
from ._errors import ConfigurationError
from ._policy import SessionPolicy

USER_ID_TYPES = (str, int)


class StoreOptions(TypedDict, total=False):
    """The keyword arguments every store takes besides the two types."""

    policy: SessionPolicy | None
    clock: Clock | None
    converter: cattrs.Converter | None


def build_codec(
    *,
    user_id_type: Any,
    meta_type: Any,
    policy: SessionPolicy | None,
    converter: cattrs.Converter | None,
) -> Codec[Any, Any]:
    """Validate the common options and build the codec a store uses.

    Raises:
        ConfigurationError: for an unsupported user_id_type, a policy that is
            not a SessionPolicy, or a converter that is not a cattrs Converter.
    """
    if user_id_type not in (*USER_ID_TYPES, uuid.UUID):
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
    return Codec(user_id_type, meta_type, converter, policy, fast)


def check_clock(clock: Clock | None) -> Clock:
    """The clock to use: the given one, or the system clock.

    Raises:
        ConfigurationError: if ``clock`` has no callable ``now``.
    """
    if clock is None:
        return SystemClock()
    if not callable(getattr(clock, "now", None)):
        raise ConfigurationError("clock", "must have a now() method returning an aware datetime")
    return clock
