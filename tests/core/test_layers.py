"""The layers, enforced: the core at the top, backends and tools built on
its public face only (``authsessions`` and ``authsessions.kit``), stores on
the kit alone, like a third party's store would be.

Layers come from the folders: every subpackage of ``authsessions`` is a
store package unless it is named below as an integration or a tool, so a
new store folder is held to the strictest rule the day it appears."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "authsessions"
# every module at the top of the package is the core, but the tools there
TOP_LEVEL_TOOLS = {"_pytest_plugin", "__main__"}
CORE = {p.stem for p in PACKAGE.glob("*.py")} - TOP_LEVEL_TOOLS
INTEGRATIONS = {"web", "starlette", "flask", "django"}
# examples are applications: they use public modules only, like any app
TOOLS = {"cli", "testing", "examples", "otel"}
# a store may use the kit only; the one exception, and why
STORE_EXCEPTIONS = {
    # the embedded redis-server is the binary provider behind
    # authsessions.testing's Redis and shares its process helpers
    "authsessions.redis._embedded": {"authsessions.testing"},
}
# an integration names no store and no tool, but for these, and why
INTEGRATION_EXCEPTIONS = {
    # database_store: SqlSessions on the Django project's own database
    "authsessions.django._store": {"authsessions.sql"},
    # manage.py authsessions: the command line's operator commands
    "authsessions.django.management.commands.authsessions": {"authsessions.cli"},
}
CONTRACT = PACKAGE.parent / "contract_tests"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    # (contract_tests sits beside authsessions, so the same parent serves)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> list[str]:
    """Every module an authsessions module imports, made absolute."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            found.append(target)
            found += [f"{target}.{alias.name}" for alias in node.names]
    return found


def _modules(root: Path = PACKAGE) -> list[Path]:
    return sorted(p for p in root.rglob("*.py") if "__pycache__" not in p.parts)


def _subpackages() -> set[str]:
    return {p.parent.name for p in PACKAGE.glob("*/__init__.py")}


STORES = _subpackages() - INTEGRATIONS - TOOLS


def test_the_layers_name_only_folders_that_exist() -> None:
    assert _subpackages() >= INTEGRATIONS | TOOLS
    assert {"memory", "redis", "sql"} <= STORES


def _layer(path: Path) -> str:
    relative = path.relative_to(PACKAGE).parts
    if len(relative) == 1:
        return "core" if path.stem in CORE else path.stem
    return relative[0]


def _private_parts(module: str) -> list[str]:
    return [part for part in module.split(".")[1:] if part.startswith("_")]


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_nothing_outside_the_core_imports_a_private_core_module(path: Path) -> None:
    if _layer(path) == "core":
        return
    own = _module_name(path).split(".")[:2]
    for target in _imports(path):
        if not target.startswith("authsessions.") and target != "authsessions":
            continue
        parts = target.split(".")
        if len(parts) >= 2 and parts[1] in CORE and parts[1].startswith("_"):
            raise AssertionError(f"{_module_name(path)} imports the private core module {target}")
        if parts[:2] != own and _private_parts(".".join(parts[:3])):
            raise AssertionError(f"{_module_name(path)} reaches into {target}")


@pytest.mark.parametrize(
    "path",
    [p for p in _modules() if _layer(p) in STORES],
    ids=lambda p: str(p.relative_to(PACKAGE)),
)
def test_stores_use_the_public_kit_and_nothing_else_from_authsessions(path: Path) -> None:
    own = _module_name(path).split(".")[:2]
    allowed = STORE_EXCEPTIONS.get(_module_name(path), set())
    for target in _imports(path):
        parts = target.split(".")
        if parts[0] != "authsessions" or parts[:2] == own or ".".join(parts[:2]) in allowed:
            continue
        assert parts[:2] == ["authsessions", "kit"], (
            f"{_module_name(path)} imports {target}: a store may use authsessions.kit only"
        )


@pytest.mark.parametrize(
    "path",
    [p for p in _modules() if _layer(p) == "core"],
    ids=lambda p: str(p.relative_to(PACKAGE)),
)
def test_the_core_never_imports_a_backend_or_a_tool(path: Path) -> None:
    if path.name == "__init__.py":
        return  # the public entry re-exports every store
    for target in _imports(path):
        parts = target.split(".")
        if parts[0] == "authsessions" and len(parts) > 1:
            assert parts[1] in CORE, f"{_module_name(path)} imports {target}"


def test_the_plugin_imports_only_pytest_and_the_standard_library() -> None:
    # it is loaded into every pytest run of every project that installs
    # authsessions: the rest is imported by a fixture, when a test uses one
    path = PACKAGE / "_pytest_plugin.py"
    tree = ast.parse(path.read_text("utf-8"))
    top = [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]
    for node in top:
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module]
        for name in names:
            assert (name or "").split(".")[0] in {
                "__future__", "os", "collections", "typing", "pytest"
            }, name  # fmt: skip
    for target in _imports(path):
        assert target.split(".")[0] in {
            "__future__", "os", "collections", "typing", "pytest", "authsessions",
            "contract_tests", "redis",
        }, target  # fmt: skip


@pytest.mark.parametrize(
    "path",
    [p for p in _modules() if _layer(p) in INTEGRATIONS],
    ids=lambda p: str(p.relative_to(PACKAGE)),
)
def test_web_integrations_use_public_modules_and_no_store(path: Path) -> None:
    # they work with any store, ours or a third party's, so they name none
    own = _module_name(path).split(".")[:2]
    allowed = INTEGRATION_EXCEPTIONS.get(_module_name(path), set())
    for target in _imports(path):
        parts = target.split(".")
        if parts[0] != "authsessions" or parts[:2] == own or len(parts) == 1:
            continue
        if ".".join(parts[:2]) in allowed:
            continue
        assert parts[1] in {"kit", "web", "SessionUtils"}, (
            f"{_module_name(path)} imports {target}: integrations use authsessions, "
            "authsessions.kit and authsessions.web only"
        )


@pytest.mark.parametrize(
    "path", _modules(CONTRACT), ids=lambda p: str(p.relative_to(CONTRACT.parent))
)
def test_the_contract_uses_public_modules_and_names_no_store(path: Path) -> None:
    # the specification is written against the interface, as a third
    # party's store is: no private module, no particular store
    for target in _imports(path):
        parts = target.split(".")
        if parts[0] != "authsessions" or len(parts) == 1:
            continue
        assert parts[1] in {"kit", "testing", *__import__("authsessions").__all__}, (
            f"{_module_name(path)} imports {target}: the contract uses authsessions, "
            "authsessions.kit and authsessions.testing only"
        )
        assert parts[1] not in STORES, f"{_module_name(path)} names the store {target}"


def test_the_web_layer_loads_no_store() -> None:
    import subprocess
    import sys

    code = (
        "import sys, authsessions.web\n"
        "print(sorted(m for m in sys.modules if m.split('.')[:2][-1] in "
        f"{sorted(STORES)!r}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout
