"""The public session record."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Generic, TypeVar

import attrs

UserId = TypeVar("UserId")
Meta = TypeVar("Meta")


@attrs.frozen(kw_only=True)
class Session(Generic[UserId, Meta]):
    """One live session, as listings and ``get_session`` return it.

    It never holds the secret: a Session can be logged, rendered in a
    "your devices" page or handed to ``destroy_session`` to revoke it.

    Attributes:
        key: the public, stable half of the SessionId.
        user_id: the owner, of the store's ``user_id_type``.
        label: free text, usually a device description.
        meta: application data, of the store's ``meta_type`` (a fresh object).
        created_at: aware UTC datetime, millisecond resolution.
        last_used_at: time of the last recorded use.
        expires_at: when the session stops working unless touched again
            (idle expiry), never later than its absolute expiry.
    """

    key: str
    user_id: UserId
    label: str
    meta: Meta
    created_at: datetime
    last_used_at: datetime
    expires_at: datetime

    def _repr_html_(self) -> str:
        from ._repr import session_html

        return session_html(self)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        from ._repr import listing_text

        printer.text(listing_text([self]))
