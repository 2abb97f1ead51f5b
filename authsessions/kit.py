"""Building blocks for store authors: everything a session store needs
that is not storage.

Every store of this library (memory, Redis, SQL) is built on these names
and nothing else from the core, so a store of yours can do exactly what
ours do. "Writing a store" in the documentation walks through it; the
contract suite (``contract_tests``) proves the result.

What is here:

- **The store base**: ``StoreBase`` (sync) and ``AsyncStoreBase``
  hold every rule a store shares; a store implements storage primitives
  (a few record primitives, or one operation per backend call) and
  inherits the rest. ``StoredRecord`` is what the record primitives
  load and store. ``authsessions.reference`` is a complete store on it.

- **Options**: ``StoreConfig`` checks the keyword arguments every store
  takes (``user_id_type``, ``meta_type``, ``policy``, ``clock``,
  ``converter``) and holds the ``Codec`` and the clock;
  ``StoreOptions`` types a constructor's ``**options``.
- **Values**: ``Codec`` validates and encodes user ids, labels and
  meta into canonical JSON (raising ``InvalidSessionDataError`` or
  ``LimitExceededError``, nothing stored), and decodes stored text into
  typed values and ``Session`` records (raising ``StoredDataError``
  naming the session key on a mismatch).
- **Ids**: ``mint_session_id``, ``parse_session_id`` (None for
  anything malformed, before any I/O), ``user_tag``,
  ``is_session_key``, ``secret_matches`` (constant time); a
  ``ParsedSessionId`` gives ``key``, ``tag``, ``local``,
  ``secret_hash()`` and ``rotated()``.
- **Time**: ``Clock``, ``now_ms``, ``from_ms``, ``to_ms``,
  and the expiry arithmetic on ``SessionPolicy`` (``absolute_ms``,
  ``expires_ms``, ``touches``); ``evictions_needed`` for the per-user cap.
- **Sign-in details**: ``ClientInfo``; ``from_details`` decodes the
  details JSON ``Codec.encode_details`` wrote; ``push_previous`` and
  ``rotated_at`` keep and search the hashes of rotated-away secrets
  (``StoredRecord.previous``, ``PREVIOUS_KEPT`` at most), and
  ``ReusedSecret`` is what a read primitive returns for one presented
  again (``SessionPolicy.reused`` decides).
- **Events**: the event records (``SessionEvent`` and its kinds,
  ``RevokeReason``), ``check_hook`` for ``add_hook``, and ``deliver`` /
  ``deliver_async``, which hand events to hooks and log a failing one, as
  the base does.
- **Results and errors**: ``Session``, ``SessionList``,
  ``SessionStats``, every exception, and ``backend_errors``, the
  one context manager that turns a backend's exceptions into
  ``SessionBackendError``.
"""

from ._base_async import AsyncStoreBase
from ._base_sync import StoreBase
from ._client import (
    MAX_LOCATION,
    MAX_USER_AGENT,
    PREVIOUS_KEPT,
    ClientInfo,
    IPAddress,
    from_details,
    push_previous,
    rotated_at,
)
from ._clock import Clock, SystemClock, from_ms, now_ms, to_ms
from ._codec import Codec, dumps, type_name
from ._config import StoreConfig, StoreOptions
from ._errors import (
    AuthSessionsError,
    ConfigurationError,
    InvalidSessionDataError,
    LimitExceededError,
    SessionBackendError,
    StoredDataError,
    backend_errors,
    describe_error,
)
from ._events import (
    AsyncHook,
    Hook,
    RevokeReason,
    SessionCreated,
    SessionEvent,
    SessionReauthenticated,
    SessionRevoked,
    SessionRotated,
    TheftSuspected,
    check_hook,
    deliver,
    deliver_async,
)
from ._ids import (
    KEY_LENGTH,
    SECRET_LENGTH,
    SESSION_ID_LENGTH,
    TAG_LENGTH,
    ParsedSessionId,
    SessionId,
    hash_secret_hex,
    is_session_key,
    mint_session_id,
    new_secret,
    parse_session_id,
    secret_matches,
    user_tag,
)
from ._policy import MAX_DURATION, SessionPolicy
from ._protocols_async import AsyncSessions
from ._protocols_sync import Sessions
from ._record import ReusedSecret, StoredRecord
from ._session import Session, SessionList, SessionStats


def evictions_needed(live_sessions: int, policy: SessionPolicy) -> int:
    """How many of a user's least recently used live sessions a create must
    evict first: enough that, with the new one, the user has at most
    ``max_sessions_per_user``. Expired sessions must not be counted in
    ``live_sessions``."""
    limit = policy.max_sessions_per_user
    if limit is None:
        return 0
    return max(0, live_sessions - limit + 1)


__all__ = [
    "AsyncHook",
    "AsyncSessions",
    "AsyncStoreBase",
    "AuthSessionsError",
    "ClientInfo",
    "Clock",
    "Codec",
    "ConfigurationError",
    "Hook",
    "IPAddress",
    "InvalidSessionDataError",
    "KEY_LENGTH",
    "LimitExceededError",
    "MAX_DURATION",
    "MAX_LOCATION",
    "MAX_USER_AGENT",
    "PREVIOUS_KEPT",
    "ParsedSessionId",
    "ReusedSecret",
    "RevokeReason",
    "SECRET_LENGTH",
    "SESSION_ID_LENGTH",
    "Session",
    "SessionBackendError",
    "SessionCreated",
    "SessionEvent",
    "SessionId",
    "SessionList",
    "SessionPolicy",
    "SessionReauthenticated",
    "SessionRevoked",
    "SessionRotated",
    "SessionStats",
    "Sessions",
    "StoreBase",
    "StoreConfig",
    "StoreOptions",
    "StoredDataError",
    "StoredRecord",
    "SystemClock",
    "TAG_LENGTH",
    "TheftSuspected",
    "backend_errors",
    "check_hook",
    "deliver",
    "deliver_async",
    "describe_error",
    "dumps",
    "evictions_needed",
    "from_details",
    "from_ms",
    "hash_secret_hex",
    "is_session_key",
    "mint_session_id",
    "new_secret",
    "now_ms",
    "parse_session_id",
    "push_previous",
    "rotated_at",
    "secret_matches",
    "to_ms",
    "type_name",
    "user_tag",
]
