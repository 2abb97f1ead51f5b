"""A FastAPI app with login sessions, a "your devices" page and "log out
everywhere", on authsessions.

Run it:  AUTHSESSIONS_REDIS_URL=redis://localhost:6379/0 uvicorn examples.fastapi_app:app
(without the variable it uses the in-memory store).

No `from __future__ import annotations` here: FastAPI reads the annotations
of the nested endpoint functions at runtime.

The `current_session` dependency turns the Authorization header into the
caller's Session, the role `createContext` plays in the original README.
"""

import hmac
import os
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, HTTPException, Request, status
from pydantic import BaseModel

from authsessions import (
    AsyncInMemorySessions,
    AsyncRedisSessions,
    AsyncSessions,
    Session,
    SessionId,
    SessionUtils,
)

Store = AsyncSessions[str, dict[str, Any]]

# a stand-in user database; a real app checks a password hash
USERS = {"alice": "wonderland", "bob": "builder"}


class Login(BaseModel):
    username: str
    password: str


class Device(BaseModel):
    key: str
    label: str
    last_used_at: str
    current: bool


def default_store() -> Store:
    """The asyncio Redis store at $AUTHSESSIONS_REDIS_URL, else in memory."""
    url = os.environ.get("AUTHSESSIONS_REDIS_URL")
    if url:
        return AsyncRedisSessions.from_url(url, prefix="example:")
    return AsyncInMemorySessions()


def create_app(store: Store | None = None) -> FastAPI:
    """Build the app around a store (any AsyncSessions implementation)."""
    sessions: Store = store if store is not None else default_store()
    app = FastAPI(title="authsessions example")

    async def current_session(
        authorization: Annotated[str | None, Header()] = None,
    ) -> tuple[SessionId, Session[str, dict[str, Any]]]:
        session_id = SessionUtils.get_session_id_from_auth_token(authorization)
        session = await sessions.get_session(session_id)
        if session_id is None or session is None:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                "not logged in",
                headers={"WWW-Authenticate": "Bearer"},
            )
        return session_id, session

    Current = Annotated[tuple[SessionId, Session[str, dict[str, Any]]], Depends(current_session)]

    @app.post("/login")
    async def login(body: Login, request: Request) -> dict[str, str]:
        expected = USERS.get(body.username, "")
        if not (expected and hmac.compare_digest(expected.encode(), body.password.encode())):
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "wrong username or password")
        label = request.headers.get("user-agent", "unknown device")[:200]
        session_id = await sessions.create_session(
            user_id=body.username,
            label=label,
            meta={"login_ip": request.client.host if request.client else ""},
        )
        return {
            "token": session_id,
            "authorization": SessionUtils.get_auth_token_for_session_id(session_id),
        }

    @app.get("/me")
    async def me(current: Current) -> dict[str, Any]:
        _, session = current
        return {"user": session.user_id, "meta": session.meta, "session_key": session.key}

    @app.get("/sessions")
    async def my_sessions(current: Current) -> list[Device]:
        _, session = current
        return [
            Device(
                key=s.key,
                label=s.label,
                last_used_at=s.last_used_at.isoformat(),
                current=s.key == session.key,
            )
            for s in await sessions.get_sessions_for_user(session.user_id)
        ]

    @app.delete("/sessions/{key}", status_code=status.HTTP_204_NO_CONTENT)
    async def revoke(key: str, current: Current) -> None:
        _, session = current
        mine = {s.key: s for s in await sessions.get_sessions_for_user(session.user_id)}
        if key not in mine:  # only your own devices, and no hint about others'
            raise HTTPException(status.HTTP_404_NOT_FOUND, "no such session")
        await sessions.destroy_session(mine[key])

    @app.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
    async def logout(current: Current) -> None:
        session_id, _ = current
        await sessions.destroy_session(session_id)

    @app.post("/logout-everywhere")
    async def logout_everywhere(current: Current) -> dict[str, int]:
        session_id, session = current
        count = await sessions.destroy_sessions_for_user(session.user_id, keep=session_id)
        return {"logged_out": count}

    return app


app = create_app()
