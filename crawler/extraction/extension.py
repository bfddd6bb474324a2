"""The Scrapy extension that turns archived responses into JSONL records during a crawl.

It listens to ``crawler.signals.response_archived`` (sent once a response is in the
WARC file), sends each article candidate to the extraction worker processes
(:mod:`crawler.extraction.processes`), and writes the finished records on the reactor
thread. At ``spider_closed`` it waits for the work in
flight, then merges the run's captures into one record per story
(``OUT/jsonl/<run-id>.jsonl``, see :mod:`crawler.extraction.records`).

Settings:

- ``EXTRACTION_ENABLED`` (default True).
- ``EXTRACTION_JOBS``: worker processes (default 0: see :func:`default_workers`).
- ``EXTRACTION_MAX_IN_FLIGHT``: captures queued in the pool before the engine is
  paused until half of them are done (default 0 = 32 per worker: room for the burst of
  stories that 32 concurrent downloads deliver, ~1 MB each worker): memory stays flat.
- ``ARCHIVE_DIR``, ``ARCHIVE_RUN_ID``: where the JSONL goes and what it is named.

Stats: ``extraction/<outcome>`` per outcome (article, undated, not_article, fallback,
no_body, generic), ``extraction/workers``, ``extraction/errors``, ``extraction/records``,
``extraction/drift``: pages on article URLs where the profile found no story, or no
dateline (layout drift), warned about at close, ``extraction/engine_pauses``: how often
the workers fell behind the downloads, and ``extraction/worker_restarts``: workers that
died and were replaced.
"""

from __future__ import annotations

import logging
from pathlib import Path

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import defer, threads
from twisted.python.failure import Failure

from archive.jsonl import JsonlWriter
from crawler import signals as archive_signals
from crawler.extraction.outcomes import DRIFT_OUTCOMES, FALLBACK, NO_BODY, UNDATED
from crawler.extraction.pool import Capture, Outcome, available_cores, is_candidate
from crawler.extraction.processes import WorkerProcesses
from crawler.extraction.records import finalize_spool, spool_path
from crawler.runs import archive_dir

logger = logging.getLogger(__name__)

#: The most workers one crawl process keeps busy by default: per story it spends about
#: twice the CPU time a worker does (README, "Performance").
MAX_DEFAULT_WORKERS = 2


def default_workers(cores: int) -> int:
    """Workers for a crawl on ``cores`` cores: the crawl's own process needs one core,
    the workers get the others. On two cores a second worker only competed with the
    crawl's process for its core (README, "Performance", has the measurements)."""
    return max(1, min(MAX_DEFAULT_WORKERS, cores - 1))


class ExtractionExtension:
    def __init__(self, crawler, jsonl_path: Path, jobs: int, max_in_flight: int) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.jsonl_path = jsonl_path
        self.jobs = jobs
        self.max_in_flight = max_in_flight
        self.in_flight = 0
        self.paused = False
        self.workers: WorkerProcesses | None = None
        self.writer: JsonlWriter | None = None
        self._drained: defer.Deferred | None = None
        self._drift_examples: list[str] = []

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        if not settings.getbool("EXTRACTION_ENABLED", True):
            raise NotConfigured("EXTRACTION_ENABLED is off")
        run_id = settings.get("ARCHIVE_RUN_ID")
        if not run_id:
            raise NotConfigured("ARCHIVE_RUN_ID is not set")
        jobs = settings.getint("EXTRACTION_JOBS", 0) or default_workers(available_cores())
        max_in_flight = settings.getint("EXTRACTION_MAX_IN_FLIGHT", 0) or 32 * jobs
        path = archive_dir(settings).jsonl_dir / f"{run_id}.jsonl"
        extension = cls(crawler, path, jobs, max_in_flight)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(
            extension.response_archived, signal=archive_signals.response_archived
        )
        return extension

    def spider_opened(self, spider) -> None:
        self.workers = WorkerProcesses(self.jobs, on_restart=self._worker_restarted)
        self.stats.set_value("extraction/workers", self.jobs)
        self.writer = JsonlWriter(spool_path(self.jsonl_path))

    def response_archived(self, response, exchange, record, spider) -> None:
        if self.workers is None or not is_candidate(
            exchange.url, exchange.status, exchange.response_headers, exchange.truncated
        ):
            return
        capture = Capture(
            url=exchange.url,
            status=exchange.status,
            headers=list(exchange.response_headers),
            payload=exchange.payload,
            fetched_at=record.date,
            warc={
                "filename": record.filename,
                "offset": record.offset,
                "length": record.length,
                "record_id": record.record_id,
                "payload_digest": record.payload_digest,
            },
        )
        self._submit(capture)

    def _submit(self, capture: Capture) -> None:
        self.in_flight += 1
        if self.in_flight >= self.max_in_flight and not self.paused:
            self.paused = True
            self.stats.inc_value("extraction/engine_pauses")
            self.crawler.engine.pause()
        self.workers.submit(capture).addBoth(self._finished)

    def _worker_restarted(self) -> None:
        self.stats.inc_value("extraction/worker_restarts")

    def _finished(self, outcome: Outcome | Failure) -> None:
        self.in_flight -= 1
        if isinstance(outcome, Failure):  # extraction raised, or its worker died
            logger.error("extraction failed: %s", outcome.getErrorMessage())
            self.stats.inc_value("extraction/errors")
        else:
            self._record(outcome)
            self.crawler.signals.send_catch_log(
                archive_signals.capture_extracted, url=outcome.url
            )
        if self.paused and self.in_flight <= self.max_in_flight // 2:
            self._resume_engine()
        if self.in_flight == 0 and self._drained is not None:
            drained, self._drained = self._drained, None
            drained.callback(None)

    def _resume_engine(self) -> None:
        """Unpause, and have the engine look for requests now: ``unpause()`` alone waits
        for its next heartbeat (5 s) when every download ended during the pause, which
        stalled the crawl each time the workers fell behind."""
        self.paused = False
        engine = self.crawler.engine
        engine.unpause()
        slot = getattr(engine, "_slot", None)  # Scrapy has no public way to wake it
        if slot is not None:
            slot.nextcall.schedule()

    def _record(self, outcome: Outcome) -> None:
        self.stats.inc_value(f"extraction/{outcome.outcome}")
        if outcome.outcome in DRIFT_OUTCOMES:
            self.stats.inc_value("extraction/drift")
            if len(self._drift_examples) < 5:
                self._drift_examples.append(outcome.url)
        if outcome.record is not None:
            self.writer.write(outcome.record)

    async def spider_closed(self, spider, reason) -> None:
        """Wait for the work in flight, then write the run's JSONL (Scrapy waits too)."""
        if self.workers is None:
            return
        if self.in_flight:
            self._drained = defer.Deferred()
            await maybe_deferred_to_future(self._drained)
        workers, self.workers = self.workers, None
        await maybe_deferred_to_future(workers.close())
        self.writer.close()
        final = await maybe_deferred_to_future(
            threads.deferToThread(finalize_spool, self.writer.path, self.jsonl_path)
        )
        self.stats.set_value("extraction/records", _count_lines(final))
        self.stats.set_value("extraction/jsonl", str(final))
        self._warn_about_drift()

    def _warn_about_drift(self) -> None:
        drift = self.stats.get_value("extraction/drift", 0)
        if not drift:
            return
        articles = self.stats.get_value("extraction/article", 0)
        logger.warning(
            "layout drift: on %d page(s) at article URLs the site profile found no story "
            "or no dateline (generic fallback: %d, no body: %d, no dateline: %d; profile "
            "worked on %d), e.g. %s. "
            "The site may have changed its layout: check crawler/sites/.",
            drift,
            self.stats.get_value(f"extraction/{FALLBACK}", 0),
            self.stats.get_value(f"extraction/{NO_BODY}", 0),
            self.stats.get_value(f"extraction/{UNDATED}", 0),
            articles,
            ", ".join(self._drift_examples),
        )


def _count_lines(path: Path) -> int:
    with open(path, "rb") as lines:
        return sum(1 for _ in lines)
