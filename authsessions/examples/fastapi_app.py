"""A FastAPI app with login sessions, a "Your devices" page and "log out
everywhere", on authsessions.starlette.

Run it:  uvicorn authsessions.examples.fastapi_app:app
(in memory; AUTHSESSIONS_REDIS_URL=redis://... for Redis, or
AUTHSESSIONS_SQL_URL=sqlite+aiosqlite:///sessions.db for SQL). Open
http://localhost:8000 and log in as alice / wonderland or bob / builder.

Browsers use the session cookie; API clients log in at /api/login and send
``Authorization: Bearer <token>`` (transport "both"). /security
needs a sign-in of the last 10 minutes (else /reauth asks for the password
again); a hook logs every new sign-in, as a "new sign-in" e-mail would.

No `from __future__ import annotations` here: FastAPI reads the annotations
of the endpoint functions at runtime.
"""

import hmac
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from html import escape
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Form, HTTPException, Request, Response, status
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel

from authsessions import (
    AsyncInMemorySessions,
    AsyncSessions,
    Session,
    SessionCreated,
    SessionEvent,
    SessionUtils,
)
from authsessions.starlette import SessionAuth
from authsessions.web import device_dicts, local_path

Store = AsyncSessions[str, dict[str, Any]]
Current = Session[str, dict[str, Any]]

# a stand-in user database; a real app checks a password hash
USERS = {"alice": "wonderland", "bob": "builder"}


def password_ok(username: str, password: str) -> bool:
    expected = USERS.get(username, "")
    # compare bytes: compare_digest refuses non-ASCII str
    return bool(expected) and hmac.compare_digest(expected.encode(), password.encode())


def safe_next(target: str | None) -> str:
    """Only a local path may follow a login (no open redirect)."""
    return local_path(target, default="/account/devices")


class Login(BaseModel):
    username: str
    password: str


def default_store() -> Store:
    """The store the environment names, else in memory."""
    if url := os.environ.get("AUTHSESSIONS_REDIS_URL"):
        from authsessions.redis import AsyncRedisSessions

        return AsyncRedisSessions.from_url(url, prefix="example:")
    if url := os.environ.get("AUTHSESSIONS_SQL_URL"):
        from authsessions.sql import AsyncSqlSessions

        return AsyncSqlSessions.from_url(url)
    return AsyncInMemorySessions()


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


def create_app(store: Store | None = None, *, recent: timedelta = RECENT) -> FastAPI:
    """The app around a store (any AsyncSessions); ``recent``: how old a
    sign-in /security accepts."""
    sessions = store if store is not None else default_store()
    sessions.add_hook(announce)
    auth = SessionAuth(sessions, transport="both", login_url="/login", reauth_url="/reauth")
    RecentSession = Annotated[Current, Depends(auth.require_recent(recent))]

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        create_schema = getattr(sessions, "create_schema", None)  # the SQL store's table
        if create_schema is not None:
            await create_schema()
        yield

    app = FastAPI(title="authsessions example", middleware=[auth.middleware], lifespan=lifespan)
    app.mount("/account", auth.account_app(after_logout="/login"))
    CurrentSession = Annotated[Current, Depends(auth.required)]

    # -- pages (cookie) ---------------------------------------------------

    @app.get("/")
    async def home(session: Annotated[Current | None, Depends(auth.optional)]) -> Response:
        return RedirectResponse("/account/devices" if session else "/login", status_code=303)

    @app.get("/login", response_class=HTMLResponse)
    async def login_page(next: str = "") -> str:
        return LOGIN_PAGE.format(error="", next=escape(safe_next(next), quote=True))

    @app.post("/login")
    async def login_form(
        request: Request,
        username: Annotated[str, Form()],
        password: Annotated[str, Form()],
        next: Annotated[str, Form()] = "",
        remember: Annotated[str, Form()] = "",
    ) -> Response:
        if not password_ok(username, password):
            page = LOGIN_PAGE.format(
                error="<p role=alert>Wrong user or password.</p>",
                next=escape(safe_next(next), quote=True),
            )
            return HTMLResponse(page, status_code=status.HTTP_401_UNAUTHORIZED)
        await auth.login(request, user_id=username, meta={}, remember=bool(remember))
        return RedirectResponse(safe_next(next), status_code=303)

    def reauth_page(session: Current, next: str, error: str = "") -> str:
        return REAUTH_PAGE.format(
            error=error,
            user=escape(session.user_id),
            since=f"{session.authenticated_at:%Y-%m-%d %H:%M:%S} UTC",
            next=escape(local_path(next, default="/security"), quote=True),
        )

    @app.get("/reauth", response_class=HTMLResponse)
    async def reauth_form(session: CurrentSession, next: str = "") -> str:
        return reauth_page(session, next)

    @app.post("/reauth")
    async def reauth(
        request: Request,
        session: CurrentSession,
        password: Annotated[str, Form()],
        next: Annotated[str, Form()] = "",
    ) -> Response:
        if not password_ok(session.user_id, password):
            page = reauth_page(session, next, "<p role=alert>Wrong password.</p>")
            return HTMLResponse(page, status_code=status.HTTP_401_UNAUTHORIZED)
        await auth.reauthenticate(request)
        target = local_path(next, default="/security")
        return RedirectResponse(target, status_code=303)

    @app.get("/security", response_class=HTMLResponse)
    async def security(session: RecentSession) -> str:
        return SECURITY_PAGE.format(since=f"{session.authenticated_at:%Y-%m-%d %H:%M:%S} UTC")

    # -- JSON API (bearer, or the cookie) ----------------------------------

    @app.post("/api/login")
    async def api_login(body: Login, request: Request) -> dict[str, str]:
        if not password_ok(body.username, body.password):
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "wrong username or password")
        session_id = await auth.login(request, user_id=body.username, meta={})
        return {
            "token": session_id,
            "authorization": SessionUtils.get_auth_token_for_session_id(session_id),
        }

    @app.get("/api/me")
    async def me(session: CurrentSession) -> dict[str, Any]:
        return {"user": session.user_id, "session_key": session.key}

    @app.get("/api/sessions")
    async def devices(request: Request, session: CurrentSession) -> list[dict[str, Any]]:
        return device_dicts(await auth.devices(request), session.key)

    @app.delete("/api/sessions/{key}", status_code=status.HTTP_204_NO_CONTENT)
    async def revoke(key: str, request: Request, session: CurrentSession) -> None:
        if not await auth.revoke(request, key):  # not yours: no hint whose it is
            raise HTTPException(status.HTTP_404_NOT_FOUND, "no such session")

    @app.post("/api/logout", status_code=status.HTTP_204_NO_CONTENT)
    async def logout(request: Request, session: CurrentSession) -> None:
        await auth.logout(request)

    @app.post("/api/logout-everywhere")
    async def logout_everywhere(request: Request, session: CurrentSession) -> dict[str, int]:
        return {"logged_out": await auth.logout_everywhere(request)}

    return app


app = create_app()
