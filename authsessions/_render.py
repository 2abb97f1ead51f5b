"""The one renderer of sessions: notebook HTML, plain-text tables (reprs,
the command line, the demo) and JSON-ready dicts.

Labels and meta are user-controlled (an app may take labels from the
User-Agent header), so every text output escapes control characters, bidi
overrides and other invisible formatting visibly (``\\x1b``, ``\\u202e``),
and lone surrogates too, so nothing printed can move the cursor, recolour or
reorder a terminal, or crash an encoder. HTML goes through
``html.escape(quote=True)`` on top. Keys and user ids are never cut, so they
can be copied into ``authsessions revoke``; columns are measured in terminal
cells, so wide characters do not shift them. A Session never holds a
secret, so nothing here can print one.
"""

from __future__ import annotations

import functools
import html
import json
import unicodedata
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

MAX_ROWS = 20
"""Rows a notebook repr shows before "... and N more"."""

LABEL_WIDTH = 40
META_WIDTH = 40
FROM_WIDTH = 32
COLUMNS = (
    "key", "user", "label", "from", "created", "signed in", "last used", "expires", "meta",
)  # fmt: skip
_TIMES = slice(4, 8)  # the columns shown in UTC
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"

# bidi embeddings, overrides and isolates, and the marks: they reorder text
_BIDI = set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# control, surrogate, format, line and paragraph separator, unassigned
_ESCAPED_CATEGORIES = {"Cc", "Cs", "Cf", "Zl", "Zp", "Cn"}


def escape_text(text: str) -> str:
    """``text`` with every character that could control or reorder a
    terminal (or fail to encode) replaced by a visible escape: what every
    table, repr and command of this package prints, for a label or a user
    id you show in a terminal or a log of your own.

    Backslashes are doubled, so an escape can always be told from a label
    that happens to contain one.
    """
    if text.isascii() and text.isprintable() and "\\" not in text:
        return text  # the common case, at no cost
    out = []
    for ch in text:
        if ch == "\\":
            out.append("\\\\")
        elif ch in _BIDI or unicodedata.category(ch) in _ESCAPED_CATEGORIES:
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(ch)
    return "".join(out)


def cell_width(text: str) -> int:
    """Terminal cells ``text`` takes: wide (East Asian, most emoji) count
    two, combining marks none."""
    if text.isascii():
        return len(text)
    width = 0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


def clip(text: str, width: int) -> str:
    """Cut ``text`` to at most ``width`` cells, marking the cut with "…"."""
    if cell_width(text) <= width:
        return text
    out, used = [], 0
    for ch in text:
        w = cell_width(ch)
        if used + w > width - 1:
            break
        out.append(ch)
        used += w
    return "".join(out) + "…"


def pad(text: str, width: int) -> str:
    """Left-align ``text`` in ``width`` cells."""
    return text + " " * max(0, width - cell_width(text))


def plain(value: Any) -> Any:
    """A JSON-ready form of a user id or meta value."""
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, uuid.UUID):
        return str(value)
    return _display_converter().unstructure(value)


@functools.cache
def _display_converter() -> Any:
    # for display only (never for storing): built once, never changed
    from ._converter import make_converter

    return make_converter()


def user_text(user_id: Any) -> str:
    """A user id as an operator types it (no quotes, full length)."""
    return escape_text(str(user_id))


def meta_text(meta: Any) -> str:
    """A one-line summary of meta: compact JSON when it has a JSON form."""
    try:
        text = json.dumps(plain(meta), ensure_ascii=False, separators=(",", ":"))
    except (TypeError, ValueError):
        text = repr(meta)
    return escape_text(text)


def when(moment: datetime) -> str:
    """The one timestamp format: ``2026-11-29 13:03:11`` (UTC)."""
    return moment.strftime(TIME_FORMAT)


def client_text(client: Any) -> str:
    """Where a session signed in from: its location and address, either,
    or "" (the user agent is the label's business)."""
    return "" if client is None else escape_text(client.origin())


def cells(session: Any) -> list[str]:
    """The cells of one session, in ``COLUMNS`` order, escaped, unclipped."""
    return [
        session.key,
        user_text(session.user_id),
        escape_text(session.label),
        client_text(session.client),
        when(session.created_at),
        when(session.authenticated_at),
        when(session.last_used_at),
        when(session.expires_at),
        meta_text(session.meta),
    ]


def row_cells(session: Any) -> list[str]:
    """Cells for a table row: label, origin and meta clipped, ids whole."""
    row = cells(session)
    row[2] = clip(row[2], LABEL_WIDTH)
    row[3] = clip(row[3], FROM_WIDTH)
    row[8] = clip(row[8], META_WIDTH)
    return row


def table_rows(
    sessions: Sequence[Any], *, current_key: str | None = None
) -> tuple[list[str], list[list[str]]]:
    """The headers and rows of a session table (times in UTC); with
    ``current_key``, a first column marks that session ``*``."""
    headers = list(COLUMNS)
    headers[_TIMES] = [f"{h} (UTC)" for h in headers[_TIMES]]
    rows = [row_cells(s) for s in sessions]
    if current_key is not None:
        headers = ["this", *headers]
        rows = [
            ["*" if s.key == current_key else "", *r] for s, r in zip(sessions, rows, strict=True)
        ]
    return headers, rows


def text_table(
    sessions: Sequence[Any], *, current_key: str | None = None, max_rows: int | None = None
) -> str:
    """A plain-text table of sessions, capped at ``max_rows``."""
    if not sessions:
        return "(no sessions)"
    shown = sessions if max_rows is None else sessions[:max_rows]
    text = grid(*table_rows(shown, current_key=current_key))
    if len(sessions) > len(shown):
        text += f"\n... and {len(sessions) - len(shown)} more"
    return text


def grid(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Left-aligned columns under a header rule, measured in cells."""
    widths = [cell_width(h) for h in headers]
    for row in rows:
        widths = [max(w, cell_width(c)) for w, c in zip(widths, row, strict=True)]
    lines = ["  ".join(pad(h, w) for h, w in zip(headers, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(pad(c, w) for c, w in zip(row, widths, strict=True)) for row in rows]
    return "\n".join(line.rstrip() for line in lines)


def session_text(session: Any) -> str:
    """One session as ``field: value`` lines (the whole user agent too)."""
    pairs = list(zip(COLUMNS, cells(session), strict=True))
    agent = None if session.client is None else session.client.user_agent
    pairs.insert(4, ("user agent", escape_text(agent or "")))
    pairs.insert(5, ("remember", "yes" if session.remember else "no (browser session)"))
    return "\n".join(f"{name}: {value}" for name, value in pairs)


def session_dict(session: Any) -> dict[str, Any]:
    """One session as a JSON-ready dict."""
    return {
        "key": session.key,
        "user_id": plain(session.user_id),
        "label": session.label,
        "meta": plain(session.meta),
        "created_at": session.created_at.isoformat(),
        "last_used_at": session.last_used_at.isoformat(),
        "expires_at": session.expires_at.isoformat(),
        "authenticated_at": session.authenticated_at.isoformat(),
        "remember": session.remember,
        "client": None if session.client is None else session.client.to_dict(),
    }


def _escape(text: str) -> str:
    return html.escape(text, quote=True)


def html_table(sessions: Sequence[Any], *, max_rows: int = MAX_ROWS) -> str:
    """An HTML table of a listing, capped at ``max_rows`` rows; no CSS or
    JS beyond inline alignment."""
    head = "".join(f"<th style='text-align:left'>{_escape(c)}</th>" for c in COLUMNS)
    body = "".join(
        "<tr>" + "".join(f"<td>{_escape(cell)}</td>" for cell in row_cells(s)) + "</tr>"
        for s in sessions[:max_rows]
    )
    more = ""
    if len(sessions) > max_rows:
        more = f"<p>... and {len(sessions) - max_rows} more</p>"
    count = f"{len(sessions)} session{'s' if len(sessions) != 1 else ''}"
    return (
        f"<div><p>{count}, most recently used first (times in UTC)</p>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{more}</div>"
    )


def session_html(session: Any) -> str:
    """An HTML card of one session."""
    body = "".join(
        f"<tr><th style='text-align:left'>{_escape(name)}</th><td>{_escape(value)}</td></tr>"
        for name, value in zip(COLUMNS, cells(session), strict=True)
    )
    return f"<div><p>Session</p><table>{body}</table></div>"
