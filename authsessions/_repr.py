"""Notebook and terminal renderings of sessions and listings.

Every user-derived value goes through ``html.escape(quote=True)``; no
external CSS or JS; listings are capped with "... and N more". A Session
never holds a secret, so nothing here can leak one.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime
from typing import Any

from ._table import ago, clip, render

MAX_ROWS = 20
_COLUMNS = ("key", "user", "label", "created", "last used", "expires", "meta")


def _meta_summary(meta: Any) -> str:
    return clip(repr(meta), 40)


def cells(session: Any, now: datetime) -> list[str]:
    """The table cells of one session, as plain text."""
    return [
        session.key,
        clip(repr(session.user_id), 24),
        clip(session.label, 32),
        session.created_at.strftime("%Y-%m-%d %H:%M:%S"),
        ago(session.last_used_at, now),
        ago(session.expires_at, now),
        _meta_summary(session.meta),
    ]


def _escape(text: str) -> str:
    return html.escape(text, quote=True)


def listing_text(sessions: list[Any], *, now: datetime | None = None) -> str:
    """A plain-text table of a listing, capped at MAX_ROWS rows."""
    now = now or datetime.now(UTC)
    if not sessions:
        return "(no sessions)"
    rows = [cells(s, now) for s in sessions[:MAX_ROWS]]
    text = render(_COLUMNS, rows)
    if len(sessions) > MAX_ROWS:
        text += f"\n... and {len(sessions) - MAX_ROWS} more"
    return text


def listing_html(sessions: list[Any], *, now: datetime | None = None) -> str:
    """An HTML table of a listing, capped at MAX_ROWS rows."""
    now = now or datetime.now(UTC)
    head = "".join(f"<th style='text-align:left'>{_escape(c)}</th>" for c in _COLUMNS)
    body = "".join(
        "<tr>" + "".join(f"<td>{_escape(cell)}</td>" for cell in cells(s, now)) + "</tr>"
        for s in sessions[:MAX_ROWS]
    )
    more = ""
    if len(sessions) > MAX_ROWS:
        more = f"<p>... and {len(sessions) - MAX_ROWS} more</p>"
    count = f"{len(sessions)} session{'s' if len(sessions) != 1 else ''}"
    return (
        f"<div><p>{count}, most recently used first</p>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{more}</div>"
    )


def session_html(session: Any) -> str:
    """An HTML card of one session."""
    rows = [
        ("key", session.key),
        ("user", repr(session.user_id)),
        ("label", session.label),
        ("created", session.created_at.isoformat()),
        ("last used", session.last_used_at.isoformat()),
        ("expires", session.expires_at.isoformat()),
        ("meta", clip(repr(session.meta), 200)),
    ]
    body = "".join(
        f"<tr><th style='text-align:left'>{_escape(k)}</th><td>{_escape(v)}</td></tr>"
        for k, v in rows
    )
    return f"<div><p>Session</p><table>{body}</table></div>"


class SessionList(list):  # type: ignore[type-arg]
    """A listing: a plain ``list`` of Sessions that renders as a table in
    Jupyter and IPython."""

    def _repr_html_(self) -> str:
        return listing_html(self)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text("SessionList(...)" if cycle else listing_text(self))
