"""A Flask app with login sessions, a "Your devices" page and "log out
everywhere", on authsessions.flask.

Run it:  flask --app authsessions.examples.flask_app run
(in memory; AUTHSESSIONS_REDIS_URL=redis://... for Redis, or
AUTHSESSIONS_SQL_URL=sqlite:///sessions.db for SQL). Open
http://localhost:5000 and log in as alice / wonderland or bob / builder.
"""

from __future__ import annotations

import hmac
import os
from html import escape
from typing import Any

from flask import Flask, Response, redirect, request

from authsessions import InMemorySessions, Sessions
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
<button type="submit">Log in</button></form></body></html>"""


def create_app(store: Store | None = None) -> Flask:
    """The app around a store (any sync Sessions)."""
    app = Flask(__name__)
    auth = SessionAuth(store if store is not None else default_store(), app, login_url="/login")
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
        auth.login(user_id=form["username"], meta={})
        return redirect(safe_next(form.get("next")), 303)

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
