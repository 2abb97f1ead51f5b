"""Validation and (de)serialisation of user ids, labels and meta.

Every store keeps user ids and meta as canonical JSON text (compact,
ASCII-only, no NaN or infinity) produced here, so all stores accept and
reject exactly the same values, size limits measure the same bytes, and
every read builds a fresh object.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any, Generic, TypeVar

import attrs
import cattrs

from ._client import ClientInfo, details_dict, from_details, kept_ip, stored_ip
from ._clock import from_ms
from ._errors import InvalidSessionDataError, LimitExceededError, StoredDataError
from ._policy import SessionPolicy
from ._session import SETTERS, Session, SessionList

_new = object.__new__
U = TypeVar("U")
M = TypeVar("M")

_ANY_DICT = dict[str, Any]


def type_name(tp: object) -> str:
    """A readable name for a type, for error messages."""
    if isinstance(tp, type) and not getattr(tp, "__args__", None):
        return tp.__qualname__
    return repr(tp).replace("typing.", "")


def dumps(value: object) -> str:
    """Canonical JSON: compact, ASCII-only (so no raw newline or lone
    surrogate ever reaches a store, and characters equal bytes), no NaN or
    infinity."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=True, allow_nan=False)


@attrs.frozen
class Codec(Generic[U, M]):
    """Turns user ids, labels and meta into stored text and back, for one
    store's types and policy.

    Attributes:
        user_id_type: ``str``, ``int`` or ``uuid.UUID``.
        meta_type: any type the converter round-trips.
        converter: the cattrs converter used for both.
        policy: the size limits come from here.
        fast: True when ``converter`` is an untouched ``make_converter()``:
            then plain JSON types skip cattrs (the result is identical).
    """

    user_id_type: Any
    meta_type: Any
    converter: cattrs.Converter
    policy: SessionPolicy
    fast: bool = False
    # per field: the plain JSON type json.loads returns exactly, or None
    _plain: dict[str, type | None] = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        def plain(tp: Any) -> type | None:
            if not self.fast:
                return None
            if tp is str or tp is int:
                return tp
            return dict if tp == _ANY_DICT else None

        object.__setattr__(
            self, "_plain", {"user_id": plain(self.user_id_type), "meta": plain(self.meta_type)}
        )

    # -- writing -------------------------------------------------------------

    def _encode(self, field: str, value: object, tp: Any) -> str:
        expected = type_name(tp)
        try:
            text = dumps(self.converter.unstructure(value, unstructure_as=tp))
            back = self.converter.structure(json.loads(text), tp)
        except Exception as err:  # whatever the converter raises: it cannot be stored
            raise InvalidSessionDataError(
                field, f"cannot be stored as JSON ({type(err).__name__})", expected_type=expected
            ) from None
        # the stored form must give back an equal value of the same type, or
        # reads would return something other than what was stored
        if type(back) is not type(value) or back != value:
            raise InvalidSessionDataError(
                field, "does not survive a JSON round trip unchanged", expected_type=expected
            )
        return text

    def encode_user_id(self, user_id: U) -> str:
        """Canonical JSON of a user id.

        Raises:
            InvalidSessionDataError: wrong type, or not exactly storable.
            LimitExceededError: over the policy's max_user_id_bytes.
        """
        kind = type(user_id)
        if self.fast and kind is self.user_id_type:
            # exact str / int / UUID: their JSON is known without cattrs
            if kind is str:
                text = dumps(user_id)
            elif kind is int:
                text = str(user_id)
            else:
                text = f'"{user_id}"'
        elif isinstance(user_id, bool) or not isinstance(user_id, self.user_id_type):
            raise InvalidSessionDataError(
                "user_id", "has the wrong type", expected_type=type_name(self.user_id_type)
            )
        else:
            text = self._encode("user_id", user_id, self.user_id_type)
        limit = self.policy.max_user_id_bytes
        if len(text) > limit:
            raise LimitExceededError("user_id", limit=limit, actual=len(text), unit="bytes")
        return text

    def encode_meta(self, meta: M) -> str:
        """Canonical JSON of meta.

        Raises:
            InvalidSessionDataError: not of meta_type, or not exactly storable.
            LimitExceededError: over the policy's max_meta_bytes.
        """
        if self._plain["meta"] is dict and type(meta) is dict:
            # plain JSON through the stdlib: the same values pass and fail as
            # through cattrs (which leaves dict[str, Any] values as they are)
            try:
                text = dumps(meta)
            except (TypeError, ValueError, RecursionError) as err:
                raise InvalidSessionDataError(
                    "meta",
                    f"cannot be stored as JSON ({type(err).__name__})",
                    expected_type=type_name(self.meta_type),
                ) from None
            if json.loads(text) != meta:
                raise InvalidSessionDataError(
                    "meta",
                    "does not survive a JSON round trip unchanged",
                    expected_type=type_name(self.meta_type),
                )
        else:
            text = self._encode("meta", meta, self.meta_type)
        limit = self.policy.max_meta_bytes
        if len(text) > limit:
            raise LimitExceededError("meta", limit=limit, actual=len(text), unit="bytes")
        return text

    def encode_details(self, client: ClientInfo | None, remember: bool) -> str:
        """Canonical JSON of a new session's details: its remember flag and
        as much of its client as the policy's ``client_details`` keeps.

        Raises:
            InvalidSessionDataError: ``client`` is not a ClientInfo or None,
                or ``remember`` not a bool.
        """
        if client is not None and not isinstance(client, ClientInfo):
            raise InvalidSessionDataError(
                "client", "must be an authsessions.ClientInfo or None", expected_type="ClientInfo"
            )
        if type(remember) is not bool:
            raise InvalidSessionDataError("remember", "must be a bool", expected_type="bool")
        if client is None and remember:
            return "{}"
        return dumps(details_dict(client, remember, self.policy.client_details))

    def encode_ip(self, ip: object) -> str | None:
        """The text a read records of its ``ip`` argument, as the policy's
        ``client_details`` keeps it (None: record nothing).

        Raises:
            InvalidSessionDataError: ``ip`` is not an address or None.
        """
        return kept_ip(ip, self.policy.client_details)

    def check_label(self, label: object) -> str:
        """Return the label if it is a str within the policy's length.

        Raises:
            InvalidSessionDataError: not a str.
            LimitExceededError: longer than max_label_length characters.
        """
        if type(label) is not str:
            raise InvalidSessionDataError("label", "must be a str", expected_type="str")
        if len(label) > self.policy.max_label_length:
            raise LimitExceededError(
                "label", limit=self.policy.max_label_length, actual=len(label), unit="characters"
            )
        return label

    # -- reading ---------------------------------------------------------------

    def _structure(self, key: str, field: str, value: Any, tp: Any) -> Any:
        plain = self._plain[field]
        if plain is not None:
            if type(value) is plain:
                return value
            raise StoredDataError(key, field, type_name(tp))
        try:
            return self.converter.structure(value, tp)
        except Exception as err:  # whatever the converter raises: it does not fit
            raise StoredDataError(key, field, type_name(tp)) from err

    def _decode(self, key: str, field: str, text: str | bytes, tp: Any) -> Any:
        try:
            value = json.loads(text)
        except ValueError as err:
            raise StoredDataError(key, field, type_name(tp)) from err
        return self._structure(key, field, value, tp)

    def decode_user_id(self, key: str, text: str | bytes) -> U:
        """The user id of a stored session.

        Raises:
            StoredDataError: the stored value no longer fits user_id_type.
        """
        value: U = self._decode(key, "user_id", text, self.user_id_type)
        return value

    def decode_meta(self, key: str, text: str | bytes) -> M:
        """A fresh meta object of a stored session.

        Raises:
            StoredDataError: the stored value no longer fits meta_type.
        """
        value: M = self._decode(key, "meta", text, self.meta_type)
        return value

    def session(
        self,
        *,
        key: str,
        user_json: str,
        label: str,
        meta_json: str,
        created_ms: int,
        last_used_ms: int,
        expires_ms: int | None = None,
        absolute_ms: int | None = None,
        authenticated_ms: int | None = None,
        details_json: str = "{}",
        last_ip: str | None = None,
    ) -> Session[U, M]:
        """The public record from stored parts (user id, meta and details
        as JSON; ``authenticated_ms`` None means ``created_ms``;
        ``last_ip`` the last-use address as text, or None).

        Give the stored ``absolute_ms`` (the convention of ``sessions``:
        expiry then comes from the policy, as every store must compute it),
        or an ``expires_ms`` the store computed itself; exactly one.

        Raises:
            StoredDataError: the stored user id or meta no longer fits.
            TypeError: neither or both of ``expires_ms`` and ``absolute_ms``.
        """
        if (expires_ms is None) == (absolute_ms is None):
            raise TypeError("Codec.session takes exactly one of expires_ms and absolute_ms")
        if absolute_ms is not None:
            expires_ms = self.policy.expires_ms(absolute_ms, last_used_ms)
        if expires_ms is None:  # pragma: no cover - excluded above; for the type checker
            raise TypeError("Codec.session takes exactly one of expires_ms and absolute_ms")
        try:
            user, meta, details = json.loads(f"[{user_json},{meta_json},{details_json or '{}'}]")
        except ValueError as err:
            raise StoredDataError(key, "record", "an authsessions record") from err
        return self.build(
            key,
            user,
            label,
            meta,
            created_ms,
            last_used_ms,
            expires_ms,
            authenticated_ms=authenticated_ms,
            details=details,
            last_ip=last_ip,
        )

    def build(
        self,
        key: str,
        user: Any,
        label: Any,
        meta: Any,
        created_ms: int,
        last_used_ms: int,
        expires_ms: int,
        *,
        authenticated_ms: int | None = None,
        details: Any = None,
        last_ip: Any = None,
    ) -> Session[U, M]:
        """A Session from JSON-decoded parts (what ``json.loads`` gave;
        ``details`` None or ``{}`` for a record without them,
        ``authenticated_ms`` None for its creation time).

        Raises:
            StoredDataError: a part no longer fits its declared type.
        """
        if type(label) is not str:
            raise StoredDataError(key, "label", "str")
        if authenticated_ms is not None and type(authenticated_ms) is not int:
            raise StoredDataError(key, "authenticated_ms", "int")
        remember, client = from_details(key, details)
        return Session(
            key=key,
            user_id=self._structure(key, "user_id", user, self.user_id_type),
            label=label,
            meta=self._structure(key, "meta", meta, self.meta_type),
            created_at=from_ms(created_ms),
            last_used_at=from_ms(last_used_ms),
            expires_at=from_ms(expires_ms),
            authenticated_at=from_ms(created_ms if authenticated_ms is None else authenticated_ms),
            remember=remember,
            client=client,
            last_used_ip=stored_ip(key, last_ip),
        )

    def sessions(
        self, rows: Iterable[Sequence[Any]], *, key_prefix: str = ""
    ) -> SessionList[U, M]:
        """Sessions from JSON-decoded rows, in their order: the bulk path of
        listings, several times faster than ``build`` per session.

        Each row is ``[key, absolute_ms, created_ms, last_used_ms, user,
        label, meta, authenticated_ms, details, last_ip]`` (``key`` after
        ``key_prefix``; the last three may be left off, or null, for
        records without them; or given as one value, None or
        ``[authenticated_ms, details, last_ip]``), which a store can have
        its backend assemble as one JSON document and decode in one
        ``json.loads``. Expiry comes from
        the policy.

        Raises:
            StoredDataError: a row no longer fits the declared types.
        """
        out: SessionList[U, M] = SessionList()
        append = out.append
        idle = self.policy.idle_ttl_ms
        plain_user, plain_meta = self._plain["user_id"], self._plain["meta"]
        (set_key, set_user, set_label, set_meta, set_created, set_used, set_expires, set_auth,
         set_remember, set_client, set_ip) = SETTERS  # fmt: skip
        user: Any
        meta: Any
        for row in rows:
            size = len(row)
            if size == 8:
                key, absolute, created, last, user, label, meta, extra = row
                if extra is None:
                    auth = details = ip = None
                elif type(extra) is list and len(extra) == 3:
                    auth, details, ip = extra
                else:
                    raise StoredDataError(
                        key_prefix + str(key), "record", "an authsessions record"
                    )
            elif size == 10:
                key, absolute, created, last, user, label, meta, auth, details, ip = row
            else:
                key, absolute, created, last, user, label, meta = row
                auth = details = ip = None
            if not (type(absolute) is type(created) is type(last) is int):
                raise StoredDataError(key_prefix + str(key), "record", "an authsessions record")
            # policy.expires_ms, inlined: this loop runs once per listed session
            expires = last + idle if idle and last + idle < absolute else absolute
            if (
                type(user) is plain_user
                and type(meta) is plain_meta
                and type(label) is str
                and not details
                and ip is None
                and (auth is None or auth == created)
            ):
                # the common case inlined (a Session from exact JSON values,
                # signed in at creation, no client): set through the slots
                session = _new(Session)
                created_at = from_ms(created)
                set_key(session, key_prefix + key)
                set_user(session, user)
                set_label(session, label)
                set_meta(session, meta)
                set_created(session, created_at)
                set_used(session, from_ms(last))
                set_expires(session, from_ms(expires))
                set_auth(session, created_at)
                set_remember(session, True)
                set_client(session, None)
                set_ip(session, None)
                append(session)
            else:
                append(
                    self.build(
                        key_prefix + key,
                        user,
                        label,
                        meta,
                        created,
                        last,
                        expires,
                        authenticated_ms=auth,
                        details=details,
                        last_ip=ip,
                    )
                )
        return out
