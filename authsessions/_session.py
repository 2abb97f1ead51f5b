"""The public records: one session, a listing of sessions, and store stats."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, Generic, TypeVar

import attrs

from ._client import ClientInfo, IPAddress

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
        authenticated_at: the last sign-in: its creation, or its last
            ``reauthenticate``.
        remember: False for a browser-session login (``create_session(
            remember=False)``: a cookie without ``Max-Age``).
        client: the client it signed in from, as the policy's
            ``client_details`` kept it; None if none was given.
        last_used_ip: the address of the last recorded use (a read given
            ``ip=``, recorded with a touch), as the policy kept it; None
            if no read gave one.
    """

    key: str
    user_id: UserId
    label: str
    meta: Meta
    created_at: datetime
    last_used_at: datetime
    expires_at: datetime
    authenticated_at: datetime
    remember: bool = True
    client: ClientInfo | None = None
    last_used_ip: IPAddress | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: ids as text, meta unstructured, times in ISO
        8601. What ``authsessions ls --json`` prints per session."""
        from ._render import session_dict

        return session_dict(self)

    def _repr_html_(self) -> str:
        from ._render import session_html

        return session_html(self)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        from ._render import session_text

        printer.text(session_text(self))


# the slots' setters, in field order: Codec.sessions builds a listing's
# Sessions through them (half the cost of the attrs __init__; the result is
# an ordinary Session, equal to one built normally)
SETTERS = tuple(
    Session.__dict__[name].__set__
    for name in (
        "key",
        "user_id",
        "label",
        "meta",
        "created_at",
        "last_used_at",
        "expires_at",
        "authenticated_at",
        "remember",
        "client",
        "last_used_ip",
    )
)


class SessionList(list[Session[UserId, Meta]], Generic[UserId, Meta]):
    """A listing: a plain ``list`` of Sessions, most recently used first,
    that renders as a table in Jupyter and IPython and converts to text,
    dicts or a pandas DataFrame."""

    def __init__(self, sessions: Iterable[Session[UserId, Meta]] = ()) -> None:
        super().__init__(sessions)

    def to_text(self, *, current_key: str | None = None, max_rows: int | None = None) -> str:
        """A plain-text table (control characters escaped, wide characters
        measured, full keys and user ids).

        Args:
            current_key: mark the session with this key as "this device".
            max_rows: show at most this many rows, then "... and N more".
        """
        from ._render import text_table

        return text_table(self, current_key=current_key, max_rows=max_rows)

    def rows(self, *, current_key: str | None = None) -> tuple[list[str], list[list[str]]]:
        """The table ``to_text`` lays out, as headers and rows of
        display-safe strings, for a renderer of your own (a terminal
        library, a web page)."""
        from ._render import table_rows

        return table_rows(self, current_key=current_key)

    def to_dicts(self) -> list[dict[str, Any]]:
        """One ``Session.to_dict`` per session."""
        return [session.to_dict() for session in self]

    def to_dataframe(self, *, flatten_meta: bool = True) -> Any:
        """A pandas DataFrame, one row per session, in listing order.

        Columns: ``key`` and ``label`` (``string``), ``user_id`` (the typed
        ids, ``object``), ``created_at``, ``last_used_at``, ``expires_at``,
        ``authenticated_at`` (``datetime64[..., UTC]``), ``remember``
        (``boolean``), the client's ``ip``, ``user_agent`` and ``location``
        (``string``, missing when not kept), then the meta: with ``flatten_meta``
        (default) and dict-shaped meta (attrs classes and dataclasses
        unstructure to dicts), one ``meta.<field>`` column per field, nested
        fields as ``meta.<a>.<b>``; otherwise one ``meta`` column of plain
        values.

        Raises:
            ImportError: pandas is not installed
                (``pip install 'authsessions[pandas]'``).
        """
        from ._frames import to_dataframe

        return to_dataframe(self, flatten_meta=flatten_meta)

    def _repr_html_(self) -> str:
        from ._render import MAX_ROWS, html_table

        return html_table(self, max_rows=MAX_ROWS)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        from ._render import MAX_ROWS

        printer.text("SessionList(...)" if cycle else self.to_text(max_rows=MAX_ROWS))


@attrs.frozen(kw_only=True)
class SessionStats:
    """Counts over a whole store, from ``store.stats()``.

    Attributes:
        sessions: live sessions.
        users: users with at least one live session.
        expired_not_collected: expired sessions still stored (``prune``
            would remove them, or the backend's own expiry will).
        sessions_per_node: live sessions per cluster node (``host:port``),
            for a Redis Cluster store; None elsewhere.
        by_label: with ``stats(breakdown=True)``, live sessions per label,
            most common first; None otherwise.
        sessions_per_user: with ``stats(breakdown=True)``, a histogram: how
            many users have 1, 2, ... live sessions (``{1: 930, 2: 61}``);
            None otherwise.

    With ``breakdown=True``, ``sessions`` and ``users`` are counted in the
    same walk as the breakdown, so they agree with it even while users log
    in and out; ``expired_not_collected`` and ``sessions_per_node`` come
    from the store's own count, a moment earlier.
    """

    sessions: int
    users: int
    expired_not_collected: int
    sessions_per_node: dict[str, int] | None = None
    by_label: dict[str, int] | None = None
    sessions_per_user: dict[int, int] | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of the counts."""
        return attrs.asdict(self)
