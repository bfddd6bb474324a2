"""scrapy-redis's scheduler with leases, a shared run and a bounded idle.

:class:`LeasedScheduler` keeps scrapy-redis's shared priority queue and seen-set
(``RFPDupeFilter``) and changes what happens around them:

- ``next_request`` leases the request (:class:`~crawler.distributed.leases.LeaseBook`)
  instead of popping it. The lease is released when Scrapy is done with the request:
  its response archived and its callback's requests queued, or its failure handed to
  the errback; a retry or redirect is queued before the lease of the request it
  replaces is released. A page whose article record is still being extracted keeps its
  lease until the JSONL line is written (:data:`crawler.signals.capture_extracted`).
  While the worker lives it renews its leases; every worker requeues expired ones.
- A run is shared by all workers: the seen-set is kept while the queue or any lease
  holds work (``SCHEDULER_PERSIST`` is forced on, so stopping the last worker leaves
  the queue for the next one) and cleared by the first worker that finds both empty,
  which starts a new run (home pages, listings and feeds are fetched again).
- A worker with nothing to do waits while other workers hold leases (their pages may
  yield more links, or their leases may expire) and finishes once queue and leases are
  empty: it never idles forever.

Settings: ``DISTRIBUTED_LEASE_SECONDS`` (default 60; a killed worker's requests return
to the queue after at most this long), ``DISTRIBUTED_POLL_SECONDS`` (default 1: how
often an idle worker looks at the queue and expired leases are requeued),
``DISTRIBUTED_WORKER_ID`` (for the log), and scrapy-redis's ``REDIS_URL``,
``SCHEDULER_QUEUE_KEY``, ``SCHEDULER_DUPEFILTER_KEY``.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from typing import TYPE_CHECKING

from redis.exceptions import RedisError
from scrapy import signals
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy_redis.scheduler import Scheduler
from twisted.internet import task

from crawler import signals as archive_signals
from crawler.distributed.leases import Lease, LeaseBook

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class _FinishedRequests(set):
    """The engine's set of requests in progress, telling us when one leaves it: that is
    the one moment Scrapy is done with a request, whatever became of it."""

    def __init__(self, items, on_finished) -> None:
        super().__init__(items)
        self.on_finished = on_finished

    def remove(self, request) -> None:
        super().remove(request)
        self.on_finished(request)


class LeasedScheduler(Scheduler):
    crawler: Crawler
    leases: LeaseBook

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> LeasedScheduler:
        scheduler = super().from_crawler(crawler)
        settings = crawler.settings
        scheduler.crawler = crawler
        scheduler.persist = True
        scheduler.lease_seconds = settings.getfloat("DISTRIBUTED_LEASE_SECONDS", 60.0)
        scheduler.poll_seconds = settings.getfloat("DISTRIBUTED_POLL_SECONDS", 1.0)
        scheduler.worker_id = settings.get("DISTRIBUTED_WORKER_ID", "")
        scheduler.waits_for_extraction = settings.getbool("EXTRACTION_ENABLED", True)
        scheduler._held: dict[Request, Lease] = {}
        scheduler._extracting: Counter[str] = Counter()
        scheduler._parked: dict[str, list[Lease]] = {}
        scheduler._last_renewal = 0.0
        scheduler._loop = task.LoopingCall(scheduler._tick)
        return scheduler

    # -- life cycle ------------------------------------------------------------------

    def open(self, spider: Spider) -> None:
        super().open(spider)
        self.leases = LeaseBook(self.server, self.queue.key, self.lease_seconds)
        self.leases.requeue_expired()
        if self.leases.start_run_if_idle(self.df.key):
            logger.info("Worker %s starts a new run (queue empty)", self.worker_id)
        else:
            logger.info(
                "Worker %s joins the run: %d request(s) queued, %d leased",
                self.worker_id, len(self.queue), self.leases.count(),
            )
        slot = self.crawler.engine._slot  # the only way to learn when a request is done
        slot.inprogress = _FinishedRequests(slot.inprogress, self._request_finished)
        connect = self.crawler.signals.connect
        connect(self._response_archived, signal=archive_signals.response_archived)
        connect(self._capture_extracted, signal=archive_signals.capture_extracted)
        connect(self._spider_closed, signal=signals.spider_closed)
        self._loop.start(self.poll_seconds, now=False)

    def close(self, reason: str) -> None:
        if self._loop.running:
            self._loop.stop()
        super().close(reason)

    async def _spider_closed(self, spider: Spider, reason: str) -> None:
        """Give the extraction in flight time to finish (it drains at spider_closed
        too, releasing what it parked); what is still parked after that had an
        extraction error and will never be recorded: release it."""
        from twisted.internet import reactor  # the one Scrapy installed

        deadline = time.monotonic() + self.lease_seconds / 2
        while self._parked and time.monotonic() < deadline:
            await maybe_deferred_to_future(task.deferLater(reactor, 0.1, lambda: None))
        for leases in self._parked.values():
            for lease in leases:
                self.leases.release(lease)
        self._parked.clear()

    # -- queue -----------------------------------------------------------------------

    def next_request(self) -> Request | None:
        lease = self.leases.take()
        if lease is None:
            return None
        try:
            request = self.queue._decode_request(lease.data)
        except Exception:  # e.g. its callback is gone from the spider: it never will decode
            logger.exception("Dropping a queued request that cannot be decoded")
            self.leases.release(lease)
            return None
        self._held[request] = lease
        if self.stats:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def enqueue_request(self, request: Request) -> bool:
        """scrapy-redis's, without the ``spider`` argument Scrapy 2.13+ deprecates."""
        if not request.dont_filter and self.df.request_seen(request):
            self.df.log(request, self.spider)
            return False
        if self.stats:
            self.stats.inc_value("scheduler/enqueued/redis")
        self.queue.push(request)
        return True

    def has_pending_requests(self) -> bool:
        """Work is pending while anything is queued or another worker holds a lease."""
        own = len(self._held) + sum(len(leases) for leases in self._parked.values())
        return len(self.queue) > 0 or self.leases.count() > own

    # -- leases ----------------------------------------------------------------------

    def _request_finished(self, request: Request) -> None:
        lease = self._held.pop(request, None)
        if lease is None:  # robots.txt and other downloads not taken from the queue
            return
        if self._extracting.get(request.url):
            self._parked.setdefault(request.url, []).append(lease)
        else:
            self.leases.release(lease)
            self._count("released")

    def _response_archived(self, response, exchange, record, spider) -> None:
        from crawler.extraction.pool import is_candidate

        if self.waits_for_extraction and is_candidate(
            exchange.url, exchange.status, exchange.response_headers, exchange.truncated
        ):
            self._extracting[exchange.url] += 1

    def _capture_extracted(self, url: str) -> None:
        self._extracting[url] -= 1
        if self._extracting[url] > 0:
            return
        del self._extracting[url]
        for lease in self._parked.pop(url, []):
            self.leases.release(lease)
            self._count("released")

    def _tick(self) -> None:
        """Every ``DISTRIBUTED_POLL_SECONDS``: renew our leases, requeue expired ones,
        and wake the engine: work may have appeared in the queue, or the last leases of
        the run may have gone (then the engine finds itself idle and closes)."""
        try:
            self._keep_leases()
        except RedisError as error:  # keep ticking: the next tick may reach Redis again
            logger.warning("Could not renew or requeue leases: %s", error)
        # Scrapy has no public way to wake the engine (private API, looked up with care:
        # without it the engine's own 5-second heartbeat finds the work, only later).
        nextcall = getattr(getattr(self.crawler.engine, "_slot", None), "nextcall", None)
        if nextcall is not None:
            nextcall.schedule()

    def _keep_leases(self) -> None:
        now = time.monotonic()
        if now - self._last_renewal >= self.lease_seconds / 3:
            held = [*self._held.values(), *(x for xs in self._parked.values() for x in xs)]
            self.leases.renew(held)
            self._last_renewal = now
        requeued = self.leases.requeue_expired()
        if requeued:
            logger.warning("Requeued %d request(s) whose lease expired", requeued)
            self._count("requeued", requeued)

    def _count(self, what: str, count: int = 1) -> None:
        if self.stats:
            self.stats.inc_value(f"distributed/leases/{what}", count)
