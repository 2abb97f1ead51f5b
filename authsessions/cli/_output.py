"""What the command line prints, and how: plain text when piped; on a
terminal the same table with its header and keys in colour, and a
progress line for long silent commands (through ``rich``, the ``[cli]``
extra; none without it). ``NO_COLOR`` or ``TERM=dumb`` turns colour off.

Every table comes from the one renderer (``SessionList.rows()``), which
escapes control characters and measures wide ones, so a label can neither
drive the terminal nor shift the columns. Tables are never fitted to the
terminal's width: a key is the handle for ``show`` and ``revoke`` and is
always printed whole (a narrow terminal wraps the line instead), and a
terminal lists as fast as a pipe. Text that cannot be encoded for the
terminal is shown as backslash escapes, never an exception.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
from collections.abc import Iterator
from typing import Any, TextIO

from authsessions import Session, SessionList

_BOLD, _CYAN, _RESET = "\x1b[1m", "\x1b[36m", "\x1b[0m"
_KEY = 32


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
        self.colour = (
            self.tty and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"
        )

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
        """Sessions as a table, header and keys coloured on a terminal."""
        text = SessionList(sessions).to_text(current_key=current_key)
        if not self.colour or not sessions or current_key is not None:
            self.line(text)
            return
        # the plain table, coloured in place: the key (32 ASCII cells) opens
        # every row, so the columns stay where the renderer measured them
        header, rule, *rows = text.split("\n")
        coloured = [f"{_BOLD}{header}{_RESET}", rule]
        coloured += [f"{_CYAN}{row[:_KEY]}{_RESET}{row[_KEY:]}" for row in rows]
        self.line("\n".join(coloured))

    @contextlib.contextmanager
    def progress(self, what: str) -> Iterator[Any]:
        """A live status line on a terminal (``update(text)``), nothing when
        piped."""
        if not self.tty or not self.err.isatty():
            yield _Silent()
            return
        try:
            from rich.console import Console
        except ImportError:  # the [cli] extra is not installed
            yield _Silent()
            return

        status = Console(file=self.err).status(what)
        with status:
            yield status


class _Silent:
    def update(self, *args: Any, **kwargs: Any) -> None:
        pass
