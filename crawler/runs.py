"""Run ids and the layout of an output directory.

One output directory (``--out``, setting ``ARCHIVE_DIR``) collects every run of a cron
job::

    OUT/warc/   WARC files of every run (``<prefix>-<UTC stamp>-<serial>-<host>.warc.gz``)
    OUT/runs/   one stats/summary file per run, named after the run id
    OUT/logs/   one log file per run, named after the run id
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings


def new_run_id(now: datetime | None = None) -> str:
    """A UTC timestamp with microseconds and the process id: sortable, unique per run."""
    now = now or datetime.now(UTC)
    return f"{now:%Y%m%dT%H%M%S%fZ}-{os.getpid()}"


@dataclass(frozen=True)
class OutputLayout:
    """Where a run's outputs go inside ``root``."""

    root: Path

    @property
    def warc_dir(self) -> Path:
        return self.root / "warc"

    @property
    def runs_dir(self) -> Path:
        return self.root / "runs"

    @property
    def logs_dir(self) -> Path:
        return self.root / "logs"

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> OutputLayout:
        return cls(Path(settings.get("ARCHIVE_DIR") or "archive-out"))

