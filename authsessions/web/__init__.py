"""The framework-neutral parts of the web integrations: the session cookie,
the cross-site check, device labels, the devices page, and the request flows
(login, logout, log out everywhere, revoke, rotate, reauthenticate, a recent
sign-in required) on any store.

``authsessions.starlette`` (FastAPI, Starlette) and ``authsessions.flask``
are built on these; an integration for another framework (Django, a plain
ASGI or WSGI app) needs only them: read a request into a
``RequestState`` with ``WebSettings.read``, refuse it if
``WebSettings.blocks``, run the flows, and send ``state.set_cookie``.
"""

from ._async import AsyncFlows
from ._cookies import CookieSettings, SameSite, is_loopback
from ._csrf import SAFE_METHODS, origin_of, origin_refusal
from ._geoip import geoip_locator
from ._labels import device_label
from ._page import device_dicts, devices_page, devices_page_style, new_devices
from ._redirects import local_path
from ._request import (
    CrossSiteRefused,
    NotLoggedIn,
    PlainHttpWarning,
    ReauthenticationRequired,
    RequestState,
    Source,
    Transport,
    WebSettings,
    positive_max_age,
)
from ._stores import is_asyncio_store
from ._sync import Flows

__all__ = [
    "AsyncFlows",
    "CookieSettings",
    "CrossSiteRefused",
    "Flows",
    "NotLoggedIn",
    "PlainHttpWarning",
    "ReauthenticationRequired",
    "RequestState",
    "SAFE_METHODS",
    "SameSite",
    "Source",
    "Transport",
    "WebSettings",
    "device_dicts",
    "device_label",
    "devices_page",
    "devices_page_style",
    "geoip_locator",
    "is_asyncio_store",
    "is_loopback",
    "local_path",
    "new_devices",
    "origin_of",
    "origin_refusal",
    "positive_max_age",
]
