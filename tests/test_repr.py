"""Notebook and terminal renderings: escaped, capped, secret-free."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from authsessions import InMemorySessions, Session
from authsessions._repr import MAX_ROWS, SessionList, listing_html, listing_text, session_html
from authsessions._table import clip
from contract_tests import FakeClock, json_values

ALLOWED_TAGS = {"div", "p", "table", "thead", "tbody", "tr", "th", "td", "b", "pre"}


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs.extend(attrs)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _session(user: Any, label: str, meta: Any, key: str = "k" * 32) -> Session[Any, Any]:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    return Session(
        key=key,
        user_id=user,
        label=label,
        meta=meta,
        created_at=now,
        last_used_at=now,
        expires_at=now + timedelta(days=1),
    )


hostile = st.text() | st.sampled_from(
    ["<script>alert(1)</script>", "\"'><img src=x onerror=alert(1)>", "&amp;", "</td></tr>"]
)


@given(
    user=hostile, label=hostile, meta=st.dictionaries(hostile, json_values | hostile, max_size=3)
)
def test_html_repr_escapes_every_field(user: str, label: str, meta: dict[str, Any]) -> None:
    session = _session(user, label, meta)
    card, table = session_html(session), listing_html([session, session])
    for rendered, shown_label in ((card, label), (table, clip(label, 32))):
        parser = _Tags()
        parser.feed(rendered)
        parser.close()
        assert set(parser.tags) <= ALLOWED_TAGS, parser.tags
        assert all(name == "style" for name, _ in parser.attrs)
        assert "<script" not in rendered.lower()
        # what the browser shows is exactly the text we put in
        assert shown_label in "".join(parser.text)


def test_listing_is_capped_with_a_count_of_the_rest() -> None:
    sessions = [_session(f"u{i}", "l", {}) for i in range(MAX_ROWS + 7)]
    assert "... and 7 more" in listing_html(sessions)
    assert "... and 7 more" in listing_text(sessions)
    assert listing_html(sessions).count("<tr>") == MAX_ROWS + 1  # + header row
    assert "... and" not in listing_html(sessions[:MAX_ROWS])


def test_listings_are_session_lists_that_render_without_secrets() -> None:
    store = InMemorySessions(clock=FakeClock())
    ids = [store.create_session(user_id="ann", label=f"d{i}", meta={"i": i}) for i in range(3)]
    for listing in (store.list_sessions(), store.get_sessions_for_user("ann")):
        assert isinstance(listing, SessionList) and isinstance(listing, list)
        rendered = listing._repr_html_() + listing_text(listing)
        for sid in ids:
            assert sid.partition(".")[2] not in rendered
            assert sid.partition(".")[0] in rendered


def test_pretty_reprs_are_plain_text_tables() -> None:
    from IPython.lib import pretty as ipython_pretty

    def pretty(value: object) -> str:
        text: str = ipython_pretty.pretty(value)  # type: ignore[no-untyped-call]
        return text

    store = InMemorySessions(clock=FakeClock())
    sid = store.create_session(user_id="ann", label="Firefox", meta={"theme": "dark"})
    text = pretty(store.list_sessions())
    assert re.search(r"key\s+user\s+label", text)
    assert "Firefox" in text and "<" not in text
    session = store.get_session(sid)
    assert "Firefox" in pretty(session)
    assert "no sessions" in pretty(store.get_sessions_for_user("nobody"))
