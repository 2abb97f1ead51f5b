"""Run in its own process by bench.py: stream (or list) every session of a
store and report the peak RSS and the time, as JSON on stdout.

    python benchmarks/_stream_probe.py URL "iter_sessions + prune"|"list_sessions()"|"ls --format csv" standalone|cluster
"""

from __future__ import annotations

import json
import resource
import sys
import time

from authsessions import RedisSessions


def main() -> int:
    url, mode, kind = sys.argv[1:4]
    if mode == "ls --format csv":
        # the command line, in this process, writing the export to a file
        import os
        import tempfile

        from authsessions.cli import main as cli

        path = os.path.join(tempfile.mkdtemp(), "sessions.csv")
        start = time.perf_counter()
        code = cli(
            ["ls", "--redis-url", url, "--prefix", "stream:", "--format", "csv", "-o", path]
        )
        seconds = time.perf_counter() - start
        with open(path, encoding="utf-8") as exported:
            sessions = sum(1 for _ in exported) - 1  # the header
        os.remove(path)
        rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            json.dumps({"sessions": sessions, "seconds": seconds, "rss_mb": rss_mb, "code": code})
        )
        return 0
    store = RedisSessions.from_url(url, cluster=kind == "cluster", prefix="stream:")
    start = time.perf_counter()
    if mode == "list_sessions()":
        sessions = len(store.list_sessions())
    else:
        sessions = sum(1 for _ in store.iter_sessions())
        store.prune()
    seconds = time.perf_counter() - start
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"sessions": sessions, "seconds": seconds, "rss_mb": rss_mb}))
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
