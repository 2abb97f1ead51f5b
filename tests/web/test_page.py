"""The devices page and its JSON twin."""

from __future__ import annotations

import re

from authsessions import InMemorySessions
from authsessions.web import device_dicts, devices_page


def test_every_value_is_escaped_and_the_current_device_has_no_revoke_button() -> None:
    store = InMemorySessions()
    here = store.create_session(user_id="u", label="laptop", meta={})
    store.create_session(user_id="u", label='<img src=x onerror="alert(1)">&', meta={})
    sessions = store.get_sessions_for_user("u")
    current = next(s for s in sessions if s.label == "laptop").key
    html = devices_page(sessions, current_key=current, base='/a"b')
    assert "<img" not in html and "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;" in html
    assert 'action="/a&quot;b/logout"' in html
    assert html.count('name="revoke"') == 1 and html.count("this device") == 1
    assert here.split(".")[1] not in html
    rows = re.findall(r'<tr data-key="(\w+)">', html)
    assert rows == [s.key for s in sessions]


def test_alone_the_log_out_everywhere_else_button_is_disabled() -> None:
    store = InMemorySessions()
    store.create_session(user_id="u", label="only", meta={})
    (session,) = store.get_sessions_for_user("u")
    html = devices_page([session], current_key=session.key)
    assert 'name="logout-everywhere" disabled' in html and "1 device." in html


def test_device_dicts() -> None:
    store = InMemorySessions()
    store.create_session(user_id="u", label="a", meta={"secret": "not shown"})
    (session,) = store.get_sessions_for_user("u")
    (entry,) = device_dicts([session], session.key)
    assert entry == {
        "key": session.key,
        "label": "a",
        "created_at": session.created_at.isoformat(),
        "last_used_at": session.last_used_at.isoformat(),
        "authenticated_at": session.authenticated_at.isoformat(),
        "ip": None,
        "location": None,
        "current": True,
        "new": True,
    }


def test_the_page_shows_where_and_when_each_device_signed_in_and_marks_new_ones() -> None:
    from datetime import timedelta

    from authsessions import ClientInfo
    from authsessions.testing import FakeClock

    clock = FakeClock()
    store = InMemorySessions(clock=clock)
    store.create_session(user_id="u", label="Firefox on Linux", meta={},
                         client=ClientInfo(ip="203.0.113.5", location="Berlin, DE"))  # fmt: skip
    clock.advance(timedelta(days=3))
    store.create_session(user_id="u", label="Firefox on Linux", meta={},
                         client=ClientInfo(ip="2001:db8::7"))  # fmt: skip
    here = store.create_session(user_id="u", label="Safari on <iPhone>", meta={},
                                client=ClientInfo(location="Lyon & Paris"))  # fmt: skip
    sessions = store.get_sessions_for_user("u")
    html = devices_page(sessions, current_key=here.partition(".")[0])
    assert "Berlin, DE (203.0.113.5)" in html and "2001:db8::7" in html
    assert "Lyon &amp; Paris" in html and "Safari on &lt;iPhone&gt;" in html
    # new: the iPhone, signed in now from a device never seen; not the
    # second Firefox (a device the user had), nor the one three days old
    assert html.count('class="new"') == 1
    (row,) = re.findall(r'<tr data-key="\w+"><td class="label">([^<]*)<span class="new">', html)
    assert row.startswith("Safari on &lt;iPhone&gt;")
    marked = [d["label"] for d in device_dicts(sessions, "") if d["new"]]
    assert marked == ["Safari on <iPhone>"]
