"""The "Your devices" page: a small server-rendered HTML page that every
integration serves, and the same data as JSON-ready dicts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from html import escape
from typing import Any

from authsessions.kit import Session

NEW_DEVICE_WINDOW = timedelta(hours=24)
"""How recent a sign-in from a new device must be for the page to mark it."""


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def new_devices(sessions: Sequence[Session[Any, Any]], now: datetime | None = None) -> set[str]:
    """The keys of sessions that signed in from a new device: within
    ``NEW_DEVICE_WINDOW`` of ``now`` (default: the latest use among them),
    with a device label none of the user's earlier sessions has."""
    if not sessions:
        return set()
    now = now or max(s.last_used_at for s in sessions)
    marked = set()
    for s in sessions:
        if now - s.created_at > NEW_DEVICE_WINDOW:
            continue
        if not any(o.label == s.label and o.created_at < s.created_at for o in sessions):
            marked.add(s.key)
    return marked


def device_dicts(
    sessions: Sequence[Session[Any, Any]], current_key: str, *, now: datetime | None = None
) -> list[dict[str, Any]]:
    """One dict per device, most recently used first: ``key``, ``label``,
    ``created_at``, ``last_used_at``, ``authenticated_at`` (ISO 8601),
    ``ip``, ``location`` (or None), ``current`` (this device), ``new`` (a
    recent sign-in from a device the user had not used: ``new_devices``)."""
    fresh = new_devices(sessions, now)
    return [
        {
            "key": s.key,
            "label": s.label,
            "created_at": s.created_at.isoformat(),
            "last_used_at": s.last_used_at.isoformat(),
            "authenticated_at": s.authenticated_at.isoformat(),
            "ip": None if s.client is None or s.client.ip is None else str(s.client.ip),
            "location": None if s.client is None else s.client.location,
            "current": s.key == current_key,
            "new": s.key in fresh,
        }
        for s in sessions
    ]


_STYLE = """
body{font:16px/1.5 system-ui,sans-serif;max-width:58rem;margin:2rem auto;padding:0 1rem;color:#222}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:.5rem;border-bottom:1px solid #ddd}
.this{background:#e7f5e9;color:#1e6b2c;border-radius:.25rem;padding:0 .4rem;font-size:.85rem}
.new{background:#fff4d6;color:#7a5200;border-radius:.25rem;padding:0 .4rem;font-size:.85rem}
.this,.new,.when{white-space:nowrap}
.from{color:#555;font-size:.9rem}
form{display:inline}button{font:inherit;cursor:pointer}
.actions{margin-top:1.5rem;display:flex;gap:1rem}
""".strip()


def devices_page_style() -> str:
    """The devices page's CSS (no external assets), for an integration that
    renders the page with its own templates (``authsessions.django``)."""
    return _STYLE


def devices_page(
    sessions: Sequence[Session[Any, Any]],
    *,
    current_key: str,
    base: str = "",
    title: str = "Your devices",
    now: datetime | None = None,
) -> str:
    """The devices page: device (label), where it signed in from (location
    or address), when it signed in and was last active, "this device" on
    the current one, "new device" on a recent sign-in from a device not
    seen before (``new_devices``), a Revoke button on each other, "Log out
    everywhere else" and "Log out". Every value is HTML-escaped.

    Args:
        sessions: the user's sessions, most recently used first.
        current_key: the key of the session viewing the page.
        base: the URL prefix of the forms' targets (``<base>/logout``,
            ``<base>/logout-everywhere``, ``<base>/devices/<key>/revoke``).
        title: the page's heading.
        now: the time "new device" is measured from (default: the latest
            use among the sessions).
    """
    base = escape(base, quote=True)
    fresh = new_devices(sessions, now)
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
        badge = ' <span class="new">new device</span>' if s.key in fresh else ""
        rows.append(
            f'<tr data-key="{key}"><td class="label">{escape(s.label)}{badge}</td>'
            f'<td class="from">{escape(s.client.origin() if s.client else "")}</td>'
            f'<td class="when">{_when(s.authenticated_at)}</td>'
            f'<td class="when">{_when(s.last_used_at)}</td>'
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
        "<table><thead><tr><th>Device</th><th>From</th><th>Signed in</th><th>Last active</th>"
        "<th></th></tr>"
        f"</thead><tbody>{''.join(rows)}</tbody></table>"
        '<div class="actions">'
        f'<form method="post" action="{base}/logout-everywhere">'
        f'<button type="submit" name="logout-everywhere"{"" if others else " disabled"}>'
        "Log out everywhere else</button></form>"
        f'<form method="post" action="{base}/logout">'
        '<button type="submit" name="logout">Log out</button></form>'
        "</div></body></html>"
    )
