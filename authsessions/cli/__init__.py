"""The ``authsessions`` command line: a demo, operator commands on a store,
and a contract check. ``main()`` is the console script's entry point."""

from ._main import main

__all__ = ["main"]
