"""The Scrapy process of `news-archive crawl`, with a bounded graceful stop."""

from __future__ import annotations

import logging
import os

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings
from scrapy.utils.project import get_project_settings

logger = logging.getLogger(__name__)


def project_settings() -> Settings:
    """The project's settings (``crawler/settings.py`` over Scrapy's defaults)."""
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    return get_project_settings()


class GracefulCrawlerProcess(CrawlerProcess):
    """Scrapy's process (first SIGTERM/SIGINT: stop gracefully, letting downloads in
    flight and extraction finish, and closing every file; second signal: stop at once),
    with a bound on the graceful stop: after ``SHUTDOWN_TIMEOUT`` seconds it is forced,
    as by a second signal, and the next run mends whatever was left open."""

    def _signal_shutdown(self, signum, frame) -> None:
        from twisted.internet import reactor  # the one Scrapy installed

        super()._signal_shutdown(signum, frame)
        timeout = self.settings.getfloat("SHUTDOWN_TIMEOUT", 90)
        reactor.callFromThread(reactor.callLater, timeout, self._force_stop, signum)

    def _force_stop(self, signum) -> None:
        logger.error("The graceful stop took longer than SHUTDOWN_TIMEOUT: forcing it")
        self._signal_kill(signum, None)
