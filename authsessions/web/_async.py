"""What a request does with its session, for asyncio stores: the source of
truth for the sync twin. The integrations hand these flows a RequestState
and turn NotLoggedIn and CrossSiteRefused into responses."""

from __future__ import annotations

import warnings
from datetime import timedelta
from typing import Any, Generic, TypeVar

from authsessions.kit import (
    AsyncSessions,
    Session,
    SessionId,
    SessionPolicy,
    SystemClock,
    is_session_key,
)

from ._request import (
    CrossSiteRefused,
    NotLoggedIn,
    PlainHttpWarning,
    ReauthenticationRequired,
    RequestState,
    WebSettings,
)

U = TypeVar("U")
M = TypeVar("M")


class AsyncFlows(Generic[U, M]):
    """Login, logout, log out everywhere, revoke and rotate, on one store;
    each keeps the request's state and cookie in step."""

    def __init__(self, store: AsyncSessions[U, M], settings: WebSettings) -> None:
        self.store = store
        self.settings = settings
        lifetime = settings.cookie.max_age
        policy = getattr(store, "policy", None)
        if lifetime is None and isinstance(policy, SessionPolicy):
            lifetime = policy.absolute_ttl
        self.max_age = None if lifetime is None else int(lifetime.total_seconds())
        # the store's clock decides how recent a sign-in is (a test's fake one too)
        self.clock = getattr(getattr(store, "config", None), "clock", None) or SystemClock()

    def _set_cookie(
        self, state: RequestState[U, M], session_id: SessionId, *, remember: bool = True
    ) -> None:
        if self.settings.uses_cookie:
            # a browser-session login: no Max-Age, the cookie ends with the browser
            max_age = self.max_age if remember else None
            state.set_cookie = self.settings.cookie.header(session_id, state.host, max_age)
            problem = self.settings.plain_http_problem(state)
            if problem is not None:
                warnings.warn(problem, PlainHttpWarning, stacklevel=3)

    def _clear_cookie(self, state: RequestState[U, M]) -> None:
        if self.settings.uses_cookie:
            state.set_cookie = self.settings.cookie.clearing_header(state.host)

    def refuse_cross_site(self, state: RequestState[U, M]) -> None:
        """What every state-changing flow checks first (for an
        integration's own flows): another site's form POST carries no
        SameSite=Lax cookie, yet an answer that clears it would still log
        the user out, so it is refused whether or not a cookie came.

        Raises:
            CrossSiteRefused: the request comes from another site.
        """
        if state.refusal is not None and state.source != "bearer":
            raise CrossSiteRefused(state.refusal)

    def drop(self, state: RequestState[U, M]) -> None:
        """Forget the request's session and clear its cookie, without a
        store call: the integration found the session no longer valid
        (and ended it) on its own terms."""
        self._forget(state)
        self._clear_cookie(state)

    def _forget(self, state: RequestState[U, M]) -> None:
        state.presented, state.source, state.loaded, state.session = None, None, True, None

    async def current(self, state: RequestState[U, M]) -> Session[U, M] | None:
        """The request's live session (one store read, then cached); a
        cookie that names no live session is cleared. A cookie whose key is
        still live (a secret rotated away while the request was in flight)
        is not: clearing it would delete the new cookie the browser holds.

        Raises:
            SessionBackendError: the store failed (never "logged out").
        """
        if not state.loaded:
            state.loaded = True
            if state.presented is not None:
                state.session = await self.store.get_session(state.presented, ip=state.ip)
                if state.session is None and state.source == "cookie":
                    key = state.presented.partition(".")[0]
                    if await self.store.get_session_by_key(key) is None:
                        self._clear_cookie(state)
        return state.session

    async def required(self, state: RequestState[U, M]) -> Session[U, M]:
        """The request's live session.

        Raises:
            NotLoggedIn: there is none.
        """
        session = await self.current(state)
        if session is None:
            raise NotLoggedIn
        return session

    async def login(
        self,
        state: RequestState[U, M],
        *,
        user_id: U,
        meta: M,
        label: str | None,
        user_agent: str | None,
        ip: str | None = None,
        remember: bool = True,
    ) -> SessionId:
        """End the session the request carries (fixation defence), create a
        new one and send its cookie. The session records the client (``ip``
        and ``user_agent``, located by the settings' ``locate``); with
        ``remember=False`` the cookie has no ``Max-Age`` (it ends with the
        browser) and the session lives at most the policy's
        ``browser_session_ttl``.

        Raises:
            CrossSiteRefused: the login comes from another site (login CSRF).
            InvalidSessionDataError, LimitExceededError: bad user id, label
                or meta; nothing changed.
            SessionBackendError: the store failed.
        """
        if state.refusal is not None:
            raise CrossSiteRefused(state.refusal)
        chosen = self.settings.label(user_agent) if label is None else label
        if state.presented is not None:
            await self.store.destroy_session(state.presented)
            self._forget(state)
        session_id = await self.store.create_session(
            user_id=user_id,
            label=chosen,
            meta=meta,
            client=self.settings.client(ip, user_agent),
            remember=remember,
        )
        state.presented, state.loaded, state.session = session_id, False, None
        state.source = "cookie" if self.settings.uses_cookie else "bearer"
        self._set_cookie(state, session_id, remember=remember)
        return session_id

    async def logout(self, state: RequestState[U, M]) -> bool:
        """End the request's session and clear its cookie; True if a live
        session ended.

        Raises:
            CrossSiteRefused: the request comes from another site.
        """
        self.refuse_cross_site(state)
        ended = False
        if state.presented is not None:
            ended = await self.store.destroy_session(state.presented)
        self._forget(state)
        self._clear_cookie(state)
        return ended

    async def logout_everywhere(self, state: RequestState[U, M]) -> int:
        """End every other session of the request's user; how many ended.

        Raises:
            CrossSiteRefused: the request comes from another site.
            NotLoggedIn: the request has no live session.
        """
        self.refuse_cross_site(state)
        session = await self.required(state)
        return await self.store.destroy_sessions_for_user(session.user_id, keep=state.presented)

    async def devices(self, state: RequestState[U, M]) -> list[Session[U, M]]:
        """The request's user's sessions, most recently used first.

        Raises:
            NotLoggedIn: the request has no live session.
        """
        session = await self.required(state)
        return list(await self.store.get_sessions_for_user(session.user_id))

    async def revoke(self, state: RequestState[U, M], key: str) -> bool:
        """End the session ``key`` if it belongs to the request's user (a
        key of another user's session is treated as unknown); the current
        key is a logout. True if a live session ended.

        Raises:
            CrossSiteRefused: the request comes from another site.
            NotLoggedIn: the request has no live session.
        """
        self.refuse_cross_site(state)
        session = await self.required(state)
        if not isinstance(key, str) or not is_session_key(key):
            return False
        if key == session.key:
            return await self.logout(state)
        target: Any = await self.store.get_session_by_key(key)
        if target is None or target.user_id != session.user_id:
            return False
        return await self.store.destroy_session(target)

    async def rotate(self, state: RequestState[U, M]) -> SessionId | None:
        """Give the request's session a new secret (after a privilege
        change) and send the new cookie; None (and the cookie cleared) if
        there is no live session.

        Raises:
            CrossSiteRefused: the request comes from another site.
        """
        self.refuse_cross_site(state)
        return await self._new_secret(state, again=False)

    async def reauthenticate(self, state: RequestState[U, M]) -> SessionId | None:
        """Record that the user has just entered their credentials again
        (call it once they are verified): the session's sign-in time becomes
        now and its secret rotates, sent as the new cookie. None (and the
        cookie cleared) if there is no live session.

        Raises:
            CrossSiteRefused: the request comes from another site (as a login).
        """
        if state.refusal is not None and state.source != "bearer":
            raise CrossSiteRefused(state.refusal)
        return await self._new_secret(state, again=True)

    async def _new_secret(self, state: RequestState[U, M], *, again: bool) -> SessionId | None:
        session = await self.current(state)
        if state.presented is None or session is None:
            return None
        if again:
            new = await self.store.reauthenticate(state.presented)
        else:
            new = await self.store.rotate_session(state.presented)
        if new is None:
            self._forget(state)
            self._clear_cookie(state)
            return None
        state.presented, state.loaded, state.session = new, False, None
        if state.source == "cookie":
            self._set_cookie(state, new, remember=session.remember)
        return new

    async def recent(self, state: RequestState[U, M], max_age: timedelta) -> Session[U, M]:
        """The request's live session, if it signed in at most ``max_age``
        ago (a privileged action's guard: Kratos' privileged sessions,
        Flask-Login's fresh logins).

        Raises:
            NotLoggedIn: there is no live session.
            ReauthenticationRequired: there is, signed in too long ago.
        """
        session = await self.required(state)
        if self.clock.now() - session.authenticated_at > max_age:
            raise ReauthenticationRequired(max_age, session)
        return session
