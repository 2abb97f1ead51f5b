"""``authsessions ls --format``: sessions streamed out as a table, CSV,
JSON Lines, a JSON array or Parquet, a batch at a time (memory stays flat
however many sessions the store holds).

Secrets never appear (a Session holds none). Text formats follow the
terminal rules of every other command: JSON escapes every control
character (``ensure_ascii``); CSV escapes them visibly as the table does
and neutralises spreadsheet formulas (a label starting with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return gets a leading ``'``: labels often
come from the User-Agent header, which anyone can set). Parquet holds the
exact values, typed (timestamps in UTC), and is written to a file only.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from typing import IO, Any

from authsessions import Session, escape_text

from ._errors import USAGE, CliError

FORMATS = ("table", "csv", "jsonl", "json", "parquet")
COLUMNS = (
    "key", "user_id", "label", "created_at", "last_used_at", "expires_at", "authenticated_at",
    "remember", "ip", "user_agent", "location", "meta",
)  # fmt: skip
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _cell(text: str) -> str:
    text = escape_text(text)
    return "'" + text if text.startswith(_FORMULA) else text


class CsvWriter:
    def __init__(self, out: IO[str]) -> None:
        self._writer = csv.writer(out, lineterminator="\n")
        self._writer.writerow(COLUMNS)

    def write(self, batch: Iterable[Session[Any, Any]]) -> None:
        rows = []
        for session in batch:
            record = session.to_dict()
            client = record["client"] or {}
            rows.append([
                record["key"],
                _cell(str(record["user_id"])),
                _cell(record["label"]),
                record["created_at"],
                record["last_used_at"],
                record["expires_at"],
                record["authenticated_at"],
                "true" if record["remember"] else "false",
                client.get("ip") or "",
                _cell(client.get("user_agent") or ""),
                _cell(client.get("location") or ""),
                json.dumps(record["meta"], ensure_ascii=True, separators=(",", ":")),
            ])  # fmt: skip
        self._writer.writerows(rows)

    def close(self) -> None:
        pass


class JsonLinesWriter:
    def __init__(self, out: IO[str]) -> None:
        self._out = out

    def write(self, batch: Iterable[Session[Any, Any]]) -> None:
        self._out.writelines(json.dumps(s.to_dict(), ensure_ascii=True) + "\n" for s in batch)

    def close(self) -> None:
        pass


class JsonArrayWriter:
    """One JSON array, written as it streams (valid JSON once closed)."""

    def __init__(self, out: IO[str]) -> None:
        self._out, self._first = out, True
        out.write("[")

    def write(self, batch: Iterable[Session[Any, Any]]) -> None:
        for session in batch:
            self._out.write(("\n" if self._first else ",\n") + json.dumps(
                session.to_dict(), ensure_ascii=True))  # fmt: skip
            self._first = False

    def close(self) -> None:
        self._out.write("\n]\n" if not self._first else "]\n")


class ParquetWriter:
    """Typed columns, a row group per batch."""

    def __init__(self, path: str) -> None:
        import pyarrow as pa  # present: check_parquet ran first
        import pyarrow.parquet as pq

        self._pa = pa
        when = pa.timestamp("ms", tz="UTC")
        self._schema = pa.schema([
            ("key", pa.string()), ("user_id", pa.string()), ("label", pa.string()),
            ("created_at", when), ("last_used_at", when), ("expires_at", when),
            ("authenticated_at", when), ("remember", pa.bool_()), ("ip", pa.string()),
            ("user_agent", pa.string()), ("location", pa.string()), ("meta", pa.string()),
        ])  # fmt: skip
        self._writer = pq.ParquetWriter(path, self._schema)

    def write(self, batch: Iterable[Session[Any, Any]]) -> None:
        sessions = list(batch)
        if not sessions:
            return
        plain = [s.to_dict() for s in sessions]  # ids as text, meta unstructured
        columns = {
            "key": [s.key for s in sessions],
            "user_id": [str(p["user_id"]) for p in plain],
            "label": [s.label for s in sessions],
            "created_at": [s.created_at for s in sessions],
            "last_used_at": [s.last_used_at for s in sessions],
            "expires_at": [s.expires_at for s in sessions],
            "authenticated_at": [s.authenticated_at for s in sessions],
            "remember": [s.remember for s in sessions],
            "ip": [_ip(s) for s in sessions],
            "user_agent": [s.client.user_agent if s.client else None for s in sessions],
            "location": [s.client.location if s.client else None for s in sessions],
            "meta": [json.dumps(p["meta"], separators=(",", ":")) for p in plain],
        }
        self._writer.write_table(self._pa.table(columns, schema=self._schema))

    def close(self) -> None:
        self._writer.close()


def _ip(session: Session[Any, Any]) -> str | None:
    client = session.client
    return None if client is None or client.ip is None else str(client.ip)


def check_parquet(path: str | None) -> str:
    """Parquet's usage rules, checked before any store is opened; the path.

    Raises:
        CliError: no ``--output``, or pyarrow is not installed (usage).
    """
    import importlib.util

    if path is None:
        raise CliError("--format parquet writes a file: add --output FILE", USAGE)
    if importlib.util.find_spec("pyarrow") is None:
        raise CliError(
            "--format parquet needs pyarrow: pip install 'authsessions[parquet]'", USAGE
        )
    return path


def writer_for(kind: str, out: IO[str], path: str | None) -> Any:
    """The writer of ``kind``; Parquet to ``path`` only.

    Raises:
        CliError: Parquet without a file, or without pyarrow (usage).
    """
    if kind == "parquet":
        return ParquetWriter(check_parquet(path))
    return {"csv": CsvWriter, "jsonl": JsonLinesWriter, "json": JsonArrayWriter}[kind](out)
