"""The example project's settings: what a project adds for authsessions is
marked "authsessions"."""

from __future__ import annotations

import os
from pathlib import Path

# a development key: a real project reads its own from the environment
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "example-only-not-a-secret-0123456789abcdef")
DEBUG = os.environ.get("DJANGO_DEBUG") == "1"
ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]", "testserver"]

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "authsessions.django",  # authsessions: its templates and commands
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # authsessions: in place of django.contrib's SessionMiddleware and
    # AuthenticationMiddleware
    "authsessions.django.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

# authsessions: the store (a function returning it, here), and where the
# step-up page is; everything else has safe defaults
AUTHSESSIONS = {
    "STORE": "authsessions.examples.django_site.sessions.store",
    "REAUTH_URL": "/reauth",
}
LOGIN_URL = "/login"
LOGIN_REDIRECT_URL = "/account/devices"
LOGOUT_REDIRECT_URL = "/login"

ROOT_URLCONF = "authsessions.examples.django_site.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    }
]
# the users (not the sessions) live here
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("EXAMPLE_DJANGO_DB", str(Path.cwd() / "example-django.sqlite3")),
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "UTC"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"example": {"handlers": ["console"], "level": "WARNING"}},
}
