"""The pytest plugin (``pytest11`` entry point ``authsessions``): options,
markers and fixtures for real servers in tests.

It is loaded into every pytest run of every project that has authsessions
installed, so it imports nothing beyond pytest and the standard library:
the contract suite (``contract_tests``, which needs Hypothesis) is imported
by a fixture only when a test uses one. Its module name cannot be shadowed
by a project's own ``contract_tests`` package. Disable it with
``-p no:authsessions``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest

PROFILE_ENV = "AUTHSESSIONS_CONTRACT_PROFILE"
PROVIDERS = ("auto", "url", "docker", "binary")
DEFAULT_DOCKER_IMAGE = "authsessions-redis:local"

# the contract's own modules are rewritten like test modules, so a failing
# rule shows the values it compared (also in editable installs, where
# pytest cannot find the distribution's files to do it by itself)
pytest.register_assert_rewrite("contract_tests")


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() not in ("", "0", "false", "no")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("authsessions", "authsessions contract and server provisioning")
    group.addoption(
        "--authsessions-redis-url",
        default=os.environ.get("AUTHSESSIONS_TEST_REDIS_URL"),
        help="use this Redis (never flushed; only this run's namespaces are removed)",
    )
    group.addoption(
        "--authsessions-redis-provider",
        choices=PROVIDERS,
        default="auto",
        help="where Redis comes from: auto (url, then docker, then binary), url, docker, binary",
    )
    group.addoption(
        "--authsessions-require-redis",
        action="store_true",
        default=_truthy(os.environ.get("CI")),
        help="fail, instead of skip, when no Redis can be provisioned (default on when CI is set)",
    )
    group.addoption(
        "--authsessions-redis-cluster-url",
        default=os.environ.get("AUTHSESSIONS_TEST_REDIS_CLUSTER_URL"),
        help="use this Redis Cluster (a startup node URL; never flushed)",
    )
    group.addoption(
        "--authsessions-redis-docker-image",
        default=DEFAULT_DOCKER_IMAGE,
        help="local image holding redis-server, for --authsessions-redis-provider=docker",
    )
    group.addoption(
        "--authsessions-postgres-url",
        default=os.environ.get("AUTHSESSIONS_TEST_POSTGRES_URL"),
        help="use this PostgreSQL (only this run's tables are dropped)",
    )
    group.addoption(
        "--authsessions-postgres-provider",
        choices=PROVIDERS,
        default="auto",
        help="where PostgreSQL comes from: auto (url, docker, then the pgserver wheel), url, "
        "docker, binary",
    )
    group.addoption(
        "--authsessions-require-postgres",
        action="store_true",
        default=_truthy(os.environ.get("CI")),
        help="fail, instead of skip, when no PostgreSQL can be provisioned (default on when CI "
        "is set)",
    )
    group.addoption(
        "--authsessions-postgres-docker-image",
        default="authsessions-postgres:local",
        help="local image holding PostgreSQL, for --authsessions-postgres-provider=docker",
    )
    group.addoption(
        "--authsessions-contract-profile",
        choices=["dev", "ci", "exhaustive"],
        default=None,
        help=f"Hypothesis profile of the contract suite (sets ${PROFILE_ENV} for the run)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "redis: needs a real Redis server (see --authsessions-redis-provider)"
    )
    config.addinivalue_line("markers", "redis_cluster: needs a real Redis Cluster")
    config.addinivalue_line(
        "markers", "postgres: needs a real PostgreSQL (see --authsessions-postgres-provider)"
    )
    profile = config.getoption("--authsessions-contract-profile", None)
    if profile:
        os.environ[PROFILE_ENV] = profile


def _unavailable(config: pytest.Config, what: str, reason: str, flag: str) -> None:
    message = f"no {what} available: {reason}"
    if config.getoption(flag):
        pytest.fail(f"{message} ({flag} is on, as it is whenever CI is set)")
    pytest.skip(message)


def _provision(config: pytest.Config, **kwargs: Any) -> Any:
    from authsessions import testing

    try:
        return testing.provision(
            config.getoption("--authsessions-redis-provider"),
            url=config.getoption("--authsessions-redis-url"),
            image=config.getoption("--authsessions-redis-docker-image"),
            **kwargs,
        )
    except (testing.Unavailable, OSError) as err:
        _unavailable(config, "Redis", str(err), "--authsessions-require-redis")
        raise  # unreachable: _unavailable always raises


@pytest.fixture(scope="session")
def redis_server(pytestconfig: pytest.Config) -> Iterator[Any]:
    """A standalone Redis for the whole test session (``.url``, ``.provider``)."""
    endpoint = _provision(pytestconfig)
    try:
        yield endpoint
    finally:
        if endpoint.provider == "url":
            import redis

            from authsessions.testing import remove_namespace
            from contract_tests import NAMESPACE_ROOT

            client = redis.Redis.from_url(endpoint.url)
            try:
                remove_namespace(client, NAMESPACE_ROOT)
            finally:
                client.close()
        endpoint.cleanup()


class ClusterEndpoint:
    """An existing cluster given by --authsessions-redis-cluster-url."""

    provider = "url"

    def __init__(self, url: str) -> None:
        self.url = url

    def cleanup(self) -> None:
        pass


def _start_cluster(config: pytest.Config, **kwargs: Any) -> Any:
    from authsessions import testing

    provider = config.getoption("--authsessions-redis-provider")
    try:
        return testing.LocalCluster(
            "auto" if provider == "url" else provider,
            image=config.getoption("--authsessions-redis-docker-image"),
            **kwargs,
        )
    except (testing.Unavailable, OSError) as err:
        _unavailable(config, "Redis", str(err), "--authsessions-require-redis")
        raise


@pytest.fixture(scope="session")
def redis_cluster(pytestconfig: pytest.Config) -> Iterator[Any]:
    """A Redis Cluster of 3 primaries on loopback for the whole session
    (``.url`` is a startup node), or the one at ``--authsessions-redis-cluster-url``."""
    url = pytestconfig.getoption("--authsessions-redis-cluster-url")
    cluster: Any = ClusterEndpoint(url) if url else _start_cluster(pytestconfig, primaries=3)
    try:
        yield cluster
    finally:
        if url:
            from redis.cluster import RedisCluster

            from contract_tests import NAMESPACE_ROOT

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
def redis_server_factory(pytestconfig: pytest.Config) -> Iterator[Callable[..., Any]]:
    """Start dedicated Redis servers (binary or Docker) that a test may stop,
    kill and restart; all are removed after the test.

    Call it as ``redis_server_factory(extra_args=[...], provider="binary")``;
    the provider defaults to ``--authsessions-redis-provider`` (``url`` means ``auto``).
    """
    from authsessions import testing

    started: list[Any] = []

    def start(*, provider: str | None = None, **kwargs: Any) -> Any:
        # a dedicated server is never the one at --authsessions-redis-url: tests stop it
        chosen = provider or pytestconfig.getoption("--authsessions-redis-provider")
        if chosen == "url":
            chosen = "auto"
        try:
            endpoint = testing.provision(
                chosen, image=pytestconfig.getoption("--authsessions-redis-docker-image"), **kwargs
            )
        except (testing.Unavailable, OSError) as err:
            _unavailable(pytestconfig, "Redis", str(err), "--authsessions-require-redis")
            raise
        started.append(endpoint)
        return endpoint

    yield start
    for endpoint in started:
        endpoint.cleanup()


def _provision_postgres(config: pytest.Config) -> Any:
    from authsessions import testing

    try:
        return testing.provision_postgres(
            config.getoption("--authsessions-postgres-provider"),
            url=config.getoption("--authsessions-postgres-url"),
            image=config.getoption("--authsessions-postgres-docker-image"),
        )
    except (testing.Unavailable, OSError) as err:
        _unavailable(config, "PostgreSQL", str(err), "--authsessions-require-postgres")
        raise


@pytest.fixture(scope="session")
def postgres_server(pytestconfig: pytest.Config) -> Iterator[Any]:
    """A PostgreSQL for the whole test session (``.url`` and ``.async_url``:
    SQLAlchemy URLs for psycopg)."""
    endpoint = _provision_postgres(pytestconfig)
    try:
        yield endpoint
    finally:
        endpoint.cleanup()


@pytest.fixture
def postgres_server_factory(pytestconfig: pytest.Config) -> Iterator[Callable[[], Any]]:
    """Start dedicated PostgreSQL servers a test may stop, kill and hang;
    all are removed after the test (``url`` mode falls back to auto)."""
    from authsessions import testing

    started: list[Any] = []

    def start() -> Any:
        chosen = pytestconfig.getoption("--authsessions-postgres-provider")
        try:
            endpoint = testing.provision_postgres(
                "auto" if chosen == "url" else chosen,
                image=pytestconfig.getoption("--authsessions-postgres-docker-image"),
            )
        except (testing.Unavailable, OSError) as err:
            _unavailable(pytestconfig, "PostgreSQL", str(err), "--authsessions-require-postgres")
            raise
        started.append(endpoint)
        return endpoint

    yield start
    for endpoint in started:
        endpoint.cleanup()
