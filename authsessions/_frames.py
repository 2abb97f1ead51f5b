"""Listings as pandas DataFrames (pandas stays optional: imported on call)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ._render import plain

COLUMNS = ("key", "user_id", "label", "created_at", "last_used_at", "expires_at")


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
        },
        columns=list(COLUMNS),
    )
    metas = [plain(s.meta) for s in sessions]
    if flatten_meta and metas and all(isinstance(m, dict) for m in metas):
        flat = pd.json_normalize(metas).add_prefix("meta.")
        return pd.concat([frame, flat], axis=1)
    frame["meta"] = pd.Series(metas, dtype=object)
    return frame
