"""Sessions for Flask (``pip install 'authsessions[flask]'``).

::

    auth = SessionAuth(RedisSessions(...))          # any sync store
    auth.init_app(app)
    app.register_blueprint(auth.blueprint(), url_prefix="/account")

    @app.get("/me")
    @auth.login_required
    def me():
        return {"user": auth.session.user_id}

``auth.login(user_id=..., meta=...)`` in your login view; ``auth.logout()``,
``auth.logout_everywhere()``, ``auth.revoke(key)``, ``auth.rotate()``
elsewhere. The extension sends the cookie and refuses cross-site requests
that would ride on it.
"""

try:
    import flask as _flask
except ImportError as _err:  # pragma: no cover - exercised in a subprocess test
    raise ImportError(
        "authsessions.flask needs Flask: pip install 'authsessions[flask]'"
    ) from _err

from authsessions.web import CookieSettings, CrossSiteRefused, NotLoggedIn

from ._auth import SessionAuth

del _flask

__all__ = ["CookieSettings", "CrossSiteRefused", "NotLoggedIn", "SessionAuth"]
