"""Run the contract from code (a notebook, the command line) and get a report."""

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
_PACKAGE = __name__.rpartition(".")[0]

_MODULE = """
import pytest

# the contract's modules, imported afresh under pytest's assertion rewriting
# (registered by package prefix, so a new rule module is never left out): a
# failing rule then reports the values it compared, whether authsessions was
# installed from a wheel or in editable mode
pytest.register_assert_rewrite({package!r})
from {package}._runner import _FACTORIES, _fresh_contract

SessionsContract = _fresh_contract()


class TestStore(SessionsContract):
    contract_profile = {profile!r}

    @pytest.fixture
    def sessions_factory(self):
        return _FACTORIES[{token!r}]
"""

_KEEP = {_PACKAGE, __name__}
_saved: list[dict[str, Any]] = []


def _fresh_contract() -> Any:
    """SessionsContract from a fresh import of every module of the package
    (except this one, which holds the factories); the modules the caller
    had imported are put back after the run."""
    saved = {
        name: sys.modules.pop(name)
        for name in list(sys.modules)
        if name.startswith(_PACKAGE + ".") and name not in _KEEP
    }
    _saved.append(saved)
    from importlib import import_module

    return import_module(f"{_PACKAGE}._contract").SessionsContract


def _restore() -> None:
    while _saved:
        saved = _saved.pop()
        for name in [n for n in sys.modules if n.startswith(_PACKAGE + ".") and n not in _KEEP]:
            del sys.modules[name]
        sys.modules.update(saved)


@attrs.frozen
class RuleResult:
    """One contract test: its rule name, outcome and failure report."""

    rule: str
    outcome: str  # passed | failed | skipped
    report: str = ""
    seconds: float = 0.0


@attrs.frozen
class ContractReport:
    """What ``run_contract`` found: every rule's outcome, failures first.

    Attributes:
        results: one per rule that ran.
        status: ``"completed"``, ``"interrupted"`` (Ctrl-C) or ``"error"``
            (pytest could not run the contract: a usage or internal error).
    """

    results: tuple[RuleResult, ...]
    status: str = "completed"

    @property
    def passed(self) -> list[str]:
        return [r.rule for r in self.results if r.outcome == "passed"]

    @property
    def failed(self) -> list[RuleResult]:
        return [r for r in self.results if r.outcome == "failed"]

    @property
    def ok(self) -> bool:
        """True when the run completed, at least one rule ran, and none failed."""
        return self.status == "completed" and bool(self.results) and not self.failed

    def summary(self) -> str:
        """A plain-text report: counts, then the first failure in full."""
        counts = {
            o: sum(r.outcome == o for r in self.results) for o in ("passed", "failed", "skipped")
        }
        head = (
            f"contract: {counts['passed']} passed, {counts['failed']} failed, "
            f"{counts['skipped']} skipped"
        )
        if self.status != "completed":
            head += f" ({self.status}: not a pass)"
        lines = [head]
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
        if self.status != "completed":
            verdict = f"was {html.escape(self.status)} (not a pass)"
        return (
            f"<div><p>The store {verdict} the contract.</p>"
            f"<table><tr><th>outcome</th><th>rule</th></tr>{rows}</table>{detail}</div>"
        )


class _Collector:
    def __init__(self, progress: Callable[[RuleResult], None] | None) -> None:
        self.results: list[RuleResult] = []
        self.progress = progress

    def _add(self, result: RuleResult) -> None:
        self.results.append(result)
        if self.progress is not None:
            self.progress(result)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "call" or report.outcome != "passed":
            rule = report.nodeid.split("::")[-1].removeprefix("test_")
            if any(r.rule == rule for r in self.results):
                return
            text = report.longreprtext if report.failed else ""
            self._add(RuleResult(rule, report.outcome, text, report.duration))

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self._add(RuleResult("collection", "failed", report.longreprtext))


def run_contract(
    factory: Callable[..., Any],
    *,
    profile: str = "dev",
    select: str | None = None,
    quiet: bool = True,
    stop_at_first_failure: bool = False,
    progress: Callable[[RuleResult], None] | None = None,
) -> ContractReport:
    """Run ``SessionsContract`` against ``factory(namespace, clock, **options)``.

    Args:
        factory: as a ``sessions_factory`` fixture would return it.
        profile: ``"dev"``, ``"ci"`` or ``"exhaustive"``.
        select: a pytest ``-k`` expression choosing rules.
        quiet: hide pytest's own output.
        stop_at_first_failure: stop after the first failing rule.
        progress: called with each rule's result as soon as it finishes.

    Returns:
        The report; failed rules come first in ``failed`` with their
        (shrunk) Hypothesis example. ``status`` says whether the run
        completed: an interrupted run is never a pass.

    Raises:
        KeyboardInterrupt: is not raised; an interrupted run is reported.
    """
    token = secrets.token_hex(8)
    module = f"test_contract_{token}"
    _FACTORIES[token] = factory
    collector = _Collector(progress)
    code: Any = pytest.ExitCode.OK
    try:
        with tempfile.TemporaryDirectory(prefix="authsessions-contract-") as folder:
            root = Path(folder)
            (root / "pytest.ini").write_text("[pytest]\n")
            source = _MODULE.format(package=_PACKAGE, profile=profile, token=token)
            (root / f"{module}.py").write_text(source)
            args = [str(root), "-c", str(root / "pytest.ini"), "-p", "no:cacheprovider"]
            args += ["-p", "no:warnings", "--tb=short", "-q", "-p", "no:randomly"]
            # whole assertion diffs: the report is all a caller sees
            args += ["-o", "verbosity_assertions=2"]
            if select:
                args += ["-k", select]
            if stop_at_first_failure:
                args += ["-x"]
            output = io.StringIO()
            with contextlib.redirect_stdout(output) if quiet else contextlib.nullcontext():
                code = pytest.main(args, plugins=[collector])
    except KeyboardInterrupt:
        code = pytest.ExitCode.INTERRUPTED
    finally:
        del _FACTORIES[token]
        sys.modules.pop(module, None)
        _restore()
    status = {
        pytest.ExitCode.OK: "completed",
        pytest.ExitCode.TESTS_FAILED: "completed",
        pytest.ExitCode.NO_TESTS_COLLECTED: "completed",
        pytest.ExitCode.INTERRUPTED: "interrupted",
    }.get(code, "error")
    if (
        status == "completed"
        and collector.results
        and any(r.rule == "collection" for r in collector.results)
    ):
        status = "error"
    order = {"failed": 0, "passed": 1, "skipped": 2}
    results = tuple(sorted(collector.results, key=lambda r: order[r.outcome]))
    return ContractReport(results, status)
