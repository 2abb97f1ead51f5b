from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from authsessions import InMemorySessions, SessionUtils

parse = SessionUtils.get_session_id_from_auth_token


@pytest.fixture(scope="module")
def session_id() -> str:
    return InMemorySessions().create_session(user_id="u", label="", meta={})


@given(st.text() | st.binary() | st.none() | st.integers())
def test_parsing_arbitrary_input_never_raises_and_rejects_junk(header: object) -> None:
    result = parse(header)  # type: ignore[arg-type]
    assert result is None or SessionUtils.to_session_id(result) == result


@pytest.mark.parametrize(
    "template",
    ["Bearer {}", "bearer {}", "BEARER {}", "  Bearer   {}  ", "{}", "\t{}\n", "BeArEr {}"],
)
def test_accepted_header_forms(session_id: str, template: str) -> None:
    assert parse(template.format(session_id)) == session_id


@pytest.mark.parametrize(
    "template",
    ["Basic {}", "Bearer", "Bearer {} extra", "Bearer{}", "Token {}", "{}x", "x{}", "{}.x"],
)
def test_rejected_header_forms(session_id: str, template: str) -> None:
    assert parse(template.format(session_id)) is None


def test_near_valid_ids_are_rejected(session_id: str) -> None:
    key, _, secret = session_id.partition(".")
    for candidate in [
        key.upper() + "." + secret,
        key + ":" + secret,
        key[:-1] + "." + secret,
        key + "." + secret[:-1],
        key + "." + secret + "=",
        key + ".." + secret[1:],
        key + "." + secret[:-1] + "+",
        "x" * 1_000_000,
    ]:
        assert parse(candidate) is None
        assert SessionUtils.to_session_id(candidate) is None


@given(st.data())
def test_header_round_trip(data: st.DataObject) -> None:
    store = InMemorySessions()
    sid = store.create_session(user_id=data.draw(st.text(max_size=10)), label="", meta={})
    assert parse(SessionUtils.get_auth_token_for_session_id(sid)) == sid


def test_auth_token_rejects_malformed_without_echoing_it() -> None:
    with pytest.raises(ValueError, match="not a well-formed SessionId") as info:
        SessionUtils.get_auth_token_for_session_id("secret-looking-value")  # type: ignore[arg-type]
    assert "secret-looking-value" not in str(info.value)
