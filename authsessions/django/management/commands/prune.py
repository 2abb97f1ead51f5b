"""``manage.py prune``: remove the expired sessions of the project's store."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from authsessions.django import get_store
from authsessions.django._store import in_process


class Command(BaseCommand):
    help = (
        "Remove the expired sessions of settings.AUTHSESSIONS['STORE'] (Redis and SQL "
        "expire them lazily; run it from cron, as Django's clearsessions)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        store = get_store()
        if in_process(store):
            self.stderr.write(
                "note: the project's store keeps its sessions in memory, per process: this "
                "command prunes only its own (the server's expire as they are read)"
            )
        removed = store.prune()
        self.stdout.write(f"removed {removed} expired session{'s' if removed != 1 else ''}")
