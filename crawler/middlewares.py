"""Small downloader middlewares of the crawler: User-Agent, proxy, failed downloads."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.downloadermiddlewares.useragent import UserAgentMiddleware
from scrapy.exceptions import IgnoreRequest

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)


def user_agent(settings: BaseSettings) -> str:
    """``USER_AGENT`` with its ``{version}`` and ``{contact_url}`` filled in."""
    return settings.get("USER_AGENT", "").format(
        version=settings.get("TOOL_VERSION", ""), contact_url=settings.get("CONTACT_URL", "")
    )


class ContactUserAgentMiddleware(UserAgentMiddleware):
    """Scrapy's User-Agent middleware, with ``{version}`` and ``{contact_url}`` in
    ``USER_AGENT`` filled in, so ``-s CONTACT_URL=...`` changes the User-Agent too."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ContactUserAgentMiddleware:
        middleware = cls(user_agent(crawler.settings))
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        return middleware


class FixedProxyMiddleware:
    """Send every request through ``PROXY_URL`` (when set) by setting ``meta["proxy"]``;
    Scrapy's HttpProxyMiddleware (which runs after this one) does the rest."""

    def __init__(self, proxy_url: str) -> None:
        self.proxy_url = proxy_url

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FixedProxyMiddleware:
        return cls(crawler.settings.get("PROXY_URL") or "")

    def process_request(self, request: Request) -> None:
        if self.proxy_url and "proxy" not in request.meta:
            request.meta["proxy"] = self.proxy_url


class DownloadFailureLogger:
    """Log every download that ended without a response (timeout, reset, size limit,
    refused connection), with its reason, and count them by kind in the stats.

    Sits next to the downloader so it sees each attempt, retried ones included; such
    exchanges leave nothing to archive, so the log and stats are their only record.
    """

    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DownloadFailureLogger:
        return cls(crawler.stats)

    def process_exception(self, request: Request, exception: BaseException) -> None:
        if isinstance(exception, IgnoreRequest):  # robots.txt or offsite: never sent
            return
        kind = type(exception).__name__
        self.stats.inc_value("archive/no_response")
        self.stats.inc_value(f"archive/no_response/{kind}")
        logger.warning("No response for %s: %s: %s", request.url, kind, exception or "-")
