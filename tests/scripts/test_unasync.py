"""The twin generator: token-aware, whole-file, and strict about its rules."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

import unasync  # noqa: E402


def test_comments_and_strings_are_left_as_written() -> None:
    source = (
        "async def f(client):  # there is no await inside connect\n"
        '    """Await AsyncRedisSessions with async for."""\n'
        "    async with client.pipeline() as pipe:\n"
        "        return await pipe.execute()  # AsyncRedisSessions stays\n"
    )
    out = unasync.rewrite(source, {}, Counter())
    assert out == (
        "def f(client):  # there is no await inside connect\n"
        '    """Await AsyncRedisSessions with async for."""\n'
        "    with client.pipeline() as pipe:\n"
        "        return pipe.execute()  # AsyncRedisSessions stays\n"
    )


def test_names_and_dotted_modules_are_renamed_as_tokens() -> None:
    source = (
        "import redis.asyncio.cluster\n"
        "x: AsyncIterator[AsyncRedisSessions] = redis.asyncio.Redis\n"
    )
    out = unasync.rewrite(source, {}, Counter())
    assert out == "import redis.cluster\nx: Iterator[RedisSessions] = redis.Redis\n"


def test_an_fstring_that_would_need_a_rename_is_refused() -> None:
    with pytest.raises(unasync.RuleError, match="AsyncEngine"):
        unasync.rewrite('x = f"{AsyncEngine.__name__}"\n', {}, Counter())


def test_the_checked_in_twins_are_up_to_date() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "unasync.py"), "--check"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout


def test_a_hand_edited_or_shorter_twin_fails_the_check(tmp_path: Path) -> None:
    # on a copy of the tree: other tests (and their subprocesses) import
    # the real twin while this one runs
    import shutil

    shutil.copytree(
        ROOT / "authsessions",
        tmp_path / "authsessions",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    check = [
        sys.executable,
        str(ROOT / "scripts" / "unasync.py"),
        "--check",
        "--root",
        str(tmp_path),
    ]
    twin = tmp_path / "authsessions" / "memory" / "_sync.py"
    original = twin.read_text()
    assert subprocess.run(check, capture_output=True, text=True, check=False).returncode == 0
    twin.write_text(original.replace("thread-safe", "thread safe", 1))
    edited = subprocess.run(check, capture_output=True, text=True, check=False)
    twin.write_text(original[: len(original) // 2])
    shorter = subprocess.run(check, capture_output=True, text=True, check=False)
    assert edited.returncode == 1 and "out of date" in edited.stdout
    assert shorter.returncode == 1


def test_a_rule_that_never_fires_fails_the_check(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(unasync.NAMES, "AsyncNothingAnymore", "NothingAnymore")
    assert unasync.main(["--check"]) == 1
