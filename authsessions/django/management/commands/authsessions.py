"""``manage.py authsessions COMMAND ...``: the ``authsessions`` command
line's operator commands (``ls``, ``show``, ``revoke``, ``prune``,
``stats``, ``migrate``) on the project's store, its types and policy."""

from __future__ import annotations

import argparse
from typing import Any, TextIO, cast

from django.core.management.base import BaseCommand, CommandError, CommandParser

OPERATOR_COMMANDS = ("ls", "show", "revoke", "prune", "stats", "migrate")


class Command(BaseCommand):
    help = (
        "Run an authsessions operator command on settings.AUTHSESSIONS['STORE']: "
        f"{', '.join(OPERATOR_COMMANDS)} (manage.py authsessions ls --help)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("operator_command", choices=OPERATOR_COMMANDS, metavar="COMMAND")
        parser.add_argument("rest", nargs=argparse.REMAINDER, help="its arguments")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            from authsessions.cli import main
        except ImportError as err:  # the cli extra is missing
            raise CommandError(str(err)) from err
        rest = list(options["rest"])
        if "--store" in rest or any(a.startswith("--store=") for a in rest):
            raise CommandError("the project's store is used: leave out --store")
        from authsessions.django import get_store
        from authsessions.django._store import in_process

        if in_process(get_store()):
            self.stderr.write(
                "note: the project's store keeps its sessions in memory, per process: this "
                "command sees only its own (none of the server's)"
            )
        argv = [options["operator_command"], "--store", "authsessions.django:get_store", *rest]
        code = main(argv, out=cast(TextIO, self.stdout._out))
        if code:
            raise CommandError(f"authsessions {options['operator_command']} exited {code}",
                               returncode=code)  # fmt: skip
