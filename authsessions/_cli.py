"""The ``authsessions`` command line.

Exit codes: 0 success; 1 the thing asked about failed (unknown key,
unreachable Redis, a store failing the contract); 2 bad usage (a bad URL,
an option of the wrong form, a factory that cannot be imported).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, TextIO

from ._errors import AuthSessionsError, SessionBackendError
from ._session import Session
from ._table import ago, clip, render

URL_ENV = "AUTHSESSIONS_REDIS_URL"
_USER_TYPES: dict[str, Any] = {"str": str, "int": int, "uuid": uuid.UUID}


class CliError(Exception):
    """A one-line error for the user, with an exit code."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="authsessions",
        description="Server-side auth sessions: a demo, operator commands, a contract check.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    demo = commands.add_parser("demo", help="a guided tour (embedded Redis, else in memory)")
    demo.add_argument(
        "--store", choices=["auto", "memory", "redis"], default="auto",
        help="auto: an embedded Redis if a redis-server binary exists, else memory",
    )  # fmt: skip

    def operator(name: str, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text)
        sub.add_argument("--redis-url", default=os.environ.get(URL_ENV),
                         help=f"Redis to inspect (default: ${URL_ENV})")  # fmt: skip
        sub.add_argument("--prefix", default="authsessions:", help="the store's key prefix")
        sub.add_argument("--cluster", action="store_true", help="the URL is a Redis Cluster node")
        sub.add_argument("--user-id-type", choices=sorted(_USER_TYPES), default="str")
        return sub

    ls = operator("ls", "list live sessions, most recently used first")
    ls.add_argument("--user", help="only this user's sessions")
    ls.add_argument("--json", action="store_true", help="JSON lines instead of a table")
    show = operator("show", "show one session by its public key")
    show.add_argument("key")
    revoke = operator("revoke", "destroy one session by key, or all of a user's")
    revoke.add_argument("key", nargs="?")
    revoke.add_argument("--user", help="revoke every session of this user")
    revoke.add_argument("--keep", metavar="KEY", help="with --user: keep this session")
    operator("prune", "remove expired records and dangling index entries")
    operator("stats", "count sessions, users, expired-but-not-collected records, keys per node")
    check = commands.add_parser("check", help="run the contract suite against a store factory")
    check.add_argument("target", metavar="MODULE:FACTORY",
                       help="a callable (namespace, clock, **options) -> store")  # fmt: skip
    check.add_argument("--profile", choices=["dev", "ci"], default="dev")
    check.add_argument("-k", dest="select", help="only rules matching this pytest -k expression")
    return parser


def _store(args: argparse.Namespace) -> Any:
    if not args.redis_url:
        raise CliError(f"no Redis URL: pass --redis-url or set {URL_ENV}", 2)
    try:
        import redis
        import redis.cluster
    except ImportError:
        raise CliError(
            "the redis package is missing: pip install 'authsessions[redis]'", 2
        ) from None
    from ._redis_sync import RedisSessions

    client_class = redis.cluster.RedisCluster if args.cluster else redis.Redis
    try:
        client = client_class.from_url(args.redis_url, socket_connect_timeout=5, socket_timeout=10)
    except (ValueError, redis.RedisError) as err:
        raise CliError(f"invalid --redis-url: {err}", 2) from None
    return RedisSessions(
        client, prefix=args.prefix, user_id_type=_USER_TYPES[args.user_id_type], meta_type=Any
    )


def _user(args: argparse.Namespace, raw: str) -> Any:
    try:
        return _USER_TYPES[args.user_id_type](raw)
    except ValueError:
        raise CliError(f"--user {raw!r} is not a valid {args.user_id_type}", 2) from None


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, uuid.UUID) else value


def _as_json(session: Session[Any, Any]) -> dict[str, Any]:
    return {
        "key": session.key,
        "user_id": _plain(session.user_id),
        "label": session.label,
        "meta": session.meta,
        "created_at": session.created_at.isoformat(),
        "last_used_at": session.last_used_at.isoformat(),
        "expires_at": session.expires_at.isoformat(),
    }


def _table(sessions: list[Session[Any, Any]]) -> str:
    if not sessions:
        return "(no sessions)"
    now = datetime.now(UTC)
    rows = [
        [
            s.key,
            clip(str(_plain(s.user_id)), 24),
            clip(s.label, 32),
            ago(s.last_used_at, now),
            ago(s.expires_at, now),
            clip(json.dumps(s.meta, ensure_ascii=False), 40),
        ]
        for s in sessions
    ]
    return render(["key", "user", "label", "last used", "expires", "meta"], rows)


def _run(args: argparse.Namespace, out: TextIO) -> int:
    if args.command == "demo":
        from ._demo import run_demo

        return run_demo(args.store, out=out)
    if args.command == "check":
        return _check(args, out)
    from . import _operator

    store = _store(args)
    try:
        if args.command == "ls":
            sessions = (
                store.get_sessions_for_user(_user(args, args.user))
                if args.user is not None
                else store.list_sessions()
            )
            if args.json:
                for session in sessions:
                    print(json.dumps(_as_json(session), ensure_ascii=False), file=out)
            else:
                print(_table(sessions), file=out)
        elif args.command == "show":
            session = _operator.find_session(store, args.key)
            if session is None:
                raise CliError(f"no live session with key {args.key!r}")
            print(json.dumps(_as_json(session), indent=2, ensure_ascii=False), file=out)
        elif args.command == "revoke":
            if (args.key is None) == (args.user is None):
                raise CliError("revoke takes a KEY or --user USER (not both)", 2)
            if args.keep is not None and args.user is None:
                raise CliError("--keep goes with --user", 2)
            if args.user is not None:
                count = _operator.revoke_user(store, _user(args, args.user), args.keep)
                print(f"revoked {count} session{'s' if count != 1 else ''}", file=out)
            else:
                found = _operator.find_session(store, args.key)
                if found is None or not store.destroy_session(found):
                    raise CliError(f"no live session with key {args.key!r}")
                print(f"revoked {args.key}", file=out)
        elif args.command == "prune":
            print(f"removed {store.prune()}", file=out)
        elif args.command == "stats":
            for name, value in _operator.stats(store).items():
                print(f"{name}: {json.dumps(value)}", file=out)
    finally:
        store.client.close()
    return 0


def _check(args: argparse.Namespace, out: TextIO) -> int:
    module_name, _, attribute = args.target.partition(":")
    if not module_name or not attribute:
        raise CliError("check takes MODULE:FACTORY, for example mypackage.stores:factory", 2)
    sys.path.insert(0, os.getcwd())
    try:
        module = importlib.import_module(module_name)
        factory = getattr(module, attribute)
    except Exception as err:
        raise CliError(f"cannot import {args.target}: {type(err).__name__}: {err}", 2) from None
    if not callable(factory):
        raise CliError(f"{args.target} is not callable", 2)
    try:
        from contract_tests import run_contract
    except ImportError as err:
        raise CliError(f"the contract suite needs pytest and hypothesis: {err}", 2) from None
    report = run_contract(factory, profile=args.profile, select=args.select)
    print(report.summary(), file=out)
    if not report.results:
        raise CliError("no contract rule ran (check the -k expression)")
    return 0 if report.ok else 1


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None) -> int:
    """Run the command line; returns the exit code."""
    out = out or sys.stdout
    args = _parser().parse_args(argv)
    try:
        return _run(args, out)
    except CliError as err:
        print(f"authsessions: {err}", file=sys.stderr)
        return err.code
    except SessionBackendError as err:
        print(f"authsessions: cannot reach Redis: {err.detail}", file=sys.stderr)
        return 1
    except AuthSessionsError as err:
        print(f"authsessions: {err}", file=sys.stderr)
        return 1
