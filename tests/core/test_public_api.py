"""The public surface: what each public module exports, what an install
without the optional extras does, and what ships in the package."""

from __future__ import annotations

import subprocess
import sys
from importlib import import_module

import pytest

PUBLIC = ["authsessions", "authsessions.kit", "authsessions.memory", "authsessions.redis",
          "authsessions.sql", "authsessions.web", "authsessions.starlette",
          "authsessions.flask", "authsessions.django", "authsessions.testing",
          "authsessions.reference", "contract_tests"]  # fmt: skip
# the public subpackages: everything else under authsessions is private
SUBPACKAGES = {"kit", "memory", "redis", "sql", "web", "starlette", "flask", "django",
               "testing", "reference"}  # fmt: skip


@pytest.mark.parametrize("name", PUBLIC)
def test_all_is_alphabetical_and_complete(name: str) -> None:
    module = import_module(name)
    assert module.__all__ == sorted(module.__all__)
    # "@py_builtins" and friends: pytest rewrites asserts in plugin distributions
    public = {n for n in dir(module) if not n.startswith(("_", "@"))}
    submodules = {n for n in public if type(getattr(module, n)).__name__ == "module"}
    assert public - submodules == set(module.__all__)


def test_exported_names_live_in_private_modules_or_public_subpackages() -> None:
    import authsessions

    for name in authsessions.__all__:
        value = getattr(authsessions, name)
        module = getattr(value, "__module__", "authsessions")
        if module.startswith("authsessions."):
            parts = module.split(".")
            assert parts[1].startswith("_") or parts[1] in SUBPACKAGES, name


def test_contract_tests_exports_what_implementers_need() -> None:
    import contract_tests

    for name in ("SessionsContract", "FakeClock", "metas", "user_ids", "labels", "run_contract"):
        assert name in contract_tests.__all__


def test_the_specification_ships_no_server_provisioning() -> None:
    import contract_tests

    provisioning = {"provision", "provision_postgres", "LocalCluster", "Endpoint",
                    "Unavailable", "remove_namespace", "free_port", "wait_until"}  # fmt: skip
    assert not provisioning & set(contract_tests.__all__)
    assert not provisioning & set(dir(contract_tests))


def test_the_testing_module_needs_no_test_runner_and_no_driver() -> None:
    # notebooks and analyses take the fake clock from here without the
    # [contract] extra; the provisioners import their drivers when called
    code = (
        "import sys\n"
        "for name in ('pytest', 'hypothesis', 'redis', 'sqlalchemy', 'contract_tests'):\n"
        "    sys.modules[name] = None\n"
        "from authsessions.testing import FakeClock\n"
        "print(FakeClock().ms > 0)"
    )
    out = _run(code)
    assert out.stdout.strip() == "True", out.stderr


def test_py_typed_is_shipped() -> None:
    from importlib.resources import files

    assert files("authsessions").joinpath("py.typed").is_file()
    assert files("contract_tests").joinpath("py.typed").is_file()


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )


@pytest.mark.parametrize(
    ("dependency", "name", "module", "extra"),
    [
        ("redis", "RedisSessions", "authsessions.redis", "redis"),
        ("sqlalchemy", "SqlSessions", "authsessions.sql", "sql"),
        ("starlette", None, "authsessions.starlette", "starlette"),
        ("flask", None, "authsessions.flask", "flask"),
        ("django", None, "authsessions.django", "django"),
    ],
)
def test_the_core_works_without_an_extra_and_its_names_say_how_to_install_it(
    dependency: str, name: str | None, module: str, extra: str
) -> None:
    statements = [f"import {module}"] + ([f"from authsessions import {name}"] if name else [])
    code = (
        f"import sys; sys.modules[{dependency!r}] = None\n"
        "import authsessions, authsessions.kit, authsessions._pytest_plugin\n"
        "store = authsessions.InMemorySessions()\n"
        "store.create_session(user_id='u', label='', meta={})\n"
        f"for stmt in {statements!r}:\n"
        "    try:\n        exec(stmt)\n    except ImportError as err:\n        print(err)\n"
    )
    result = _run(code)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == len(statements)
    assert all(f"pip install 'authsessions[{extra}]'" in line for line in lines), lines


def test_contract_tests_without_hypothesis_says_how_to_install_it() -> None:
    code = (
        "import sys; sys.modules['hypothesis'] = None\n"
        "try:\n    import contract_tests\nexcept ImportError as err:\n    print(err)\n"
    )
    result = _run(code)
    assert "pip install 'authsessions[contract]'" in result.stdout, result.stdout + result.stderr
