"""The embedded redis-server: private, long-lived whichever thread starts
it, honest about who answers, and tidy after hard kills."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest
import redis

from authsessions import EmbeddedRedis, RedisSessions, embedded_redis

pytestmark = pytest.mark.redis


def test_a_server_started_from_a_thread_that_ends_keeps_running() -> None:
    started: list[EmbeddedRedis] = []
    thread = threading.Thread(target=lambda: started.append(EmbeddedRedis().start()))
    thread.start()
    thread.join()
    (server,) = started
    try:
        time.sleep(0.3)  # a parent-death signal would have arrived by now
        assert server.running, "the server died with the thread that started it"
        client = server.client()
        assert client.ping()
        client.close()
    finally:
        server.cleanup()


def test_the_server_requires_its_generated_password() -> None:
    with EmbeddedRedis() as server:
        assert server.password and f":{server.password}@" in server.url
        stranger = redis.Redis(host="127.0.0.1", port=server.port)
        with pytest.raises(redis.AuthenticationError):
            stranger.ping()
        stranger.close()
        with embedded_redis() as client:  # the helper passes the password along
            assert RedisSessions(client).create_session(user_id="u", label="", meta={})


def test_start_never_trusts_another_process_on_its_port() -> None:
    # something else took the port first and answers PING like a Redis
    impostor = socket.socket()
    impostor.bind(("127.0.0.1", 0))
    impostor.listen()
    port = impostor.getsockname()[1]
    stop = threading.Event()

    def answer() -> None:
        impostor.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = impostor.accept()
            except OSError:
                continue
            with conn:
                conn.recv(1024)
                conn.sendall(b"+PONG\r\n+OK\r\n")

    thread = threading.Thread(target=answer, daemon=True)
    thread.start()
    server = EmbeddedRedis(port=port)
    try:
        with pytest.raises(OSError, match=r"exited|not ours|did not answer"):
            server.start(timeout=3)
        assert not server.running
    finally:
        stop.set()
        thread.join()
        impostor.close()
        server.cleanup()


def test_a_hard_killed_owner_leaves_no_server_and_its_folder_is_removed_next_time() -> None:
    code = (
        "from authsessions import EmbeddedRedis\n"
        "server = EmbeddedRedis().start()\n"
        "print(server.dir, server.process.pid, flush=True)\n"
        "import time; time.sleep(60)\n"
    )
    owner = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, start_new_session=True
    )
    assert owner.stdout is not None
    with owner.stdout:
        folder, pid = owner.stdout.readline().split()
    owner.send_signal(signal.SIGKILL)
    owner.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _alive(int(pid)):
        time.sleep(0.05)
    assert not _alive(int(pid)), "the server outlived its killed owner"
    assert Path(folder).exists(), "a hard kill leaves the folder (atexit did not run)"
    with EmbeddedRedis():
        assert not Path(folder).exists(), "the next start removed the stale folder"


def test_a_handle_usable_without_with_for_notebooks() -> None:
    server = EmbeddedRedis()
    assert not server.running and "stopped" in repr(server)
    server.start()
    try:
        assert server.running and server.client().ping()
        assert server.password is not None and server.password not in repr(server)
    finally:
        server.stop()
    assert not server.running
    server.cleanup()
    assert not Path(server.dir).exists()


def test_folders_of_live_processes_are_left_alone() -> None:
    mine = Path(tempfile.mkdtemp(prefix="authsessions-redis-"))
    (mine / "owner.pid").write_text(str(os.getpid()))
    try:
        with EmbeddedRedis():
            assert mine.exists()
    finally:
        mine.joinpath("owner.pid").unlink()
        mine.rmdir()


def _alive(pid: int) -> bool:
    """Running (a zombie nobody reaped yet counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"
