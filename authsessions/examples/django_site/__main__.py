"""``python -m authsessions.examples.django_site [runserver options]``:
migrate the example's user database, create alice and bob, and serve it
(any other manage.py command runs as given: ``... check``)."""

from __future__ import annotations

import os
import sys
from typing import Any


def main(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "authsessions.examples.django_site.settings")
    import django
    from django.core.management import call_command, execute_from_command_line

    django.setup()
    command = argv[0] if argv else "runserver"
    if command == "runserver":
        from django.contrib.auth import get_user_model

        call_command("migrate", verbosity=0)
        users: Any = get_user_model()
        for name, password in (("alice", "wonderland"), ("bob", "builder")):
            if not users.objects.filter(username=name).exists():
                users.objects.create_user(name, password=password)
    execute_from_command_line(["manage.py", command, *argv[1:]])


if __name__ == "__main__":
    main(sys.argv[1:])
