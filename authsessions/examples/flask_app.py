"""A Flask app with login sessions, a "Your devices" page and "log out
everywhere", on authsessions.flask.

Run it:  flask --app authsessions.examples.flask_app run
(in memory; AUTHSESSIONS_REDIS_URL=redis://... for Redis, or
AUTHSESSIONS_SQL_URL=sqlite:///sessions.db for SQL). Open
http://localhost:5000 and log in as alice / wonderland or bob / builder.
/security needs a sign-in of the last 10 minutes (else /reauth asks for
the password again); a hook logs every new sign-in, as a "new sign-in"
e-mail would.
"""

from __future__ import annotations

import hmac
import logging
import os
from datetime import timedelta
from html import escape
from typing import Any

from flask import Flask, Response, redirect, request

from authsessions import InMemorySessions, SessionCreated, SessionEvent, Sessions
from authsessions.flask import SessionAuth
from authsessions.web import device_dicts, local_path

Store = Sessions[str, dict[str, Any]]

# a stand-in user database; a real app checks a password hash
USERS = {"alice": "wonderland", "bob": "builder"}


def password_ok(username: str, password: str) -> bool:
    expected = USERS.get(username, "")
    return bool(expected) and hmac.compare_digest(expected.encode(), password.encode())


def safe_next(target: str | None) -> str:
    """Only a local path may follow a login (no open redirect)."""
    return local_path(target, default="/account/devices")


def default_store() -> Store:
    """The store the environment names, else in memory."""
    if url := os.environ.get("AUTHSESSIONS_REDIS_URL"):
        from authsessions.redis import RedisSessions

        return RedisSessions.from_url(url, prefix="example:")
    if url := os.environ.get("AUTHSESSIONS_SQL_URL"):
        from authsessions.sql import SqlSessions

        sql_store = SqlSessions.from_url(url)
        sql_store.create_schema()
        return sql_store
    return InMemorySessions()


LOGIN_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Log in</title><style>body{{font:16px system-ui;max-width:24rem;margin:3rem auto}}
label{{display:block;margin:.5rem 0}}</style></head><body><h1>Log in</h1>{error}
<form method="post" action="/login"><input type="hidden" name="next" value="{next}">
<label>User <input name="username" autocomplete="username"></label>
<label>Password <input name="password" type="password" autocomplete="current-password"></label>
<label><input type="checkbox" name="remember" value="1" checked> Remember me</label>
<button type="submit">Log in</button></form></body></html>"""

# a privileged page asks for the password again when the sign-in is older
# than RECENT (the step-up of GitHub's "sudo mode" or Kratos' privileged sessions)
REAUTH_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Confirm your password</title><style>body{{font:16px system-ui;max-width:24rem;
margin:3rem auto}}label{{display:block;margin:.5rem 0}}</style></head><body>
<h1>Confirm your password</h1>{error}<p>Signed in as {user} since {since}.</p>
<form method="post" action="/reauth"><input type="hidden" name="next" value="{next}">
<label>Password <input name="password" type="password" autocomplete="current-password"></label>
<button type="submit">Confirm</button></form></body></html>"""

SECURITY_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Security</title><style>body{{font:16px system-ui;max-width:30rem;margin:3rem auto}}
</style></head><body><h1>Security</h1><p id="signed-in">Password confirmed at {since}.</p>
<p>A real app changes the password or the e-mail address here.</p>
<p><a href="/account/devices">Your devices</a></p></body></html>"""

RECENT = timedelta(minutes=10)


log = logging.getLogger("example")


def announce(event: SessionEvent[Any]) -> None:
    """A hook: where a real app sends its "new sign-in" e-mail."""
    if isinstance(event, SessionCreated):
        where = event.client.ip if event.client else "an unknown address"
        log.warning("new sign-in for %s from %s", event.user_id, where)


def create_app(store: Store | None = None, *, recent: timedelta = RECENT) -> Flask:
    """The app around a store (any sync Sessions); ``recent``: how old a
    sign-in /security accepts."""
    app = Flask(__name__)
    sessions = store if store is not None else default_store()
    sessions.add_hook(announce)
    auth = SessionAuth(sessions, app, login_url="/login", reauth_url="/reauth")
    app.register_blueprint(auth.blueprint(after_logout="/login"), url_prefix="/account")

    @app.get("/")
    def home() -> Any:
        return redirect("/account/devices" if auth.session else "/login", 303)

    @app.get("/login")
    def login_page() -> str:
        return LOGIN_PAGE.format(error="", next=escape(safe_next(request.args.get("next"))))

    @app.post("/login")
    def login() -> Any:
        form = request.form
        if not password_ok(form.get("username", ""), form.get("password", "")):
            error = "<p role=alert>Wrong user or password.</p>"
            page = LOGIN_PAGE.format(error=error, next=escape(safe_next(form.get("next"))))
            return Response(page, 401, mimetype="text/html")
        auth.login(user_id=form["username"], meta={}, remember=bool(form.get("remember")))
        return redirect(safe_next(form.get("next")), 303)

    def reauth_page(next: str | None, error: str = "") -> str:
        session = auth.required()
        return REAUTH_PAGE.format(
            error=error,
            user=escape(session.user_id),
            since=f"{session.authenticated_at:%Y-%m-%d %H:%M:%S} UTC",
            next=escape(local_path(next, default="/security"), quote=True),
        )

    @app.get("/reauth")
    @auth.login_required
    def reauth_form() -> str:
        return reauth_page(request.args.get("next"))

    @app.post("/reauth")
    @auth.login_required
    def reauth() -> Any:
        form = request.form
        if not password_ok(auth.required().user_id, form.get("password", "")):
            page = reauth_page(form.get("next"), "<p role=alert>Wrong password.</p>")
            return Response(page, 401, mimetype="text/html")
        auth.reauthenticate()
        return redirect(local_path(form.get("next"), default="/security"), 303)

    @app.get("/security")
    @auth.require_recent(recent)
    def security() -> str:
        session = auth.required()
        return SECURITY_PAGE.format(since=f"{session.authenticated_at:%Y-%m-%d %H:%M:%S} UTC")

    @app.get("/api/me")
    @auth.login_required
    def me() -> dict[str, Any]:
        session = auth.required()
        return {"user": session.user_id, "session_key": session.key}

    @app.get("/api/sessions")
    @auth.login_required
    def devices() -> list[dict[str, Any]]:
        return device_dicts(auth.devices(), auth.required().key)

    return app


app = create_app()
