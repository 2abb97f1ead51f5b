"""``python -m authsessions``: the command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from ._demo import run_demo


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = argparse.ArgumentParser(
        prog="authsessions", description="Typed server-side auth sessions."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="a guided tour of the library")
    demo.add_argument(
        "--store", choices=["auto", "memory", "redis"], default="auto",
        help="auto: an embedded Redis if a redis-server binary exists, else memory",
    )  # fmt: skip
    args = parser.parse_args(argv)
    if args.command == "demo":
        return run_demo(args.store, out=sys.stdout)
    return 2  # pragma: no cover - argparse rejects unknown commands


if __name__ == "__main__":
    sys.exit(main())
