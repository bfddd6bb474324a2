"""robots.txt's ``Crawl-delay``, which Scrapy parses but never applies.

A host whose robots.txt asks for a crawl delay gets its requests started at least that
many seconds apart, whatever the download delay, its jitter and AutoThrottle would
make of it; a delay beyond ``ROBOTSTXT_CRAWL_DELAY_MAX`` seconds (default 60) is
capped there, with a warning, so one host cannot stall the run (Heritrix caps it the
same way). The delay read is the one for ``ROBOTSTXT_USER_AGENT``.

The floor is laid on the host's download slot when the request reaches the downloader
(a slot is made again after it idles) and again after each response, after
AutoThrottle, which would otherwise lower it (this extension connects its handlers
after AutoThrottle's: extensions are set up in priority order).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.utils.httpobj import urlparse_cached

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.robotstxt import RobotParser

logger = logging.getLogger(__name__)


class RobotsCrawlDelay:
    def __init__(self, crawler: Crawler, user_agent: str, max_delay: float) -> None:
        self.crawler = crawler
        self.user_agent = user_agent
        self.max_delay = max_delay
        self.floors: dict[str, float] = {}  # host -> seconds between request starts

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RobotsCrawlDelay:
        settings = crawler.settings
        extension = cls(crawler, settings.get("ROBOTSTXT_USER_AGENT") or "*",
                        settings.getfloat("ROBOTSTXT_CRAWL_DELAY_MAX", 60.0))
        crawler.signals.connect(extension.robots_parsed, signal=signals.robots_parsed)
        crawler.signals.connect(extension.keep_floor, signal=signals.request_reached_downloader)
        crawler.signals.connect(extension.keep_floor, signal=signals.response_downloaded)
        return extension

    def robots_parsed(self, robotparser: RobotParser, request: Request) -> None:
        read = getattr(robotparser, "crawl_delay", None)  # Protego's parser has it
        delay = read(self.user_agent) if read else None
        if not delay or delay <= 0:
            return
        host = urlparse_cached(request).hostname or ""
        if delay > self.max_delay:
            logger.warning("robots.txt of %s asks for a crawl delay of %g s: %g s kept "
                           "(ROBOTSTXT_CRAWL_DELAY_MAX)", host, delay, self.max_delay)
        self.floors[host] = min(delay, self.max_delay)
        self.crawler.stats.set_value(f"robotstxt/crawl_delay/{host}", self.floors[host])

    def keep_floor(self, request: Request, **_: object) -> None:
        floor = self.floors.get(urlparse_cached(request).hostname or "")
        if floor is None:
            return
        downloader = self.crawler.engine.downloader
        slot = downloader.slots.get(downloader.get_slot_key(request))
        if slot is not None:
            slot.delay = max(slot.delay, floor)
            slot.jitter = 0.0  # a jittered delay would go below the floor
