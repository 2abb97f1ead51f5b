"""``manage.py prune``: remove the expired sessions of the project's store."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from authsessions.django import get_store


class Command(BaseCommand):
    help = (
        "Remove the expired sessions of settings.AUTHSESSIONS['STORE'] (Redis and SQL "
        "expire them lazily; run it from cron, as Django's clearsessions)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        removed = get_store().prune()
        self.stdout.write(f"removed {removed} expired session{'s' if removed != 1 else ''}")
