"""Helpers of the crawl tests: run the real `news-archive crawl` CLI against the replica
and read back what it wrote with warcio (independently of archive/'s own reader)."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from scrapy import signals
from warcio.archiveiterator import ArchiveIterator

from mirror.process import REPLICA_SETTINGS as REPLICA_POLITENESS
from mirror.process import setting_args

#: Politeness limits lifted for the local replica only (never the defaults), as `-s`
#: arguments; 8 requests per host, as the suite's timings were set with.
REPLICA_SETTINGS = tuple(setting_args({**REPLICA_POLITENESS, "CONCURRENT_REQUESTS_PER_DOMAIN": 8}))
CRAWL_TIMEOUT_SECONDS = 240
HTTP_RECORD_TYPES = ("request", "response", "revisit")


class SchedulerPeak:
    """Test extension: the most requests Scrapy's scheduler held, as stat
    ``test/scheduler_peak`` (read through the engine's private slot: Scrapy has no
    public accessor)."""

    def __init__(self, crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler) -> SchedulerPeak:
        probe = cls(crawler)
        crawler.signals.connect(probe.request_scheduled, signal=signals.request_scheduled)
        return probe

    def request_scheduled(self, request, spider) -> None:
        waiting = len(self.crawler.engine._slot.scheduler)
        self.crawler.stats.max_value("test/scheduler_peak", waiting)


@dataclass
class Record:
    """One WARC record, loaded whole: enough to check it field by field."""

    path: Path
    offset: int
    type: str
    headers: dict[str, str]
    status_line: str | None = None
    http_headers: list[tuple[str, str]] = field(default_factory=list)
    payload: bytes = b""

    @property
    def uri(self) -> str:
        return self.headers.get("WARC-Target-URI", "")

    @property
    def host(self) -> str:
        return urlsplit(self.uri).hostname or ""

    @property
    def status(self) -> int:
        return int(self.status_line.split(" ", 2)[1])

    def http_header(self, name: str) -> str | None:
        values = self.http_header_values(name)
        return values[0] if values else None

    def http_header_values(self, name: str) -> list[str]:
        return [v for k, v in self.http_headers if k.lower() == name.lower()]


@dataclass
class CrawlRun:
    out: Path
    result: subprocess.CompletedProcess
    records: list[Record]

    @property
    def warc_files(self) -> list[Path]:
        return sorted((self.out / "warc").glob("*.warc.gz"))

    def of_type(self, record_type: str) -> list[Record]:
        return [r for r in self.records if r.type == record_type]

    def responses_for(self, url: str) -> list[Record]:
        return [r for r in self.of_type("response") if r.uri == url]

    def exchanges_for(self, url: str) -> list[Record]:
        """Every answer archived for ``url``: full records and revisits, in order."""
        return [r for r in self.records if r.type in ("response", "revisit") and r.uri == url]


def run_crawl_cli(out: Path, *args: str, timeout: float = CRAWL_TIMEOUT_SECONDS) -> CrawlRun:
    """`news-archive crawl --out OUT ARGS...` as a subprocess; its WARC records read back."""
    result = subprocess.run(
        [sys.executable, "-m", "crawler.cli", "crawl", "--out", str(out), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    records = [r for path in sorted((out / "warc").glob("*.warc.gz")) for r in read_warc(path)]
    return CrawlRun(out, result, records)


def read_warc(path: Path) -> list[Record]:
    records = []
    with path.open("rb") as stream:
        iterator = ArchiveIterator(stream)
        for record in iterator:
            payload = record.raw_stream.read()  # before get_record_offset(), which skips it
            loaded = Record(
                path, iterator.get_record_offset(), record.rec_type,
                dict(record.rec_headers.headers), payload=payload,
            )
            if record.http_headers is not None and record.rec_type in HTTP_RECORD_TYPES:
                loaded.status_line = record.http_headers.protocol + " " + (
                    record.http_headers.statusline
                )
                loaded.http_headers = list(record.http_headers.headers)
            records.append(loaded)
    return records
