"""Listings as pandas DataFrames (pandas stays optional: imported on call)."""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator, Sequence
from typing import Any

from ._render import plain

COLUMNS = (
    "key", "user_id", "label", "created_at", "last_used_at", "expires_at", "authenticated_at",
    "remember", "ip", "user_agent", "location",
)  # fmt: skip


def to_dataframe(sessions: Sequence[Any], *, flatten_meta: bool = True) -> Any:
    """A DataFrame with one row per session (see ``SessionList.to_dataframe``).

    Raises:
        ImportError: pandas is not installed (the message says how to).
    """
    try:
        import pandas as pd
    except ImportError as err:
        raise ImportError(
            "SessionList.to_dataframe needs pandas: pip install 'authsessions[pandas]'"
        ) from err

    def client(session: Any, field: str) -> str | None:
        value = None if session.client is None else getattr(session.client, field)
        return None if value is None else str(value)

    def times(name: str) -> Any:
        return pd.to_datetime([getattr(s, name) for s in sessions], utc=True)

    frame = pd.DataFrame(
        {
            "key": pd.array([s.key for s in sessions], dtype="string"),
            "user_id": pd.array([s.user_id for s in sessions], dtype=object),
            "label": pd.array([s.label for s in sessions], dtype="string"),
            "created_at": times("created_at"),
            "last_used_at": times("last_used_at"),
            "expires_at": times("expires_at"),
            "authenticated_at": times("authenticated_at"),
            "remember": pd.array([s.remember for s in sessions], dtype="boolean"),
            "ip": pd.array([client(s, "ip") for s in sessions], dtype="string"),
            "user_agent": pd.array([client(s, "user_agent") for s in sessions], dtype="string"),
            "location": pd.array([client(s, "location") for s in sessions], dtype="string"),
        },
        columns=list(COLUMNS),
    )
    metas = [plain(s.meta) for s in sessions]
    if flatten_meta and metas and all(isinstance(m, dict) for m in metas):
        flat = pd.json_normalize(metas).add_prefix("meta.")
        return pd.concat([frame, flat], axis=1)
    frame["meta"] = pd.Series(metas, dtype=object)
    return frame


def _chunk_size(chunk_size: object) -> int:
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1:
        raise ValueError("chunk_size must be a positive int")
    return chunk_size


def iter_dataframes(
    sessions: Iterable[Any], *, chunk_size: int = 10_000, flatten_meta: bool = True
) -> Iterator[Any]:
    """DataFrames of at most ``chunk_size`` sessions each, from any iterable
    of Sessions, typically ``store.iter_sessions()``: memory stays bounded
    by the chunk, however many sessions the store holds. Aggregate chunk by
    chunk, or ``pandas.concat(iter_dataframes(...), ignore_index=True)``
    for one DataFrame of everything.

    Columns as ``SessionList.to_dataframe``; with ``flatten_meta``, a chunk
    has the meta columns its own sessions have (``concat`` aligns them).

    Raises:
        ValueError: ``chunk_size`` is not a positive int.
        ImportError: pandas is not installed.
    """
    size = _chunk_size(chunk_size)
    chunk: list[Any] = []
    for session in sessions:
        chunk.append(session)
        if len(chunk) == size:
            yield to_dataframe(chunk, flatten_meta=flatten_meta)
            chunk = []
    if chunk:
        yield to_dataframe(chunk, flatten_meta=flatten_meta)


async def aiter_dataframes(
    sessions: AsyncIterable[Any], *, chunk_size: int = 10_000, flatten_meta: bool = True
) -> AsyncIterator[Any]:
    """``iter_dataframes`` for an asyncio store's ``iter_sessions()``.

    Raises:
        ValueError: ``chunk_size`` is not a positive int.
        ImportError: pandas is not installed.
    """
    size = _chunk_size(chunk_size)
    chunk: list[Any] = []
    async for session in sessions:
        chunk.append(session)
        if len(chunk) == size:
            yield to_dataframe(chunk, flatten_meta=flatten_meta)
            chunk = []
    if chunk:
        yield to_dataframe(chunk, flatten_meta=flatten_meta)
