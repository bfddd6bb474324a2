"""Runs of a cron job: run ids, the lock on an output directory, exit codes, and each
run's stats file (``DIR/runs/<run id>.json``).

An output directory (``--out``, setting ``ARCHIVE_DIR``) collects every run; its layout
is :class:`archive.layout.ArchiveDir`.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from archive.layout import ArchiveDir

if TYPE_CHECKING:
    import sqlite3

    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)

#: Exit codes of ``news-archive crawl`` (sysexits.h where one fits).
EXIT_OK = 0
EXIT_FAILED = 1
EXIT_PARTIAL = 2
EXIT_USAGE = 64
EXIT_LOCKED = 75  # EX_TEMPFAIL: try again later

EXIT_CODES_HELP = """\
exit codes:
  0   the crawl ran to its end (pages that failed after retries are in the stats)
  1   failure: nothing more could be archived (disk full, unexpected error), no
      download got any response (site, network or --proxy down), or no page sent to
      extraction became a record (its workers could not start or kept dying)
  2   partial: stopped early by SIGTERM/SIGINT; the next run picks up the rest
  64  usage error (bad option or setting)
  75  try later: another crawl holds the lock on DIR, or the --redis server does not
      answer; nothing was done
"""


def new_run_id() -> str:
    """A UTC timestamp with microseconds and the process id: sortable, unique per run."""
    return f"{datetime.now(UTC):%Y%m%dT%H%M%S%fZ}-{os.getpid()}"


#: ``finish_reason`` of a run whose stats file the next run found unfinished.
KILLED = "killed"


def write_run_stats(path: Path, stats: dict[str, Any]) -> None:
    """Write a run's stats file whole or not at all (a kill mid-write leaves the old one)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(stats, indent=2, sort_keys=True, default=str) + "\n")
    os.replace(tmp, path)


def started_stats(run_id: str, log_file: Path, stats_file: Path) -> dict[str, Any]:
    """The stats file of a run that has started and not ended (``finish_reason`` null):
    written first and replaced at the end, so a run killed in between (SIGKILL, power
    loss, the OOM killer) still has one."""
    return {
        "run_id": run_id, "pid": os.getpid(), "start_time": datetime.now(UTC),
        "log_file": str(log_file), "stats_file": str(stats_file),
        "exit_code": None, "finish_reason": None,
        "summary": {"exit_code": None, "finish_reason": None},
    }


def mark_killed_runs(layout: ArchiveDir, current_run: str) -> list[str]:
    """Mark the runs whose stats files say they never ended as ``killed``; returns their
    ids. Only for the holder of the directory's lock: no other run can be going on."""
    killed = []
    for path in sorted(layout.runs_dir.glob("*.json")):
        try:
            stats = json.loads(path.read_text())
        except (OSError, ValueError) as error:
            logger.warning("Unreadable stats file %s: %s", path, error)
            continue
        if stats.get("finish_reason") is not None or stats.get("run_id") == current_run:
            continue
        stats.update(finish_reason=KILLED, found_killed_by=current_run)
        stats["summary"] = {**stats.get("summary", {}), "finish_reason": KILLED}
        write_run_stats(path, stats)
        killed.append(stats.get("run_id", path.stem))
    return killed


def archive_dir(settings: BaseSettings) -> ArchiveDir:
    """The output directory a crawl configured with ``settings`` writes into."""
    return ArchiveDir(Path(settings.get("ARCHIVE_DIR") or "archive-out"))


def stop_on_write_error(crawler: Crawler, error: OSError | sqlite3.Error) -> None:
    """A write failed (disk full: a WARC or JSONL file, or the state store): record it
    and close the spider, once. What was written stays whole (the writers cut a partial
    record back)."""
    from scrapy.utils.defer import _schedule_coro  # the CLI imports this module: no Scrapy

    if crawler.stats.get_value("archive/write_error"):
        return  # already stopping
    crawler.stats.set_value("archive/write_error", str(error))
    logger.error("Stopping the crawl: %s", error)
    _schedule_coro(crawler.engine.close_spider_async(reason="archive_write_error"))


class DirectoryLocked(RuntimeError):
    """Another process holds the lock on the output directory."""


class OutputLock:
    """An exclusive ``flock`` on ``DIR/.lock`` for the whole run.

    The kernel releases it when the process ends, however it ends (SIGKILL included),
    so there is never a stale lock to clean up. The file holds the pid of the holder,
    for the message the next run prints. A process that already holds the lock
    (``news-archive crawl`` takes it before Scrapy starts; the crawl's capture takes it
    again, for ``scrapy crawl``) acquires it again without effect.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 64).decode("ascii", "replace").strip() or "?"
            os.close(fd)
            if holder == str(os.getpid()):  # held by this very process
                return
            raise DirectoryLocked(
                f"{self.path.parent} is in use by another crawl (pid {holder}); "
                "nothing done, exiting"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor drops the flock
            self._fd = None

    def __enter__(self) -> OutputLock:
        self.acquire()
        return self

    def __exit__(self, *exc_info) -> None:
        self.release()
