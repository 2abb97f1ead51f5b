"""The same journeys through both integrations (Starlette and Flask), over
HTTP with a sync httpx client, against a test app with these routes:

- ``POST /login`` (form ``user``, ``remember`` "0" for a browser session),
  ``GET /me`` (required), ``GET /maybe`` (optional), ``POST /rotate``,
  ``POST /logout``, ``POST /everywhere``, ``POST /revoke/{key}``,
  ``POST /reauth`` (reauthenticate), ``GET /sensitive`` (a sign-in within
  10 minutes required; ``reauth_url`` is ``/reauth-page``);
- the account pages mounted at ``/account``.

Each test file builds its framework's app and passes a client factory
whose requests come from ``CLIENT_IP``."""

from __future__ import annotations

from collections.abc import Callable
from http.cookies import SimpleCookie
from typing import Any

import httpx

BASE = "https://testserver"
SAME_ORIGIN = {"Origin": BASE, "Sec-Fetch-Site": "same-origin"}
CROSS_SITE = {"Origin": "https://evil.test", "Sec-Fetch-Site": "cross-site"}
SAME_SITE = {"Origin": "https://testserver:8443", "Sec-Fetch-Site": "same-site"}
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
CLIENT_IP = "203.0.113.9"
BROWSER_PAGE = {"Accept": "text/html", "Sec-Fetch-Mode": "navigate"}

Client = Callable[..., httpx.Client]


def set_cookie(response: httpx.Response) -> SimpleCookie:
    jar: SimpleCookie = SimpleCookie()
    for header in response.headers.get_list("set-cookie"):
        jar.load(header)
    return jar


def login(http: httpx.Client, user: str = "alice", **headers: str) -> httpx.Response:
    return http.post("/login", data={"user": user}, headers={**SAME_ORIGIN, **headers})


def me(http: httpx.Client) -> int:
    return http.get("/me").status_code


def me_with(client: Client, session_id: str) -> int:
    """/me from a fresh client presenting only ``session_id`` as its cookie."""
    with client() as fresh:
        return fresh.get("/me", headers={"Cookie": f"__Host-session={session_id}"}).status_code


def the_cookie_has_the_safe_flags(client: Client) -> None:
    with client() as http:
        response = login(http, **{"User-Agent": FIREFOX})
        assert response.status_code == 200, response.text
        jar = set_cookie(response)
        morsel = jar["__Host-session"]
        assert morsel["httponly"] and morsel["secure"] and morsel["path"] == "/"
        assert morsel["samesite"] == "Lax" and morsel["max-age"] == str(30 * 86400)
        assert not morsel["domain"]
        assert response.headers["cache-control"] == "no-store"
        assert http.get("/me").json()["label"] == "Firefox on Linux"


def login_ends_the_session_the_request_carried(client: Client) -> None:
    with client() as http:
        login(http)
        first = http.cookies["__Host-session"]
        login(http, "bob")
        assert http.get("/me").json()["user"] == "bob"
        assert me_with(client, first) == 401  # the earlier session is gone, not just replaced


def required_and_optional(client: Client) -> None:
    with client() as http:
        response = http.get("/me")
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
        assert http.get("/maybe").json() == {"user": None}
        login(http)
        assert http.get("/maybe").json() == {"user": "alice"}


def a_dead_cookie_is_cleared(client: Client) -> None:
    with client() as http:
        login(http)
        sid = http.cookies["__Host-session"]
        with client() as other:
            cookie = {"Cookie": f"__Host-session={sid}", **SAME_ORIGIN}
            assert other.post("/logout", headers=cookie).status_code == 200
        response = http.get("/me")
        assert response.status_code == 401
        assert set_cookie(response)["__Host-session"]["max-age"] == "0"
        assert "__Host-session" not in http.cookies


def logout_everywhere_keeps_this_device(client: Client) -> None:
    with client() as laptop, client() as phone, client() as tablet:
        for http in (laptop, phone, tablet):
            login(http)
        assert laptop.post("/everywhere", headers=SAME_ORIGIN).json() == {"ended": 2}
        assert (me(laptop), me(phone), me(tablet)) == (200, 401, 401)


def revoke_only_your_own_devices(client: Client) -> None:
    with client() as laptop, client() as phone, client() as bob:
        login(laptop)
        login(phone)
        login(bob, "bob")
        phone_key = phone.get("/me").json()["key"]
        bob_key = bob.get("/me").json()["key"]
        assert laptop.post(f"/revoke/{bob_key}", headers=SAME_ORIGIN).json() == {"ended": False}
        assert me(bob) == 200
        assert laptop.post(f"/revoke/{phone_key}", headers=SAME_ORIGIN).json() == {"ended": True}
        assert me(phone) == 401
        assert laptop.post("/revoke/not-a-key", headers=SAME_ORIGIN).json() == {"ended": False}
        own = laptop.get("/me").json()["key"]
        response = laptop.post(f"/revoke/{own}", headers=SAME_ORIGIN)
        assert response.json() == {"ended": True}
        assert set_cookie(response)["__Host-session"]["max-age"] == "0"


def rotation_updates_the_cookie(client: Client) -> None:
    with client() as http:
        login(http)
        old = http.cookies["__Host-session"]
        key = http.get("/me").json()["key"]
        response = http.post("/rotate", headers=SAME_ORIGIN)
        new = http.cookies["__Host-session"]
        assert response.status_code == 200 and new != old
        assert http.get("/me").json()["key"] == key
        assert me_with(client, old) == 401


def cross_site_requests_with_the_cookie_are_refused(client: Client) -> None:
    with client() as http:
        login(http)
        with client() as other:
            login(other)
        for headers in (CROSS_SITE, SAME_SITE, {"Origin": "null"}):
            response = http.post("/everywhere", headers=headers)
            assert response.status_code == 403, headers
            assert "session" not in response.text.lower() or "Forbidden" in response.text
        with client() as other_device:
            login(other_device)
            assert me(other_device) == 200  # nothing was logged out
        assert http.post("/everywhere", headers=SAME_ORIGIN).status_code == 200
        # safe methods and requests with no browser headers pass
        assert http.get("/me", headers=CROSS_SITE).status_code == 200
        assert http.post("/rotate").status_code == 200


def a_cross_site_login_is_refused(client: Client) -> None:
    with client() as http:
        response = http.post("/login", data={"user": "mallory"}, headers=CROSS_SITE)
        assert response.status_code == 403
        assert "__Host-session" not in http.cookies


def bearer_requests_skip_the_cross_site_check(client: Client) -> None:
    with client() as http:
        token = login(http).json()["token"]
    with client() as api:
        headers = {"Authorization": f"Bearer {token}", **CROSS_SITE}
        assert api.get("/me", headers=headers).json()["user"] == "alice"
        assert api.post("/rotate", headers=headers).status_code == 200


def the_account_pages(client: Client) -> None:
    with client() as laptop, client() as phone:
        login(laptop, **{"User-Agent": FIREFOX})
        login(phone, **{"User-Agent": "<script>alert(1)</script>"})
        page = laptop.get("/account/devices")
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        html = page.text
        assert html.count("<tr data-key=") == 2 and "this device" in html
        assert "Firefox on Linux" in html and "Unknown device" in html  # labels from agents
        phone_key = phone.get("/me").json()["key"]
        assert f'action="/account/devices/{phone_key}/revoke"' in html
        revoked = laptop.post(f"/account/devices/{phone_key}/revoke", headers=SAME_ORIGIN)
        assert revoked.status_code == 303 and revoked.headers["location"].endswith(
            "/account/devices"
        )
        assert me(phone) == 401
        login(phone)
        everywhere = laptop.post("/account/logout-everywhere", headers=SAME_ORIGIN)
        assert everywhere.status_code == 303 and me(phone) == 401
        out = laptop.post("/account/logout", headers=SAME_ORIGIN)
        assert out.status_code == 303 and out.headers["location"] == "/"
        assert me(laptop) == 401
        assert laptop.get("/account/devices").status_code == 401


def a_cross_site_logout_without_the_cookie_is_refused(client: Client) -> None:
    # SameSite=Lax keeps the cookie off another site's form POST; the
    # answer must not clear it either (the session would live on, orphaned)
    with client() as http:
        login(http)
        for path in ("/logout", "/account/logout", "/rotate", "/everywhere"):
            for headers in (CROSS_SITE, SAME_SITE):
                with client() as attacker_page:
                    response = attacker_page.post(path, headers=headers)
                    assert response.status_code == 403, (path, headers)
                    assert "set-cookie" not in response.headers, (path, headers)
        assert me(http) == 200


def the_account_pages_refuse_to_be_framed(client: Client) -> None:
    with client() as http:
        login(http)
        for response in (http.get("/account/devices"), http.get("/account/devices/x")):
            if response.status_code == 404:
                continue
            assert response.headers["x-frame-options"] == "DENY"
            assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


def authenticated_responses_are_never_cached(client: Client) -> None:
    with client() as http:
        login(http)
        for path in ("/me", "/maybe", "/account/devices"):
            response = http.get(path)
            assert response.status_code == 200, path
            assert response.headers["cache-control"] == "no-store", path
            assert "cookie" in response.headers["vary"].lower(), path
        anonymous = http.get("/maybe", headers={"Cookie": ""})
        assert anonymous.headers["cache-control"] == "no-store"


def a_request_sent_before_a_rotation_keeps_the_user_logged_in(client: Client) -> None:
    # a slow request carries the pre-rotation cookie and is answered after
    # the rotation: clearing "its" cookie would delete the new one
    with client() as http:
        login(http)
        old = http.cookies["__Host-session"]
        assert http.post("/rotate", headers=SAME_ORIGIN).status_code == 200
        with client() as slow:
            response = slow.get("/maybe", headers={"Cookie": f"__Host-session={old}"})
            assert response.json() == {"user": None}
            assert "set-cookie" not in response.headers
        assert me(http) == 200


def session_json(session: Any) -> dict[str, Any]:
    client = session.client
    return {
        "user": session.user_id,
        "key": session.key,
        "label": session.label,
        "remember": session.remember,
        "ip": None if client is None or client.ip is None else str(client.ip),
        "agent": None if client is None else client.user_agent,
        "signed_in": session.authenticated_at.isoformat(),
        "last_ip": None if session.last_used_ip is None else str(session.last_used_ip),
    }


def a_login_records_its_client_and_remember_me_sets_the_cookie_kind(client: Client) -> None:
    with client() as http:
        response = login(http, **{"User-Agent": FIREFOX})
        assert set_cookie(response)["__Host-session"]["max-age"] == str(30 * 86400)
        me = http.get("/me").json()
        assert (me["ip"], me["agent"], me["remember"]) == (CLIENT_IP, FIREFOX, True)
    with client() as http:
        response = http.post("/login", data={"user": "ann", "remember": "0"}, headers=SAME_ORIGIN)
        # a browser-session login: no Max-Age, the cookie ends with the browser
        assert set_cookie(response)["__Host-session"]["max-age"] == ""
        assert http.get("/me").json()["remember"] is False
        for flow in ("/rotate", "/reauth"):
            response = http.post(flow, headers=SAME_ORIGIN)
            assert response.status_code == 200, (flow, response.text)
            assert set_cookie(response)["__Host-session"]["max-age"] == "", (
                f"{flow} made a browser-session cookie persistent"
            )
        assert http.get("/me").json()["remember"] is False


def a_privileged_view_needs_a_recent_sign_in(client: Client, clock: Any) -> None:
    from datetime import timedelta

    with client() as http:
        login(http)
        assert http.get("/me").json()["last_ip"] is None  # not touched yet: same instant
        clock.advance(1)
        # a request's read records its address with the touch
        assert http.get("/me").json()["last_ip"] == CLIENT_IP
        assert http.get("/sensitive").status_code == 200
        clock.advance(timedelta(minutes=10, milliseconds=1))
        page = http.get("/sensitive?tab=keys", headers=BROWSER_PAGE)
        assert page.status_code == 303
        assert page.headers["location"] == "/reauth-page?next=/sensitive%3Ftab%3Dkeys"
        api = http.get("/sensitive")
        assert api.status_code == 401
        challenge = api.headers["www-authenticate"]
        assert 'error="insufficient_user_authentication"' in challenge
        assert 'max_age="600"' in challenge
        before = http.cookies["__Host-session"]
        assert http.post("/reauth", headers=CROSS_SITE).status_code == 403
        response = http.post("/reauth", headers=SAME_ORIGIN)
        assert response.status_code == 200
        assert http.cookies["__Host-session"] != before, "reauthenticate did not rotate"
        assert http.get("/sensitive").status_code == 200
        assert me_with(client, before) == 401, "the id before the sign-in still works"
    with client() as http:
        assert http.get("/sensitive").status_code == 401  # no session at all


class Outage:
    """Stores that fail like a backend that went away, while ``down``."""

    from authsessions.reference import AsyncDictSessions, DictSessions

    class Sync(DictSessions[str, Any]):
        down = False

        def _load(self, key: str) -> Any:
            if self.down:
                raise ConnectionError("connection refused by 10.1.2.3:6379")
            return super()._load(key)

    class Async(AsyncDictSessions[str, Any]):
        down = False

        async def _load(self, key: str) -> Any:
            if self.down:
                raise ConnectionError("connection refused by 10.1.2.3:6379")
            return await super()._load(key)


def a_store_outage_is_a_503_that_keeps_the_user_logged_in(client: Client, store: Any) -> None:
    with client() as http:
        login(http)
        sid = http.cookies["__Host-session"]
        store.down = True
        requests = [
            ("GET", "/me"),
            ("GET", "/maybe"),
            ("GET", "/account/devices"),
            ("POST", "/logout"),
            ("POST", "/account/logout"),
        ]
        for method, path in requests:
            response = http.request(method, path, headers=SAME_ORIGIN)
            assert response.status_code == 503, (path, response.status_code)
            assert response.headers["retry-after"] == "5", path
            assert "set-cookie" not in response.headers, path
            assert "10.1.2.3" not in response.text and sid not in response.text, path
            assert http.cookies["__Host-session"] == sid
        store.down = False
        assert me(http) == 200


JOURNEYS: list[Callable[[Client], None]] = [
    the_cookie_has_the_safe_flags,
    login_ends_the_session_the_request_carried,
    required_and_optional,
    a_dead_cookie_is_cleared,
    logout_everywhere_keeps_this_device,
    revoke_only_your_own_devices,
    rotation_updates_the_cookie,
    cross_site_requests_with_the_cookie_are_refused,
    a_cross_site_login_is_refused,
    bearer_requests_skip_the_cross_site_check,
    the_account_pages,
    a_cross_site_logout_without_the_cookie_is_refused,
    the_account_pages_refuse_to_be_framed,
    authenticated_responses_are_never_cached,
    a_request_sent_before_a_rotation_keeps_the_user_logged_in,
    a_login_records_its_client_and_remember_me_sets_the_cookie_kind,
]
