"""A Redis Cluster on loopback for tests: N primaries, optional replicas.

Each node comes from the same provider as a standalone server (a local
binary, or a container on host networking), so the Docker leg runs the
cluster in containers too. Every node's cluster bus port is its port +
10000, hence ports below 55535.
"""

from __future__ import annotations

import contextlib
import secrets
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import redis

from ._processes import wait_until
from ._redis import Endpoint, Unavailable, provision

SLOTS = 16384


def _cluster_args(node_timeout_ms: int) -> list[str]:
    return [
        "--cluster-enabled", "yes",
        "--cluster-config-file", "nodes.conf",
        "--cluster-node-timeout", str(node_timeout_ms),
        # a test cluster answers for the slots it has, even mid-failover
        "--cluster-require-full-coverage", "no",
    ]  # fmt: skip


class LocalCluster:
    """Primaries (and replicas) started from one provider and joined.

    Args:
        provider: ``binary``, ``docker`` or ``auto``.
        primaries: how many primaries (slots split evenly).
        replicas: replicas per primary.
        image: the Docker image for the docker provider.
        node_timeout_ms: cluster-node-timeout (failover detection).

    Raises:
        Unavailable: when the nodes cannot be started or do not form a
            healthy cluster in time.
    """

    def __init__(
        self,
        provider: str = "auto",
        *,
        primaries: int = 3,
        replicas: int = 0,
        image: str | None = None,
        node_timeout_ms: int = 2000,
    ) -> None:
        self.nodes: list[Endpoint] = []
        self.primaries: list[Endpoint] = []
        self.replicas: dict[int, list[Endpoint]] = {}
        # one password for every node: a cluster client uses the same for all,
        # and replicas authenticate to their primary with it
        self.password = secrets.token_urlsafe(16)
        kwargs: dict[str, Any] = {
            "extra_args": _cluster_args(node_timeout_ms),
            "password": self.password,
        }
        if image:
            kwargs["image"] = image
        try:
            for _ in range(primaries * (1 + replicas)):
                self.nodes.append(provision(provider, **kwargs))
            self.primaries = self.nodes[:primaries]
            rest = self.nodes[primaries:]
            for i in range(primaries):
                self.replicas[i] = rest[i * replicas : (i + 1) * replicas]
            self._form(replicas)
        except BaseException:
            self.cleanup()
            raise

    @property
    def url(self) -> str:
        """A startup node URL for ``RedisCluster.from_url``."""
        return self.primaries[0].url

    def port(self, node: Endpoint) -> int:
        return int(node.url.rsplit(":", 1)[1].split("/")[0])

    def client(self, node: Endpoint) -> redis.Redis:
        import redis

        return redis.Redis.from_url(node.url, socket_timeout=5)

    def _form(self, replicas: int) -> None:
        clients = [self.client(node) for node in self.nodes]
        try:
            per = SLOTS // len(self.primaries)
            for i, client in enumerate(clients[: len(self.primaries)]):
                last = SLOTS if i == len(self.primaries) - 1 else (i + 1) * per
                _command(client, "CLUSTER", "ADDSLOTS", *range(i * per, last))
            for node in self.nodes[1:]:
                _command(clients[0], "CLUSTER", "MEET", "127.0.0.1", self.port(node))
            self._wait(lambda: all(_known(c) == len(self.nodes) for c in clients), "meet")
            if replicas:
                ids = [_command(c, "CLUSTER", "MYID", NEVER_DECODE=True).decode() for c in clients]
                for i in range(len(self.primaries)):
                    for replica in self.replicas[i]:
                        client = clients[self.nodes.index(replica)]
                        _command(client, "CLUSTER", "REPLICATE", ids[i])
            self._wait(lambda: all(_state_ok(c) for c in clients), "cluster_state:ok")
            if replicas:
                expected = replicas * len(self.primaries)
                self._wait(lambda: _replica_count(clients[0]) == expected, "replicas attached")
        finally:
            for client in clients:
                client.close()

    def _wait(self, ready: Any, what: str, timeout: float = 30.0) -> None:
        import redis

        def check() -> bool:
            try:
                return bool(ready())
            except redis.RedisError:  # a node still starting or failing over
                return False

        if not wait_until(check, timeout=timeout, interval=0.1):
            raise Unavailable(f"the test cluster did not reach {what} within {timeout}s")

    def wait_healthy(self, timeout: float = 30.0) -> None:
        """Wait until every running node reports cluster_state:ok."""
        running = [self.client(n) for n in self.nodes if _alive(self.client(n))]
        try:
            self._wait(lambda: all(_state_ok(c) for c in running), "cluster_state:ok", timeout)
        finally:
            for client in running:
                client.close()

    def cleanup(self) -> None:
        for node in self.nodes:
            with contextlib.suppress(Exception):
                node.cleanup()


def _command(client: redis.Redis, *args: Any, **options: Any) -> Any:
    return client.execute_command(*args, **options)  # type: ignore[no-untyped-call]


def _known(client: redis.Redis) -> int:
    return len(_command(client, "CLUSTER", "NODES", NEVER_DECODE=True).decode().splitlines())


def _state_ok(client: redis.Redis) -> bool:
    info = _command(client, "CLUSTER", "INFO", NEVER_DECODE=True).decode()
    return "cluster_state:ok" in info


def _replica_count(client: redis.Redis) -> int:
    lines = _command(client, "CLUSTER", "NODES", NEVER_DECODE=True).decode().splitlines()
    return sum(1 for line in lines if "slave" in line.split()[2])


def _alive(client: redis.Redis) -> bool:
    import redis

    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()
