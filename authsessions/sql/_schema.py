"""The sessions table, as SQLAlchemy Core metadata (Alembic can autogenerate
a migration from it).

One row per session; nothing else holds user data. Only the SHA-256 of the
secret is stored. User ids, labels and meta are the canonical JSON every
store writes (the label too, as a JSON string, because PostgreSQL text
cannot hold NUL). Times are integer milliseconds since the epoch, decided by
the store's clock. ``authenticated_ms`` (NULL: at creation), ``details``
(remember flag and client, canonical JSON), ``previous`` (hashes of
rotated-away secrets) and ``last_ip`` (the last use's address) came
later: ``UPGRADABLE`` names them, and ``create_schema`` adds them to an
older table (each has a default or is nullable). Three indexes, each for
one query:

- ``(user_id, last_used_ms)``: a user's sessions, most recently used first
  (listing, eviction at the cap, log out everywhere);
- ``(absolute_ms)`` and ``(last_used_ms)``: ``prune`` finds the sessions past
  their absolute expiry and the idle ones by range, whatever the policy was
  when they were written.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Index,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.schema import CreateColumn

from authsessions.kit import ConfigurationError

DEFAULT_TABLE = "authsessions"
UPGRADABLE = ("authenticated_ms", "details", "previous", "last_ip")
"""Columns added after the table's first release, each with a default:
``create_schema`` adds them to a table that lacks them."""
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,50}")


def _upgradable_columns() -> list[Column[Any]]:
    """New Column objects of ``UPGRADABLE`` (a Column belongs to one table)."""
    return [
        Column("authenticated_ms", BigInteger, nullable=True),
        Column("details", Text, nullable=False, server_default=text("'{}'")),
        Column("previous", Text, nullable=False, server_default=text("''")),
        Column("last_ip", Text, nullable=True),
    ]


def check_table_name(name: object) -> str:
    """A table name usable as is in every dialect we support.

    Raises:
        ConfigurationError: not an identifier of at most 51 characters.
    """
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise ConfigurationError(
            "table", "must be a letter or _ then letters, digits or _ (51 at most)"
        )
    return name


def sessions_table(metadata: MetaData | None = None, name: str = DEFAULT_TABLE) -> Table:
    """The sessions table, added to ``metadata`` (a new MetaData if None).

    Raises:
        ConfigurationError: for a bad table name.
    """
    name = check_table_name(name)
    return Table(
        name,
        metadata if metadata is not None else MetaData(),
        Column("key", String(32), primary_key=True),
        Column("secret_hash", LargeBinary(32), nullable=False),
        Column("user_id", Text, nullable=False),
        Column("label", Text, nullable=False),
        Column("meta", Text, nullable=False),
        Column("created_ms", BigInteger, nullable=False),
        Column("last_used_ms", BigInteger, nullable=False),
        Column("absolute_ms", BigInteger, nullable=False),
        *_upgradable_columns(),
        Index(f"{name}_user_recent", "user_id", "last_used_ms"),
        Index(f"{name}_absolute", "absolute_ms"),
        Index(f"{name}_last_used", "last_used_ms"),
    )


def add_column_sql(table: Table, name: str, dialect: Dialect) -> str:
    """``ALTER TABLE ... ADD COLUMN ...`` for one of ``UPGRADABLE``, in the
    dialect's words (PostgreSQL and SQLite both add a column with a
    default to every existing row)."""
    column = CreateColumn(table.c[name]).compile(dialect=dialect)
    quoted = dialect.identifier_preparer.format_table(table)
    return f"ALTER TABLE {quoted} ADD COLUMN {column}"


def add_sign_in_columns(op: Any, table: str = DEFAULT_TABLE) -> None:
    """In an Alembic revision's ``upgrade()``: add the columns of
    ``UPGRADABLE`` to a sessions table made before them (what
    ``create_schema`` does by itself). Existing rows read as signed in at
    creation, remembered, with no client and nothing rotated away.

    Args:
        op: ``alembic.op``.
        table: the store's table name.

    Raises:
        ConfigurationError: for a bad table name.
    """
    name = check_table_name(table)
    for column in _upgradable_columns():
        op.add_column(name, column)


def drop_sign_in_columns(op: Any, table: str = DEFAULT_TABLE) -> None:
    """In an Alembic revision's ``downgrade()``: drop what
    ``add_sign_in_columns`` added (the sign-in details are lost).

    Raises:
        ConfigurationError: for a bad table name.
    """
    name = check_table_name(table)
    for column in reversed(UPGRADABLE):
        op.drop_column(name, column)
