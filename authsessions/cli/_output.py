"""What the command line prints, and how: plain text when piped, a
coloured table and progress on a terminal (through ``rich``, the ``[cli]``
extra; plain text without it). ``NO_COLOR`` turns colour off.

Every table comes from the one renderer (``SessionList.rows()``), which
escapes control characters and measures wide ones, so a label can neither
drive the terminal nor shift the columns. Text that cannot be encoded for
the terminal is shown as backslash escapes, never an exception.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
from collections.abc import Iterator
from typing import Any, TextIO

from authsessions import Session, SessionList


def _reconfigure(stream: TextIO) -> TextIO:
    if isinstance(stream, io.TextIOWrapper):
        stream.reconfigure(errors="backslashreplace")
    return stream


class Output:
    """stdout for results, stderr for notes and progress."""

    def __init__(self, out: TextIO | None = None, err: TextIO | None = None) -> None:
        self.out = _reconfigure(out or sys.stdout)
        self.err = _reconfigure(err or sys.stderr)
        self.tty = self.out.isatty()
        self._console: Any = None
        if self.tty:
            try:
                from rich.console import Console
            except ImportError:  # the [cli] extra is not installed: plain text
                pass
            else:
                # rich honours NO_COLOR and TERM=dumb by itself
                self._console = Console(file=self.out, highlight=False, soft_wrap=True)

    def line(self, text: str = "") -> None:
        """A line of result text (already safe: built from escaped parts)."""
        print(text, file=self.out)

    def note(self, text: str) -> None:
        """A line on stderr (what was assumed, where the data came from)."""
        print(text, file=self.err)

    def json_line(self, value: Any) -> None:
        """One JSON document on one line (valid JSON whatever it holds:
        lone surrogates are escaped, never written raw)."""
        print(json.dumps(value, ensure_ascii=True), file=self.out)

    def table(self, sessions: list[Session[Any, Any]], *, current_key: str | None = None) -> None:
        """Sessions as a table: coloured on a terminal, plain when piped."""
        listing = SessionList(sessions)
        if self._console is None or not listing:
            self.line(listing.to_text(current_key=current_key))
            return
        from rich.table import Table
        from rich.text import Text

        headers, rows = listing.rows(current_key=current_key)
        table = Table(show_edge=False, header_style="bold", pad_edge=False, box=None)
        styles = {"key": "cyan", "user": "green", "expires (UTC)": "yellow"}
        for header in headers:
            table.add_column(header, style=styles.get(header), no_wrap=True, overflow="fold")
        for row in rows:
            # Text, not markup: a label holding "[bold]" is shown as typed
            table.add_row(*(Text(cell) for cell in row))
        self._console.print(table)

    @contextlib.contextmanager
    def progress(self, what: str) -> Iterator[Any]:
        """A live status line on a terminal (``update(text)``), nothing when
        piped."""
        if self._console is None or not self.err.isatty():
            yield _Silent()
            return
        from rich.console import Console

        status = Console(file=self.err).status(what)
        with status:
            yield status


class _Silent:
    def update(self, *args: Any, **kwargs: Any) -> None:
        pass
