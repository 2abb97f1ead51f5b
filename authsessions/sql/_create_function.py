"""A create in one round trip on PostgreSQL: a PL/pgSQL function per table.

A create that keeps the per-user cap under races holds the user's advisory
lock while it forgets the user's expired sessions, evicts beyond the cap and
inserts. Sent as statements, the ones after the lock must wait for it (two
round trips at best on psycopg's pipeline, six through SQLAlchemy). Inside
a function each statement takes a fresh snapshot once the lock is granted
(READ COMMITTED), so one call does it all: measured 516 µs against 859 µs
for the two-round-trip pipeline on loopback, and one round trip instead of
six for an asyncio engine.

The function takes the policy as arguments (idle TTL, how many sessions to
keep), so one function serves every store on the table whatever its
policy; its name carries a version (a later release with another body adds
another function). The caller's clock decides the time, read before the
lock is granted: a session that expired while the call waited for the lock
is counted by the cap for that one create (a window of the lock wait).

Expiry mirrors ``_statements._Builder._expired``: expired at ``now`` when
``absolute_ms <= now``, or, with an idle TTL, when ``last_used_ms <= now -
idle``. The contract runs on this path on PostgreSQL.

Under another isolation level (a server or role whose
``default_transaction_isolation`` is REPEATABLE READ or SERIALIZABLE) the
statements after the lock would not see the creates committed while it
waited: the function refuses (``feature_not_supported``) and the store
takes its transaction, which sets READ COMMITTED itself.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from ._schema import DEFAULT_TABLE, check_table_name

VERSION = 1
# SQLSTATEs that send a create to the transaction instead, and what the
# store logs for each
_FALLBACK_STATES = {
    "42883": "is missing (create_schema() or add_create_function() adds it)",
    "0A000": "refuses the server's default isolation level (it needs READ COMMITTED)",
}

# the arguments in order: (name, PostgreSQL type); the insert's columns
# are the ones named after them
_ARGUMENTS = (
    ("tag", "bigint"),
    ("now", "bigint"),
    ("idle", "bigint"),
    ("keep", "integer"),
    ("key", "varchar"),
    ("secret_hash", "bytea"),
    ("user_id", "text"),
    ("label", "text"),
    ("meta", "text"),
    ("created_ms", "bigint"),
    ("last_used_ms", "bigint"),
    ("absolute_ms", "bigint"),
    ("authenticated_ms", "bigint"),
    ("details", "text"),
    ("previous", "text"),
)
_COLUMNS = [name for name, _ in _ARGUMENTS[4:]]


def fallback_reason(err: BaseException | None) -> str | None:
    """Why a failed call of the function sends creates to the transaction
    (what the store logs), or None when ``err`` is another failure. ``err``
    is the driver's error, raised by the driver or wrapped by SQLAlchemy
    (``orig``)."""
    for candidate in (err, getattr(err, "orig", None)):
        state = getattr(candidate, "sqlstate", None) or getattr(candidate, "pgcode", None)
        if state:
            return _FALLBACK_STATES.get(str(state))
    return None


def function_name(table: str) -> str:
    """The create function of ``table`` (at most 61 characters: a table
    name has at most 51)."""
    return f"{check_table_name(table)}_create_v{VERSION}"


def create_function_sql(table: str = DEFAULT_TABLE) -> str:
    """``CREATE OR REPLACE FUNCTION`` for ``table``'s create (PostgreSQL).

    Raises:
        ConfigurationError: for a bad table name.
    """
    name = function_name(table)
    arguments = ", ".join(f"p_{arg} {kind}" for arg, kind in _ARGUMENTS)
    columns = ", ".join(_COLUMNS)
    values = ", ".join(f"p_{column}" for column in _COLUMNS)
    # the table name passed check_table_name (function_name): an identifier
    return f"""CREATE OR REPLACE FUNCTION {name}({arguments})
RETURNS SETOF varchar LANGUAGE plpgsql AS $authsessions$
BEGIN
  IF current_setting('transaction_isolation') <> 'read committed' THEN
    RAISE EXCEPTION '{name} runs under READ COMMITTED only'
      USING ERRCODE = 'feature_not_supported';
  END IF;
  PERFORM pg_advisory_xact_lock(p_tag);
  DELETE FROM {table} AS t WHERE t.user_id = p_user_id
    AND (t.absolute_ms <= p_now OR (p_idle > 0 AND t.last_used_ms <= p_now - p_idle));
  IF p_keep IS NOT NULL THEN
    RETURN QUERY DELETE FROM {table} AS t WHERE t.key IN (
      SELECT d.key FROM {table} AS d WHERE d.user_id = p_user_id
      ORDER BY d.last_used_ms DESC OFFSET p_keep) RETURNING t.key;
  END IF;
  INSERT INTO {table} ({columns}) VALUES ({values});
END
$authsessions$"""  # noqa: S608


def drop_function_sql(table: str = DEFAULT_TABLE) -> str:
    """``DROP FUNCTION IF EXISTS`` of ``table``'s create function.

    Raises:
        ConfigurationError: for a bad table name.
    """
    kinds = ", ".join(kind for _, kind in _ARGUMENTS)
    return f"DROP FUNCTION IF EXISTS {function_name(table)}({kinds})"


def call(table: str) -> Any:
    """The statement that calls the function: the evicted keys, one per row.
    Every argument is cast to the function's type, so any driver's way of
    typing a Python value (psycopg sends a small int as int2) resolves it."""
    arguments = ", ".join(f"CAST(:{arg} AS {kind})" for arg, kind in _ARGUMENTS)
    name = function_name(table)  # checked: an identifier
    return text(f"SELECT * FROM {name}({arguments})")  # noqa: S608


def add_create_function(op: Any, table: str = DEFAULT_TABLE) -> None:
    """In an Alembic revision's ``upgrade()``: add the function that makes
    a create one round trip on PostgreSQL (what ``create_schema`` does by
    itself; without it a create takes a transaction). Does nothing on
    another database.

    Args:
        op: ``alembic.op``.
        table: the store's table name.

    Raises:
        ConfigurationError: for a bad table name.
    """
    sql = create_function_sql(table)
    if op.get_context().dialect.name == "postgresql":
        op.execute(sql)


def drop_create_function(op: Any, table: str = DEFAULT_TABLE) -> None:
    """In an Alembic revision's ``downgrade()``: drop what
    ``add_create_function`` added (creates then take a transaction).

    Raises:
        ConfigurationError: for a bad table name.
    """
    sql = drop_function_sql(table)
    if op.get_context().dialect.name == "postgresql":
        op.execute(sql)
