"""Every CLI command as a user runs it: the real entry point in a
subprocess, piped and under a pseudo-terminal, against a real Redis."""

from __future__ import annotations

import json
import os
import pty
import re
import secrets
import select
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from authsessions import RedisSessions, SessionPolicy

ROOT = Path(__file__).resolve().parents[2]
SESSION_ID = re.compile(r"[0-9a-f]{32}\.[A-Za-z0-9_-]{43}")
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _env(extra: dict[str, str] | None) -> dict[str, str]:
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in ("AUTHSESSIONS_REDIS_URL", "AUTHSESSIONS_STORE", "NO_COLOR")
    }
    environment.update(extra or {})
    return environment


def _no_secret(text: str, *secret_ids: str) -> None:
    assert not SESSION_ID.search(text), "a SessionId was printed"
    for sid in secret_ids:
        assert sid.partition(".")[2] not in text, "a secret was printed"


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "authsessions", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=_env(env),
        timeout=300,
        check=False,
    )
    _no_secret(result.stdout + result.stderr)
    return result


def tty(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    """Run the command on a pseudo-terminal (stdout and stderr): its exit
    code and everything it wrote, escape sequences included."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "authsessions", *args],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        cwd=ROOT,
        env=_env({"TERM": "xterm-256color", "COLUMNS": "250", **(env or {})}),
    )
    os.close(follower)
    chunks = []
    while True:
        ready, _, _ = select.select([leader], [], [], 60)
        if not ready:
            process.kill()
            raise AssertionError("no output for 60 s")
        try:
            data = os.read(leader, 65536)
        except OSError:  # the terminal closed: the process is done
            break
        if not data:
            break
        chunks.append(data)
    os.close(leader)
    code = process.wait(timeout=60)
    text = b"".join(chunks).decode("utf-8", "replace")
    _no_secret(text)
    return code, text


@pytest.fixture
def populated(redis_server: Any) -> Iterator[Any]:
    prefix = f"cli{secrets.token_hex(3)}:"
    store = RedisSessions.from_url(redis_server.url, prefix=prefix)
    ids = {
        "a1": store.create_session(user_id="ann", label="laptop", meta={"theme": "dark"}),
        "a2": store.create_session(user_id="ann", label="phone", meta={}),
        "b1": store.create_session(user_id="bob", label="curl", meta={"scopes": ["read"]}),
    }
    yield redis_server.url, prefix, store, ids
    for user in ("ann", "bob", "eve"):
        store.destroy_sessions_for_user(user)
    store.close()


def keys(ids: dict[str, str]) -> dict[str, str]:
    return {name: sid.partition(".")[0] for name, sid in ids.items()}


# -- the demo and the basics -------------------------------------------------------


def test_demo_on_the_in_memory_store() -> None:
    result = cli("demo", "--store", "memory")
    assert result.returncode == 0, result.stderr
    assert "demo on the in-memory store" in result.stdout
    assert "log out everywhere" in result.stdout
    # the sign-in details and a stolen session caught, as the hook saw it
    assert "Berlin, DE (203.0.113.7)" in result.stdout
    assert "stolen-session detection" in result.stdout
    assert "revoked (theft) x1" in result.stdout and "theft_suspected x1" in result.stdout


@pytest.mark.redis
def test_demo_on_the_embedded_redis() -> None:
    result = cli("demo")
    assert result.returncode == 0, result.stderr
    assert "demo on an embedded Redis" in result.stdout


def test_the_console_script_is_installed_and_has_a_version() -> None:
    script = Path(sys.executable).parent / "authsessions"
    result = subprocess.run([str(script), "--help"], capture_output=True, text=True, check=False)
    assert result.returncode == 0
    assert "demo" in result.stdout and "check" in result.stdout
    version = cli("--version")
    assert re.fullmatch(r"authsessions \d+\.\d+\.\d+\S*\n", version.stdout)


def test_every_command_and_option_has_help_text() -> None:
    import argparse

    from authsessions.cli._main import _parser

    parser = _parser()
    (commands,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    assert set(commands.choices) >= {"demo", "ls", "show", "revoke", "prune", "stats", "check"}
    for name, sub in commands.choices.items():
        for action in sub._actions:
            if not isinstance(action, argparse._HelpAction):
                assert action.help, f"{name} {action.option_strings or action.dest}: no help"


# -- listing, showing, revoking ----------------------------------------------------


@pytest.mark.redis
def test_ls_lists_every_session_or_one_users(populated: Any) -> None:
    url, prefix, _, ids = populated
    table = cli("ls", "--redis-url", url, "--prefix", prefix)
    assert table.returncode == 0, table.stderr
    assert all(key in table.stdout for key in keys(ids).values())
    assert "policy: absolute 30d, idle off" in table.stderr, "URL mode says which policy"
    assert "Redis at 127.0.0.1:" in table.stderr and url.split("@")[0] not in table.stderr
    lines = cli("ls", "--user", "ann", "--json", "--prefix", prefix,
                env={"AUTHSESSIONS_REDIS_URL": url})  # fmt: skip
    rows = [json.loads(line) for line in lines.stdout.splitlines()]
    assert {r["key"] for r in rows} == {keys(ids)["a1"], keys(ids)["a2"]}
    assert {r["label"]: r["meta"] for r in rows} == {"laptop": {"theme": "dark"}, "phone": {}}


@pytest.mark.redis
def test_show_prints_one_session_and_refuses_anything_but_a_key(populated: Any) -> None:
    url, prefix, _, ids = populated
    shown = cli("show", keys(ids)["b1"], "--redis-url", url, "--prefix", prefix)
    assert shown.returncode == 0, shown.stderr
    record = json.loads(shown.stdout)
    assert record["user_id"] == "bob" and record["meta"] == {"scopes": ["read"]}
    missing = cli("show", "0" * 32, "--redis-url", url, "--prefix", prefix)
    assert missing.returncode == 1 and "no live session with key" in missing.stderr
    nonsense = cli("show", "nonsense", "--redis-url", url, "--prefix", prefix)
    assert nonsense.returncode == 2 and "is not a session key" in nonsense.stderr


@pytest.mark.redis
@pytest.mark.parametrize("command", ["show", "revoke", "revoke --user ann --keep"])
def test_a_pasted_session_id_is_refused_without_echoing_its_secret(
    populated: Any, command: str
) -> None:
    url, prefix, store, ids = populated
    args = [*command.split(), ids["a1"], "--redis-url", url, "--prefix", prefix]
    result = cli(*args)  # cli() fails the test if a SessionId or secret is printed
    _no_secret(result.stdout + result.stderr, ids["a1"])
    assert result.returncode == 2
    assert "that is a SessionId; pass its key, the part before the dot" in result.stderr
    assert len(store.get_sessions_for_user("ann")) == 2, "nothing may be revoked"


@pytest.mark.redis
def test_revoke_by_key_and_by_user_keeping_one(populated: Any) -> None:
    url, prefix, store, ids = populated
    k = keys(ids)
    one = cli("revoke", k["b1"], "--redis-url", url, "--prefix", prefix)
    assert one.returncode == 0, one.stderr
    assert [s.user_id for s in store.list_sessions()] == ["ann", "ann"]
    again = cli("revoke", k["b1"], "--redis-url", url, "--prefix", prefix)
    assert again.returncode == 1
    store.create_session(user_id="ann", label="tablet", meta={})
    everyone = cli("revoke", "--user", "ann", "--keep", k["a2"], "--redis-url", url,
                   "--prefix", prefix)  # fmt: skip
    assert everyone.stdout.strip() == "revoked 2 sessions"
    assert [s.key for s in store.list_sessions()] == [k["a2"]]


@pytest.mark.redis
@pytest.mark.parametrize("keep", ["typo", "other-user", "unknown"])
def test_revoke_keep_that_is_not_one_of_the_users_sessions_revokes_nothing(
    populated: Any, keep: str
) -> None:
    url, prefix, store, ids = populated
    k = keys(ids)
    kept = {"typo": k["a2"][:-1] + "x", "other-user": k["b1"], "unknown": "f" * 32}[keep]
    result = cli("revoke", "--user", "ann", "--keep", kept, "--redis-url", url, "--prefix", prefix)
    assert result.returncode == 2, result.stderr
    assert "nothing was revoked" in result.stderr or "not a session key" in result.stderr
    assert len(store.get_sessions_for_user("ann")) == 2


@pytest.mark.redis
def test_revoke_usage_errors(populated: Any) -> None:
    url, prefix, _, ids = populated
    neither = cli("revoke", "--redis-url", url, "--prefix", prefix)
    assert neither.returncode == 2 and "revoke takes a KEY, or --user USER" in neither.stderr
    keep_alone = cli("revoke", "--keep", keys(ids)["a2"], "--redis-url", url, "--prefix", prefix)
    assert keep_alone.returncode == 2 and "--keep goes with --user" in keep_alone.stderr


@pytest.mark.redis
def test_prune_and_stats(populated: Any) -> None:
    url, prefix, _, _ = populated
    pruned = cli("prune", "--redis-url", url, "--prefix", prefix)
    assert pruned.returncode == 0 and pruned.stdout.strip() == "removed 0"
    stats = cli("stats", "--redis-url", url, "--prefix", prefix)
    assert stats.returncode == 0, stats.stderr
    assert "sessions: 3" in stats.stdout and "users: 2" in stats.stdout
    assert "expired_not_collected: 0" in stats.stdout
    as_json = json.loads(cli("stats", "--json", "--redis-url", url, "--prefix", prefix).stdout)
    assert as_json == {"sessions": 3, "users": 2, "expired_not_collected": 0,
                       "sessions_per_node": None, "by_label": None,
                       "sessions_per_user": None}  # fmt: skip
    broken_down = cli("stats", "--breakdown", "--redis-url", url, "--prefix", prefix).stdout
    assert "  laptop: 1\n" in broken_down and "sessions_per_user:\n" in broken_down
    assert "  2: 1\n" in broken_down and "  1: 1\n" in broken_down, broken_down


# -- safety of what the terminal shows -----------------------------------------------

HOSTILE_LABELS = [
    "\x1b]52;c;ZXZpbA==\x07",
    "\x1b[2K\rfake row",
    "\x1b[31",
    "a\u202eb",
    "bad \ud800",
]


@pytest.mark.redis
def test_hostile_labels_are_escaped_piped_and_on_a_terminal(populated: Any) -> None:
    url, prefix, store, _ = populated
    for label in HOSTILE_LABELS:
        store.create_session(user_id="eve", label=label, meta={"l": label})
    piped = cli("ls", "--redis-url", url, "--prefix", prefix)
    assert piped.returncode == 0, piped.stderr
    assert "\x1b" not in piped.stdout and "\u202e" not in piped.stdout
    assert "\\x1b]52" in piped.stdout and "\\u202e" in piped.stdout and "\\ud800" in piped.stdout
    code, shown = tty("ls", "--user", "eve", "--redis-url", url, "--prefix", prefix)
    assert code == 0, shown
    plain = ANSI.sub("", shown)  # rich's own colours removed: nothing else may remain
    assert "\x1b" not in plain and "\x07" not in plain and "\u202e" not in plain
    assert "\\x1b]52" in plain
    lines = cli("ls", "--json", "--redis-url", url, "--prefix", prefix).stdout.splitlines()
    labels = {json.loads(line)["label"] for line in lines}
    assert set(HOSTILE_LABELS) <= labels, "JSON carries the labels exactly, as valid JSON"


@pytest.mark.redis
def test_colour_on_a_terminal_none_when_piped_or_no_color(populated: Any) -> None:
    url, prefix, _, _ = populated
    _, coloured = tty("ls", "--redis-url", url, "--prefix", prefix)
    assert ANSI.search(coloured)
    _, plain = tty("ls", "--redis-url", url, "--prefix", prefix, env={"NO_COLOR": "1"})
    assert not re.search(r"\x1b\[[0-9;]*3[0-7]m|\x1b\[[0-9;]*38;", plain), "NO_COLOR ignored"
    assert "\x1b" not in cli("ls", "--redis-url", url, "--prefix", prefix).stdout


@pytest.mark.redis
def test_uuid_user_ids_are_whole_and_copyable(redis_server: Any) -> None:
    prefix = f"cliu{secrets.token_hex(3)}:"
    store = RedisSessions.from_url(redis_server.url, prefix=prefix, user_id_type=uuid.UUID)
    user = uuid.uuid4()
    store.create_session(user_id=user, label="😀 wide label", meta={})
    listed = cli(
        "ls", "--user-id-type", "uuid", "--redis-url", redis_server.url, "--prefix", prefix
    )
    assert str(user) in listed.stdout and "UUID(" not in listed.stdout
    revoked = cli("revoke", "--user", str(user), "--user-id-type", "uuid",
                  "--redis-url", redis_server.url, "--prefix", prefix)  # fmt: skip
    assert revoked.stdout.strip() == "revoked 1 session"
    store.close()


# -- Unix behaviour ------------------------------------------------------------------


@pytest.mark.redis
def test_a_closed_pipe_ends_quietly(redis_server: Any) -> None:
    prefix = f"clip{secrets.token_hex(3)}:"
    store = RedisSessions.from_url(redis_server.url, prefix=prefix)
    for i in range(1500):
        store.create_session(user_id=f"u{i % 50}", label=f"device {i}", meta={})
    for command in (f"ls --redis-url {redis_server.url} --prefix {prefix}", "demo --store memory"):
        result = subprocess.run(
            f"{sys.executable} -m authsessions {command} | head -1",
            shell=True,
            capture_output=True,
            text=True,
            cwd=ROOT,
            env=_env(None),
            timeout=120,
            check=False,
        )
        assert result.returncode == 0
        assert "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr, (
            result.stderr
        )
    for i in range(50):
        store.destroy_sessions_for_user(f"u{i}")
    store.close()


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["ls"], 2, "no store given"),
        (["ls", "--redis-url", "notaurl://x"], 2, "invalid --redis-url"),
        (["ls", "--redis-url", "redis://127.0.0.1:1/0"], 1, "cannot reach Redis at 127.0.0.1:1"),
        (["ls", "--redis-url", "redis://127.0.0.1:1/0", "--idle-ttl", "soon"], 2, "--idle-ttl"),
        (
            ["ls", "--user-id-type", "int", "--user", "x", "--redis-url", "redis://127.0.0.1:1/0"],
            2,
            "--user x is not a valid int",
        ),
        (["check", "nosuchmodule:factory"], 2, "cannot import nosuchmodule:factory"),
        (["check", "tests.cli.factories"], 2, "MODULE:ATTR"),
        (["check", "tests.cli.factories:not_callable"], 2, "is not callable"),
        (["ls", "--store", "tests.cli.factories:not_callable"], 2, "is not a session store"),
    ],
)
def test_errors_are_one_line_with_an_exit_code(args: list[str], code: int, message: str) -> None:
    result = cli(*args)
    assert result.returncode == code, (result.stdout, result.stderr)
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.redis
def test_a_bad_prefix_is_bad_usage(redis_server: Any) -> None:
    result = cli("ls", "--redis-url", redis_server.url, "--prefix", "app{x}:")
    assert result.returncode == 2 and "--prefix" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_without_the_redis_extra_one_line_names_the_install() -> None:
    code = (
        "import sys; sys.modules['redis'] = None\n"
        "from authsessions.cli import main\n"
        "sys.exit(main(['ls', '--redis-url', 'redis://127.0.0.1:1/0']))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "authsessions: Redis URLs need the redis package: pip install 'authsessions[redis]'"
    )


# -- pointing at the right store -----------------------------------------------------


@pytest.mark.redis_cluster
def test_cluster_mode_is_found_out_from_the_server(redis_cluster: Any) -> None:
    prefix = f"clic{secrets.token_hex(3)}:"
    store = RedisSessions.from_url(redis_cluster.url, cluster=True, prefix=prefix)
    for i in range(30):
        store.create_session(user_id=f"u{i}", label="", meta={})
    listed = cli("ls", "--json", "--redis-url", redis_cluster.url, "--prefix", prefix)
    assert listed.returncode == 0, listed.stderr
    assert len(listed.stdout.splitlines()) == 30, "every session, from every node"
    assert "Redis Cluster at" in listed.stderr
    stats = cli("stats", "--redis-url", redis_cluster.url, "--prefix", prefix)
    assert "sessions: 30" in stats.stdout and "sessions_per_node:" in stats.stdout
    revoked = cli("revoke", "--user", "u3", "--redis-url", redis_cluster.url, "--prefix", prefix)
    assert revoked.stdout.strip() == "revoked 1 session", revoked.stderr
    for i in range(30):
        store.destroy_sessions_for_user(f"u{i}")
    store.close()


@pytest.mark.redis
def test_cluster_flag_on_a_single_server_is_a_one_line_error(redis_server: Any) -> None:
    result = cli("ls", "--cluster", "--redis-url", redis_server.url)
    assert result.returncode == 2
    assert "is not a cluster node" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.redis
def test_the_apps_own_store_brings_its_policy(redis_server: Any) -> None:
    prefix = f"cliapp{secrets.token_hex(3)}:"
    writer = RedisSessions.from_url(
        redis_server.url, prefix=prefix, user_id_type=int,
        policy=SessionPolicy(idle_ttl=timedelta(hours=1)),
    )  # fmt: skip
    writer.create_session(user_id=7, label="idle", meta={})
    env = {"APP_REDIS_URL": redis_server.url, "APP_PREFIX": prefix}
    later = {**env, "APP_CLOCK_OFFSET_MS": str(2 * 3600 * 1000)}  # the app's clock: 2 h on
    spec = "tests.cli.app_store:make_store"
    listed = cli("ls", "--user", "7", "--json", "--store", spec, env=env)
    assert len(listed.stdout.splitlines()) == 1, listed.stderr
    idle = cli("ls", "--json", env={**later, "AUTHSESSIONS_STORE": spec})
    assert idle.returncode == 0 and idle.stdout == "", "an idle-expired session was listed"
    writer.create_session(user_id=7, label="second", meta={})
    stats = json.loads(cli("stats", "--json", "--store", spec, env=later).stdout)
    assert (stats["sessions"], stats["expired_not_collected"]) == (0, 1)
    assert cli("prune", "--store", spec, env=later).stdout.strip() == "removed 1"
    url_mode = cli("stats", "--json", "--redis-url", redis_server.url, "--prefix", prefix)
    assert json.loads(url_mode.stdout)["sessions"] == 0, "prune removed the expired one"
    writer.close()


# -- the contract check ----------------------------------------------------------------


def test_check_passes_a_good_store_printing_each_rule_as_it_finishes() -> None:
    result = cli("check", "tests.cli.factories:memory", "-k", "destroy or rotation")
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"^  ok   destroyed_session_reads_as_none  \(\d+\.\d+s\)$", result.stdout,
                     re.MULTILINE)  # fmt: skip
    assert re.search(r"contract: \d+ passed, 0 failed", result.stdout)


def test_check_reports_the_first_failing_rule_of_a_broken_store() -> None:
    result = cli("check", "tests.cli.factories:keep_ignored", "-k", "keep or idempotent")
    assert result.returncode == 1
    assert "first failing rule: log_out_everywhere_keeps_the_callers_session" in result.stdout


def test_an_interrupted_check_is_not_a_pass() -> None:
    result = cli("check", "tests.cli.factories:interrupted_after_ten")
    assert result.returncode == 130, result.stdout + result.stderr
    assert "interrupted" in result.stdout + result.stderr
    assert not re.search(r"\b0 failed\b(?!.*not a pass)", result.stdout)


def test_ctrl_c_during_check_exits_130() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "authsessions", "check", "tests.cli.factories:slow"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=_env(None),
    )
    assert process.stdout is not None
    first = process.stdout.readline()  # the first rule finished: the run is under way
    assert "ok" in first, first
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 130, (first, out, err)
    assert "interrupted" in out + err and "Traceback" not in err


def test_demo_on_sqlite() -> None:
    result = cli("demo", "--store", "sqlite")
    assert result.returncode == 0, result.stderr
    assert "demo on an in-memory SQLite database" in result.stdout


def test_the_operator_commands_work_on_a_sql_store(tmp_path: Path) -> None:
    from authsessions.sql import SqlSessions, sqlite_engine

    path = tmp_path / "app.db"
    store: SqlSessions[int, dict[str, Any]] = SqlSessions(sqlite_engine(path), user_id_type=int)
    store.create_schema()
    ids = [store.create_session(user_id=7, label=f"d{i}", meta={"i": i}) for i in range(3)]
    env = {"APP_SQLITE": str(path), "AUTHSESSIONS_STORE": "tests.cli.sql_store:make_store"}
    listed = cli("ls", "--user", "7", "--json", env=env)
    assert listed.returncode == 0, listed.stderr
    assert {json.loads(line)["label"] for line in listed.stdout.splitlines()} == {"d0", "d1", "d2"}
    assert json.loads(cli("stats", "--json", env=env).stdout)["sessions"] == 3
    keep = ids[0].partition(".")[0]
    revoked = cli("revoke", "--user", "7", "--keep", keep, env=env)
    assert revoked.stdout.strip() == "revoked 2 sessions", revoked.stderr
    assert [s.key for s in store.list_sessions()] == [keep]


# -- what an outside operator review reproduced -------------------------------------


@pytest.mark.redis
def test_an_80_column_terminal_shows_every_key_whole_and_every_column(populated: Any) -> None:
    url, prefix, store, ids = populated
    for i in range(3):
        store.create_session(user_id="ann", label=f"a long label for row {i} " * 2, meta={"i": i})
    for args in (["ls"], ["ls", "--user", "ann"]):
        code, shown = tty(*args, "--redis-url", url, "--prefix", prefix, env={"COLUMNS": "80"})
        assert code == 0, shown
        plain = ANSI.sub("", shown)
        wanted = [k for name, k in keys(ids).items() if args == ["ls"] or name != "b1"]
        assert all(key in plain for key in wanted), plain
        for header in ("key", "user", "label", "created (UTC)", "expires (UTC)", "meta"):
            assert header in plain, (header, plain)


@pytest.mark.redis
def test_listing_on_a_terminal_leaves_no_spinner_behind(populated: Any) -> None:
    url, prefix, _, _ = populated
    code, shown = tty("ls", "--redis-url", url, "--prefix", prefix)
    assert code == 0, shown
    assert "listed" not in shown and "listing sessions" not in shown, shown
    assert not re.search(r"\b1 sessions\b", shown)


def _sql_file(tmp_path: Path) -> tuple[str, list[Any]]:
    from authsessions.sql import SqlSessions, sqlite_engine

    path = tmp_path / "ops.db"
    store: SqlSessions[int, dict[str, Any]] = SqlSessions(sqlite_engine(path), user_id_type=int)
    store.create_schema()
    ids = [store.create_session(user_id=7, label=f"d{i}", meta={}) for i in range(2)]
    store.close()
    store.engine.dispose()
    return f"sqlite:///{path}", ids


def test_operator_commands_take_a_sql_url_as_an_option_or_from_the_environment(
    tmp_path: Path,
) -> None:
    url, ids = _sql_file(tmp_path)
    listed = cli("ls", "--json", "--sql-url", url, "--user-id-type", "int")
    assert listed.returncode == 0, listed.stderr
    assert len(listed.stdout.splitlines()) == 2
    assert "using SQL (sqlite)" in listed.stderr and "table 'authsessions'" in listed.stderr
    env = {"AUTHSESSIONS_SQL_URL": url}
    stats = cli("stats", "--json", "--user-id-type", "int", env=env)
    assert json.loads(stats.stdout)["sessions"] == 2, stats.stderr
    revoked = cli("revoke", ids[0].partition(".")[0], "--user-id-type", "int", env=env)
    assert revoked.returncode == 0, revoked.stderr
    both = cli("ls", "--sql-url", url, "--redis-url", "redis://127.0.0.1:1/0")
    assert both.returncode == 2 and "--redis-url or --sql-url" in both.stderr
    missing = cli("ls", "--sql-url", url, "--table", "nope")
    assert missing.returncode == 1 and "nope" in missing.stderr, missing.stderr
    assert len(missing.stderr.strip().splitlines()) == 2  # the banner, then the error


def test_check_under_its_default_profile_stops_at_the_first_failure() -> None:
    result = cli("check", "tests.cli.factories:keep_ignored", "-k", "keep")
    assert result.returncode == 1
    assert result.stdout.count("FAIL") == 1, result.stdout
    assert "stopped at the first failing rule" in result.stdout
    assert "Use -v" not in result.stdout, "check has no -v: its diffs are whole"


@pytest.mark.redis
def test_usage_errors_print_no_banner(populated: Any) -> None:
    url, prefix, _, _ = populated
    for args in (["show", "nonsense"], ["revoke", "--user", "x", "--keep", "nonsense"],
                 ["ls", "--user", "x", "--user-id-type", "int"]):  # fmt: skip
        result = cli(*args, "--redis-url", url, "--prefix", prefix)
        assert result.returncode == 2, result.stderr
        assert "using Redis" not in result.stderr, result.stderr


@pytest.mark.redis
def test_revoke_that_matches_nothing_fails_whether_by_key_or_by_user(populated: Any) -> None:
    url, prefix, _, _ = populated
    by_key = cli("revoke", "0" * 32, "--redis-url", url, "--prefix", prefix)
    by_user = cli("revoke", "--user", "nobody", "--redis-url", url, "--prefix", prefix)
    assert (by_key.returncode, by_user.returncode) == (1, 1), by_user.stdout
    assert "no live sessions for user nobody" in by_user.stderr


def test_a_user_id_the_store_refuses_names_the_type_it_takes(tmp_path: Path) -> None:
    url, _ = _sql_file(tmp_path)
    env = {"APP_SQLITE": url.removeprefix("sqlite:///"),
           "AUTHSESSIONS_STORE": "tests.cli.sql_store:make_store"}  # fmt: skip
    result = cli("ls", "--user", "alice", env=env)
    assert result.returncode == 2
    assert "its user ids are int" in result.stderr, result.stderr


def test_the_demo_says_whose_the_rotated_id_is() -> None:
    result = cli("demo", "--store", "memory")
    assert result.returncode == 0, result.stderr
    assert "new id: 'alice'" not in result.stdout
    assert "the new id is alice's" in result.stdout, result.stdout


# -- exports -------------------------------------------------------------------------


def _export_store(tmp_path: Path) -> tuple[dict[str, str], list[Any]]:
    from authsessions.sql import SqlSessions, sqlite_engine

    path = tmp_path / "export.db"
    store: SqlSessions[str, dict[str, Any]] = SqlSessions(sqlite_engine(path))
    store.create_schema()
    labels = ['=HYPERLINK("http://evil")', "Firefox\x1b[31m on Linux", "plain", "@SUM(1)"]
    ids = [store.create_session(user_id=f"u{i}", label=label, meta={"i": i})
           for i, label in enumerate(labels)]  # fmt: skip
    store.engine.dispose()
    return {"AUTHSESSIONS_SQL_URL": f"sqlite:///{path}"}, ids


def test_show_ls_and_csv_carry_the_sign_in_details(tmp_path: Path) -> None:
    import csv as csv_module
    import io

    from authsessions import ClientInfo
    from authsessions.sql import SqlSessions, sqlite_engine

    path = tmp_path / "signin.db"
    store: SqlSessions[str, dict[str, Any]] = SqlSessions(sqlite_engine(path))
    store.create_schema()
    client = ClientInfo(ip="2001:db8::9", user_agent="=cmd|' /C calc'!A0", location="Lyon, FR")
    sid = store.create_session(user_id="ann", label="l", meta={}, client=client, remember=False)
    store.engine.dispose()
    env = {"AUTHSESSIONS_SQL_URL": f"sqlite:///{path}"}
    shown = cli("show", sid[:32], env=env)
    assert shown.returncode == 0, shown.stderr
    record = json.loads(shown.stdout)  # piped: JSON
    assert record["client"] == {
        "ip": "2001:db8::9", "user_agent": "=cmd|' /C calc'!A0", "location": "Lyon, FR"
    }  # fmt: skip
    assert record["remember"] is False and record["authenticated_at"] == record["created_at"]
    exported = cli("ls", "--format", "csv", env=env)
    (row,) = csv_module.DictReader(io.StringIO(exported.stdout))
    assert (row["ip"], row["location"], row["remember"]) == ("2001:db8::9", "Lyon, FR", "false")
    assert row["user_agent"].startswith("'=cmd")  # a formula neutralised here too
    assert sid.partition(".")[2] not in shown.stdout + exported.stdout


def test_ls_exports_csv_with_formulas_neutralised_and_control_characters_escaped(
    tmp_path: Path,
) -> None:
    import csv as csv_module
    import io

    env, ids = _export_store(tmp_path)
    result = cli("ls", "--format", "csv", env=env)
    assert result.returncode == 0, result.stderr
    rows = list(csv_module.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 4
    labels = {row["label"] for row in rows}
    assert '\'=HYPERLINK("http://evil")' in labels and "'@SUM(1)" in labels
    assert "Firefox\\x1b[31m on Linux" in labels and "\x1b" not in result.stdout
    assert {row["key"] for row in rows} == {sid[:32] for sid in ids}
    assert {json.loads(row["meta"])["i"] for row in rows} == {0, 1, 2, 3}


def test_ls_exports_json_lines_and_one_json_array_and_filters(tmp_path: Path) -> None:
    env, _ = _export_store(tmp_path)
    array = json.loads(cli("ls", "--format", "json", env=env).stdout)
    assert len(array) == 4 and array[0].keys() >= {"key", "user_id", "label", "meta"}
    assert {r["label"] for r in array} >= {"Firefox\x1b[31m on Linux"}, "JSON is exact"
    lines = cli("ls", "--format", "jsonl", "--label", "Fire", env=env).stdout.splitlines()
    assert [json.loads(line)["user_id"] for line in lines] == ["u1"]
    assert cli("ls", "--format", "json", "--since", "2999-01-01", env=env).stdout == "[]\n"
    recent = cli("ls", "--format", "jsonl", "--since", "1h", env=env).stdout.splitlines()
    assert len(recent) == 4
    bad = cli("ls", "--since", "soon", env=env)
    assert bad.returncode == 2 and "--since" in bad.stderr


def test_ls_exports_parquet_to_a_file_with_typed_columns(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    env, ids = _export_store(tmp_path)
    refused = cli("ls", "--format", "parquet", env=env)
    assert refused.returncode == 2 and "--output FILE" in refused.stderr
    assert "using SQL" not in refused.stderr, "a usage error before any store is opened"
    target = tmp_path / "sessions.parquet"
    written = cli("ls", "--format", "parquet", "--output", str(target), env=env)
    assert written.returncode == 0, written.stderr
    assert "wrote 4 sessions to" in written.stderr
    table = pq.read_table(target)
    assert table.num_rows == 4
    assert str(table.schema.field("created_at").type) == "timestamp[ms, tz=UTC]"
    assert set(table.column("key").to_pylist()) == {sid[:32] for sid in ids}
    assert '=HYPERLINK("http://evil")' in table.column("label").to_pylist(), "exact values"


def test_ls_output_without_format_takes_the_files_extension(tmp_path: Path) -> None:
    import csv as csv_module

    env, ids = _export_store(tmp_path)
    keys = {sid[:32] for sid in ids}
    for name, read in (
        ("s.json", lambda p: {r["key"] for r in json.loads(p.read_text())}),
        ("s.jsonl", lambda p: {json.loads(line)["key"] for line in p.read_text().splitlines()}),
        ("s.ndjson", lambda p: {json.loads(line)["key"] for line in p.read_text().splitlines()}),
        ("s.CSV", lambda p: {r["key"] for r in csv_module.DictReader(p.open())}),
        ("s.txt", lambda p: {r["key"] for r in csv_module.DictReader(p.open())}),
    ):
        target = tmp_path / name
        result = cli("ls", "--output", str(target), env=env)
        assert result.returncode == 0, result.stderr
        assert read(target) == keys, name
    import pyarrow.parquet as pq

    assert cli("ls", "-o", str(tmp_path / "s.parquet"), env=env).returncode == 0
    assert set(pq.read_table(tmp_path / "s.parquet").column("key").to_pylist()) == keys
    # an explicit --format wins over the extension
    assert cli("ls", "--format", "csv", "-o", str(tmp_path / "x.json"), env=env).returncode == 0
    assert (tmp_path / "x.json").read_text().startswith("key,")
