"""The Django example end to end with Django's test client (CSRF tokens
checked), on every sync store: the same journey as the FastAPI and Flask
examples'."""

from __future__ import annotations

from typing import Any

from tests.django.fixtures import PAGE, https_client, log_in, post, token
from tests.examples.journeys import store_follows_the_environment


def test_the_browser_journey(store: Any) -> None:
    laptop, phone = https_client(), https_client()
    assert laptop.get("/").headers["Location"] == "/login"
    assert 'name="password"' in laptop.get("/login").content.decode()
    token(laptop)
    wrong = post(laptop, "/login", {"username": "alice", "password": "wrong"})
    assert wrong.status_code == 401 and b"Wrong user or password" in wrong.content
    odd = post(laptop, "/login", {"username": "alice", "password": "wönderland"})
    assert odd.status_code == 401  # not a 500
    response = log_in(laptop)
    assert response.status_code == 303
    assert response.headers["Location"] == "/account/devices"
    assert log_in(phone, next="//evil.test/").headers["Location"] == "/account/devices"
    page = laptop.get("/account/devices", headers=PAGE).content.decode()
    assert page.count("<tr data-key=") == 2 and page.count("this device") == 1
    assert laptop.get("/").headers["Location"] == "/account/devices"
    moved = post(laptop, "/account/logout-everywhere")
    assert moved.status_code == 303 and moved.headers["Location"] == "/account/devices"
    gone = phone.get("/account/devices", headers=PAGE)
    assert gone.status_code == 303
    assert gone.headers["Location"] == "/login?next=/account/devices"
    assert (
        laptop.get("/account/devices", headers=PAGE).content.decode().count("<tr data-key=") == 1
    )
    out = post(laptop, "/account/logout")
    assert out.headers["Location"] == "/login"
    assert laptop.get("/api/me").status_code == 401


def test_the_json_endpoints(store: Any) -> None:
    client = https_client()
    assert client.get("/api/me").status_code == 401
    log_in(client, "bob", agent="Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0")
    assert client.get("/api/me").json()["user"] == "bob"
    (device,) = client.get("/api/sessions").json()
    assert device["current"] and device["label"] == "Firefox on Linux"
    assert device["ip"] == "127.0.0.1"


def test_revoking_another_device_from_the_page(store: Any) -> None:
    laptop, phone = https_client(), https_client()
    log_in(laptop)
    log_in(phone)
    phone_key = phone.get("/api/me").json()["session_key"]
    assert post(laptop, f"/account/devices/{phone_key}/revoke").status_code == 303
    assert phone.get("/api/me").status_code == 401
    assert laptop.get("/api/me").status_code == 200


def test_the_store_follows_the_environment(monkeypatch: Any, tmp_path: Any) -> None:
    from authsessions.examples.django_site.sessions import store

    store_follows_the_environment(store, monkeypatch, tmp_path)
