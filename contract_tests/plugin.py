"""pytest plugin: Redis provisioning options, markers and fixtures.

Registered through the ``pytest11`` entry point, so installing the
distribution is enough. It loads no Hypothesis profile: contract profiles
are applied to the contract's own tests only.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from . import _settings
from ._cluster import LocalCluster
from ._namespaces import NAMESPACE_ROOT
from ._provision import (
    DEFAULT_DOCKER_IMAGE,
    PROVIDERS,
    Endpoint,
    Unavailable,
    provision,
    remove_namespace,
)


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() not in ("", "0", "false", "no")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("authsessions", "authsessions contract and Redis provisioning")
    group.addoption(
        "--redis-url",
        default=os.environ.get("AUTHSESSIONS_TEST_REDIS_URL"),
        help="use this Redis (never flushed; only this run's namespaces are removed)",
    )
    group.addoption(
        "--redis-provider",
        choices=PROVIDERS,
        default="auto",
        help="where Redis comes from: auto (url, then docker, then binary), url, docker, binary",
    )
    group.addoption(
        "--require-redis",
        action="store_true",
        default=_truthy(os.environ.get("CI")),
        help="fail, instead of skip, when no Redis can be provisioned (default on when CI is set)",
    )
    group.addoption(
        "--redis-cluster-url",
        default=os.environ.get("AUTHSESSIONS_TEST_REDIS_CLUSTER_URL"),
        help="use this Redis Cluster (a startup node URL; never flushed)",
    )
    group.addoption(
        "--redis-docker-image",
        default=DEFAULT_DOCKER_IMAGE,
        help="local image holding redis-server, for --redis-provider=docker",
    )
    group.addoption(
        "--contract-profile",
        choices=sorted(_settings.PROFILES),
        default=None,
        help=f"Hypothesis profile of the contract suite (else ${_settings.PROFILE_ENV}, else dev)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "redis: needs a real Redis server (see --redis-provider)")
    config.addinivalue_line("markers", "redis_cluster: needs a real Redis Cluster")
    _settings.OPTION_PROFILE = config.getoption("--contract-profile", None)


def _unavailable(config: pytest.Config, reason: str) -> None:
    message = f"no Redis available: {reason}"
    if config.getoption("--require-redis"):
        pytest.fail(message + " (--require-redis is on, as it is whenever CI is set)")
    pytest.skip(message)


def _provision(config: pytest.Config, **kwargs: Any) -> Endpoint:
    try:
        return provision(
            config.getoption("--redis-provider"),
            url=config.getoption("--redis-url"),
            image=config.getoption("--redis-docker-image"),
            **kwargs,
        )
    except (Unavailable, OSError) as err:
        _unavailable(config, str(err))
        raise  # unreachable: _unavailable always raises


@pytest.fixture(scope="session")
def redis_server(pytestconfig: pytest.Config) -> Iterator[Endpoint]:
    """A standalone Redis for the whole test session (``.url``, ``.provider``)."""
    endpoint = _provision(pytestconfig)
    try:
        yield endpoint
    finally:
        if endpoint.provider == "url":
            import redis

            client = redis.Redis.from_url(endpoint.url)
            try:
                remove_namespace(client, NAMESPACE_ROOT)
            finally:
                client.close()
        endpoint.cleanup()


class ClusterEndpoint:
    """An existing cluster given by --redis-cluster-url."""

    provider = "url"

    def __init__(self, url: str) -> None:
        self.url = url

    def cleanup(self) -> None:
        pass


def _start_cluster(config: pytest.Config, **kwargs: Any) -> Any:
    provider = config.getoption("--redis-provider")
    try:
        return LocalCluster(
            "auto" if provider == "url" else provider,
            image=config.getoption("--redis-docker-image"),
            **kwargs,
        )
    except (Unavailable, OSError) as err:
        _unavailable(config, str(err))
        raise


@pytest.fixture(scope="session")
def redis_cluster(pytestconfig: pytest.Config) -> Iterator[Any]:
    """A Redis Cluster of 3 primaries on loopback for the whole session
    (``.url`` is a startup node), or the one at ``--redis-cluster-url``."""
    url = pytestconfig.getoption("--redis-cluster-url")
    cluster: Any = ClusterEndpoint(url) if url else _start_cluster(pytestconfig, primaries=3)
    try:
        yield cluster
    finally:
        if url:
            from redis.cluster import RedisCluster

            client = RedisCluster.from_url(url)
            try:
                for key in list(client.scan_iter(match=NAMESPACE_ROOT + "*")):
                    client.unlink(key)
            finally:
                client.close()
        cluster.cleanup()


@pytest.fixture
def redis_cluster_factory(pytestconfig: pytest.Config) -> Iterator[Callable[..., Any]]:
    """Start dedicated clusters a test may break (``primaries=``,
    ``replicas=``, ``node_timeout_ms=``); all are removed after the test."""
    started: list[Any] = []

    def start(**kwargs: Any) -> Any:
        cluster = _start_cluster(pytestconfig, **kwargs)
        started.append(cluster)
        return cluster

    yield start
    for cluster in started:
        cluster.cleanup()


@pytest.fixture
def redis_server_factory(pytestconfig: pytest.Config) -> Iterator[Callable[..., Endpoint]]:
    """Start dedicated Redis servers (binary or Docker) that a test may stop,
    kill and restart; all are removed after the test.

    Call it as ``redis_server_factory(extra_args=[...], provider="binary")``;
    the provider defaults to ``--redis-provider`` (``url`` means ``auto``).
    """
    started: list[Endpoint] = []

    def start(*, provider: str | None = None, **kwargs: Any) -> Endpoint:
        # a dedicated server is never the one at --redis-url: tests stop it
        chosen = provider or pytestconfig.getoption("--redis-provider")
        if chosen == "url":
            chosen = "auto"
        try:
            endpoint = provision(
                chosen, image=pytestconfig.getoption("--redis-docker-image"), **kwargs
            )
        except (Unavailable, OSError) as err:
            _unavailable(pytestconfig, str(err))
            raise
        started.append(endpoint)
        return endpoint

    yield start
    for endpoint in started:
        endpoint.cleanup()
