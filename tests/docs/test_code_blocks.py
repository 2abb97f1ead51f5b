"""Every Python block of README.md and docs/*.md runs, so no example can
rot; a block that cannot run as written (a placeholder server, a fragment
of your app) says why in a ``<!-- not run: reason -->`` line above it."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```python\n(.*?)^```", re.S | re.M)
NOT_RUN = re.compile(r"<!-- not run: (?P<reason>\S.*?) -->\s*$")
# blocks that start a server of their own
NEEDS_REDIS = ("embedded_redis",)


def _blocks() -> list[pytest.ParameterSet]:
    found = []
    for document in DOCUMENTS:
        text = document.read_text("utf-8")
        for match in FENCE.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            before = text[: match.start()].rstrip("\n").rsplit("\n", 1)[-1]
            name = f"{document.name}:{line}"
            marks = []
            skipped = NOT_RUN.search(before)
            if skipped:
                continue
            if any(word in match.group(1) for word in NEEDS_REDIS):
                marks.append(pytest.mark.redis)
            found.append(pytest.param(match.group(1), id=name, marks=marks))
    return found


BLOCKS = _blocks()


def test_the_documents_have_runnable_blocks() -> None:
    assert len(BLOCKS) >= 8


def test_every_block_left_out_says_why() -> None:
    for document in DOCUMENTS:
        for line in document.read_text("utf-8").splitlines():
            if "not run" in line and line.startswith("<!--"):
                assert NOT_RUN.search(line), f"{document.name}: {line!r} gives no reason"


@pytest.mark.parametrize("code", BLOCKS)
def test_the_block_runs(code: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # a block may write a file (a SQLite database)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a deprecation in an example is a bug too
        exec(compile(code, "<block>", "exec"), {"__name__": "__docs__"})
