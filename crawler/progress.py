"""A progress line every few seconds (Scrapy's LogStats says something once a minute).

Settings: ``PROGRESS_INTERVAL`` (seconds, default 5; 0 turns it off) and
``PROGRESS_BAR`` (default True: on a terminal, the line is also redrawn in place on
stderr with ``\\r``; never when stderr is a file or a pipe, as under cron).

The line (also written once more when the run ends) counts pages archived (and per
second, since the previous line), JSONL lines written for new and changed stories,
stories kept from earlier runs, requests waiting in the scheduler, and errors (downloads
without a response, pages given up on).
"""

from __future__ import annotations

import logging
import sys
import time
from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.exceptions import NotConfigured
from twisted.internet import task

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

BAR_WIDTH = 20


class ProgressReport:
    def __init__(self, crawler: Crawler, interval: float, bar: bool) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.interval = interval
        self.bar = bar
        self.started = self.last_time = time.monotonic()
        self.last_pages = 0
        self.loop: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ProgressReport:
        interval = crawler.settings.getfloat("PROGRESS_INTERVAL", 5.0)
        if interval <= 0:
            raise NotConfigured("PROGRESS_INTERVAL is 0")
        bar = crawler.settings.getbool("PROGRESS_BAR", True) and sys.stderr.isatty()
        extension = cls(crawler, interval, bar)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self, spider) -> None:
        self.started = self.last_time = time.monotonic()
        self.loop = task.LoopingCall(self.report)
        self.loop.start(self.interval, now=False)

    def spider_closed(self, spider, reason) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        self.report()  # the last word, however short the run
        if self.bar:
            sys.stderr.write("\n")
            sys.stderr.flush()

    def report(self) -> None:
        line = self.line()
        logger.info("progress: %s", line)
        if self.bar:
            sys.stderr.write(f"\r{self.bar_text()} {line}"[:200])
            sys.stderr.flush()

    def line(self) -> str:
        get = self.stats.get_value
        pages = get("archive/responses", 0)
        now = time.monotonic()
        rate = (pages - self.last_pages) / max(now - self.last_time, 1e-3)
        self.last_pages, self.last_time = pages, now
        elapsed = now - self.started
        stories = sum(get(f"stories/{kind}", 0) for kind in ("new", "changed", "new_copies"))
        errors = get("archive/no_response", 0) + get("spider/gave_up", 0)
        return (
            f"{pages} pages ({rate:.1f}/s), {stories} new/changed stories, "
            f"{get('state/kept/story', 0)} kept, {self.queued()} queued, "
            f"{errors} errors, {elapsed:.0f} s"
        )

    def bar_text(self) -> str:
        pages = self.stats.get_value("archive/responses", 0)
        total = pages + self.queued()
        done = BAR_WIDTH * pages // total if total else 0
        return "[" + "#" * done + "." * (BAR_WIDTH - done) + "]"

    def queued(self) -> int:
        """URLs waiting: in the scheduler (Scrapy has no public accessor) and in the
        spider's frontier (:mod:`crawler.frontier`)."""
        slot = getattr(self.crawler.engine, "_slot", None)
        scheduler = getattr(slot, "scheduler", None)
        frontier = getattr(self.crawler.spider, "frontier", ())
        try:
            return len(frontier) + (len(scheduler) if scheduler is not None else 0)
        except TypeError:
            return len(frontier)
