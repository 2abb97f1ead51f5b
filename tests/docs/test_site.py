"""The documentation site builds from the repository in strict mode (a
broken link, a missing reference or a docstring that does not parse fails
it), and its API reference lists every name of every public module."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

pytestmark = pytest.mark.thorough

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "authsessions"


def _public_modules() -> list[str]:
    """Every module a user imports by name: the package, the kit, each
    subpackage with an ``__all__``, and the contract."""
    found = ["authsessions", "authsessions.kit", "contract_tests"]
    for init in sorted(PACKAGE.glob("*/__init__.py")):
        if not init.parent.name.startswith("_") and "__all__" in init.read_text("utf-8"):
            found.append(f"authsessions.{init.parent.name}")
    return found


@pytest.fixture(scope="module")
def inventory(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    site = tmp_path_factory.mktemp("site")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT, capture_output=True, text=True, env=env, timeout=600, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    raw = (site / "objects.inv").read_bytes()
    header_end = 0
    for _ in range(4):  # four header lines, then the zlib stream
        header_end = raw.index(b"\n", header_end) + 1
    lines = zlib.decompress(raw[header_end:]).decode("utf-8").splitlines()
    return {line.split(" ", 1)[0] for line in lines}


def test_every_public_name_is_in_the_api_reference(inventory: set[str]) -> None:
    missing = []
    for module_name in _public_modules():
        module = importlib.import_module(module_name)
        for name in module.__all__:
            if f"{module_name}.{name}" not in inventory:
                missing.append(f"{module_name}.{name}")
    assert not missing, f"public names missing from the API reference: {missing}"


def test_every_public_module_has_a_reference_page() -> None:
    pages = " ".join(p.read_text("utf-8") for p in (ROOT / "docs" / "reference").glob("*.md"))
    for module_name in _public_modules():
        assert f"::: {module_name}\n" in pages, f"no reference page for {module_name}"
    nav = (ROOT / "mkdocs.yml").read_text("utf-8")
    for page in (ROOT / "docs").rglob("*.md"):
        assert str(page.relative_to(ROOT / "docs")) in nav, f"{page} is not in mkdocs.yml's nav"
