"""The replica in a subprocess (``news-archive mirror``), for the demo, the benchmarks
and the tests: started on a free port of 127.0.0.1, stopped with SIGTERM."""

from __future__ import annotations

import re
import select
import signal
import subprocess
import sys
import tempfile
import time

#: Politeness lifted for crawls of the replica only (it is ours, on loopback); never the
#: crawler's defaults. Through a proxy every host shares one connection pool, sized by
#: CONCURRENT_REQUESTS_PER_DOMAIN: lower than CONCURRENT_REQUESTS, connections are closed
#: and reopened all the time.
REPLICA_SETTINGS: dict[str, object] = {
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_DELAY": 0,
    "CONCURRENT_REQUESTS": 32,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 32,
    "ROBOTSTXT_OBEY": True,
}

#: The one line the server prints on stdout once it listens.
ADDRESS_LINE = re.compile(r"http://127\.0\.0\.1:(\d+)/")
STARTUP_SECONDS = 60
STOP_SECONDS = 10


class MirrorProcess:
    """A running replica: ``.port``, ``.proxy`` (``http://127.0.0.1:PORT``), ``.stop()``.

    ``options`` are the command's flags as keywords (``articles_per_site=40``,
    ``epoch=1``, ``faults=True``); the port is any free one unless ``port`` is given.
    Its stderr is kept (:meth:`stderr_text`). Usable as a context manager.
    """

    def __init__(self, **options: object) -> None:
        self.options = options
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 (closed by stop())
        self.process = subprocess.Popen(
            [sys.executable, "-m", "crawler.cli", "mirror", *cli_flags(options)],
            stdout=subprocess.PIPE,
            stderr=self._stderr,
        )
        self.port = self._read_port()
        self.proxy = f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> MirrorProcess:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The address printed by the server (for direct, Host-header requests)."""
        return self.proxy + "/"

    @property
    def pid(self) -> int:
        return self.process.pid

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


def setting_args(settings: dict[str, object]) -> list[str]:
    """``{"DOWNLOAD_DELAY": 0}`` -> ``["-s", "DOWNLOAD_DELAY=0"]``, for a crawl command."""
    return [arg for name, value in settings.items() for arg in ("-s", f"{name}={value}")]


def cli_flags(options: dict[str, object]) -> list[str]:
    """``{"articles_per_site": 5, "faults": True}`` -> ``--articles-per-site 5 --faults``."""
    flags = []
    for name, value in options.items():
        flag = "--" + name.replace("_", "-")
        if value is True:
            flags.append(flag)
        elif value is not False and value is not None:
            flags.extend([flag, str(value)])
    return flags
