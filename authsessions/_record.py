"""What a store keeps of one session, as the store base reads and writes it."""

from __future__ import annotations

from typing import NamedTuple


class StoredRecord(NamedTuple):
    """One stored session: what ``StoreBase``'s
    record primitives load and store. Only the secret's hash is kept.

    Attributes:
        key: the public key (``Session.key``).
        secret_hash: SHA-256 of the secret (``ParsedSessionId.secret_hash()``).
        user_json: the user id as canonical JSON (``Codec.encode_user_id``).
        label: the label, as given (checked by ``Codec.check_label``).
        meta_json: the meta as canonical JSON (``Codec.encode_meta``).
        created_ms: creation time, ms since the epoch.
        last_used_ms: last use, ms since the epoch.
        absolute_ms: the absolute expiry, ms since the epoch (the idle expiry
            follows from ``last_used_ms`` and the policy).
        authenticated_ms: the last sign-in (creation or ``reauthenticate``),
            ms since the epoch; None means ``created_ms`` (a record written
            before this field existed).
        details_json: remember flag and client, as canonical JSON
            (``Codec.encode_details``); ``"{}"``: remembered, no client.
        previous: the hashes of secrets rotated away and when
            (``push_previous``); ``""``: none.
        last_ip: the address of the last recorded use, as text
            (``Codec.encode_ip``); None: none recorded.

    Persist every field as it is (str, int, bytes or None): the base reads
    and writes them, a store never interprets them.
    """

    key: str
    secret_hash: bytes
    user_json: str
    label: str
    meta_json: str
    created_ms: int
    last_used_ms: int
    absolute_ms: int
    authenticated_ms: int | None = None
    details_json: str = "{}"
    previous: str = ""
    last_ip: str | None = None

    def __repr__(self) -> str:
        # a record is safe to show: it holds the secret's hash, shown as such
        return (
            f"StoredRecord(key={self.key!r}, user_json={self.user_json!r}, "
            f"label={self.label!r}, last_used_ms={self.last_used_ms})"
        )


class ReusedSecret(NamedTuple):
    """What a store's ``_read`` returns when the presented secret is one
    rotated away from a live session longer than ``reuse_grace`` ago (a
    stolen session): the base reports it and the read returns None.

    Attributes:
        user_json: the session's user id JSON.
        revoked: whether the store removed the session (the policy's
            ``revoke_on_reuse``).
    """

    user_json: str
    revoked: bool
