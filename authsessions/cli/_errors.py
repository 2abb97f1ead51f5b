"""The command line's one error: a line for the user and an exit code."""

from __future__ import annotations

USAGE = 2
FAILED = 1
INTERRUPTED = 130


class CliError(Exception):
    """A one-line error for the user, with an exit code (1: the thing asked
    about failed; 2: bad usage)."""

    def __init__(self, message: str, code: int = FAILED) -> None:
        super().__init__(message)
        self.code = code
