"""The "Your devices" page: a small server-rendered HTML page that every
integration serves, and the same data as JSON-ready dicts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from html import escape
from typing import Any

from authsessions.kit import Session


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def device_dicts(sessions: Sequence[Session[Any, Any]], current_key: str) -> list[dict[str, Any]]:
    """One dict per device, most recently used first: ``key``, ``label``,
    ``created_at``, ``last_used_at`` (ISO 8601), ``current`` (this device)."""
    return [
        {
            "key": s.key,
            "label": s.label,
            "created_at": s.created_at.isoformat(),
            "last_used_at": s.last_used_at.isoformat(),
            "current": s.key == current_key,
        }
        for s in sessions
    ]


_STYLE = """
body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#222}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:.5rem;border-bottom:1px solid #ddd}
.this{background:#e7f5e9;color:#1e6b2c;border-radius:.25rem;padding:0 .4rem;font-size:.85rem}
form{display:inline}button{font:inherit;cursor:pointer}
.actions{margin-top:1.5rem;display:flex;gap:1rem}
""".strip()


def devices_page(
    sessions: Sequence[Session[Any, Any]],
    *,
    current_key: str,
    base: str = "",
    title: str = "Your devices",
) -> str:
    """The devices page: label, last used, signed in, "this device" on the
    current one, a Revoke button on each other, "Log out everywhere else"
    and "Log out". Every value is HTML-escaped.

    Args:
        sessions: the user's sessions, most recently used first.
        current_key: the key of the session viewing the page.
        base: the URL prefix of the forms' targets (``<base>/logout``,
            ``<base>/logout-everywhere``, ``<base>/devices/<key>/revoke``).
        title: the page's heading.
    """
    base = escape(base, quote=True)
    rows = []
    for s in sessions:
        key = escape(s.key, quote=True)
        if s.key == current_key:
            action = '<span class="this">this device</span>'
        else:
            action = (
                f'<form method="post" action="{base}/devices/{key}/revoke">'
                f'<button type="submit" name="revoke">Revoke</button></form>'
            )
        rows.append(
            f'<tr data-key="{key}"><td class="label">{escape(s.label)}</td>'
            f"<td>{_when(s.last_used_at)}</td><td>{_when(s.created_at)}</td>"
            f"<td>{action}</td></tr>"
        )
    others = sum(1 for s in sessions if s.key != current_key)
    return (
        "<!doctype html>\n"
        f'<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<style>{_STYLE}</style></head><body>"
        f"<h1>{escape(title)}</h1>"
        f"<p>Signed in on {len(sessions)} device{'s' if len(sessions) != 1 else ''}.</p>"
        "<table><thead><tr><th>Device</th><th>Last used</th><th>Signed in</th><th></th></tr>"
        f"</thead><tbody>{''.join(rows)}</tbody></table>"
        '<div class="actions">'
        f'<form method="post" action="{base}/logout-everywhere">'
        f'<button type="submit" name="logout-everywhere"{"" if others else " disabled"}>'
        "Log out everywhere else</button></form>"
        f'<form method="post" action="{base}/logout">'
        '<button type="submit" name="logout">Log out</button></form>'
        "</div></body></html>"
    )
