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
    """

    key: str
    secret_hash: bytes
    user_json: str
    label: str
    meta_json: str
    created_ms: int
    last_used_ms: int
    absolute_ms: int

    def __repr__(self) -> str:
        # a record is safe to show: it holds the secret's hash, shown as such
        return (
            f"StoredRecord(key={self.key!r}, user_json={self.user_json!r}, "
            f"label={self.label!r}, last_used_ms={self.last_used_ms})"
        )
