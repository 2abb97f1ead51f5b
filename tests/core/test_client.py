"""ClientInfo, the details a store keeps of it, and the previous-secret list."""

from __future__ import annotations

import ipaddress
from datetime import timedelta

import pytest

from authsessions import (
    ClientInfo,
    ConfigurationError,
    InvalidSessionDataError,
    LimitExceededError,
    SessionPolicy,
    StoredDataError,
)
from authsessions.kit import (
    MAX_USER_AGENT,
    PREVIOUS_KEPT,
    StoreConfig,
    from_details,
    push_previous,
    rotated_at,
)


def test_an_address_is_typed_and_a_str_is_parsed() -> None:
    assert ClientInfo(ip="203.0.113.9").ip == ipaddress.IPv4Address("203.0.113.9")
    assert isinstance(ClientInfo(ip="::1").ip, ipaddress.IPv6Address)
    for bad in ("not an address", "203.0.113.300", 42, b"1.2.3.4"):
        with pytest.raises(InvalidSessionDataError) as info:
            ClientInfo(ip=bad)
        assert info.value.field == "client"


def test_long_or_mistyped_fields_are_refused() -> None:
    with pytest.raises(LimitExceededError):
        ClientInfo(user_agent="x" * (MAX_USER_AGENT + 1))
    with pytest.raises(InvalidSessionDataError):
        ClientInfo(location=7)  # type: ignore[arg-type]


def test_from_request_never_raises_for_request_data() -> None:
    client = ClientInfo.from_request(ip="unix:/tmp/s", user_agent="y" * 5000)
    assert client.ip is None and client.user_agent == "y" * MAX_USER_AGENT
    assert ClientInfo.from_request(ip="[2001:db8::1]", user_agent="").ip == ipaddress.ip_address(
        "2001:db8::1"
    )
    assert ClientInfo.from_request(ip=None, user_agent=None) == ClientInfo()


@pytest.mark.parametrize(
    ("keep", "expected"),
    [
        ("full", {"ip": "198.51.100.23", "ua": "UA", "loc": "Oslo"}),
        ("truncated", {"ip": "198.51.100.0", "ua": "UA", "loc": "Oslo"}),
        ("none", {}),
    ],
)
def test_the_policy_decides_what_details_keep(keep: str, expected: dict[str, str]) -> None:
    codec = StoreConfig.build(policy=SessionPolicy(client_details=keep)).codec  # type: ignore[arg-type]
    client = ClientInfo(ip="198.51.100.23", user_agent="UA", location="Oslo")
    import json

    assert json.loads(codec.encode_details(client, True)) == expected
    assert json.loads(codec.encode_details(None, False)) == {"remember": False}
    assert codec.encode_details(None, True) == "{}"


def test_bad_details_in_storage_name_the_session() -> None:
    assert from_details("k", {}) == (True, None)
    assert from_details("k", None) == (True, None)
    for bad in ([1], {"remember": "yes"}, {"ip": "nowhere"}):
        with pytest.raises(StoredDataError) as info:
            from_details("k" * 32, bad)
        assert info.value.session_key == "k" * 32


def test_previous_secrets_are_bounded_newest_first() -> None:
    previous = ""
    hashes = [f"{n:064x}" for n in range(PREVIOUS_KEPT + 2)]
    for at, h in enumerate(hashes):
        previous = push_previous(previous, h, 1000 + at)
    assert previous.count(",") == PREVIOUS_KEPT - 1
    assert rotated_at(previous, hashes[-1]) == 1000 + len(hashes) - 1
    assert rotated_at(previous, hashes[-PREVIOUS_KEPT]) == 1000 + len(hashes) - PREVIOUS_KEPT
    assert rotated_at(previous, hashes[0]) is None
    assert rotated_at(previous, hashes[-1][1:] + "0") is None
    assert rotated_at("", hashes[0]) is None and rotated_at("garbage", "x") is None


def test_the_reuse_policy_is_checked() -> None:
    with pytest.raises(ConfigurationError):
        SessionPolicy(client_details="some")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError):
        SessionPolicy(reuse_grace=timedelta(seconds=-1))
    with pytest.raises(ConfigurationError):
        SessionPolicy(revoke_on_reuse=1)  # type: ignore[arg-type]
    policy = SessionPolicy(reuse_grace=timedelta(seconds=30))
    assert not policy.reused(None, 10**6)
    assert not policy.reused(1000, 30_999) and policy.reused(1000, 31_000)


def test_a_browser_session_is_capped_but_a_shorter_lifetime_stays() -> None:
    policy = SessionPolicy(browser_session_ttl=timedelta(hours=2))
    hour = 3_600_000
    assert policy.lifetime_ms(None, remember=False) == 2 * hour
    assert policy.lifetime_ms(timedelta(hours=1), remember=False) == hour
    assert policy.lifetime_ms(timedelta(hours=3), remember=False) == 2 * hour
    with pytest.raises(InvalidSessionDataError):
        policy.lifetime_ms(timedelta(days=31), remember=False)
