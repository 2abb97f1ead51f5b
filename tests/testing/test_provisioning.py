"""authsessions.testing: the helpers and the servers the plugin's fixtures give."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest

from authsessions.testing import free_port


def test_free_port_skips_ports_whose_bus_port_cannot_exist(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the kernel hands out ephemeral ports up to 60999 here: 60999 has no
    # +10000 bus port, and binding one raised OverflowError
    offered: Iterator[int] = iter([60999, 40000])

    class Socket:
        """Binds port 0 to the next offered port, like the kernel would."""

        def __enter__(self) -> Socket:
            return self

        def __exit__(self, *exc: object) -> None:
            pass

        def bind(self, address: tuple[str, int]) -> None:
            port = address[1] or next(offered)
            if not 0 <= port <= 65535:
                raise OverflowError("bind(): port must be 0-65535.")
            self.address = (address[0], port)

        def getsockname(self) -> Any:
            return self.address

    monkeypatch.setattr(socket, "socket", Socket)
    assert free_port() == 40000


# The fixtures, under whichever provider the run chose: `make test` runs
# them on local binaries, CI's Docker leg in containers.


def _expected_provider(config: pytest.Config, option: str) -> set[str]:
    chosen = config.getoption(option)
    return {"binary", "docker"} if chosen in ("auto", "url") else {chosen}


@pytest.mark.redis
def test_the_redis_fixture_answers_and_comes_from_the_chosen_provider(
    redis_server: Any, pytestconfig: pytest.Config
) -> None:
    import redis

    if redis_server.provider != "url":
        assert redis_server.provider in _expected_provider(
            pytestconfig, "--authsessions-redis-provider"
        )
    client = redis.Redis.from_url(redis_server.url)
    try:
        assert client.ping()
    finally:
        client.close()


@pytest.mark.redis
def test_a_dedicated_redis_stops_and_starts_again(
    redis_server_factory: Any, pytestconfig: pytest.Config
) -> None:
    import redis

    server = redis_server_factory()
    assert server.provider in _expected_provider(pytestconfig, "--authsessions-redis-provider")
    client = redis.Redis.from_url(server.url, socket_timeout=2)
    try:
        client.set("kept", "no: persistence is off")
        server.stop(kill=True)
        with pytest.raises(redis.ConnectionError):
            client.ping()
        server.start()
        client.connection_pool.disconnect()
        assert client.ping()
    finally:
        client.close()


@pytest.mark.redis_cluster
def test_the_cluster_fixture_serves_every_slot(redis_cluster: Any) -> None:
    from redis.cluster import RedisCluster

    client = RedisCluster.from_url(redis_cluster.url)
    try:
        info = client.cluster_info()
        assert info["cluster_state"] == "ok"
        assert int(info["cluster_slots_assigned"]) == 16384
    finally:
        client.close()


@pytest.mark.postgres
def test_the_postgres_fixture_answers_and_comes_from_the_chosen_provider(
    postgres_server: Any, pytestconfig: pytest.Config
) -> None:
    import sqlalchemy

    if postgres_server.provider != "url":
        assert postgres_server.provider in _expected_provider(
            pytestconfig, "--authsessions-postgres-provider"
        )
    engine = sqlalchemy.create_engine(postgres_server.url)
    try:
        with engine.connect() as connection:
            version = connection.execute(sqlalchemy.text("SHOW server_version")).scalar()
        assert str(version).split(".")[0].isdigit()
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_a_dedicated_postgres_stops_and_starts_again(postgres_server_factory: Any) -> None:
    import sqlalchemy

    server = postgres_server_factory()

    def one() -> Any:
        engine = sqlalchemy.create_engine(server.url, connect_args={"connect_timeout": 5})
        try:
            with engine.connect() as connection:
                return connection.execute(sqlalchemy.text("SELECT 1")).scalar()
        finally:
            engine.dispose()

    assert one() == 1
    server.stop()
    with pytest.raises(sqlalchemy.exc.OperationalError):
        one()
    server.start()
    assert one() == 1


def test_a_binary_postgres_that_fails_to_start_once_is_tried_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import subprocess
    import time

    from authsessions.testing import Unavailable, _postgres

    attempts: list[int] = []

    class Flaky:
        def __init__(self) -> None:
            attempts.append(1)
            if len(attempts) == 1:
                raise subprocess.CalledProcessError(1, ["initdb"], stderr=b"could not create")

    monkeypatch.setattr(_postgres, "BinaryPostgres", Flaky)
    monkeypatch.setattr(time, "sleep", lambda seconds: None)
    assert isinstance(_postgres.provision_postgres("binary"), Flaky)
    assert len(attempts) == 2

    class Broken:
        def __init__(self) -> None:
            raise subprocess.CalledProcessError(1, ["initdb"], stderr=b"disk full")

    monkeypatch.setattr(_postgres, "BinaryPostgres", Broken)
    with pytest.raises(Unavailable, match=r"3 tries .*disk full"):
        _postgres.provision_postgres("binary")
