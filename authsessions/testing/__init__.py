"""Real servers and a fake clock for tests, notebooks and analyses.

- ``FakeClock``: a clock that moves only when told to (forward, or
  back like an NTP step); every store takes it as ``clock=``.
- Redis: ``provision`` (an explicit URL, a container, or a local
  ``redis-server`` binary), ``LocalCluster`` (N primaries and
  replicas on loopback), ``remove_namespace``.
- PostgreSQL: ``provision_postgres`` (a URL, a container, or the
  server of the ``pgserver`` wheel).
- Processes: ``free_port``, ``wait_until``.

The pytest plugin's fixtures (``redis_server``, ``redis_cluster``,
``postgres_server`` and their ``_factory`` forms) are built on these. The
contract suite (``contract_tests``) is the specification and holds none of
this. Importing this module needs nothing beyond the standard library;
the Redis and PostgreSQL provisioners import their drivers when called.
"""

from ._clock import FakeClock
from ._cluster import LocalCluster
from ._postgres import DEFAULT_POSTGRES_IMAGE, PostgresEndpoint, provision_postgres
from ._processes import free_port, wait_until
from ._redis import (
    DEFAULT_DOCKER_IMAGE,
    PROVIDERS,
    Endpoint,
    Unavailable,
    provision,
    remove_namespace,
)

__all__ = [
    "DEFAULT_DOCKER_IMAGE",
    "DEFAULT_POSTGRES_IMAGE",
    "Endpoint",
    "FakeClock",
    "LocalCluster",
    "PROVIDERS",
    "PostgresEndpoint",
    "Unavailable",
    "free_port",
    "provision",
    "provision_postgres",
    "remove_namespace",
    "wait_until",
]
