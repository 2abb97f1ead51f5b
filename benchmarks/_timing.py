"""Timing helpers: interleaved rounds, medians, pinning, peak memory."""

from __future__ import annotations

import asyncio
import os
import resource
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any


class Bench:
    """Cases timed in interleaved rounds: every round runs every case once,
    so drift on a noisy machine hits all of them alike."""

    def __init__(self, rounds: int, n: int) -> None:
        self.rounds, self.n = rounds, n
        self.cases: dict[str, Callable[[], float]] = {}

    def add(self, name: str, fn: Callable[[], Any], *, n: int | None = None,
            setup: Callable[[int], list[Any]] | None = None) -> None:  # fmt: skip
        """A sync case: ``fn()`` (or ``fn(item)`` per item ``setup`` made)."""
        count = n or self.n

        def run() -> float:
            if setup is not None:
                items = setup(count)
                start = time.perf_counter_ns()
                for item in items:
                    fn(item)
            else:
                start = time.perf_counter_ns()
                for _ in range(count):
                    fn()
            return (time.perf_counter_ns() - start) / count / 1000

        self.cases[name] = run

    def add_async(self, name: str, loop: asyncio.AbstractEventLoop,
                  fn: Callable[[], Awaitable[Any]], *, n: int | None = None,
                  concurrency: int = 1) -> None:  # fmt: skip
        """An asyncio case, ``concurrency`` tasks at once."""
        count = n or self.n

        async def worker(k: int) -> None:
            for _ in range(k):
                await fn()

        async def everyone(per: int) -> None:
            await asyncio.gather(*(worker(per) for _ in range(concurrency)))

        def run() -> float:
            per = count // concurrency
            start = time.perf_counter_ns()
            loop.run_until_complete(everyone(per))
            return (time.perf_counter_ns() - start) / (per * concurrency) / 1000

        self.cases[name] = run

    def run(self, label: str) -> dict[str, float]:
        samples: dict[str, list[float]] = {name: [] for name in self.cases}
        for r in range(self.rounds):
            for name, case in self.cases.items():
                samples[name].append(case())
            print(f"  {label}: round {r + 1}/{self.rounds}", file=sys.stderr)
        return {name: statistics.median(values) for name, values in samples.items()}


def paired(a: Callable[[], Any], b: Callable[[], Any], *, rounds: int,
           n: int) -> tuple[float, float]:  # fmt: skip
    """Medians over ``rounds`` of the µs per call of ``a`` and of ``b``,
    timed call by call in alternating order: two calls that differ by a
    few µs see the same caches, the same neighbours and the same drift,
    which separate cases of interleaved rounds do not (on this machine a
    case's time moves by a tenth with its place in the round)."""
    clock = time.perf_counter_ns
    calls = (a, b)
    orders = ((1, 0), (0, 1))  # b first on even calls, a first on odd ones
    per: tuple[list[float], list[float]] = ([], [])
    for _ in range(rounds):
        totals = [0, 0]
        for i in range(n):
            first, second = orders[i & 1]
            call_first, call_second = calls[first], calls[second]
            t0 = clock()
            call_first()
            t1 = clock()
            call_second()
            t2 = clock()
            totals[first] += t1 - t0
            totals[second] += t2 - t1
        for side in (0, 1):
            per[side].append(totals[side] / n / 1000)
    return statistics.median(per[0]), statistics.median(per[1])


def pin(placement: str, server_pid: int) -> str:
    """Pin this process and the server: both on vCPU 0 (``same``), server on
    vCPU 1 (``cross``), or neither (``none``)."""
    if placement == "none" or not hasattr(os, "sched_setaffinity") or os.cpu_count() == 1:
        return "unpinned"
    os.sched_setaffinity(0, {0})
    os.sched_setaffinity(server_pid, {0} if placement == "same" else {1})
    return "client and server on vCPU 0" if placement == "same" else "client vCPU 0, server vCPU 1"


def peak_rss_mb() -> float:
    """This process's peak resident memory so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    """(seconds, result) of one call."""
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def now_ms() -> int:
    return time.time_ns() // 1_000_000
