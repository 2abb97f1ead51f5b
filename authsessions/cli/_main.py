"""The ``authsessions`` command line.

Exit codes: 0 success; 1 the thing asked about failed or matched nothing
(an unknown key, a user with no live sessions to revoke, an unreachable
store, a store failing the contract); 2 bad usage (an option of the wrong
form, a SessionId where a key belongs, a factory that cannot be imported),
found before any store is opened where it can be; 130 interrupted
(Ctrl-C). Errors are one line on stderr.
Nothing printed ever holds a secret: a SessionId pasted where a key
belongs is refused without echoing what follows its dot.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from typing import Any, NoReturn, TextIO

from authsessions import (
    AuthSessionsError,
    InvalidSessionDataError,
    Session,
    SessionBackendError,
    escape_text,
)
from authsessions.kit import is_session_key

from ._errors import INTERRUPTED, USAGE, CliError
from ._export import FORMATS, check_parquet, writer_for
from ._output import Output
from ._target import (
    SQL_URL_ENV,
    STORE_ENV,
    URL_ENV,
    USER_TYPES,
    Target,
    duration,
    open_target,
)

_BATCH = 500


def _version() -> str:
    try:
        return version("authsessions")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "unknown"


class _Parser(argparse.ArgumentParser):
    """argparse, with usage errors on one line like every other error."""

    def error(self, message: str) -> NoReturn:
        self.exit(USAGE, f"{self.prog}: {message} (see {self.prog} --help)\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="authsessions",
        description="Server-side auth sessions: a demo, operator commands, a contract check.",
        epilog="Exit codes: 0 ok, 1 failed or matched nothing, 2 bad usage, 130 interrupted.",
    )
    parser.add_argument("--version", action="version", version=f"authsessions {_version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    demo = commands.add_parser("demo", help="a guided tour on an embedded store")
    demo.add_argument(
        "--store", choices=["auto", "memory", "redis", "sqlite"], default="auto",
        help="auto: an embedded Redis if a redis-server binary exists, else in memory; "
        "sqlite: an in-memory SQLite database",
    )  # fmt: skip

    def operator(name: str, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        where = sub.add_argument_group("which store")
        where.add_argument(
            "--store",
            metavar="MODULE:ATTR",
            help=f"your application's store, or a function returning it (default: "
            f"${STORE_ENV}); its prefix, types and policy apply",
        )
        where.add_argument(
            "--redis-url",
            metavar="URL",
            default=os.environ.get(URL_ENV),
            help=f"a Redis or Redis Cluster node (default: ${URL_ENV}); cluster mode is "
            "detected from the server",
        )
        where.add_argument(
            "--sql-url",
            metavar="URL",
            default=os.environ.get(SQL_URL_ENV),
            help=f"a SQLAlchemy URL, e.g. postgresql+psycopg://app@db/app or "
            f"sqlite:///sessions.db (default: ${SQL_URL_ENV})",
        )
        where.add_argument(
            "--prefix",
            default="authsessions:",
            help="with --redis-url: the store's key prefix (default %(default)r)",
        )
        where.add_argument(
            "--table",
            default="authsessions",
            help="with --sql-url: the store's table (default %(default)r)",
        )
        where.add_argument(
            "--user-id-type",
            choices=sorted(USER_TYPES),
            default="str",
            help="with a URL: the type of user ids (default %(default)s)",
        )
        where.add_argument(
            "--absolute-ttl",
            type=duration,
            default=duration("30d"),
            metavar="DURATION",
            help="with a URL: the policy's absolute lifetime (default 30d)",
        )
        where.add_argument(
            "--idle-ttl",
            type=duration,
            default=None,
            metavar="DURATION",
            help="with a URL: the policy's idle lifetime, e.g. 2h (default off)",
        )
        where.add_argument(
            "--cluster",
            action="store_true",
            help="with --redis-url: insist the URL is a cluster node (detected anyway)",
        )
        return sub

    ls = operator(
        "ls", "list live sessions (all: streamed in store order; one user's: newest first)"
    )
    ls.add_argument("--user", help="only this user's sessions, most recently used first")
    ls.add_argument(
        "--format", choices=FORMATS, default=None,
        help="table (default), csv, jsonl (one JSON object per line), json (one array) or "
        "parquet (needs pyarrow and --output); every format streams",
    )  # fmt: skip
    ls.add_argument("--json", action="store_true", help="the same as --format jsonl")
    ls.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="write to FILE instead of stdout; without --format, in the format its "
        "extension names (.csv, .json, .jsonl or .ndjson, .parquet; CSV for others)",
    )
    ls.add_argument(
        "--since", type=_since, metavar="WHEN",
        help="only sessions used since WHEN: a duration ago (2h, 7d) or a UTC date or time "
        "(2026-12-01, 2026-12-01T08:00)",
    )  # fmt: skip
    ls.add_argument("--label", metavar="TEXT", help="only sessions whose label contains TEXT")
    show = operator("show", "show one session by its public key, without touching it")
    show.add_argument("key", help="the session's key: the part of a SessionId before the dot")
    revoke = operator("revoke", "destroy one session by key, or every session of a user")
    revoke.add_argument("key", nargs="?", help="the key of the session to revoke")
    revoke.add_argument("--user", help="revoke every session of this user")
    revoke.add_argument("--keep", metavar="KEY", help="with --user: keep this session of theirs")
    operator("prune", "remove expired sessions and dangling index entries")
    stats = operator("stats", "count live sessions, users and expired-but-not-collected ones")
    stats.add_argument("--json", action="store_true", help="the counts as one JSON object")
    stats.add_argument(
        "--breakdown", action="store_true",
        help="also live sessions per label and how many users have 1, 2, ... sessions "
        "(streams through the store)",
    )  # fmt: skip
    operator("migrate", "register Redis user indexes written by authsessions 0.1 (idempotent)")
    check = commands.add_parser("check", help="run the contract suite against a store factory")
    check.add_argument("target", metavar="MODULE:FACTORY",
                       help="a callable (namespace, clock, **options) -> store")  # fmt: skip
    check.add_argument("--profile", choices=["dev", "ci", "exhaustive"], default="dev",
                       help="dev: quick, stops at the first failing rule (default); ci: 4x "
                            "the examples, every rule; exhaustive: every distinct failure, "
                            "shrunk")  # fmt: skip
    check.add_argument("-k", dest="select", metavar="EXPR",
                       help="only rules matching this pytest -k expression")  # fmt: skip
    check.add_argument("-x", "--exitfirst", action="store_true",
                       help="stop at the first failing rule (always, under dev)")  # fmt: skip
    return parser


def _since(text: str) -> datetime:
    """``--since``: a duration ago, or an ISO date or time (UTC unless it
    says otherwise).

    Raises:
        ValueError: neither (argparse reports it as bad usage).
    """
    try:
        return datetime.now(UTC) - duration(text)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError("a duration (2h, 7d) or a date (2026-12-01)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _escape(text: str) -> str:
    """User input echoed in an error: control and non-ASCII characters as
    visible escapes."""
    return text.encode("unicode_escape").decode("ascii")


def _key(raw: str, what: str) -> str:
    """A session key from the command line, or a usage error that never
    prints what follows a dot (a pasted SessionId's secret)."""
    if is_session_key(raw):
        return raw
    head, dot, _ = raw.partition(".")
    if dot and is_session_key(head):
        raise CliError(
            f"{what}: that is a SessionId; pass its key, the part before the dot "
            f"({head}): the secret after it is not needed",
            USAGE,
        )
    shown = _escape(head[:40]) + ("…" if dot or len(head) > 40 else "")
    raise CliError(f"{what}: {shown} is not a session key (32 lowercase hex digits)", USAGE)


def _url_user(raw: str, args: Any) -> Any:
    """``--user`` as the user id type named on the command line (URL mode).

    Raises:
        CliError: not of that type (usage).
    """
    try:
        return USER_TYPES[args.user_id_type](raw)
    except ValueError:
        raise CliError(
            f"--user {_escape(raw)} is not a valid {args.user_id_type}", USAGE
        ) from None


def _user_of(target: Target, raw: str, args: Any) -> Any:
    """``--user`` as the store's user id type: the named one in URL mode;
    with ``--store``, the first of str, int, UUID the store accepts."""
    if not _app_store(args):
        return _url_user(raw, args)
    for convert in USER_TYPES.values():
        try:
            candidate = convert(raw)
            target.store.get_sessions_for_user(candidate)
        except (ValueError, InvalidSessionDataError):
            continue
        return candidate
    codec = getattr(getattr(target.store, "config", None), "codec", None)
    kind = getattr(getattr(codec, "user_id_type", None), "__name__", None)
    takes = f" (its user ids are {kind})" if kind else " (it takes none of str, int, UUID)"
    raise CliError(f"--user {_escape(raw)} is not a user id this store accepts{takes}", USAGE)


def _app_store(args: Any) -> bool:
    return bool(args.store or os.environ.get(STORE_ENV))


def _check_usage(args: Any) -> None:
    """Every usage error that needs no store, found before one is opened
    (so none is reported after a "using ..." line)."""
    if args.command == "revoke":
        _check_revoke(args)
    for name, what in (("key", args.command), ("keep", "--keep")):
        if getattr(args, name, None) is not None:
            _key(getattr(args, name), what)
    if getattr(args, "user", None) is not None and not _app_store(args):
        _url_user(args.user, args)
    if args.command == "ls" and _format(args) == "parquet":
        check_parquet(args.output)


_EXTENSIONS = {".csv": "csv", ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl",
               ".parquet": "parquet", ".pq": "parquet"}  # fmt: skip


def _format(args: Any) -> str:
    """``ls``'s format: ``--format``, else ``--json``, else what the
    ``--output`` file's extension says (CSV for any other file), else a
    table on the terminal."""
    if args.format is not None:
        return str(args.format)
    if args.json:
        return "jsonl"
    if args.output is not None:
        return _EXTENSIONS.get(os.path.splitext(args.output)[1].lower(), "csv")
    return "table"


def _batches(sessions: Iterator[Session[Any, Any]]) -> Iterator[list[Session[Any, Any]]]:
    batch: list[Session[Any, Any]] = []
    for session in sessions:
        batch.append(session)
        if len(batch) == _BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _wanted(args: Any) -> Any:
    """The ``--since`` and ``--label`` filter, or None for none."""
    since, label = args.since, args.label
    if since is None and label is None:
        return None
    return lambda s: (
        (since is None or s.last_used_at >= since) and (label is None or label in s.label)
    )


def _ls(target: Target, args: Any, out: Output) -> None:
    kind = _format(args)
    wanted = _wanted(args)
    if args.user is not None:
        sessions: Iterator[Session[Any, Any]] = iter(
            target.store.get_sessions_for_user(_user_of(target, args.user, args))
        )
    else:
        sessions = target.store.iter_sessions()
    if wanted is not None:
        sessions = filter(wanted, sessions)
    if kind == "table" and args.output is None:
        _table(sessions, args, out)
        return
    stream: Any = None
    try:
        if args.output is not None and kind != "parquet":
            stream = open(args.output, "w", encoding="utf-8", newline="")  # noqa: SIM115
        writer = writer_for(kind if kind != "table" else "csv", stream or out.out, args.output)
        count = 0
        try:
            for batch in _batches(sessions):
                writer.write(batch)
                count += len(batch)
        finally:
            writer.close()
    except OSError as err:
        raise CliError(f"cannot write {args.output}: {err.strerror}", USAGE) from None
    finally:
        if stream is not None:
            stream.close()
    if args.output is not None:
        out.note(f"wrote {count:,} session{'s' if count != 1 else ''} to {args.output}")


def _table(sessions: Iterator[Session[Any, Any]], args: Any, out: Output) -> None:
    count = 0
    # no progress line: the rows streaming in are the progress (a status
    # line on stderr would be left between them)
    for batch in _batches(sessions):
        count += len(batch)
        out.table(batch)
    if count == 0:
        out.line("(no sessions)")
    elif out.tty:
        out.note(f"{count:,} session{'s' if count != 1 else ''}")


def _show(target: Target, args: Any, out: Output) -> None:
    key = _key(args.key, "show")
    session = target.store.get_session_by_key(key)
    if session is None:
        raise CliError(f"no live session with key {key}")
    out.json_line(session.to_dict()) if not out.tty else out.table([session])


def _check_revoke(args: Any) -> None:
    if args.keep is not None and args.user is None:
        raise CliError("--keep goes with --user", USAGE)
    if (args.key is None) == (args.user is None):
        raise CliError("revoke takes a KEY, or --user USER (one of them)", USAGE)


def _revoke(target: Target, args: Any, out: Output) -> None:
    store = target.store
    if args.user is None:
        key = _key(args.key, "revoke")
        found = store.get_session_by_key(key)
        if found is None or not store.destroy_session(found):
            raise CliError(f"no live session with key {key}")
        out.line(f"revoked {key}")
        return
    user = _user_of(target, args.user, args)
    keep = None
    if args.keep is not None:
        keep_key = _key(args.keep, "--keep")
        keep = store.get_session_by_key(keep_key)
        if keep is None or keep.user_id != user:
            raise CliError(
                f"--keep {keep_key} is not one of {_escape(args.user)}'s live sessions; "
                "nothing was revoked",
                USAGE,
            )
    count = store.destroy_sessions_for_user(user, keep=keep)
    if count == 0:
        kept = " besides the one kept" if keep is not None else ""
        raise CliError(f"no live sessions for user {_escape(args.user)}{kept}")
    out.line(f"revoked {count} session{'s' if count != 1 else ''}")


def _prune(target: Target, args: Any, out: Output) -> None:
    with out.progress("pruning expired sessions…"):
        removed = target.store.prune()
    out.line(f"removed {removed}")


def _stats(target: Target, args: Any, out: Output) -> None:
    found = target.store.stats(breakdown=True) if args.breakdown else target.store.stats()
    counts = found.to_dict()
    if args.json:
        out.json_line(counts)
        return
    for name, value in counts.items():
        if value is None:
            continue
        if isinstance(value, dict):
            out.line(f"{name}:")
            for name_, count in value.items():
                out.line(f"  {escape_text(str(name_))}: {count}")  # a label is anyone's text
        else:
            out.line(f"{name}: {value}")


def _migrate(target: Target, args: Any, out: Output) -> None:
    migrate = getattr(target.store, "migrate", None)
    if migrate is None:
        out.line("this store has nothing to migrate")
        return
    with out.progress("registering user indexes…"):
        count = migrate()
    out.line(f"registered {count} user index{'es' if count != 1 else ''}")


def _check(args: Any, out: Output) -> int:
    from ._target import load

    factory = load(args.target, "check")
    if not callable(factory):
        raise CliError(f"{args.target} is not callable", USAGE)
    try:
        from contract_tests import RuleResult, run_contract
    except ImportError as err:
        raise CliError(str(err), USAGE) from None
    marks = {"passed": "ok  ", "failed": "FAIL", "skipped": "skip"}

    def progress(result: RuleResult) -> None:
        out.line(f"  {marks[result.outcome]} {result.rule}  ({result.seconds:.1f}s)")
        out.out.flush()

    out.note(f"running the contract ({args.profile} profile) against {args.target}")
    report = run_contract(
        factory,
        profile=args.profile,
        select=args.select,
        stop_at_first_failure=args.exitfirst or args.profile == "dev",
        progress=progress,
    )
    out.line("")
    head, *_ = report.summary().split("\n", 1)
    out.line(head)
    if report.failed:
        first = report.failed[0]
        out.line(f"\nfirst failing rule: {first.rule}\n{first.report.rstrip()}")
        if args.exitfirst or args.profile == "dev":
            out.line(
                "\nstopped at the first failing rule (--profile ci runs every rule; "
                "-k NAME runs one)"
            )
    if report.status == "interrupted":
        raise KeyboardInterrupt
    if report.status == "error":
        raise CliError("the contract could not run (see above)")
    if not report.results:
        raise CliError("no contract rule ran (check the -k expression)")
    return 0 if report.ok else 1


COMMANDS = {"ls": _ls, "show": _show, "revoke": _revoke, "prune": _prune, "stats": _stats,
            "migrate": _migrate}  # fmt: skip


def _run(args: argparse.Namespace, out: Output) -> int:
    if args.command == "demo":
        from ._demo import run_demo

        return run_demo(args.store, out=out)
    if args.command == "check":
        return _check(args, out)
    _check_usage(args)
    target = open_target(args)
    try:
        if not _app_store(args):
            out.note(f"using {target.description}")
        target.check()
        COMMANDS[args.command](target, args, out)
    finally:
        target.close()
    return 0


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None) -> int:
    """Run the command line; returns the exit code."""
    output = Output(out)
    args = _parser().parse_args(argv)
    try:
        return _run(args, output)
    except CliError as err:
        output.note(f"authsessions: {err}")
        return err.code
    except SessionBackendError as err:
        output.note(f"authsessions: the store's backend failed: {err.detail}")
        return 1
    except AuthSessionsError as err:
        output.note(f"authsessions: {err}")
        return 1
    except KeyboardInterrupt:
        output.note("authsessions: interrupted")
        return INTERRUPTED
    except BrokenPipeError:
        # the reader went away (`authsessions ls | head`): stop quietly, and
        # point stdout at nothing so the interpreter's final flush is silent
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
