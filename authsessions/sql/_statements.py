"""The SQL each operation runs, built once per store (SQLAlchemy Core; no
I/O here). Every statement decides validity with the caller's clock
(``:now``) and the store's policy.

Built once, not per call: constructing a statement costs more than running
a read on SQLite (about 180 µs for the touching read), and SQLAlchemy's
compiled cache only saves the compilation, not the construction."""

from __future__ import annotations

from typing import Any

import attrs
from sqlalchemy import (
    ColumnElement,
    Integer,
    Table,
    Text,
    and_,
    bindparam,
    case,
    delete,
    func,
    insert,
    literal,
    not_,
    or_,
    select,
    text,
    update,
)

from authsessions.kit import SessionPolicy

from ._create_function import call

BATCH = 500


@attrs.frozen
class _Builder:
    """Builds the statements of one table and policy."""

    table: Table
    policy: SessionPolicy
    dialect: str

    # -- conditions ---------------------------------------------------------

    def _live(self) -> ColumnElement[bool]:
        """Not expired at :now (the absolute expiry, and the idle one if on)."""
        t, idle = self.table.c, self.policy.idle_ttl_ms
        alive = t.absolute_ms > bindparam("now")
        if idle:
            alive = and_(alive, t.last_used_ms > bindparam("now") - literal(idle))
        return alive

    def _expired(self) -> ColumnElement[bool]:
        t, idle = self.table.c, self.policy.idle_ttl_ms
        gone = t.absolute_ms <= bindparam("now")
        if idle:
            gone = or_(gone, t.last_used_ms <= bindparam("now") - literal(idle))
        return gone

    def _presented(self) -> ColumnElement[bool]:
        """The row of a presented SessionId: its key and its secret's hash
        (the database compares digests, never secrets)."""
        t = self.table.c
        return and_(t.key == bindparam("b_key"), t.secret_hash == bindparam("b_hash"))

    def _returned(self) -> tuple[Any, ...]:
        t = self.table.c
        return (
            t.user_id,
            t.label,
            t.meta,
            t.created_ms,
            t.last_used_ms,
            t.absolute_ms,
            t.authenticated_ms,
            t.details,
            t.last_ip,
        )

    # -- one session --------------------------------------------------------

    @property
    def read_touching(self) -> Any:
        """Validate and touch in one statement (touch_interval 0); a touch
        records the address :ip (NULL: keep the recorded one)."""
        t = self.table.c
        now: Any = bindparam("now")
        ip: Any = bindparam("ip", type_=Text)
        touched = case((now > t.last_used_ms, now), else_=t.last_used_ms)
        seen = case((and_(now > t.last_used_ms, ip.is_not(None)), ip), else_=t.last_ip)
        return (
            update(self.table)
            .where(self._presented(), self._live())
            .values(last_used_ms=touched, last_ip=seen)
            .returning(*self._returned())
        )

    @property
    def read(self) -> Any:
        """Validate without touching (a touch_interval is set: most reads
        fall inside it and need no write)."""
        return select(*self._returned()).where(self._presented(), self._live())

    @property
    def touch(self) -> Any:
        """Record a use (and the address :ip, unless NULL), unless another
        read already did (``:seen``)."""
        t = self.table.c
        return (
            update(self.table)
            .where(t.key == bindparam("b_key"), t.last_used_ms == bindparam("seen"))
            .values(
                last_used_ms=bindparam("now"),
                last_ip=func.coalesce(bindparam("ip", type_=Text), t.last_ip),
            )
        )

    @property
    def read_key(self) -> Any:
        return select(*self._returned()).where(self.table.c.key == bindparam("b_key"))

    @property
    def missed(self) -> Any:
        """What a read that found nothing needs to know of the key: whether
        it has expired (then it is removed) or was presented with a
        rotated-away secret (a stolen session)."""
        t = self.table.c
        return select(t.user_id, t.previous, t.absolute_ms, t.last_used_ms).where(
            t.key == bindparam("b_key")
        )

    @property
    def forget_reused(self) -> Any:
        """Revoke a session whose rotated-away secret came back, unless it
        rotated again meanwhile (``:seen_previous``)."""
        t = self.table.c
        return delete(self.table).where(
            t.key == bindparam("b_key"), t.previous == bindparam("seen_previous")
        )

    @property
    def before_rotation(self) -> Any:
        """The live session of a presented id, as a rotation needs it."""
        t = self.table.c
        return select(t.user_id, t.previous).where(self._presented(), self._live())

    @property
    def forget_expired(self) -> Any:
        """Remove one session if it has expired: once a call found it
        expired, it stays gone when the clock steps back."""
        return delete(self.table).where(self.table.c.key == bindparam("b_key"), self._expired())

    @property
    def set_meta(self) -> Any:
        return (
            update(self.table)
            .where(self._presented(), self._live())
            .values(meta=bindparam("b_meta"))
        )

    @property
    def rotate(self) -> Any:
        """The new secret, the old one's hash pushed into ``previous``
        (computed by the caller from what ``before_rotation`` read: the
        WHERE makes it a compare-and-set)."""
        return (
            update(self.table)
            .where(self._presented(), self._live())
            .values(secret_hash=bindparam("new_hash"), previous=bindparam("new_previous"))
        )

    @property
    def reauthenticate(self) -> Any:
        """``rotate``, and a fresh sign-in time."""
        return self.rotate.values(authenticated_ms=bindparam("now"))

    @property
    def destroy(self) -> Any:
        t = self.table.c
        return (
            delete(self.table)
            .where(self._presented())
            .returning(t.absolute_ms, t.last_used_ms, t.user_id)
        )

    @property
    def destroy_key(self) -> Any:
        t = self.table.c
        return (
            delete(self.table)
            .where(t.key == bindparam("b_key"))
            .returning(t.absolute_ms, t.last_used_ms, t.user_id)
        )

    # -- one user -----------------------------------------------------------

    def destroy_user(self, keep: str = "") -> Any:
        """Log a user out everywhere; ``keep`` is "" (nothing), "id" (the
        live session of :keep with secret :keep_hash) or "key" (the live
        session with key :keep)."""
        t = self.table.c
        where = [t.user_id == bindparam("user")]
        if keep:
            kept = [t.key == bindparam("keep"), self._live()]
            if keep == "id":
                kept.append(t.secret_hash == bindparam("keep_hash"))
            where.append(not_(and_(*kept)))
        return delete(self.table).where(*where).returning(t.absolute_ms, t.last_used_ms, t.key)

    @property
    def forget_user_expired(self) -> Any:
        t = self.table.c
        return delete(self.table).where(t.user_id == bindparam("user"), self._expired())

    @property
    def list_user(self) -> Any:
        """The user's live sessions, most recently used first. On PostgreSQL
        the same statement removes the user's expired ones (a DELETE in a
        WITH clause: one round trip); elsewhere see ``list_user_all``."""
        t = self.table.c
        listing = (
            select(t.key, *self._returned())
            .where(t.user_id == bindparam("user"), self._live())
            .order_by(t.last_used_ms.desc())
        )
        if self.dialect == "postgresql":
            listing = listing.add_cte(self.forget_user_expired.cte("forgotten"))
        return listing

    @property
    def list_user_all(self) -> Any:
        """Every session of the user, expired ones included, most recently
        used first: where ``list_user`` cannot remove the expired ones in
        the same statement, the store reads them all in one read-only
        statement and removes the expired ones only when it met some."""
        t = self.table.c
        return (
            select(t.key, *self._returned())
            .where(t.user_id == bindparam("user"))
            .order_by(t.last_used_ms.desc())
        )

    @property
    def list_forgets(self) -> bool:
        """Whether ``list_user`` removes the expired sessions itself."""
        return self.dialect == "postgresql"

    @property
    def evict(self) -> Any:
        """Remove all but the user's :keep_newest most recently used
        sessions (the expired ones are already gone)."""
        t = self.table.c
        doomed = (
            select(t.key)
            .where(t.user_id == bindparam("user"))
            .order_by(t.last_used_ms.desc())
            .offset(bindparam("keep_newest", type_=Integer))
        )
        if self.dialect == "sqlite":
            doomed = doomed.limit(-1)  # SQLite needs a LIMIT before OFFSET
        return delete(self.table).where(t.key.in_(doomed.scalar_subquery())).returning(t.key)

    @property
    def insert(self) -> Any:
        """A new session's row: a bound parameter per column written,
        named after it (``last_ip`` starts NULL)."""
        written = [c for c in self.table.c if c.name != "last_ip"]
        return insert(self.table).values(
            {c.name: bindparam(c.name, type_=c.type) for c in written}
        )

    @property
    def lock_user(self) -> Any:
        """Serialize a user's writers for the rest of the transaction:
        PostgreSQL's transaction-scoped advisory lock on the user's 64-bit
        tag; None where the dialect needs none (SQLite's first write locks
        the database until commit)."""
        if self.dialect == "postgresql":
            return text("SELECT pg_advisory_xact_lock(:tag)")
        return None

    @property
    def create_call(self) -> Any:
        """A create in one call of the table's function (PostgreSQL; see
        ``_create_function``), or None elsewhere."""
        if self.dialect == "postgresql":
            return call(self.table.name)
        return None

    # -- the whole store ------------------------------------------------------

    @property
    def page(self) -> Any:
        """A page of every session, by key after :after (keyset paging)."""
        t = self.table.c
        return (
            select(t.key, *self._returned())
            .where(t.key > bindparam("after"))
            .order_by(t.key)
            .limit(BATCH)
        )

    @property
    def forget_keys(self) -> Any:
        return delete(self.table).where(self.table.c.key.in_(bindparam("keys", expanding=True)))

    @property
    def prune(self) -> Any:
        """Remove up to BATCH expired sessions."""
        t = self.table.c
        doomed = select(t.key).where(self._expired()).limit(BATCH)
        return delete(self.table).where(t.key.in_(doomed.scalar_subquery()))

    @property
    def stats(self) -> Any:
        t = self.table.c
        live = self._live()
        return select(
            func.count().filter(live),
            func.count(t.user_id.distinct()).filter(live),
            func.count().filter(not_(live)),
        )


_BUILT = [name for name, value in vars(_Builder).items() if isinstance(value, property)]


class Statements:
    """Every statement of one table and policy, built once: ``read``,
    ``read_touching``, ... as attributes, ``destroy_user[keep]`` for keep
    in "", "id", "key"."""

    def __init__(self, table: Table, policy: SessionPolicy, dialect: str) -> None:
        builder = _Builder(table, policy, dialect)
        for name in _BUILT:
            setattr(self, name, getattr(builder, name))
        self.destroy_user = {keep: builder.destroy_user(keep) for keep in ("", "id", "key")}

    # the attributes _BUILT sets, for type checkers
    read_touching: Any
    read: Any
    touch: Any
    read_key: Any
    missed: Any
    forget_reused: Any
    before_rotation: Any
    reauthenticate: Any
    forget_expired: Any
    set_meta: Any
    rotate: Any
    destroy: Any
    destroy_key: Any
    forget_user_expired: Any
    list_user: Any
    list_user_all: Any
    list_forgets: bool
    evict: Any
    insert: Any
    lock_user: Any
    create_call: Any
    page: Any
    forget_keys: Any
    prune: Any
    stats: Any
    destroy_user: dict[str, Any]
