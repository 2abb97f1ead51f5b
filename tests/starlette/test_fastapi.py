"""FastAPI reads dependencies from annotations at runtime: this module has
no ``from __future__ import annotations``, like an app's own modules."""

from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from starlette.testclient import TestClient

from authsessions import AsyncInMemorySessions, Session
from authsessions.starlette import SessionAuth
from tests.web.journeys import BASE, SAME_ORIGIN

auth: SessionAuth[str, dict[str, Any]] = SessionAuth(AsyncInMemorySessions())
app = FastAPI(middleware=[auth.middleware])
Current = Annotated[Session[str, dict[str, Any]], Depends(auth.required)]
Maybe = Annotated[Session[str, dict[str, Any]] | None, Depends(auth.optional)]


@app.get("/me")
async def me(session: Current) -> dict[str, Any]:
    return {"user": session.user_id}


@app.get("/maybe")
async def maybe(session: Maybe) -> dict[str, Any]:
    return {"user": session.user_id if session else None}


@app.post("/login")
async def login(request: Request) -> dict[str, Any]:
    await auth.login(request, user_id="ann", meta={})
    return {}


def test_dependencies_give_the_session_or_answer_401() -> None:
    with TestClient(app, base_url=BASE) as http:
        response = http.get("/me")
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == 'Cookie name="session"'
        assert http.get("/maybe").json() == {"user": None}
        http.post("/login", headers=SAME_ORIGIN)
        assert http.get("/me").json() == {"user": "ann"}
        assert http.get("/maybe").json() == {"user": "ann"}
