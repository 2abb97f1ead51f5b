"""Plain-text tables for terminals."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime


def ago(moment: datetime, now: datetime) -> str:
    """``"3s ago"``, ``"in 29d 23h"``: a short relative time."""
    seconds = int((moment - now).total_seconds())
    span = abs(seconds)
    if span < 60:
        text = f"{span}s"
    elif span < 3600:
        text = f"{span // 60}m"
    elif span < 86400:
        text = f"{span // 3600}h {span % 3600 // 60}m"
    else:
        text = f"{span // 86400}d {span % 86400 // 3600}h"
    return f"in {text}" if seconds > 0 else f"{text} ago"


def clip(text: str, width: int) -> str:
    """Cut a string to ``width`` characters, marking the cut."""
    text = text.replace("\n", " ")
    return text if len(text) <= width else text[: width - 1] + "…"


def render(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A left-aligned table with a header rule."""
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=True)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    return "\n".join(line.rstrip() for line in lines)
