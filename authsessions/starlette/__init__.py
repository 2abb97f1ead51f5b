"""Sessions for Starlette and FastAPI (``pip install 'authsessions[starlette]'``).

::

    auth = SessionAuth(AsyncRedisSessions(...))       # any asyncio store
    app = FastAPI(middleware=[auth.middleware])
    app.mount("/account", auth.account_app())         # devices page, logout

    @app.get("/me")
    async def me(session: Annotated[Session[str, dict], Depends(auth.required)]): ...

``auth.login(request, user_id=..., meta=...)`` in your login route,
``auth.logout`` / ``auth.logout_everywhere`` / ``auth.revoke`` /
``auth.rotate`` elsewhere; the middleware sends the cookie and refuses
cross-site requests that would ride on it.
"""

try:
    import starlette as _starlette
except ImportError as _err:  # pragma: no cover - exercised in a subprocess test
    raise ImportError(
        "authsessions.starlette needs Starlette: pip install 'authsessions[starlette]'"
    ) from _err

from authsessions.web import CookieSettings, CrossSiteRefused, NotLoggedIn

from ._auth import SessionAuth, SessionMiddleware

del _starlette

__all__ = ["CookieSettings", "CrossSiteRefused", "NotLoggedIn", "SessionAuth", "SessionMiddleware"]
