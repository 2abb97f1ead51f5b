"""Run the contract from code (a notebook, the CLI) and get a report."""

from __future__ import annotations

import contextlib
import html
import io
import secrets
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
import pytest

_FACTORIES: dict[str, Callable[..., Any]] = {}

_MODULE = """
import sys

import pytest

# import the contract afresh, under pytest's assertion rewriting, so that a
# failing rule reports the values it compared (the caller may have imported
# contract_tests long before pytest started)
for _name in ("contract_tests._contract", "contract_tests._machine"):
    sys.modules.pop(_name, None)
from contract_tests._contract import SessionsContract
from contract_tests._runner import _FACTORIES


class TestStore(SessionsContract):
    contract_profile = {profile!r}

    @pytest.fixture
    def sessions_factory(self):
        return _FACTORIES[{token!r}]
"""


@attrs.frozen
class RuleResult:
    """One contract test: its rule name, outcome and failure report."""

    rule: str
    outcome: str  # passed | failed | skipped
    report: str = ""


@attrs.frozen
class ContractReport:
    """What ``run_contract`` found: every rule's outcome, failures first."""

    results: tuple[RuleResult, ...]

    @property
    def passed(self) -> list[str]:
        return [r.rule for r in self.results if r.outcome == "passed"]

    @property
    def failed(self) -> list[RuleResult]:
        return [r for r in self.results if r.outcome == "failed"]

    @property
    def ok(self) -> bool:
        """True when no rule failed."""
        return not self.failed

    def summary(self) -> str:
        """A plain-text report: counts, then the first failure in full."""
        counts = {
            o: sum(r.outcome == o for r in self.results) for o in ("passed", "failed", "skipped")
        }
        lines = [
            f"contract: {counts['passed']} passed, {counts['failed']} failed, "
            f"{counts['skipped']} skipped"
        ]
        if self.failed:
            first = self.failed[0]
            lines += ["", f"first failing rule: {first.rule}", first.report.rstrip(), ""]
        for result in self.results:
            mark = {"passed": "ok  ", "failed": "FAIL", "skipped": "skip"}[result.outcome]
            lines.append(f"  {mark} {result.rule}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(self.summary())

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{html.escape(r.outcome, quote=True)}</td>"
            f"<td>{html.escape(r.rule, quote=True)}</td></tr>"
            for r in self.results
        )
        detail = ""
        if self.failed:
            first = self.failed[0]
            detail = (
                f"<p>first failing rule: <b>{html.escape(first.rule, quote=True)}</b></p>"
                f"<pre>{html.escape(first.report, quote=True)}</pre>"
            )
        verdict = "passes" if self.ok else "fails"
        return (
            f"<div><p>The store {verdict} the contract.</p>"
            f"<table><tr><th>outcome</th><th>rule</th></tr>{rows}</table>{detail}</div>"
        )


class _Collector:
    def __init__(self) -> None:
        self.results: list[RuleResult] = []

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "call" or report.outcome != "passed":
            rule = report.nodeid.split("::")[-1].removeprefix("test_")
            if any(r.rule == rule for r in self.results):
                return
            text = report.longreprtext if report.failed else ""
            self.results.append(RuleResult(rule, report.outcome, text))

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.results.append(RuleResult("collection", "failed", report.longreprtext))


def run_contract(
    factory: Callable[..., Any],
    *,
    profile: str = "dev",
    select: str | None = None,
    quiet: bool = True,
) -> ContractReport:
    """Run ``SessionsContract`` against ``factory(namespace, clock, **options)``.

    Args:
        factory: as a ``sessions_factory`` fixture would return it.
        profile: ``"dev"`` or ``"ci"``.
        select: a pytest ``-k`` expression choosing rules.
        quiet: hide pytest's own output.

    Returns:
        The report; failed rules come first in ``failed`` with their
        (shrunk) Hypothesis example.
    """
    token = secrets.token_hex(8)
    module = f"test_contract_{token}"
    _FACTORIES[token] = factory
    collector = _Collector()
    try:
        with tempfile.TemporaryDirectory(prefix="authsessions-contract-") as folder:
            root = Path(folder)
            (root / "pytest.ini").write_text("[pytest]\n")
            (root / f"{module}.py").write_text(_MODULE.format(profile=profile, token=token))
            args = [str(root), "-c", str(root / "pytest.ini"), "-p", "no:cacheprovider"]
            args += ["-p", "no:warnings", "--tb=short", "-q"]
            if select:
                args += ["-k", select]
            output = io.StringIO()
            with contextlib.redirect_stdout(output) if quiet else contextlib.nullcontext():
                pytest.main(args, plugins=[collector])
    finally:
        del _FACTORIES[token]
        sys.modules.pop(module, None)
    order = {"failed": 0, "passed": 1, "skipped": 2}
    return ContractReport(tuple(sorted(collector.results, key=lambda r: order[r.outcome])))
