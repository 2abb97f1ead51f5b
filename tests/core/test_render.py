"""Sessions rendered for notebooks and terminals: escaped, capped, aligned,
secret-free; all through public API (SessionList, Session)."""

from __future__ import annotations

import json
import re
import unicodedata
import uuid
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from authsessions import InMemorySessions, Session, SessionList
from authsessions.testing import FakeClock
from contract_tests import json_values

ALLOWED_TAGS = {"div", "p", "table", "thead", "tbody", "tr", "th", "td", "b", "pre"}
MAX_ROWS = 20


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


def _session(user: Any, label: str, meta: Any, key: str = "0" * 32) -> Session[Any, Any]:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    return Session(
        key=key,
        user_id=user,
        label=label,
        meta=meta,
        created_at=now,
        last_used_at=now,
        expires_at=now + timedelta(days=1),
        authenticated_at=now,
    )


def _parse(rendered: str) -> _Tags:
    parser = _Tags()
    parser.feed(rendered)
    parser.close()
    return parser


hostile = st.text() | st.sampled_from(
    ["<script>alert(1)</script>", "\"'><img src=x onerror=alert(1)>", "&amp;", "</td></tr>"]
)


@given(
    user=hostile, label=hostile, meta=st.dictionaries(hostile, json_values | hostile, max_size=3)
)
def test_html_escapes_every_field(user: str, label: str, meta: dict[str, Any]) -> None:
    session = _session(user, label, meta)
    for rendered in (session._repr_html_(), SessionList([session, session])._repr_html_()):
        parser = _Tags()
        parser.feed(rendered)
        parser.close()
        assert set(parser.tags) <= ALLOWED_TAGS, parser.tags
        assert all(name == "style" for name, _ in parser.attrs)
        assert "<script" not in rendered.lower()


# what terminals obey: escape sequences, OSC 52 (clipboard), carriage
# returns, bidi overrides, zero-width characters
CONTROL = [
    "\x1b]52;c;ZXZpbA==\x07",
    "\x1b[2K\rfake row",
    "\x1b[31",
    "admin\u202egnp.exe",
    "a\u200bb",
    "tab\tnewline\nnull\x00del\x7f",
    "\u2028line",
]


@pytest.mark.parametrize("label", CONTROL, ids=repr)
def test_text_output_shows_control_characters_as_visible_escapes(label: str) -> None:
    session = _session(f"user{label}", label, {"k": label})
    outputs = [
        SessionList([session]).to_text(),
        SessionList([session]).to_text(current_key=session.key),
        session_text(session),
    ]
    for text in outputs:
        bad = [
            ch for ch in text if ch != "\n" and unicodedata.category(ch)[0] in "CZ" and ch != " "
        ]
        assert not bad, f"raw control characters reached the terminal: {bad!r}"
        assert "\\x1b" in text or "\\u" in text or "\\x" in text


def session_text(session: Session[Any, Any]) -> str:
    from IPython.lib import pretty as ipython_pretty

    text: str = ipython_pretty.pretty(session)  # type: ignore[no-untyped-call]
    return text


def test_a_lone_surrogate_is_escaped_and_every_output_encodes() -> None:
    sessions = SessionList(
        [_session("ann", "bad \ud800 label", {"x": "\udfff"}), _session("b", "ok", {})]
    )
    text = sessions.to_text()
    text.encode("utf-8")  # no UnicodeEncodeError
    assert "\\ud800" in text and "ok" in text
    json.dumps(sessions.to_dicts())  # the JSON form stays valid too


def test_backslashes_are_doubled_so_escapes_cannot_be_forged() -> None:
    text = SessionList([_session("ann", "\\x1b is not an escape", {})]).to_text()
    assert "\\\\x1b is not an escape" in text


def test_columns_stay_aligned_with_wide_characters() -> None:
    rows = SessionList(
        [_session("ann", "😀😀 phone", {}, "1" * 32), _session("bo", "laptop", {}, "2" * 32)]
    ).to_text()
    lines = rows.splitlines()
    # the created column starts at the same terminal cell on every row
    cells = []
    for line in lines[2:]:
        column = line.index("2026-01-01")
        cells.append(column + sum(1 for ch in line[:column] if ord(ch) > 0xFFFF))
    assert len(set(cells)) == 1, lines


def test_keys_and_user_ids_are_shown_whole() -> None:
    user = uuid.UUID("12345678-1234-5678-1234-567812345678")
    text = SessionList([_session(user, "l", {}, "ab" * 16)]).to_text()
    assert str(user) in text and "ab" * 16 in text
    assert "UUID(" not in text and "'" not in text


def test_one_timestamp_format_everywhere() -> None:
    session = _session("ann", "l", {})
    for text in (SessionList([session]).to_text(), session_text(session)):
        assert "2026-01-01 00:00:00" in text and "2026-01-02 00:00:00" in text
    assert "2026-01-01 00:00:00" in session._repr_html_()


def test_listing_is_capped_with_a_count_of_the_rest() -> None:
    sessions = SessionList([_session(f"u{i}", "l", {}) for i in range(MAX_ROWS + 7)])
    assert "... and 7 more" in sessions._repr_html_()
    assert sessions._repr_html_().count("<tr>") == MAX_ROWS + 1  # + header row
    assert "... and 7 more" in sessions.to_text(max_rows=MAX_ROWS)
    assert "... and" not in sessions.to_text()
    assert "... and" not in SessionList(sessions[:MAX_ROWS])._repr_html_()


def test_listings_are_session_lists_that_render_without_secrets() -> None:
    store = InMemorySessions(clock=FakeClock())
    ids = [store.create_session(user_id="ann", label=f"d{i}", meta={"i": i}) for i in range(3)]
    for listing in (store.list_sessions(), store.get_sessions_for_user("ann")):
        assert isinstance(listing, SessionList) and isinstance(listing, list)
        rendered = listing._repr_html_() + listing.to_text() + json.dumps(listing.to_dicts())
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


def test_to_dict_is_json_ready_for_typed_meta() -> None:
    from contract_tests import DeviceMeta

    session = _session(uuid.UUID(int=5), "l", DeviceMeta("admin", ("r",), 1))
    as_dict = session.to_dict()
    assert json.loads(json.dumps(as_dict))["meta"] == {
        "role": "admin",
        "scopes": ["r"],
        "login_count": 1,
    }
    assert as_dict["user_id"] == str(uuid.UUID(int=5))
