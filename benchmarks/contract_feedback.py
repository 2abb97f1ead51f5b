"""How fast the contract gives a store author feedback: the time to the first
failure for each bug planted in the kit store (tests/contract_tests), and
the time of a whole passing run, per profile.

    python benchmarks/contract_feedback.py [--profile dev] [--bugs A,B] [--open-ms 50]

``--open-ms`` makes every store cost that long to open (a sleep in the
factory), as a store that connects to a server or migrates a schema would:
the contract opens one per example, so this is what a slow store pays.

Each bug runs in its own process (Hypothesis keeps no database here, so no
run profits from another's examples).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import json, sys, time
sys.path.insert(0, {root!r})
from contract_tests import run_contract
from tests.contract_tests.kit_store import factory

bugs = {bugs!r}
build = factory(*bugs)

def slow(*args, **kwargs):
    time.sleep({open_ms} / 1000)
    return build(*args, **kwargs)

started = time.monotonic()
first = []
def progress(result):
    if result.outcome == "failed" and not first:
        first.append((time.monotonic() - started, result.rule))
report = run_contract(slow if {open_ms} else build, profile={profile!r}, stop_at_first_failure=bool(bugs),
                      progress=progress)
print(json.dumps({{"seconds": time.monotonic() - started, "passed": report.ok,
                  "first": first[0] if first else None}}))
"""


def probe(bugs: list[str], profile: str, open_ms: int = 0) -> dict[str, object]:
    code = PROBE.format(root=str(ROOT), bugs=bugs, profile=profile, open_ms=open_ms)
    env = {**os.environ, "HYPOTHESIS_STORAGE_DIRECTORY": "/dev/null"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, env=env, check=True)  # fmt: skip
    result: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> int:
    sys.path.insert(0, str(ROOT))
    from tests.contract_tests.kit_store import BUGS

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="dev")
    parser.add_argument("--bugs", default=",".join(BUGS))
    parser.add_argument("--open-ms", type=int, default=0, help="each store's cost to open")
    args = parser.parse_args()
    clean = probe([], args.profile, args.open_ms)
    opened = f", {args.open_ms} ms to open" if args.open_ms else ""
    print("| store | run | seconds | result |\n|---|---|---|---|")
    print(f"| kit store, no bug ({args.profile}{opened}) | whole contract | "
          f"{clean['seconds']:.1f} s | {'passed' if clean['passed'] else 'FAILED'} |")  # fmt: skip
    times = []
    print("\n| planted bug | first failing rule | seconds to it |\n|---|---|---|")
    for bug in args.bugs.split(","):
        found = probe([bug], args.profile, args.open_ms)
        first = found["first"]
        if not first:
            print(f"| {bug} | NOT CAUGHT | {found['seconds']:.1f} |")
            continue
        seconds, rule = first  # type: ignore[misc]
        times.append(seconds)
        print(f"| {bug} | `{rule}` | {seconds:.1f} |", flush=True)
    if times:
        print(f"\nmedian {statistics.median(times):.1f} s, max {max(times):.1f} s "
              f"over {len(times)} bugs ({args.profile} profile)")  # fmt: skip
    return 0


if __name__ == "__main__":
    started = time.monotonic()
    status = main()
    print(f"(total {time.monotonic() - started:.0f} s)")
    sys.exit(status)
