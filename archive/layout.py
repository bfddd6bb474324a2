"""The layout of an archive directory (a crawl's ``--out``), shared by the archive tools.

::

    DIR/warc/**/*.warc.gz                  WARC files of every run (subfolders: one per worker)
    DIR/jsonl/**/<run-id>.jsonl            article records of every run
    DIR/indexes/warc/<relative name>.cdxj  CDXJ index of one WARC file
    DIR/indexes/index.cdxj                 all of them merged and sorted
    DIR/runs/<run-id>.json                 stats and exit code of every crawl run
    DIR/logs/<run-id>.log                  log of every crawl run
    DIR/state.sqlite3                      crawl state (see archive.state)
    DIR/.lock                              held by the running crawl (see crawler.runs)

A folder without a ``warc/`` subfolder is read as a folder of WARC files itself; a crawl
always writes into ``DIR/warc/``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

#: A file still being written (a WARC file, a JSONL spool) ends in this; renamed at close.
OPEN_SUFFIX = ".open"
WARC_GZ_SUFFIX = ".warc.gz"
WARC_SUFFIXES = (WARC_GZ_SUFFIX, ".warc")
OPEN_WARC_SUFFIX = WARC_GZ_SUFFIX + OPEN_SUFFIX
INDEX_DIR = "indexes"
PER_WARC_DIR = "warc"
MERGED_INDEX = "index.cdxj"
CDXJ_SUFFIX = ".cdxj"
WARC_SUBDIR = "warc"
JSONL_DIR = "jsonl"
STATE_FILE = "state.sqlite3"
LOCK_FILE = ".lock"


@dataclass(frozen=True)
class ArchiveDir:
    """Where an archive directory keeps its WARC files, JSONL files and indexes."""

    root: Path

    @classmethod
    def of_jsonl(cls, path: Path) -> ArchiveDir | None:
        """The archive directory a JSONL file belongs to (``DIR/jsonl/**``), if any."""
        for folder in path.resolve().parents:
            if folder.name == JSONL_DIR:
                return cls(folder.parent)
        return None

    @property
    def warc_dir(self) -> Path:
        nested = self.root / WARC_SUBDIR
        return nested if nested.is_dir() else self.root

    @property
    def crawl_warc_dir(self) -> Path:
        """Where a crawl writes its WARC files (whether or not the folder exists yet)."""
        return self.root / WARC_SUBDIR

    @property
    def runs_dir(self) -> Path:
        return self.root / "runs"

    @property
    def logs_dir(self) -> Path:
        return self.root / "logs"

    @property
    def state_path(self) -> Path:
        return self.root / STATE_FILE

    @property
    def lock_path(self) -> Path:
        return self.root / LOCK_FILE

    @property
    def jsonl_dir(self) -> Path:
        return self.root / JSONL_DIR

    @property
    def index_dir(self) -> Path:
        return self.root / INDEX_DIR

    @property
    def merged_index(self) -> Path:
        return self.index_dir / MERGED_INDEX

    def warc_files(self) -> list[Path]:
        """Every closed WARC file, sorted by name relative to the WARC folder."""
        found = [
            path for path in self.warc_dir.rglob("*")
            if path.name.endswith(WARC_SUFFIXES) and path.is_file()
        ]
        return sorted(found, key=self.warc_name)

    def open_warc_files(self) -> list[Path]:
        """WARC files still being written (``.open``)."""
        return sorted(self.warc_dir.rglob("*" + OPEN_WARC_SUFFIX))

    def open_files(self) -> list[Path]:
        """WARC files and JSONL spools still being written (``.open``): a crawl is running,
        or was killed (the next crawl into the directory mends them)."""
        if not self.jsonl_dir.is_dir():
            return self.open_warc_files()
        return self.open_warc_files() + sorted(self.jsonl_dir.rglob("*.jsonl" + OPEN_SUFFIX))

    def warc_name(self, path: Path) -> str:
        """The name CDXJ lines and pywb use for a WARC: its path below the WARC folder."""
        return path.relative_to(self.warc_dir).as_posix()

    def per_warc_index(self, path: Path) -> Path:
        return self.index_dir / PER_WARC_DIR / (self.warc_name(path) + CDXJ_SUFFIX)

    def jsonl_files(self) -> list[Path]:
        """Every finished JSONL file (``jsonl/**/*.jsonl``; ``.open`` spools excluded)."""
        if not self.jsonl_dir.is_dir():
            return []
        return sorted(self.jsonl_dir.rglob("*.jsonl"))
