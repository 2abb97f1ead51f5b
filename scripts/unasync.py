"""Generate every synchronous store from its asyncio source.

    python scripts/unasync.py          # write the sync twins
    python scripts/unasync.py --check  # exit 1 if a checked-in twin differs

One way to make twins for the whole library: the asyncio module is the
source of truth and its sync twin is generated from it. The rewrite works on
tokens, never on text: ``async``/``await`` keywords are dropped and NAME
tokens (and dotted module paths) are renamed, while comments and string
literals are left exactly as written, except the whole string literals
listed in ``STRINGS`` (docstrings that must say "sync" in the twin).

The check is strict in the ways httpcore's was not: the whole file is
compared (a shorter, longer or hand-edited twin fails), a ``_sync.py`` with
no asyncio source fails, and so does any substitution rule that never fired
(a rename that no longer matches anything is a rule that silently rots).
"""

from __future__ import annotations

import argparse
import difflib
import io
import re
import subprocess
import sys
import tokenize
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "authsessions"

# asyncio source -> generated sync twin
PAIRS = {
    "authsessions/_base_async.py": "authsessions/_base_sync.py",
    "authsessions/_protocols_async.py": "authsessions/_protocols_sync.py",
    "authsessions/reference/_async.py": "authsessions/reference/_sync.py",
    "authsessions/memory/_async.py": "authsessions/memory/_sync.py",
    "authsessions/redis/_async.py": "authsessions/redis/_sync.py",
    "authsessions/sql/_async.py": "authsessions/sql/_sync.py",
    "authsessions/web/_async.py": "authsessions/web/_sync.py",
}

# NAME token -> replacement, in every source
NAMES = {
    "AsyncInMemorySessions": "InMemorySessions",
    "AsyncRedisSessions": "RedisSessions",
    "AsyncSqlSessions": "SqlSessions",
    "AsyncSessions": "Sessions",
    "AsyncFlows": "Flows",
    "AsyncEngine": "Engine",
    "AsyncSerial": "Serial",
    "AsyncFastPath": "FastPath",
    "_fast_async": "_fast",
    "create_all_async": "create_all",
    "table_columns_async": "table_columns",
    "create_async_engine": "create_engine",
    "AsyncIterator": "Iterator",
    "aclose": "close",
    "AsyncStoreBase": "StoreBase",
    "AsyncDictSessions": "DictSessions",
    "AsyncStoreLock": "StoreLock",
    "anext": "next",
    "deliver_async": "deliver",
    "AsyncHook": "Hook",
}

# dotted module paths (as NAME . NAME sequences) -> replacement
DOTTED = {
    ("redis", "asyncio", "cluster"): ("redis", "cluster"),
    ("redis", "asyncio"): ("redis",),
    ("sqlalchemy", "ext", "asyncio"): ("sqlalchemy",),
}

# string literals, by their exact opening text (or all of it) -> replacement,
# per source
STRINGS: dict[str, dict[str, str]] = {
    "authsessions/_protocols_async.py": {
        '"""The interface every store implements, for asyncio: the source of truth\n'
        'for the sync twin (``_protocols_sync.py``, generated)."""': (
            '"""The interface every sync store implements, generated from\n'
            '``_protocols_async.py``."""'
        ),
        '"""An asyncio session store: every method is awaitable\n'
        "    (``iter_sessions`` is an async iterator).": '"""A synchronous session store.',
    },
    "authsessions/_base_async.py": {
        '"""The store base for asyncio stores: the source of truth for the sync twin.': (
            '"""The store base for sync stores, generated from ``_base_async.py``.'
        ),
        '"""The base of every asyncio store (see ``StoreBase`` for sync ones).': (
            '"""The base of every sync store (see ``AsyncStoreBase`` for asyncio ones).'
        ),
    },
    "authsessions/reference/_async.py": {
        '"""A reference store for asyncio: a dict, on the kit\'s store base, storage\n'
        'code only. The source of truth for the sync twin."""': (
            '"""A reference store (sync): a dict, on the kit\'s store base, storage code\n'
            'only. Generated from ``_async.py``."""'
        ),
        '"""Sessions in two dicts, for asyncio: records by key, keys by user.': (
            '"""Sessions in two dicts: records by key, keys by user.'
        ),
    },
    "authsessions/memory/_async.py": {
        '"""The in-memory stores, asyncio source of truth (the sync twin is generated)."""': (
            '"""The in-memory store (sync), generated from ``_async.py``."""'
        ),
        '"""An in-memory store for asyncio (same arguments as ``InMemorySessions``).\n\n'
        "    Task-safe: no operation awaits while it holds the state's lock, so each\n"
        '    is atomic for other tasks; it may also be shared with threads.\n    """': (
            '"""A thread-safe in-memory store.\n\n'
            "    For tests, notebooks and single-process apps. It round-trips user ids\n"
            "    and meta through the same converter as every other store, so it\n"
            "    accepts and rejects exactly the same values and never shares mutable\n"
            '    objects.\n    """'
        ),
    },
    "authsessions/redis/_async.py": {
        '"""The Redis store for asyncio: the source of truth for the sync twin."""': (
            '"""The Redis store (sync), generated from ``_async.py``."""'
        ),
        '"""Sessions in Redis or Redis Cluster, for asyncio.': (
            '"""Sessions in Redis or Redis Cluster (sync).'
        ),
    },
    "authsessions/sql/_async.py": {
        '"""The SQL store for asyncio: the source of truth for the sync twin."""': (
            '"""The SQL store (sync), generated from ``_async.py``."""'
        ),
        '"""Sessions in a SQL database through SQLAlchemy Core, for asyncio.': (
            '"""Sessions in a SQL database through SQLAlchemy Core (sync).'
        ),
    },
    "authsessions/web/_async.py": {
        '"""What a request does with its session, for asyncio stores: the source of\n'
        "truth for the sync twin.": (
            '"""What a request does with its session, for sync stores (generated from\n'
            "``_async.py``)."
        ),
    },
}

HEADER = (
    "# GENERATED by scripts/unasync.py from {source}: do not edit by hand.\n"
    "# Edit {source} and run `python scripts/unasync.py`.\n"
)


class RuleError(Exception):
    """A substitution rule never fired, or a source does not tokenize."""


def _offsets(source: str) -> list[int]:
    starts, total = [0], 0
    for line in source.splitlines(keepends=True):
        total += len(line)
        starts.append(total)
    return starts


def rewrite(source: str, strings: dict[str, str], fired: Counter[str]) -> str:
    """The sync text of an asyncio module (before formatting).

    Raises:
        RuleError: if the source does not tokenize.
    """
    line_start = _offsets(source)

    def at(position: tuple[int, int]) -> int:
        return line_start[position[0] - 1] + position[1]

    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError) as err:
        raise RuleError(f"cannot tokenize: {err}") from err
    edits: list[tuple[int, int, str]] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.type == tokenize.NAME and tok.string in ("async", "await"):
            # drop the keyword and the blank after it
            end = at(tok.end)
            if source[end : end + 1] == " ":
                end += 1
            edits.append((at(tok.start), end, ""))
            fired[tok.string] += 1
            i += 1
            continue
        if tok.type == tokenize.NAME:
            matched = _dotted(tokens, i)
            if matched is not None:
                length, replacement = matched
                last = tokens[i + 2 * (length - 1)]
                edits.append((at(tok.start), at(last.end), ".".join(replacement)))
                fired[".".join(tokens[i + 2 * k].string for k in range(length))] += 1
                i += 2 * length - 1
                continue
            if tok.string in NAMES:
                edits.append((at(tok.start), at(tok.end), NAMES[tok.string]))
                fired[tok.string] += 1
        elif tok.type == tokenize.STRING:
            _check_fstring(tok)
            # a rule names the literal's exact opening text (or all of it)
            for old, new in strings.items():
                if tok.string.startswith(old):
                    edits.append((at(tok.start), at(tok.start) + len(old), new))
                    fired["string:" + old] += 1
                    break
        i += 1
    out = source
    for start, end, text in sorted(edits, reverse=True):
        out = out[:start] + text + out[end:]
    return out


def _check_fstring(tok: tokenize.TokenInfo) -> None:
    """Names inside an f-string's braces are part of one STRING token (on
    Python 3.11): they cannot be renamed, so they must not need it.

    Raises:
        RuleError: an f-string mentions a name a rule renames.
    """
    prefix = tok.string[: len(tok.string) - len(tok.string.lstrip("rRbBuUfF"))]
    if "f" not in prefix.lower():
        return
    for name in NAMES:
        if re.search(rf"\{{[^}}]*\b{name}\b", tok.string):
            raise RuleError(
                f"line {tok.start[0]}: an f-string uses {name}, which the twin renames; "
                "compute it outside the f-string"
            )


def _dotted(tokens: list[tokenize.TokenInfo], i: int) -> tuple[int, tuple[str, ...]] | None:
    """The longest DOTTED path starting at token i: (its length, replacement)."""
    for path, replacement in sorted(DOTTED.items(), key=lambda item: -len(item[0])):
        span = tokens[i : i + 2 * len(path) - 1]
        if len(span) < 2 * len(path) - 1:
            continue
        names = span[0::2]
        dots = span[1::2]
        if (
            all(t.type == tokenize.NAME for t in names)
            and all(t.type == tokenize.OP and t.string == "." for t in dots)
            and tuple(t.string for t in names) == path
        ):
            return len(path), replacement
    return None


def generate(source_path: str, fired: Counter[str], root: Path = ROOT) -> str:
    """The formatted sync twin of one asyncio source."""
    source = (root / source_path).read_text("utf-8")
    strings = STRINGS.get(source_path, {})
    local: Counter[str] = Counter()
    body = rewrite(source, strings, local)
    missing = [s for s in strings if local["string:" + s] == 0]
    if missing:
        raise RuleError(f"{source_path}: string rules that never fired: {missing}")
    fired.update(local)
    target = PAIRS[source_path]
    text = HEADER.format(source=Path(source_path).name) + body
    # renamed imports can need re-sorting (two `from sqlalchemy import`
    # lines), and dropping `await` can let lines join: the twin must pass
    # ruff's import order and format as it is written
    ruff = [sys.executable, "-m", "ruff"]
    stdin = ["--stdin-filename", str(root / target), "-"]
    for command in (["check", "--select", "I", "--fix", "--exit-zero", "--quiet"], ["format"]):
        text = subprocess.run(
            ruff + command + stdin, input=text, capture_output=True, text=True, check=True
        ).stdout
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    parser.add_argument(
        "--root",
        type=Path,
        default=ROOT,
        help="the source tree (default: this checkout; tests check a copy)",
    )
    args = parser.parse_args(argv)
    root: Path = args.root.resolve()
    failed = False
    fired: Counter[str] = Counter()
    for source_path, target_path in PAIRS.items():
        if not (root / source_path).exists():
            print(f"no asyncio source {source_path}")
            failed = True
            continue
        try:
            expected = generate(source_path, fired, root)
        except RuleError as err:
            print(err)
            failed = True
            continue
        target = root / target_path
        if args.check:
            actual = target.read_text("utf-8") if target.exists() else ""
            if actual != expected:
                failed = True
                sys.stdout.writelines(
                    difflib.unified_diff(
                        actual.splitlines(True),
                        expected.splitlines(True),
                        target_path,
                        "generated",
                    )
                )
        else:
            target.write_text(expected, "utf-8")
    unused = [n for n in NAMES if fired[n] == 0]
    unused += [".".join(p) for p in DOTTED if fired[".".join(p)] == 0]
    if unused:
        print(f"substitution rules that never fired: {unused}")
        failed = True
    generated = {(root / t).resolve() for t in PAIRS.values()}
    strays = sorted(
        str(p.relative_to(root))
        for p in (root / PACKAGE.name).rglob("*_sync.py")
        if p.resolve() not in generated
    )
    if strays:
        print(f"sync modules with no asyncio source: {strays}")
        failed = True
    if failed:
        print("the sync twins are out of date: run `python scripts/unasync.py`")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
