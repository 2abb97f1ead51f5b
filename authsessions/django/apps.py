"""The Django app: ``INSTALLED_APPS += ["authsessions.django"]`` (its
templates, its management commands, the table of a ``database_store``
created by ``migrate``)."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AuthSessionsConfig(AppConfig):
    name = "authsessions.django"
    label = "authsessions"
    verbose_name = "Auth sessions"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system checks)
        from ._store import create_tables

        post_migrate.connect(create_tables, sender=self, dispatch_uid="authsessions-tables")
