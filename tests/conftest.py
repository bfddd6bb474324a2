"""Shared fixtures: the offline replica as a real `news-archive mirror` subprocess.

- ``start_mirror(**options)``: a factory fixture that
  starts a replica and returns a :class:`MirrorProcess` (``.port``, ``.proxy``,
  ``.stop()``); every replica it started is stopped at teardown. Options are the
  CLI's flags as keywords: ``articles_per_site``, ``seed``, ``epoch``, ``faults``, ``port``.
- ``mirror``: one replica with the default options, shared by the whole session.
- ``load_truth(**options)`` / the ``truth`` fixture: the ground truth of a replica
  with the same options, via ``Network(...).truth()``.

The defaults here (:data:`MIRROR_DEFAULTS`) keep the sites small, so tests stay fast.
"""

from __future__ import annotations

import re
import select
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator

import pytest

MIRROR_DEFAULTS = {"articles_per_site": 12, "seed": 1, "epoch": 0}
ADDRESS_LINE = re.compile(r"http://127\.0\.0\.1:(\d+)/")
STARTUP_SECONDS = 60
STOP_SECONDS = 10


class MirrorProcess:
    """A running `news-archive mirror` subprocess."""

    def __init__(self, **options: object) -> None:
        self.options = {**MIRROR_DEFAULTS, **options}
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 (closed by stop())
        self.process = subprocess.Popen(
            [sys.executable, "-m", "crawler.cli", "mirror", *_cli_flags(self.options)],
            stdout=subprocess.PIPE,
            stderr=self._stderr,
        )
        self.port = self._read_port()
        self.proxy = f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        """The address printed by the server (for direct, Host-header requests)."""
        return self.proxy + "/"

    def stop(self) -> int:
        """SIGTERM the server and wait for it; returns its exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(STOP_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process.stdout.close()
        self._stderr.close()
        return self.process.returncode

    def stderr_text(self) -> str:
        self._stderr.seek(0)
        return self._stderr.read().decode("utf-8", "replace")

    def _read_port(self) -> int:
        deadline = time.monotonic() + STARTUP_SECONDS
        ready, _, _ = select.select([self.process.stdout], [], [], STARTUP_SECONDS)
        line = self.process.stdout.readline().decode() if ready else ""
        match = ADDRESS_LINE.search(line)
        if match is None:
            timed_out = time.monotonic() >= deadline
            self.process.kill()
            self.process.wait()
            stderr = self.stderr_text()
            self.stop()
            raise RuntimeError(
                f"news-archive mirror did not start ({'timeout' if timed_out else 'exited'}): "
                f"stdout {line!r}, stderr {stderr!r}"
            )
        return int(match[1])


def _cli_flags(options: dict[str, object]) -> list[str]:
    flags = []
    for name, value in options.items():
        flag = "--" + name.replace("_", "-")
        if value is True:
            flags.append(flag)
        elif value is not False and value is not None:
            flags.extend([flag, str(value)])
    return flags


def load_truth(
    articles_per_site: int = MIRROR_DEFAULTS["articles_per_site"],
    seed: int = MIRROR_DEFAULTS["seed"],
    epoch: int = MIRROR_DEFAULTS["epoch"],
    **options: object,
) -> list[dict]:
    """Ground truth of the replica a ``start_mirror(**options)`` call would serve."""
    from mirror.network import Network

    options.pop("port", None)
    network = Network(seed=seed, articles_per_site=articles_per_site, epoch=epoch, **options)
    return list(network.truth())


@pytest.fixture
def start_mirror() -> Iterator[Callable[..., MirrorProcess]]:
    started: list[MirrorProcess] = []

    def start(**options: object) -> MirrorProcess:
        mirror = MirrorProcess(**options)
        started.append(mirror)
        return mirror

    yield start
    for mirror in started:
        mirror.stop()


@pytest.fixture(scope="session")
def mirror() -> Iterator[MirrorProcess]:
    server = MirrorProcess()
    yield server
    server.stop()


@pytest.fixture
def truth() -> Callable[..., list[dict]]:
    """``truth(articles_per_site=..., seed=..., epoch=...)`` -> the truth lines."""
    return load_truth
