"""The pytest plugin is loaded into every project that installs authsessions,
so it must never break one: its options are namespaced."""

from __future__ import annotations

import pytest

PROJECT_CONFTEST = """
def pytest_addoption(parser):
    # names a project may well use for its own servers
    parser.addoption("--redis-url", default="redis://project-own")
    parser.addoption("--postgres-url", default="postgresql://project-own")
    parser.addoption("--contract-profile", default="project-own")
"""

PROJECT_TEST = """
def test_the_project_sees_its_own_options(pytestconfig):
    assert pytestconfig.getoption("--redis-url") == "redis://project-own"
    assert pytestconfig.getoption("--postgres-url") == "postgresql://project-own"
    assert pytestconfig.getoption("--contract-profile") == "project-own"
    assert pytestconfig.getoption("--authsessions-redis-provider") == "auto"
"""


def test_a_project_with_its_own_redis_and_postgres_options_runs(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeconftest(PROJECT_CONFTEST)
    pytester.makepyfile(test_project=PROJECT_TEST)
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_every_option_of_the_plugin_is_namespaced(pytester: pytest.Pytester) -> None:
    lines = pytester.runpytest_subprocess("--help").outlines
    start = lines.index("authsessions contract and server provisioning:")
    section = []
    for line in lines[start + 1 :]:
        if not line.startswith(" "):
            break  # the next group's heading
        if line.lstrip().startswith("--"):
            section.append(line.split()[0].split("=")[0])
    assert len(section) >= 10, section
    assert all(option.startswith("--authsessions-") for option in section), section
