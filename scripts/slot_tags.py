"""Generate ``authsessions/redis/slot_tags.txt``: for each of Redis Cluster's
16,384 hash slots, the first 3-character alphanumeric string that hashes to
it. A per-slot registry key whose hash tag is that string shares its slot
with every user whose keys live there, so one script can update both.

    python scripts/slot_tags.py          # write the table
    python scripts/slot_tags.py --check  # exit 1 if the checked-in table differs
"""

from __future__ import annotations

import binascii
import itertools
import string
import sys
from pathlib import Path

TABLE = Path(__file__).resolve().parent.parent / "authsessions" / "redis" / "slot_tags.txt"
SLOTS = 16384


def build() -> str:
    found: dict[int, str] = {}
    alphabet = string.digits + string.ascii_letters
    for combo in itertools.product(alphabet, repeat=3):
        tag = "".join(combo)
        found.setdefault(binascii.crc_hqx(tag.encode(), 0) % SLOTS, tag)
        if len(found) == SLOTS:
            break
    return "".join(found[slot] for slot in range(SLOTS)) + "\n"


def main() -> int:
    table = build()
    if "--check" in sys.argv:
        ok = TABLE.exists() and TABLE.read_text("ascii") == table
        if not ok:
            print(f"{TABLE} is out of date: run python scripts/slot_tags.py")
        return 0 if ok else 1
    TABLE.write_text(table, "ascii")
    return 0


if __name__ == "__main__":
    sys.exit(main())
