"""Helpers of the archive-tools tests: a real crawl of the replica with the real CLI, the
`news-archive` tools run as subprocesses, and small surgeries on WARC files."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.crawl_fixtures import REPLICA_SETTINGS

VENV_BIN = Path(sys.executable).parent
CRAWL_TIMEOUT_SECONDS = 240
TOOL_TIMEOUT_SECONDS = 120


@dataclass(frozen=True)
class CrawledArchive:
    """An archive directory after one or more crawl runs."""

    root: Path
    run_ids: list[str]

    @property
    def warc_files(self) -> list[Path]:
        return sorted((self.root / "warc").glob("*.warc.gz"))

    def jsonl(self, run_id: str | None = None) -> Path:
        return self.root / "jsonl" / f"{run_id or self.run_ids[-1]}.jsonl"

    def articles(self, run_id: str | None = None) -> list[dict]:
        """The run's article records ([] if it wrote no JSONL file: nothing new)."""
        if not self.jsonl(run_id).is_file():
            return []
        with self.jsonl(run_id).open(encoding="utf-8") as lines:
            return [json.loads(line) for line in lines if line.strip()]


    def copy(self, root: Path) -> CrawledArchive:
        """A copy of the archive at ``root``, to change without touching this one."""
        shutil.copytree(self.root, root)
        return CrawledArchive(root, list(self.run_ids))


#: The shared crawl of each replica (by proxy address): pytest runs a fixture imported
#: into several test modules once per module, the crawl must run once per session.
_SHARED_CRAWLS: dict[str, CrawledArchive] = {}


@pytest.fixture(scope="session")
def shared_crawl(mirror, tmp_path_factory) -> CrawledArchive:
    """One crawl of the session's replica, shared by the tools tests (import this fixture
    into a test module). Never change it: work on ``shared_crawl.copy(tmp_path / ...)``."""
    if mirror.proxy not in _SHARED_CRAWLS:
        root = tmp_path_factory.mktemp("tools-crawl") / "out"
        archive = CrawledArchive(root, [crawl(root, mirror.proxy)])
        assert len(archive.articles()) >= 2, "the first crawl must extract stories"
        _SHARED_CRAWLS[mirror.proxy] = archive
    return _SHARED_CRAWLS[mirror.proxy]


def crawl(out: Path, proxy: str, *extra: str) -> str:
    """Crawl the replica at ``proxy`` into ``out`` with `news-archive crawl` (politeness
    limits lifted for the local replica only); returns the run id."""
    runs_dir = out / "runs"
    before = set(runs_dir.glob("*.json")) if runs_dir.is_dir() else set()
    result = subprocess.run(
        [sys.executable, "-m", "crawler.cli", "crawl", "--proxy", proxy, "--out", str(out),
         *REPLICA_SETTINGS, "-s", "LOG_LEVEL=WARNING", *extra],
        capture_output=True, text=True, timeout=CRAWL_TIMEOUT_SECONDS,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    (stats,) = set(runs_dir.glob("*.json")) - before
    return stats.stem


def tool(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """`news-archive ARGS...` as a subprocess."""
    return subprocess.run(
        [sys.executable, "-m", "crawler.cli", *map(str, args)],
        capture_output=True, text=True, timeout=TOOL_TIMEOUT_SECONDS, cwd=cwd,
    )


def members(path: Path) -> list[tuple[int, bytes]]:
    """(offset, raw gzip bytes) of every gzip member of a WARC file."""
    data = path.read_bytes()
    found, offset = [], 0
    while offset < len(data):
        decompressor = zlib.decompressobj(zlib.MAX_WBITS + 16)
        decompressor.decompress(data[offset:])
        end = len(data) - len(decompressor.unused_data)
        found.append((offset, data[offset:end]))
        offset = end
    return found


def member_content(member: bytes) -> bytes:
    """The decompressed record of a raw gzip member."""
    return zlib.decompress(member, zlib.MAX_WBITS + 16)


def record_type(member: bytes) -> str:
    """The WARC-Type of a raw gzip member."""
    head = member_content(member).split(b"\r\n\r\n", 1)[0]
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"warc-type":
            return value.strip().decode()
    raise AssertionError("member without WARC-Type")


def gzip_member(content: bytes) -> bytes:
    compressor = zlib.compressobj(6, zlib.DEFLATED, zlib.MAX_WBITS + 16)
    return compressor.compress(content) + compressor.flush()


def damage_mid_file(warc: Path) -> int:
    """Overwrite the gzip header of the WARC file's third record, as a bad disk block
    would; returns its offset."""
    offset = members(warc)[2][0]
    data = bytearray(warc.read_bytes())
    data[offset:offset + 4] = b"XXXX"
    warc.write_bytes(bytes(data))
    return offset
