"""SessionPolicy: every setting checked at construction."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from authsessions import ConfigurationError, InMemorySessions, SessionPolicy


@pytest.mark.parametrize("setting", ["absolute_ttl", "idle_ttl", "touch_interval"])
@pytest.mark.parametrize("days", [36_501, 3_000_000, 999_999_999])
def test_durations_beyond_a_hundred_years_are_refused(setting: str, days: int) -> None:
    kwargs: dict[str, Any] = {setting: timedelta(days=days)}
    if setting == "touch_interval":
        kwargs["idle_ttl"] = None
    with pytest.raises(ConfigurationError) as info:
        SessionPolicy(**kwargs)
    assert info.value.setting == setting and "100 years" in str(info.value)


def test_the_longest_policy_still_works_in_a_store() -> None:
    longest = timedelta(days=36_500)
    store = InMemorySessions(policy=SessionPolicy(absolute_ttl=longest, idle_ttl=longest / 2))
    sid = store.create_session(user_id="u", label="", meta={})
    session = store.get_session(sid)
    assert session is not None and session.expires_at.year >= 2070  # idle: 50 years
    assert [s.key for s in store.list_sessions()] == [session.key]


@pytest.mark.parametrize(
    ("kwargs", "setting"),
    [
        ({"absolute_ttl": timedelta(0)}, "absolute_ttl"),
        ({"absolute_ttl": 30}, "absolute_ttl"),
        ({"idle_ttl": timedelta(seconds=-1)}, "idle_ttl"),
        (
            {"idle_ttl": timedelta(minutes=1), "touch_interval": timedelta(minutes=1)},
            "touch_interval",
        ),
        ({"touch_interval": timedelta(microseconds=10)}, "touch_interval"),
        ({"max_sessions_per_user": 0}, "max_sessions_per_user"),
        ({"max_sessions_per_user": True}, "max_sessions_per_user"),
        ({"max_label_length": -1}, "max_label_length"),
        ({"max_meta_bytes": 0}, "max_meta_bytes"),
        ({"max_user_id_bytes": 0}, "max_user_id_bytes"),
    ],
)
def test_bad_policy_raises_configuration_error(kwargs: dict[str, Any], setting: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        SessionPolicy(**kwargs)
    assert info.value.setting == setting
