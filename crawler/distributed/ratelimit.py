"""A per-host request rate shared by every worker of a crawl, kept in Redis.

:class:`SharedHostRateLimit` (a downloader middleware) books a time slot for each
request before it is sent: one Redis key per host holds the next free slot, and a Lua
script hands out slots ``1 / DISTRIBUTED_HOST_RATE`` seconds apart, on the Redis
server's clock. The request then waits for its slot. However many workers there are,
a host gets at most ``DISTRIBUTED_HOST_RATE`` requests per second from all of them
together (Scrapy's own ``DOWNLOAD_DELAY`` and AutoThrottle still apply per worker, on
top). ``DISTRIBUTED_HOST_RATE = 0`` turns the shared limit off.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from scrapy_redis.connection import get_redis_from_settings
from twisted.internet import task

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler

#: KEYS[1] the host's key; ARGV[1] the interval in microseconds. Returns the wait in µs.
_BOOK_SLOT = """
local now = redis.call('TIME')
local now_us = tonumber(now[1]) * 1000000 + tonumber(now[2])
local free = tonumber(redis.call('GET', KEYS[1]) or 0)
local slot = math.max(now_us, free)
local interval = tonumber(ARGV[1])
local ttl_ms = math.floor((slot - now_us + interval) / 1000) + 1000
redis.call('SET', KEYS[1], string.format('%.0f', slot + interval), 'PX', ttl_ms)
return slot - now_us
"""


class SharedHostRateLimit:
    def __init__(self, server, key_prefix: str, rate: float) -> None:
        self.key_prefix = key_prefix
        self.interval_us = round(1_000_000 / rate)
        self._book_slot = server.register_script(_BOOK_SLOT)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SharedHostRateLimit:
        settings = crawler.settings
        rate = settings.getfloat("DISTRIBUTED_HOST_RATE", 1.0)
        if rate <= 0 or not settings.get("REDIS_URL"):
            raise NotConfigured("no shared host rate limit")
        prefix = settings.get("DISTRIBUTED_KEY_PREFIX", "news-archive")
        return cls(get_redis_from_settings(settings), f"{prefix}:host-rate", rate)

    async def process_request(self, request: Request) -> None:
        host = urlparse_cached(request).hostname or ""
        wait_us = self._book_slot(keys=[f"{self.key_prefix}:{host}"], args=[self.interval_us])
        if wait_us > 0:
            from twisted.internet import reactor  # the one Scrapy installed

            await maybe_deferred_to_future(task.deferLater(reactor, wait_us / 1e6, lambda: None))
