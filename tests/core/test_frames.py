"""Listings as pandas DataFrames."""

from __future__ import annotations

import subprocess
import sys
import uuid
from typing import Any

import attrs
import pandas as pd
import pytest

from authsessions import InMemorySessions, SessionList, SessionPolicy


@attrs.frozen
class Device:
    theme: str
    screen: dict[str, int]


def test_one_row_per_session_with_typed_columns_and_flattened_meta() -> None:
    store = InMemorySessions(user_id_type=uuid.UUID, meta_type=Device)
    ann, bob = uuid.uuid4(), uuid.uuid4()
    store.create_session(user_id=ann, label="laptop", meta=Device("dark", {"w": 1920}))
    store.create_session(user_id=bob, label="phone", meta=Device("light", {"w": 390}))
    listing = store.list_sessions()
    frame = listing.to_dataframe()
    assert list(frame.columns) == [
        "key", "user_id", "label", "created_at", "last_used_at", "expires_at",
        "authenticated_at", "remember", "ip", "user_agent", "location",
        "meta.theme", "meta.screen.w",
    ]  # fmt: skip
    assert len(frame) == 2 and list(frame["key"]) == [s.key for s in listing]
    assert frame["key"].dtype == "string" and frame["label"].dtype == "string"
    for column in ("created_at", "last_used_at", "expires_at"):
        dtype = frame[column].dtype
        assert isinstance(dtype, pd.DatetimeTZDtype) and str(dtype.tz) == "UTC", column
    assert set(frame["user_id"]) == {ann, bob}  # the typed ids, groupable
    assert sorted(frame["meta.screen.w"]) == [390, 1920]
    assert frame.loc[0, "created_at"].to_pydatetime() == listing[0].created_at


def test_meta_as_one_column_on_request_or_when_not_dict_shaped() -> None:
    store: InMemorySessions[str, Any] = InMemorySessions(meta_type=Any)
    store.create_session(user_id="u", label="a", meta=[1, 2])
    store.create_session(user_id="u", label="b", meta={"x": 1})
    frame = store.list_sessions().to_dataframe()
    assert list(frame.columns)[-1] == "meta"
    assert sorted(map(str, frame["meta"])) == ["[1, 2]", "{'x': 1}"]
    assert "meta" in InMemorySessions().list_sessions().to_dataframe(flatten_meta=False)


def test_an_empty_listing_keeps_the_columns_and_types() -> None:
    frame = SessionList().to_dataframe()
    assert len(frame) == 0 and list(frame.columns)[:6] == [
        "key", "user_id", "label", "created_at", "last_used_at", "expires_at",
    ]  # fmt: skip
    assert isinstance(frame["expires_at"].dtype, pd.DatetimeTZDtype)


def test_without_pandas_the_error_says_how_to_install_it() -> None:
    code = (
        "import sys; sys.modules['pandas'] = None\n"
        "from authsessions import SessionList\n"
        "try:\n    SessionList().to_dataframe()\nexcept ImportError as err:\n    print(err)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert "pip install 'authsessions[pandas]'" in result.stdout, result.stderr


@pytest.mark.parametrize("flatten", [True, False])
def test_dataframes_hold_no_secret(flatten: bool) -> None:
    store = InMemorySessions()
    sid = store.create_session(user_id="u", label="l", meta={"k": "v"})
    text = store.list_sessions().to_dataframe(flatten_meta=flatten).to_csv()
    assert sid.partition(".")[2] not in text


def test_iter_dataframes_streams_chunks_that_concat_to_the_whole_listing() -> None:
    import asyncio

    import pandas as pd

    from authsessions import AsyncInMemorySessions, InMemorySessions, aiter_dataframes
    from authsessions import iter_dataframes as chunks_of

    store = InMemorySessions(policy=SessionPolicy(max_sessions_per_user=None))
    for i in range(25):
        store.create_session(user_id=f"u{i % 3}", label=f"d{i}", meta={"i": i})
    frames = list(chunks_of(store.iter_sessions(), chunk_size=10))
    assert [len(f) for f in frames] == [10, 10, 5]
    whole = pd.concat(frames, ignore_index=True).sort_values("key", ignore_index=True)
    expected = store.list_sessions().to_dataframe().sort_values("key", ignore_index=True)
    pd.testing.assert_frame_equal(whole, expected)
    with pytest.raises(ValueError, match="chunk_size"):
        next(chunks_of([], chunk_size=0))

    astore = AsyncInMemorySessions()

    async def collect() -> list[int]:
        for i in range(3):
            await astore.create_session(user_id="u", label=f"d{i}", meta={})
        return [len(f) async for f in aiter_dataframes(astore.iter_sessions(), chunk_size=2)]

    assert asyncio.run(collect()) == [2, 1]


def test_the_sign_in_columns_hold_the_client_as_kept() -> None:
    from authsessions import ClientInfo

    store = InMemorySessions()
    client = ClientInfo(ip="2001:db8::1", user_agent="Firefox", location="Lyon, FR")
    store.create_session(user_id="u", label="a", meta={}, client=client, remember=False)
    store.create_session(user_id="u", label="b", meta={})
    frame = store.list_sessions().to_dataframe().sort_values("label")
    assert list(frame["ip"].astype(object)) == ["2001:db8::1", pd.NA]
    assert list(frame["location"].astype(object)) == ["Lyon, FR", pd.NA]
    assert list(frame["remember"]) == [False, True] and frame["remember"].dtype == "boolean"
    assert (frame["authenticated_at"] == frame["created_at"]).all()
