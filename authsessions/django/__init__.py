"""Sessions for Django (``pip install 'authsessions[django]'``).

::

    # settings.py
    INSTALLED_APPS = [..., "django.contrib.auth", "django.contrib.contenttypes",
                      "authsessions.django"]
    MIDDLEWARE = [..., "authsessions.django.SessionMiddleware", ...]  # replaces
    #   django.contrib's SessionMiddleware and AuthenticationMiddleware
    AUTHSESSIONS = {"STORE": "mysite.sessions.store"}  # any sync store
    LOGIN_URL = "/account/login"

    # urls.py
    path("account/", include("authsessions.django.urls"))

``request.user`` comes from the session; ``login(request, user)``,
``logout(request)``, ``logout_everywhere``, ``revoke``, ``rotate``,
``reauthenticate``, ``update_session_auth_hash`` and ``require_recent``
for your own views; see docs/django.md.
"""

try:
    import django as _django
except ImportError as _err:  # pragma: no cover - exercised in a subprocess test
    raise ImportError(
        "authsessions.django needs Django: pip install 'authsessions[django]'"
    ) from _err

from authsessions.web import (
    CookieSettings,
    CrossSiteRefused,
    NotLoggedIn,
    ReauthenticationRequired,
)

from ._auth import (
    aget_user,
    alogin,
    alogout,
    devices,
    get_session,
    get_store,
    get_user,
    login,
    logout,
    logout_everywhere,
    reauthenticate,
    recent,
    require_recent,
    revoke,
    rotate,
    update_session_auth_hash,
)
from ._middleware import SessionMiddleware
from ._store import database_store

del _django

__all__ = [
    "CookieSettings",
    "CrossSiteRefused",
    "NotLoggedIn",
    "ReauthenticationRequired",
    "SessionMiddleware",
    "aget_user",
    "alogin",
    "alogout",
    "database_store",
    "devices",
    "get_session",
    "get_store",
    "get_user",
    "login",
    "logout",
    "logout_everywhere",
    "reauthenticate",
    "recent",
    "require_recent",
    "revoke",
    "rotate",
    "update_session_auth_hash",
]
