"""``manage.py check``: the middleware in place and in order, and the
``AUTHSESSIONS`` setting valid, said before the first request."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks

from authsessions.kit import ConfigurationError

OURS = "authsessions.django.SessionMiddleware"
DJANGOS = (
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
)


@checks.register(checks.Tags.security, checks.Tags.compatibility)
def check_setup(app_configs: Any = None, **_: Any) -> list[checks.CheckMessage]:
    found: list[checks.CheckMessage] = []
    middleware = list(getattr(settings, "MIDDLEWARE", None) or ())
    if OURS not in middleware:
        found.append(checks.Error(
            f"{OURS!r} is not in MIDDLEWARE: request.user and the account views need it",
            hint="put it where django.contrib's SessionMiddleware and "
            "AuthenticationMiddleware would go",
            id="authsessions.E001",
        ))  # fmt: skip
    elif (
        "django.contrib.auth.middleware.AuthenticationMiddleware"
        in middleware[middleware.index(OURS) :]
    ):
        found.append(checks.Error(
            "django.contrib's AuthenticationMiddleware comes after authsessions' "
            "SessionMiddleware and would replace request.user with Django's own session's",
            hint="remove it (and django.contrib's SessionMiddleware) or put it before ours",
            id="authsessions.E002",
        ))  # fmt: skip
    from ._config import configured

    try:
        configured()
    except ConfigurationError as err:
        found.append(checks.Error(str(err), id="authsessions.E003"))
    return found
