"""The Lua scripts, read once from ``lua/*.lua`` and shared by both twins,
and one argument builder per script.

Each builder returns ``(keys, args)`` in the order of its script's header
(``lua/<name>.lua``: KEYS, ARGV, returns); call sites never assemble
positional lists themselves.
"""

from __future__ import annotations

import hashlib
from importlib.resources import files
from typing import Any

import attrs

from authsessions.kit import PREVIOUS_KEPT, TAG_LENGTH, ParsedSessionId, SessionPolicy, dumps

from ._layout import RedisLayout, slot_of
from ._records import format_record


@attrs.frozen
class Script:
    """A Lua script (the prelude prepended) and its SHA1, as EVALSHA wants it."""

    name: str
    source: str = attrs.field(repr=False)
    sha: str


def _load(name: str) -> Script:
    folder = files("authsessions.redis").joinpath("lua")
    prelude = folder.joinpath("_prelude.lua").read_text("utf-8")
    source = prelude + "\n" + folder.joinpath(f"{name}.lua").read_text("utf-8")
    return Script(name, source, hashlib.sha1(source.encode("utf-8")).hexdigest())  # noqa: S324


CREATE = _load("create")
READ = _load("read")
READ_KEY = _load("read_key")
SET_META = _load("set_meta")
ROTATE = _load("rotate")
DESTROY = _load("destroy")
DESTROY_USER = _load("destroy_user")
LIST_USER = _load("list_user")
COUNT_USER = _load("count_user")
PRUNE_USER = _load("prune_user")
REGISTER = _load("register")
WALK_REGISTRIES = _load("walk_registries")
ALL = (
    CREATE,
    READ,
    READ_KEY,
    SET_META,
    ROTATE,
    DESTROY,
    DESTROY_USER,
    LIST_USER,
    COUNT_USER,
    PRUNE_USER,
    REGISTER,
    WALK_REGISTRIES,
)

Call = tuple[list[str], list[Any]]


@attrs.frozen
class ScriptArgs:
    """Builds each script's KEYS and ARGV for one layout and policy."""

    layout: RedisLayout
    policy: SessionPolicy
    grace_ms: int
    # standalone servers keep the slot map (a cluster script cannot span slots)
    slot_map: bool = True

    def create(self, parsed: ParsedSessionId, user_json: str, label: str, meta_json: str,
               now: int, lifetime_ms: int | None = None,
               details_json: str = "{}") -> Call:  # fmt: skip
        """lua/create.lua (``lifetime_ms``: the session's own, shorter
        absolute lifetime; None for the policy's)."""
        policy = self.policy
        absolute = policy.absolute_ms(now, lifetime_ms)
        value = format_record(
            parsed.secret_hash_hex(), absolute, now, user_json, label, meta_json, details_json
        )
        tag = parsed.tag
        keys = [*self.layout.session_keys(parsed.key), self.layout.registry_key(tag)]
        args = [
            now,
            value,
            parsed.local,
            absolute,
            policy.idle_ttl_ms,
            policy.max_sessions_per_user or 0,
            self.grace_ms,
            user_json,
            tag,
        ]
        if self.slot_map:
            keys.append(self.layout.slot_map_key)
            args.append(slot_of(tag))
        return keys, args

    def read(self, parsed: ParsedSessionId, now: int, ip: str | None = None) -> Call:
        """lua/read.lua (``ip``: the address to record with a touch, as
        ``Codec.encode_ip`` kept it)."""
        policy = self.policy
        args = [
            now,
            parsed.secret_hash_hex(),
            parsed.local,
            policy.idle_ttl_ms,
            policy.touch_interval_ms,
            self.grace_ms,
            policy.reuse_grace_ms,
            "1" if policy.revoke_on_reuse else "0",
        ]
        if ip is not None:  # left off otherwise: one argument fewer on every read
            args.append(dumps(ip))
        return self.layout.session_keys(parsed.key), args

    def read_key(self, key: str, now: int) -> Call:
        """lua/read_key.lua."""
        args = [now, key[TAG_LENGTH:], self.policy.idle_ttl_ms]
        return self.layout.session_keys(key), args

    def set_meta(self, parsed: ParsedSessionId, meta_json: str, now: int) -> Call:
        """lua/set_meta.lua."""
        args = [now, parsed.secret_hash_hex(), parsed.local, self.policy.idle_ttl_ms, meta_json]
        return self.layout.session_keys(parsed.key), args

    def rotate(self, parsed: ParsedSessionId, rotated: ParsedSessionId, now: int,
               reauthenticate: bool = False) -> Call:  # fmt: skip
        """lua/rotate.lua."""
        args = [
            now,
            parsed.secret_hash_hex(),
            parsed.local,
            self.policy.idle_ttl_ms,
            rotated.secret_hash_hex(),
            "1" if reauthenticate else "0",
            PREVIOUS_KEPT,
        ]
        return self.layout.session_keys(parsed.key), args

    def destroy(self, key: str, secret_hash_hex: str, now: int) -> Call:
        """lua/destroy.lua; an empty hash destroys by key alone."""
        args = [now, secret_hash_hex, key[TAG_LENGTH:], self.policy.idle_ttl_ms]
        return self.layout.session_keys(key), args

    def destroy_user(
        self, tag: str, user_json: str, keep_member: str, keep_hash: str, now: int
    ) -> Call:
        """lua/destroy_user.lua; ``keep_hash`` "*" keeps ``keep_member`` by key."""
        args = [now, self.policy.idle_ttl_ms, user_json, keep_member, keep_hash, tag]
        return self.layout.user_keys(tag), args

    def list_user(self, tag: str, user_json: str, now: int) -> Call:
        """lua/list_user.lua; an empty ``user_json`` lists every user of the tag."""
        keys = self.layout.user_keys(tag)[:2]
        return keys, [now, self.policy.idle_ttl_ms, user_json]

    def count_user(self, tag: str, now: int) -> Call:
        """lua/count_user.lua."""
        return [self.layout.last_use_key(tag)], [now, self.policy.idle_ttl_ms]

    def prune_user(self, tag: str, now: int) -> Call:
        """lua/prune_user.lua."""
        keys = self.layout.user_keys(tag)
        args: list[Any] = [now, self.policy.idle_ttl_ms, tag, self.grace_ms]
        if self.slot_map:
            keys.append(self.layout.slot_map_key)
            args.append(slot_of(tag))
        return keys, args

    def register(self, tag: str) -> Call:
        """lua/register.lua."""
        keys = self.layout.user_keys(tag)
        args: list[Any] = [tag, self.grace_ms]
        if self.slot_map:
            keys.append(self.layout.slot_map_key)
            args.append(slot_of(tag))
        return keys, args
