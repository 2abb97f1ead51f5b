"""Which store an operator command works on: the application's own
configured store (``--store MODULE:ATTR`` or ``$AUTHSESSIONS_STORE``), so
prefix, types, policy and cluster mode come from the app; or a Redis or
SQL URL with the policy given on the command line, said out loud."""

from __future__ import annotations

import asyncio
import importlib
import inspect
import os
import re
import sys
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import attrs

from authsessions import ConfigurationError, SessionPolicy

from ._errors import CliError

STORE_ENV = "AUTHSESSIONS_STORE"
URL_ENV = "AUTHSESSIONS_REDIS_URL"
SQL_URL_ENV = "AUTHSESSIONS_SQL_URL"
USER_TYPES: dict[str, Any] = {"str": str, "int": int, "uuid": uuid.UUID}
_DURATION = re.compile(r"(\d+)([smhd])")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def duration(text: str) -> timedelta:
    """``90s``, ``15m``, ``2h``, ``30d`` (argparse type).

    Raises:
        ValueError: for anything else.
    """
    match = _DURATION.fullmatch(text.strip())
    if match is None:
        raise ValueError("a duration is a number and a unit: 90s, 15m, 2h, 30d")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def describe_duration(value: timedelta | None) -> str:
    if value is None:
        return "off"
    seconds = int(value.total_seconds())
    for size, unit in ((86400, "d"), (3600, "h"), (60, "m")):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


@attrs.define
class Target:
    """An open store, a line saying what it is, how to close it, and a
    check that it is usable (run after the line is shown)."""

    store: Any
    description: str
    close: Callable[[], None]
    check: Callable[[], None] = lambda: None


def load(spec: str, what: str) -> Any:
    """The object at ``module:attr`` (the current directory importable).

    Raises:
        CliError: malformed spec (2), import failure (2).
    """
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise CliError(f"{what} takes MODULE:ATTR, for example mypackage.sessions:store", 2)
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        module = importlib.import_module(module_name)
        value = module
        for part in attribute.split("."):
            value = getattr(value, part)
    except Exception as err:
        raise CliError(f"cannot import {spec}: {type(err).__name__}: {err}", 2) from None
    return value


class SyncAdapter:
    """Drives an asyncio store from the (synchronous) command line, on a
    private event loop."""

    def __init__(self, store: Any) -> None:
        self._store = store
        self._loop = asyncio.new_event_loop()

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._store, name)
        if name == "iter_sessions":

            def stream() -> Iterator[Any]:
                iterator = attribute()
                while True:
                    try:
                        yield self._loop.run_until_complete(iterator.__anext__())
                    except StopAsyncIteration:
                        return

            return stream
        if not inspect.iscoroutinefunction(attribute):
            return attribute

        def call(*args: Any, **kwargs: Any) -> Any:
            return self._loop.run_until_complete(attribute(*args, **kwargs))

        return call

    def close(self) -> None:
        closer = getattr(self._store, "aclose", None)
        try:
            if closer is not None:
                self._loop.run_until_complete(closer())
        finally:
            self._loop.close()


def _from_spec(spec: str) -> Target:
    value = load(spec, "--store")
    if callable(value) and not hasattr(value, "get_session"):
        try:
            value = value()
        except Exception as err:
            raise CliError(f"{spec}() failed: {type(err).__name__}: {err}", 2) from None
    if not hasattr(value, "get_sessions_for_user"):
        raise CliError(f"{spec} is not a session store (or a function returning one)", 2)
    store = SyncAdapter(value) if inspect.iscoroutinefunction(value.get_session) else value
    closer = getattr(store, "close", None) or (lambda: None)
    return Target(store, f"the store at {spec} ({type(value).__name__})", closer)


def _policy_text(args: Any, policy: SessionPolicy) -> str:
    return (
        f"user ids {args.user_id_type}, policy: "
        f"absolute {describe_duration(policy.absolute_ttl)}, "
        f"idle {describe_duration(policy.idle_ttl)} "
        f"(--store MODULE:ATTR uses your app's own store and policy)"
    )


def _url_policy(args: Any) -> SessionPolicy:
    try:
        return SessionPolicy(absolute_ttl=args.absolute_ttl, idle_ttl=args.idle_ttl)
    except ConfigurationError as err:
        raise CliError(f"--{err.setting.replace('_', '-')}: {err.reason}", 2) from None


def _from_sql_url(args: Any) -> Target:
    try:
        import sqlalchemy
        from sqlalchemy.engine import make_url
    except ImportError:
        raise CliError("SQL URLs need SQLAlchemy: pip install 'authsessions[sql]'", 2) from None
    from authsessions.sql import SqlSessions

    try:
        parsed = make_url(args.sql_url)
    except sqlalchemy.exc.ArgumentError as err:
        raise CliError(f"invalid --sql-url: {err}", 2) from None
    # never the password
    where = parsed.database or "" if parsed.get_backend_name() == "sqlite" else (
        f"{parsed.host or 'localhost'}{f':{parsed.port}' if parsed.port else ''}"
        f"/{parsed.database or ''}"
    )  # fmt: skip
    policy = _url_policy(args)
    try:
        store: Any = SqlSessions.from_url(
            args.sql_url,
            table=args.table,
            user_id_type=USER_TYPES[args.user_id_type],
            meta_type=Any,
            policy=policy,
        )
    except ConfigurationError as err:
        raise CliError(f"--{err.setting.replace('_', '-')}: {err.reason}", 2) from None
    except Exception as err:  # a driver that is not installed, a bad option
        raise CliError(f"invalid --sql-url: {type(err).__name__}: {err}", 2) from None
    description = (
        f"SQL ({parsed.get_backend_name()}) at {where}, table {args.table!r}, "
        + _policy_text(args, policy)
    )

    def check() -> None:
        try:
            with store.engine.connect() as connection:
                present = sqlalchemy.inspect(connection).has_table(args.table)
        except Exception as err:
            first = str(err).splitlines()[0] if str(err) else ""
            raise CliError(f"cannot reach the database: {type(err).__name__}: {first}") from None
        if not present:
            raise CliError(
                f"no table {args.table!r} in that database (--table names another; "
                "the app's create_schema() or migrations create it)"
            )

    return Target(store, description, store.close, check)


def _from_redis_url(args: Any) -> Target:
    try:
        import redis
        import redis.cluster
    except ImportError:
        raise CliError(
            "Redis URLs need the redis package: pip install 'authsessions[redis]'", 2
        ) from None
    from authsessions.redis import RedisSessions

    url = args.redis_url
    parts = urlsplit(url)
    where = f"{parts.hostname or 'localhost'}:{parts.port or 6379}"  # never the password
    options: dict[str, Any] = {"socket_connect_timeout": 5, "socket_timeout": 10}
    try:
        client: Any = redis.Redis.from_url(url, **options)
    except (ValueError, redis.RedisError) as err:
        raise CliError(f"invalid --redis-url: {err}", 2) from None
    try:
        cluster = bool(client.info("cluster").get("cluster_enabled"))
    except redis.RedisError as err:
        client.close()
        raise CliError(f"cannot reach Redis at {where}: {type(err).__name__}: {err}") from None
    if args.cluster and not cluster:
        client.close()
        raise CliError(f"--cluster: the Redis at {where} is not a cluster node", 2)
    if cluster:  # found out from the server: a cluster node answers INFO cluster
        client.close()
        try:
            client = redis.cluster.RedisCluster.from_url(url, **options)
        except redis.RedisError as err:
            raise CliError(f"cannot reach the cluster at {where}: {err}") from None
    try:
        policy = _url_policy(args)
        store: Any = RedisSessions(
            client,
            prefix=args.prefix,
            user_id_type=USER_TYPES[args.user_id_type],
            meta_type=Any,
            policy=policy,
        )
    except ConfigurationError as err:
        client.close()
        raise CliError(f"--{err.setting.replace('_', '-')}: {err.reason}", 2) from None
    except CliError:
        client.close()
        raise
    kind = "Redis Cluster" if cluster else "Redis"
    description = f"{kind} at {where}, prefix {args.prefix!r}, " + _policy_text(args, policy)
    return Target(store, description, client.close)


def open_target(args: Any) -> Target:
    """The store an operator command works on.

    Raises:
        CliError: nothing to work on, or it cannot be opened.
    """
    spec = args.store or os.environ.get(STORE_ENV)
    if spec:
        return _from_spec(spec)
    if args.redis_url and args.sql_url:
        raise CliError(
            f"one store at a time: --redis-url or --sql-url (or ${URL_ENV} or ${SQL_URL_ENV})",
            2,
        )
    if args.redis_url:
        return _from_redis_url(args)
    if args.sql_url:
        return _from_sql_url(args)
    raise CliError(
        f"no store given: pass --store MODULE:ATTR (your application's store), "
        f"--redis-url URL or --sql-url URL, or set ${STORE_ENV}, ${URL_ENV} or ${SQL_URL_ENV}",
        2,
    )
