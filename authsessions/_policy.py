"""Session lifetime and size limits, and the expiry arithmetic every store
shares (so no store derives "expired" its own way)."""

from __future__ import annotations

from datetime import timedelta

import attrs

from ._client import ClientDetails
from ._errors import ConfigurationError, InvalidSessionDataError

MAX_DURATION = timedelta(days=36_500)
"""The longest duration a policy accepts (100 years): every expiry stays a
representable datetime and an exact integer in every store (a double in
Redis' Lua, a BIGINT in SQL)."""


def _duration(name: str, value: object, *, allow_zero: bool) -> None:
    if not isinstance(value, timedelta):
        raise ConfigurationError(name, "must be a datetime.timedelta")
    if value > MAX_DURATION:
        raise ConfigurationError(name, f"must be at most {MAX_DURATION.days:,} days (100 years)")
    if value < timedelta(0) or (not allow_zero and value == timedelta(0)):
        raise ConfigurationError(name, "must be positive" if not allow_zero else "must be >= 0")
    if value % timedelta(milliseconds=1):
        raise ConfigurationError(name, "must be a whole number of milliseconds")


def _positive_int(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigurationError(name, "must be a positive int")


@attrs.frozen(kw_only=True)
class SessionPolicy:
    """How long sessions live and how large they may be.

    Attributes:
        absolute_ttl: lifetime from creation; never extended. Default 30 days.
        idle_ttl: a session unused for this long expires; each touch slides
            it, but never past the absolute expiry. ``None`` (default) turns
            idle expiry off.
        touch_interval: a successful read records the use (``last_used_at``)
            at most once per interval. ``0`` (default) touches on every read,
            as the original library did; production deployments often use a
            minute to save a write per request.
        max_sessions_per_user: creating one more evicts the user's least
            recently used live session. ``None`` means unlimited. Default 100.
        max_label_length: in characters (code points). Default 200.
        max_meta_bytes: size of the meta's canonical JSON (compact, ASCII-only,
            so characters and bytes agree). Default 8192.
        max_user_id_bytes: size of the user id's canonical JSON (a string
            id counts its quotes and escapes). Default 256: user ids name
            indexes, and a bound keeps keys and listings small.
        browser_session_ttl: the absolute lifetime of a login without
            "remember me" (the web integrations' ``login(remember=False)``,
            whose cookie ends when the browser closes): the server-side
            session must not outlive it by much. Default 12 hours; capped
            at ``absolute_ttl``.
        client_details: what a session keeps of the client it signed in
            from (``create_session(client=...)``): ``"full"`` (default:
            address, user agent, location), ``"truncated"`` (the address
            cut to its /24 or /48 network) or ``"none"`` (nothing).
        reuse_grace: a secret rotated away this recently may still arrive
            from requests that were in flight; presented later, it is a
            stolen session (``TheftSuspected``). Default 30 seconds.
        revoke_on_reuse: revoke a session whose rotated-away secret is
            presented again (default True); False only reports it.

    Raises:
        ConfigurationError: on construction, for a non-timedelta, negative or
            sub-millisecond duration, a duration over ``MAX_DURATION``, a
            touch_interval not shorter than idle_ttl, a non-positive
            limit, or an unknown ``client_details``.
    """

    absolute_ttl: timedelta = timedelta(days=30)
    idle_ttl: timedelta | None = None
    touch_interval: timedelta = timedelta(0)
    max_sessions_per_user: int | None = 100
    max_label_length: int = 200
    max_meta_bytes: int = 8192
    max_user_id_bytes: int = 256
    browser_session_ttl: timedelta = timedelta(hours=12)
    client_details: ClientDetails = "full"
    reuse_grace: timedelta = timedelta(seconds=30)
    revoke_on_reuse: bool = True
    # the durations in ms, computed once: every read needs them
    absolute_ttl_ms: int = attrs.field(init=False, repr=False, eq=False)
    idle_ttl_ms: int = attrs.field(init=False, repr=False, eq=False)
    touch_interval_ms: int = attrs.field(init=False, repr=False, eq=False)
    reuse_grace_ms: int = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        _duration("absolute_ttl", self.absolute_ttl, allow_zero=False)
        if self.idle_ttl is not None:
            _duration("idle_ttl", self.idle_ttl, allow_zero=False)
        _duration("touch_interval", self.touch_interval, allow_zero=True)
        if self.idle_ttl is not None and self.touch_interval >= self.idle_ttl:
            raise ConfigurationError(
                "touch_interval", "must be shorter than idle_ttl, or sessions expire while in use"
            )
        if self.max_sessions_per_user is not None:
            _positive_int("max_sessions_per_user", self.max_sessions_per_user)
        _positive_int("max_label_length", self.max_label_length)
        _positive_int("max_meta_bytes", self.max_meta_bytes)
        _positive_int("max_user_id_bytes", self.max_user_id_bytes)
        ms = timedelta(milliseconds=1)
        _duration("browser_session_ttl", self.browser_session_ttl, allow_zero=False)
        object.__setattr__(self, "absolute_ttl_ms", self.absolute_ttl // ms)
        object.__setattr__(
            self, "idle_ttl_ms", 0 if self.idle_ttl is None else self.idle_ttl // ms
        )
        object.__setattr__(self, "touch_interval_ms", self.touch_interval // ms)
        _duration("reuse_grace", self.reuse_grace, allow_zero=True)
        object.__setattr__(self, "reuse_grace_ms", self.reuse_grace // ms)
        if self.client_details not in ("full", "truncated", "none"):
            raise ConfigurationError("client_details", "must be 'full', 'truncated' or 'none'")
        if not isinstance(self.revoke_on_reuse, bool):
            raise ConfigurationError("revoke_on_reuse", "must be a bool")

    def absolute_ms(self, created_ms: int, lifetime_ms: int | None = None) -> int:
        """The absolute expiry of a session created at ``created_ms``, with
        the policy's lifetime or a shorter one (:meth:`lifetime_ms`)."""
        return created_ms + (self.absolute_ttl_ms if lifetime_ms is None else lifetime_ms)

    def lifetime_ms(self, requested: timedelta | None, *, remember: bool = True) -> int:
        """The absolute lifetime, in ms, of a session created with
        ``absolute_ttl=requested``: the policy's when None, else
        ``requested``, which may be shorter but never longer; with
        ``remember=False``, at most ``browser_session_lifetime``.

        Raises:
            InvalidSessionDataError: ``requested`` is not a positive
                timedelta of whole milliseconds, or is longer than
                ``absolute_ttl``.
        """
        if not remember:
            cap = self.browser_session_lifetime // timedelta(milliseconds=1)
            return min(cap, self.lifetime_ms(requested))
        if requested is None:
            return self.absolute_ttl_ms
        if (
            not isinstance(requested, timedelta)
            or requested <= timedelta(0)
            or requested % timedelta(milliseconds=1)
        ):
            raise InvalidSessionDataError(
                "absolute_ttl", "must be a positive timedelta of whole milliseconds, or None"
            )
        if requested > self.absolute_ttl:
            raise InvalidSessionDataError(
                "absolute_ttl",
                f"may shorten a session's lifetime, never lengthen it: {requested} is longer "
                f"than the policy's absolute_ttl ({self.absolute_ttl})",
            )
        return requested // timedelta(milliseconds=1)

    @property
    def browser_session_lifetime(self) -> timedelta:
        """``browser_session_ttl``, capped at ``absolute_ttl``."""
        return min(self.browser_session_ttl, self.absolute_ttl)

    def expires_ms(self, absolute_ms: int, last_used_ms: int) -> int:
        """When a session expires: its absolute expiry, or sooner if idle.

        A session is live while ``now < expires_ms(...)``; at that very
        millisecond it is expired.
        """
        idle = self.idle_ttl_ms
        if idle and last_used_ms + idle < absolute_ms:
            return last_used_ms + idle
        return absolute_ms

    def reused(self, rotated_ms: int | None, now_ms: int) -> bool:
        """Whether presenting a secret rotated away at ``rotated_ms`` (None:
        it is not one of the session's previous secrets) is a reuse: later
        than ``reuse_grace`` after the rotation."""
        return rotated_ms is not None and now_ms - rotated_ms >= self.reuse_grace_ms

    def touches(self, now_ms: int, last_used_ms: int) -> bool:
        """Whether a successful read at ``now_ms`` records the use: time moved
        forward since the last use by at least ``touch_interval``."""
        return now_ms > last_used_ms and now_ms - last_used_ms >= self.touch_interval_ms
