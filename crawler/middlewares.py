"""Small downloader middlewares of the crawler: User-Agent, proxy, retries with backoff,
an unreachable robots.txt, failed downloads."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.downloadermiddlewares.retry import RetryMiddleware, get_retry_request
from scrapy.downloadermiddlewares.useragent import UserAgentMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet import task

from crawler.handlers import STALLED_FLAG

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


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's RetryMiddleware, with a pause before each retry.

    Responses whose body was cut short by the connection breaking are retried too
    (each attempt is archived, marked ``WARC-Truncated: disconnect``).

    The pause doubles with each retry of a request (``RETRY_BACKOFF_BASE`` seconds,
    then twice that..., at most ``RETRY_BACKOFF_MAX``); a ``Retry-After`` header on a
    429 or 503 answer (seconds or an HTTP date) is honoured, up to ``RETRY_AFTER_MAX``
    seconds. The pause happens in this middleware, so only the retried request waits.
    """

    DELAY_KEY = "retry_delay"
    RETRY_AFTER_STATUSES = frozenset({429, 503})

    def __init__(self, settings: BaseSettings) -> None:
        super().__init__(settings)
        self.backoff_base = settings.getfloat("RETRY_BACKOFF_BASE", 1.0)
        self.backoff_max = settings.getfloat("RETRY_BACKOFF_MAX", 60.0)
        self.retry_after_max = settings.getfloat("RETRY_AFTER_MAX", 120.0)

    async def process_request(self, request: Request) -> None:
        delay = request.meta.pop(self.DELAY_KEY, 0)
        if delay > 0:
            from twisted.internet import reactor

            await maybe_deferred_to_future(task.deferLater(reactor, delay, lambda: None))

    def process_response(self, request: Request, response: Response):
        result = super().process_response(request, response)
        if result is response and self._cut_short(request, response):
            reason = STALLED_FLAG if STALLED_FLAG in response.flags else "dataloss"
            result = get_retry_request(request, spider=self.crawler.spider,
                                       reason=reason) or response
        if result is not response:
            retry_after = None
            if response.status in self.RETRY_AFTER_STATUSES:
                retry_after = retry_after_seconds(response.headers.get(b"Retry-After"))
            self._delay(result, retry_after)
        return result

    def process_exception(self, request: Request, exception: Exception):
        result = super().process_exception(request, exception)
        if result is not None:
            self._delay(result, None)
        return result

    @staticmethod
    def _cut_short(request: Request, response: Response) -> bool:
        """The connection broke, or the body stalled, before the body's end
        (``DOWNLOAD_FAIL_ON_DATALOSS`` is off so that the part is archived): worth
        another try, like a reset before any answer. A body cut at ``DOWNLOAD_MAXSIZE``
        is not."""
        cut = "dataloss" in response.flags or STALLED_FLAG in response.flags
        return cut and not request.meta.get("dont_retry", False)

    def _delay(self, retry: Request, retry_after: float | None) -> None:
        attempt = retry.meta.get("retry_times", 1)
        delay = min(self.backoff_max, self.backoff_base * 2 ** (attempt - 1))
        if retry_after is not None:
            delay = max(delay, min(retry_after, self.retry_after_max))
        retry.meta[self.DELAY_KEY] = delay
        logger.info("Retrying %s in %.1f s (attempt %d)", retry.url, delay, attempt + 1)


def retry_after_seconds(value: bytes | None) -> float | None:
    """A Retry-After header in seconds (delta-seconds or HTTP date), or None if absent
    or unreadable."""
    if not value:
        return None
    text = value.decode("latin-1").strip()
    if text.isdigit():
        return float(text)
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - datetime.now(UTC)).total_seconds())


class UnreachableRobotsTxt:
    """A robots.txt the server could not give (a 5xx or 429 answer after the retries, or
    no answer at all) means "disallow everything" (RFC 9309, 2.3.1.3-4), where Scrapy
    reads an error page as rules (none: crawl everything) or crawls on without rules.

    Sits below the retries, so a passing failure is retried first, and hands Scrapy's
    robots.txt middleware a disallow-all answer instead. The real exchange is archived
    as it came (the capture sees it before any middleware); the host's pages are left
    for the next run, and the log, the stats (``robotstxt/unreachable``) and the
    summary say so.
    """

    DISALLOW_ALL = b"User-agent: *\nDisallow: /\n"

    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> UnreachableRobotsTxt:
        return cls(crawler.stats)

    def process_response(self, request: Request, response: Response) -> Response:
        if _is_robots_request(request) and (response.status >= 500 or response.status == 429):
            return self._disallow_all(request, f"HTTP {response.status}")
        return response

    def process_exception(self, request: Request, exception: BaseException) -> Response | None:
        if _is_robots_request(request) and not isinstance(exception, IgnoreRequest):
            return self._disallow_all(request, type(exception).__name__)
        return None

    def _disallow_all(self, request: Request, why: str) -> Response:
        self.stats.inc_value("robotstxt/unreachable")
        logger.warning("robots.txt unreachable (%s): %s: nothing of its host is fetched in "
                       "this run (RFC 9309)", why, request.url)
        return TextResponse(request.url, status=200, body=self.DISALLOW_ALL,
                            encoding="utf-8", request=request)


def _is_robots_request(request: Request) -> bool:
    """The request Scrapy's robots.txt middleware makes for a host's rules."""
    return (request.meta.get("dont_obey_robotstxt", False)
            and urlparse_cached(request).path == "/robots.txt")


class PlainCompressedResponse:
    """Runs just before HttpCompressionMiddleware: a still-compressed text response
    becomes a plain Response. Otherwise that middleware's ``Response.replace()`` infers
    the encoding of the gzip bytes (charset detection, ~8 ms a page) whenever the
    Content-Type names no charset, only to throw the result away. The WARC capture has
    already seen the exchange, so nothing archived changes."""

    def process_response(self, request: Request, response: Response) -> Response:
        if not isinstance(response, TextResponse) or b"Content-Encoding" not in response.headers:
            return response
        return Response(
            response.url, status=response.status, headers=response.headers,
            body=response.body, flags=response.flags, request=response.request,
            certificate=response.certificate, ip_address=response.ip_address,
            protocol=response.protocol,
        )


def _without_traceback(record: logging.LogRecord) -> bool:
    """A logging filter keeping the record's message and dropping its traceback."""
    record.exc_info = record.exc_text = None
    return True


class DownloadFailureLogger:
    """Log every download that ended without a response (timeout, reset, size limit,
    refused connection), with its reason, and count them by kind in the stats.

    Sits next to the downloader so it sees each attempt, retried ones included; such
    exchanges leave nothing to archive, so the log and stats are their only record.
    """

    #: Scrapy's robots.txt middleware logs a failed robots.txt download with a full
    #: traceback; this logger has already said why, in one line.
    ROBOTS_LOGGER = "scrapy.downloadermiddlewares.robotstxt"

    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DownloadFailureLogger:
        middleware = cls(crawler.stats)
        robots = logging.getLogger(cls.ROBOTS_LOGGER)
        robots.addFilter(_without_traceback)
        crawler.signals.connect(lambda: robots.removeFilter(_without_traceback),
                                signal=signals.engine_stopped, weak=False)
        return middleware

    def process_exception(self, request: Request, exception: BaseException) -> None:
        if isinstance(exception, IgnoreRequest):  # robots.txt or offsite: never sent
            return
        kind = type(exception).__name__
        self.stats.inc_value("archive/no_response")
        self.stats.inc_value(f"archive/no_response/{kind}")
        logger.warning("No response for %s: %s: %s", request.url, kind, exception or "-")
