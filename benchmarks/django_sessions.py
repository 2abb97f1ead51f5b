"""authsessions.django side by side with django-user-sessions, on the same
database: what one request's session costs in a Django project.

    python benchmarks/django_sessions.py [--db sqlite|postgres] [--rounds 7] [--n 300]

Each stack answers the same request (a GET whose view reads
``request.user.pk``) through Django's own handler, middleware included;
the floor is the same request without any session middleware, so "session
cost" is what the session layer adds: reading the session, loading the
user, recording the use. Cases run in interleaved rounds (medians); this
process and the database server are pinned to one vCPU.

- django-user-sessions, as installed: its middleware and Django's
  ``AuthenticationMiddleware``; a read-only request saves nothing, so its
  "last activity" is the last time the session changed.
- django-user-sessions with ``SESSION_SAVE_EVERY_REQUEST`` (what keeps its
  "last activity" current): the session is saved on every request.
- authsessions.django on ``database_store`` (SqlSessions on the same
  database): touching every read (one UPDATE ... RETURNING), and throttled
  (``touch_interval`` one minute: one SELECT).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from _timing import Bench

from authsessions import ClientInfo, SessionPolicy

AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36"
IP = "127.0.0.1"
BACKEND = "django.contrib.auth.backends.ModelBackend"


def view(request: Any) -> Any:
    from django.http import HttpResponse

    user = getattr(request, "user", None)
    return HttpResponse(str(user.pk) if user is not None else "floor")


urlpatterns: list[Any] = []
APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "user_sessions",
    "authsessions.django",
]


def _configure(database: dict[str, Any]) -> None:
    import django
    from django.conf import settings
    from django.urls import path

    urlpatterns.append(path("me", view))
    settings.configure(
        DATABASES={"default": database},
        INSTALLED_APPS=APPS,
        SESSION_ENGINE="user_sessions.backends.db",
        AUTHSESSIONS={"STORE": "authsessions.django.database_store"},
        ROOT_URLCONF=__name__,
        ALLOWED_HOSTS=["testserver"],
        SECRET_KEY="benchmark-only",
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        USE_TZ=True,
        DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
    )
    django.setup()


def _handler(middleware: list[str]) -> Any:
    from django.core.handlers.base import BaseHandler
    from django.test import override_settings

    with override_settings(MIDDLEWARE=middleware):
        handler = BaseHandler()
        handler.load_middleware()
    return handler


def _their_session(user: Any) -> str:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from user_sessions.backends.db import SessionStore

    session = SessionStore(ip=IP, user_agent=AGENT)
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = BACKEND
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return str(session.session_key)


def run(args: argparse.Namespace, database: dict[str, Any]) -> str:
    _configure(database)
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import RequestFactory, override_settings

    from authsessions.django import database_store
    from authsessions.django._auth import session_hash  # what login() records

    call_command("migrate", verbosity=0)
    users: Any = get_user_model()
    user = users.objects.create_user("alice", password="wonderland")
    touching = database_store(policy=SessionPolicy(max_sessions_per_user=None))
    throttled = database_store(policy=SessionPolicy(max_sessions_per_user=None,
                                                    touch_interval=timedelta(minutes=1)))  # fmt: skip
    meta = {"backend": BACKEND, "hash": session_hash(user.get_session_auth_hash())}
    ours = touching.create_session(user_id=str(user.pk), label="Chrome on Linux", meta=meta,
                                   client=ClientInfo.from_request(ip=IP, user_agent=AGENT))  # fmt: skip
    theirs = _their_session(user)
    factory = RequestFactory()
    floor = _handler([])
    their_stack = _handler(["user_sessions.middleware.SessionMiddleware",
                            "django.contrib.auth.middleware.AuthenticationMiddleware"])  # fmt: skip
    our_stack = _handler(["authsessions.django.SessionMiddleware"])
    cookies = {"floor": "", "theirs": f"sessionid={theirs}", "ours": f"__Host-session={ours}"}
    active: list[Any] = []

    def requests(
        kind: str, *, every_request: bool = False, store: Any = None
    ) -> Callable[[int], list[Any]]:
        def make(count: int) -> list[Any]:
            settings.SESSION_SAVE_EVERY_REQUEST = every_request
            if store is not None:
                while active:
                    active.pop().disable()
                override = override_settings(AUTHSESSIONS={"STORE": store})
                override.enable()
                active.append(override)
            return [factory.get("/me", HTTP_COOKIE=cookies[kind], REMOTE_ADDR=IP,
                                HTTP_USER_AGENT=AGENT) for _ in range(count)]  # fmt: skip

        return make

    def serve(handler: Any, expected: bytes) -> Callable[[Any], None]:
        def call(request: Any) -> None:
            response = handler.get_response(request)
            assert response.content == expected, response.content

        return call

    pk = str(user.pk).encode()
    bench = Bench(args.rounds, args.n)
    bench.add("floor (no session middleware)", serve(floor, b"floor"), setup=requests("floor"))
    bench.add("django-user-sessions", serve(their_stack, pk), setup=requests("theirs"))
    bench.add("django-user-sessions, SESSION_SAVE_EVERY_REQUEST", serve(their_stack, pk),
              setup=requests("theirs", every_request=True))  # fmt: skip
    bench.add("authsessions.django, touching", serve(our_stack, pk),
              setup=requests("ours", store=touching))  # fmt: skip
    bench.add("authsessions.django, throttled (1 min)", serve(our_stack, pk),
              setup=requests("ours", store=throttled))  # fmt: skip
    med = bench.run("django")
    return _table(med)


PAIRS = [
    ("last activity recorded on every request",
     "django-user-sessions, SESSION_SAVE_EVERY_REQUEST", "authsessions.django, touching"),
    ("last activity not written per request",
     "django-user-sessions", "authsessions.django, throttled (1 min)"),
]  # fmt: skip


def _table(med: dict[str, float]) -> str:
    base = med["floor (no session middleware)"]
    lines = [
        f"Floor (the same request, no session middleware): {base:,.0f} µs per request.",
        "",
        "| like for like | django-user-sessions (µs) | authsessions.django (µs) | ours ÷ theirs |",
        "|---|---|---|---|",
    ]
    for what, theirs, ours in PAIRS:
        cost_theirs, cost_ours = med[theirs] - base, med[ours] - base
        lines.append(
            f"| {what} | {cost_theirs:,.0f} | {cost_ours:,.0f} | {cost_ours / cost_theirs:.2f} |"
        )
    lines.append("")
    lines.append("(session cost: per-request median minus the floor's, same interleaved run)")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--n", type=int, default=300, help="requests per case per round")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {0})
    if args.db == "sqlite":
        import tempfile

        folder = tempfile.mkdtemp(prefix="authsessions-bench-")
        database = {"ENGINE": "django.db.backends.sqlite3", "NAME": f"{folder}/db.sqlite3"}
        print(f"SQLite file {database['NAME']}, Python {sys.version.split()[0]}", file=sys.stderr)
        print(run(args, database))
        return 0
    from _sql import django_database
    from sqlalchemy.engine import make_url

    from authsessions.testing import provision_postgres

    server = provision_postgres("binary")
    try:
        pid = server.server.get_pid()  # type: ignore[attr-defined]
        if pid is not None and hasattr(os, "sched_setaffinity"):
            import psutil

            parent = psutil.Process(pid)
            for process in [parent, *parent.children(recursive=True)]:
                os.sched_setaffinity(process.pid, {0})
        print(run(args, django_database(make_url(server.url))))
    finally:
        server.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
