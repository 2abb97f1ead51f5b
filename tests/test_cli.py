"""Every CLI command, as a user runs it: a subprocess against a real Redis."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from authsessions import RedisSessions

SESSION_ID = re.compile(r"[0-9a-f]{32}\.[A-Za-z0-9_-]{43}")
HERE = Path(__file__).parent


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    import os

    environment = {k: v for k, v in os.environ.items() if k != "AUTHSESSIONS_REDIS_URL"}
    environment.update(env or {})
    result = subprocess.run(
        [sys.executable, "-m", "authsessions", *args],
        capture_output=True,
        text=True,
        cwd=HERE,
        env=environment,
        timeout=300,
        check=False,
    )
    assert not SESSION_ID.search(result.stdout + result.stderr), "a SessionId was printed"
    return result


def test_demo_on_the_in_memory_store() -> None:
    result = cli("demo", "--store", "memory")
    assert result.returncode == 0, result.stderr
    assert "demo on the in-memory store" in result.stdout
    assert "log out everywhere" in result.stdout


@pytest.mark.redis
def test_demo_on_the_embedded_redis() -> None:
    result = cli("demo")
    assert result.returncode == 0, result.stderr
    assert "demo on an embedded Redis" in result.stdout


def test_the_console_script_is_installed() -> None:
    script = Path(sys.executable).parent / "authsessions"
    result = subprocess.run([str(script), "--help"], capture_output=True, text=True, check=False)
    assert result.returncode == 0
    assert "demo" in result.stdout and "check" in result.stdout


@pytest.fixture
def populated(redis_server: Any) -> Any:
    import secrets

    prefix = f"cli{secrets.token_hex(3)}:"
    store = RedisSessions.from_url(redis_server.url, prefix=prefix)
    ids = {
        "a1": store.create_session(user_id="ann", label="laptop", meta={"theme": "dark"}),
        "a2": store.create_session(user_id="ann", label="phone", meta={}),
        "b1": store.create_session(user_id="bob", label="curl", meta={"scopes": ["read"]}),
    }
    yield redis_server.url, prefix, store, {k: v.partition(".")[0] for k, v in ids.items()}
    store.destroy_sessions_for_user("ann")
    store.destroy_sessions_for_user("bob")
    store.close()


@pytest.mark.redis
def test_ls_lists_every_session_or_one_users(populated: Any) -> None:
    url, prefix, _, keys = populated
    table = cli("ls", "--redis-url", url, "--prefix", prefix)
    assert table.returncode == 0, table.stderr
    assert all(key in table.stdout for key in keys.values())
    lines = cli(
        "ls", "--user", "ann", "--json", "--prefix", prefix, env={"AUTHSESSIONS_REDIS_URL": url}
    )
    rows = [json.loads(line) for line in lines.stdout.splitlines()]
    assert {r["key"] for r in rows} == {keys["a1"], keys["a2"]}
    assert {r["label"]: r["meta"] for r in rows} == {"laptop": {"theme": "dark"}, "phone": {}}


@pytest.mark.redis
def test_show_prints_one_session_as_json(populated: Any) -> None:
    url, prefix, _, keys = populated
    shown = cli("show", keys["b1"], "--redis-url", url, "--prefix", prefix)
    assert shown.returncode == 0, shown.stderr
    record = json.loads(shown.stdout)
    assert record["user_id"] == "bob" and record["meta"] == {"scopes": ["read"]}
    missing = cli("show", "0" * 32, "--redis-url", url, "--prefix", prefix)
    assert missing.returncode == 1
    assert "no live session with key" in missing.stderr


@pytest.mark.redis
def test_revoke_by_key_and_by_user_keeping_one(populated: Any) -> None:
    url, prefix, store, keys = populated
    one = cli("revoke", keys["b1"], "--redis-url", url, "--prefix", prefix)
    assert one.returncode == 0, one.stderr
    assert [s.user_id for s in store.list_sessions()] == ["ann", "ann"]
    again = cli("revoke", keys["b1"], "--redis-url", url, "--prefix", prefix)
    assert again.returncode == 1
    store.create_session(user_id="ann", label="tablet", meta={})
    everyone = cli(
        "revoke", "--user", "ann", "--keep", keys["a2"], "--redis-url", url, "--prefix", prefix
    )
    assert everyone.stdout.strip() == "revoked 2 sessions"
    assert [s.key for s in store.list_sessions()] == [keys["a2"]]
    usage = cli("revoke", "--keep", keys["a2"], "--redis-url", url, "--prefix", prefix)
    assert usage.returncode == 2


@pytest.mark.redis
def test_prune_and_stats(populated: Any) -> None:
    url, prefix, _, _ = populated
    pruned = cli("prune", "--redis-url", url, "--prefix", prefix)
    assert pruned.returncode == 0 and pruned.stdout.strip() == "removed 0"
    stats = cli("stats", "--redis-url", url, "--prefix", prefix)
    assert stats.returncode == 0, stats.stderr
    assert "sessions: 3" in stats.stdout and "users: 2" in stats.stdout
    assert "expired_not_collected: 0" in stats.stdout


@pytest.mark.redis_cluster
def test_stats_on_a_cluster_counts_keys_per_node(redis_cluster: Any) -> None:
    store = RedisSessions.from_url(redis_cluster.url, cluster=True, prefix="cli-cluster:")
    for i in range(30):
        store.create_session(user_id=f"u{i}", label="", meta={})
    stats = cli("stats", "--cluster", "--redis-url", redis_cluster.url, "--prefix", "cli-cluster:")
    assert stats.returncode == 0, stats.stderr
    assert "sessions: 30" in stats.stdout and "keys_per_node" in stats.stdout
    for i in range(30):
        store.destroy_sessions_for_user(f"u{i}")
    store.close()


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["ls"], 2, "no Redis URL"),
        (["ls", "--redis-url", "notaurl://x"], 2, "invalid --redis-url"),
        (["ls", "--redis-url", "redis://127.0.0.1:1/0"], 1, "cannot reach Redis"),
        (
            ["ls", "--user-id-type", "int", "--user", "x", "--redis-url", "redis://127.0.0.1:1/0"],
            2,
            "not a valid int",
        ),
        (["check", "nosuchmodule:factory"], 2, "cannot import nosuchmodule:factory"),
        (["check", "cli_factories"], 2, "MODULE:FACTORY"),
        (["check", "cli_factories:not_callable"], 2, "is not callable"),
    ],
)
def test_errors_are_one_line_with_an_exit_code(args: list[str], code: int, message: str) -> None:
    result = cli(*args)
    assert result.returncode == code, (result.stdout, result.stderr)
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "Traceback" not in result.stderr


def test_check_passes_a_good_store() -> None:
    result = cli("check", "cli_factories:memory")
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"contract: \d+ passed, 0 failed", result.stdout)


def test_check_reports_the_first_failing_rule_of_a_broken_store() -> None:
    result = cli("check", "cli_factories:keep_ignored", "-k", "keep or idempotent")
    assert result.returncode == 1
    assert "first failing rule: log_out_everywhere_keeps_the_callers_session" in result.stdout
