"""Run in its own process by bench.py: stream (or list) every session of a
store and report the peak RSS and the time, as JSON on stdout.

    python benchmarks/_stream_probe.py URL "iter_sessions + prune"|"list_sessions()" standalone|cluster
"""

from __future__ import annotations

import json
import resource
import sys
import time

from authsessions import RedisSessions


def main() -> int:
    url, mode, kind = sys.argv[1:4]
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
