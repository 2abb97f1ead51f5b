"""authsessions as strangers install it: a wheel built without warnings, in
fresh virtualenvs with and without the optional extras; and the pytest
plugin, which every pytest run of such an environment loads."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.packaging


def _env() -> dict[str, str]:
    # no inherited bytecode setting (it makes setuptools warn) and no
    # virtualenv of ours leaking in
    return {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONDONTWRITEBYTECODE", "VIRTUAL_ENV", "PYTHONPATH")
    }


def run(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=_env(),
        timeout=600,
        check=False,
    )


@pytest.fixture(scope="session")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The wheel, built as pip builds it, and the build's verbose output."""
    out = tmp_path_factory.mktemp("wheel")
    build = run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-v", "-w", out, ROOT)
    assert build.returncode == 0, build.stderr
    (built,) = out.glob("authsessions-*.whl")
    return built, build.stdout + build.stderr


def _venv(path: Path, *requirements: str) -> Path:
    venv.EnvBuilder(with_pip=True).create(path)
    python = path / "bin" / "python"
    installed = run(python, "-m", "pip", "install", "-q", *requirements)
    assert installed.returncode == 0, installed.stderr
    return python


@pytest.fixture(scope="session")
def bare(wheel: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """authsessions from the wheel, plus pytest, but no extra (no Redis, no
    Hypothesis)."""
    return _venv(tmp_path_factory.mktemp("bare"), str(wheel[0]), "pytest")


@pytest.fixture(scope="session")
def contract(wheel: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """authsessions[contract] from the wheel."""
    return _venv(tmp_path_factory.mktemp("contract"), f"{wheel[0]}[contract]")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """Someone else's project with a passing test."""
    (tmp_path / "test_theirs.py").write_text("def test_theirs():\n    assert 1 + 1 == 2\n")
    return tmp_path


def test_the_build_has_no_warnings_and_declares_its_license(wheel: tuple[Path, str]) -> None:
    built, log = wheel
    noisy = [line for line in log.splitlines() if re.search("warn|deprecat", line, re.IGNORECASE)]
    assert not noisy, noisy
    with zipfile.ZipFile(built) as archive:
        names = archive.namelist()
        metadata = archive.read(next(n for n in names if n.endswith("METADATA"))).decode()
    assert "License-Expression: MIT" in metadata
    assert any(n.endswith("licenses/LICENSE") for n in names)
    for extra in ("redis", "contract", "django"):
        assert f"Provides-Extra: {extra}" in metadata
    assert "authsessions/redis/lua/create.lua" in names
    assert "authsessions/examples/fastapi_app.py" in names, "the README runs it from the wheel"
    assert "authsessions/examples/flask_app.py" in names
    assert "authsessions/examples/django_site/settings.py" in names
    for template in ("devices", "login", "reauth"):
        assert f"authsessions/django/templates/authsessions/{template}.html" in names
    assert "authsessions/redis/slot_tags.txt" in names


def test_the_plugin_never_breaks_a_project_without_hypothesis(bare: Path, project: Path) -> None:
    result = run(bare, "-m", "pytest", "-q", cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout


def test_without_extras_each_message_names_the_install_line(bare: Path) -> None:
    code = textwrap.dedent(
        """
        import authsessions
        store = authsessions.InMemorySessions()
        store.create_session(user_id="u", label="", meta={})
        for stmt in ("from authsessions import RedisSessions", "import contract_tests"):
            try:
                exec(stmt)
            except ImportError as err:
                print(err)
        """
    )
    result = run(bare, "-c", code)
    assert result.returncode == 0, result.stderr
    redis_line, contract_line = result.stdout.strip().splitlines()
    assert "pip install 'authsessions[redis]'" in redis_line
    assert "pip install 'authsessions[contract]'" in contract_line
    demo = run(bare.parent / "authsessions", "demo")
    assert demo.returncode == 0, demo.stderr
    assert "demo on the in-memory store" in demo.stdout


def test_a_project_with_its_own_contract_tests_package_still_runs(
    contract: Path, project: Path
) -> None:
    own = project / "contract_tests"
    own.mkdir()
    (own / "__init__.py").write_text("MINE = True\n")
    (project / "test_uses_own.py").write_text(
        "import contract_tests\n\ndef test_own():\n    assert contract_tests.MINE\n"
    )
    result = run(contract, "-m", "pytest", "-q", "-p", "no:cacheprovider", cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout


BROKEN = """
import pytest
from authsessions import InMemorySessions
from contract_tests import SessionsContract


class RotationKeepsOldId:
    def __init__(self, **options):
        self.inner = InMemorySessions(**options)

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def rotate_session(self, session_id):
        return session_id if self.inner.get_session_by_key(session_id[:32]) else None


class TestBroken(SessionsContract):
    @pytest.fixture
    def sessions_factory(self):
        return lambda namespace, clock, **options: RotationKeepsOldId(clock=clock, **options)
"""

REPORT = """
from contract_tests import run_contract
from test_broken import RotationKeepsOldId

report = run_contract(
    lambda namespace, clock, **options: RotationKeepsOldId(clock=clock, **options),
    select="old_one_stops_working",
)
print(report.summary())
"""


def _shows_compared_values(output: str) -> bool:
    # a rewritten assert explains itself on an "E   assert ..." line with the
    # values filled in; a plain one only says "E   AssertionError"
    return re.search(r"^E\s+assert \(?<SessionId [0-9a-f]{32}", output, re.MULTILINE) is not None


@pytest.mark.parametrize("install", ["wheel", "editable"])
def test_a_failing_rule_shows_the_values_it_compared(
    install: str, contract: Path, tmp_path: Path
) -> None:
    python = contract if install == "wheel" else Path(sys.executable)
    (tmp_path / "test_broken.py").write_text(BROKEN)
    subclassed = run(python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-k",
                     "old_one_stops_working", cwd=tmp_path)  # fmt: skip
    assert subclassed.returncode == 1, subclassed.stdout + subclassed.stderr
    assert _shows_compared_values(subclassed.stdout), subclassed.stdout
    (tmp_path / "report.py").write_text(REPORT)
    reported = run(python, "report.py", cwd=tmp_path)
    assert "first failing rule: rotation_gives_a_new_id" in reported.stdout, reported.stderr
    assert _shows_compared_values(reported.stdout), reported.stdout


def test_our_own_environment_is_an_editable_install() -> None:
    # the "editable" case above runs in the project's .venv: make sure it is
    # one (pip install -e, as `make` does)
    import authsessions

    assert Path(authsessions.__file__).resolve().is_relative_to(ROOT)
