"""Finding a real PostgreSQL for tests: an explicit URL, Docker, or a local
server from the ``pgserver`` wheel (PostgreSQL 16, ``pip install``able).

Provisioning order for ``auto``: an explicit URL (never dropped: only this
run's tables are) -> Docker through testcontainers (after probing the
daemon and the image) -> ``pgserver`` -> nothing (the caller skips, or fails
when PostgreSQL is required).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import tempfile
import time
import warnings
from typing import Any, Protocol

from ._processes import free_port, wait_until
from ._redis import Unavailable, docker_problem

DEFAULT_POSTGRES_IMAGE = "authsessions-postgres:local"


class PostgresEndpoint(Protocol):
    """A PostgreSQL the tests can reach (``url``: a SQLAlchemy URL for
    psycopg; ``async_url`` the same for asyncio) and maybe stop."""

    url: str
    async_url: str
    provider: str

    def stop(self, *, kill: bool = False) -> None: ...

    def start(self) -> None: ...

    def signal(self, signum: int) -> None: ...

    def cleanup(self) -> None: ...


def _psycopg_url(url: str) -> str:
    for scheme in ("postgresql+psycopg://", "postgresql://", "postgres://"):
        if url.startswith(scheme):
            return "postgresql+psycopg://" + url[len(scheme) :]
    return url


class UrlPostgres:
    """A PostgreSQL someone else runs: never stopped."""

    provider = "url"

    def __init__(self, url: str) -> None:
        self.url = self.async_url = _psycopg_url(url)

    def stop(self, *, kill: bool = False) -> None:
        raise Unavailable("a PostgreSQL given by --authsessions-postgres-url is not ours to stop")

    def start(self) -> None:
        raise Unavailable("a PostgreSQL given by --authsessions-postgres-url is not ours to start")

    def signal(self, signum: int) -> None:
        raise Unavailable(
            "a PostgreSQL given by --authsessions-postgres-url is not ours to signal"
        )

    def cleanup(self) -> None:
        pass


class BinaryPostgres:
    """A PostgreSQL 16 from the pgserver wheel, on a private unix socket."""

    provider = "binary"

    def __init__(self) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # platformdirs: no XDG_RUNTIME_DIR here
            import pgserver
        self._pgserver = pgserver
        self.dir = tempfile.mkdtemp(prefix="authsessions-pg-")
        self.server = pgserver.get_server(self.dir, cleanup_mode="delete")  # type: ignore[attr-defined]
        self.url = self.async_url = _psycopg_url(self.server.get_uri())

    def _processes(self) -> list[Any]:
        import psutil

        pid = self.server.get_pid()
        if pid is None:
            return []
        parent = psutil.Process(pid)
        return [parent, *parent.children(recursive=True)]

    def stop(self, *, kill: bool = False) -> None:
        if kill:
            for process in self._processes():
                with contextlib.suppress(Exception):
                    process.kill()
            return
        from pgserver._commands import pg_ctl  # type: ignore[attr-defined]

        pg_ctl(["-w", "stop", "-m", "fast"], pgdata=self.server.pgdata,
               user=self.server.system_user)  # fmt: skip

    def start(self) -> None:
        self.server.ensure_postgres_running()
        self.url = self.async_url = _psycopg_url(self.server.get_uri())

    def signal(self, signum: int) -> None:
        """Signal the server and every backend (SIGSTOP hangs it whole)."""
        for process in self._processes():
            with contextlib.suppress(Exception):
                process.send_signal(signum)

    def cleanup(self) -> None:
        with contextlib.suppress(Exception):
            self.signal(signal.SIGCONT)
        with contextlib.suppress(Exception):
            self.server.cleanup()
        shutil.rmtree(self.dir, ignore_errors=True)


class DockerPostgres:
    """PostgreSQL in a container on host networking (loopback only), from
    a local image holding the same binaries and an initialized data folder
    owned by uid 1000 (``.ci/docker-leg`` builds it)."""

    provider = "docker"

    def __init__(self, image: str) -> None:
        os.environ.setdefault("TESTCONTAINERS_RYUK_DISABLED", "true")
        from testcontainers.core.container import DockerContainer

        self.port = free_port()
        self.url = self.async_url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"
        command = [
            "postgres",
            "-D",
            "/data",
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-k",
            "/run/postgresql",  # the image holds it, writable by uid 1000
        ]
        self.container = (
            DockerContainer(image)
            .with_command(command)
            .with_kwargs(network_mode="host", user="1000:1000")
        )
        self.container.start()
        self._wait()

    def _wait(self, timeout: float = 30.0) -> None:
        import psycopg

        def up() -> bool:
            try:
                with psycopg.connect(self.url.replace("+psycopg", ""), connect_timeout=1):
                    return True
            except psycopg.Error:
                return False

        if not wait_until(up, timeout=timeout, interval=0.2):
            raise Unavailable(f"the PostgreSQL container did not answer on port {self.port}")

    def stop(self, *, kill: bool = False) -> None:
        wrapped = self.container.get_wrapped_container()
        wrapped.kill() if kill else wrapped.stop(timeout=5)

    def start(self) -> None:
        self.container.get_wrapped_container().start()
        self._wait()

    def signal(self, signum: int) -> None:
        wrapped = self.container.get_wrapped_container()
        wrapped.pause() if signum == signal.SIGSTOP else wrapped.unpause()

    def cleanup(self) -> None:
        with contextlib.suppress(Exception):
            self.container.stop()


def provision_postgres(
    provider: str, *, url: str | None = None, image: str = DEFAULT_POSTGRES_IMAGE
) -> PostgresEndpoint:
    """Start (or adopt) a PostgreSQL with the given provider.

    Raises:
        Unavailable: with every reason, when no provider could give one.
    """
    reasons = []
    if provider in ("auto", "url"):
        if url:
            return UrlPostgres(url)
        if provider == "url":
            raise Unavailable(
                "--authsessions-postgres-provider=url needs --authsessions-postgres-url"
            )
    if provider in ("auto", "docker"):
        problem = docker_problem(image)
        if problem is None:
            try:
                return DockerPostgres(image)
            except Exception as err:  # in auto mode, fall through to the binary
                problem = f"the container did not start ({type(err).__name__}: {err})"
        reasons.append(f"docker: {problem}")
        if provider == "docker":
            raise Unavailable("; ".join(reasons))
    failures = []
    # initdb has been seen to fail once on a fresh machine when two test
    # workers ran it at the same moment: a fresh directory, a little later,
    # succeeds; a third failure is real
    for attempt in range(3):
        try:
            return BinaryPostgres()
        except ImportError:
            reasons.append("binary: the pgserver wheel is not installed (pip install pgserver)")
            raise Unavailable("; ".join(reasons)) from None
        except Exception as err:
            detail = getattr(err, "stderr", None) or getattr(err, "output", None) or ""
            if isinstance(detail, bytes):
                detail = detail.decode("utf-8", "replace")
            tail = f" [{str(detail).strip()[-300:]}]" if str(detail).strip() else ""
            failures.append(f"{type(err).__name__}: {err}{tail}")
            time.sleep(0.5 * (attempt + 1))
    reasons.append(f"binary: pgserver did not start in 3 tries ({'; '.join(failures)})")
    raise Unavailable("; ".join(reasons))
