"""Extraction off the crawl's thread: picklable captures, worker processes.

The crawl (``ExtractionExtension``) and ``news-archive extract`` both turn an archived
response into a :class:`Capture`, run :func:`process_capture` on it in a worker
process and get back an :class:`Outcome` holding the finished JSONL record, if any.
The crawl's workers are driven by its reactor (:mod:`crawler.extraction.processes`);
``news-archive extract`` has no reactor and uses :func:`make_pool`. Either kind of
worker imports trafilatura once, in :func:`prepare_worker`.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from crawler.sites import spacedaily as profile

_HTML_TYPES = ("text/html", "application/xhtml+xml")


@dataclass(frozen=True)
class Capture:
    """An archived response, as the extractor needs it (payload still content-encoded)."""

    url: str
    status: int
    headers: list[tuple[str, str]]
    payload: bytes
    fetched_at: datetime
    warc: dict  # filename, offset, length, record_id, payload_digest


@dataclass(frozen=True)
class Outcome:
    """What one capture became: ``record`` is None unless it was an article."""

    url: str
    outcome: str
    record: dict | None
    reason: str | None


def is_candidate(url: str, status: int, headers: list[tuple[str, str]],
                 truncated: str | None = None) -> bool:
    """Cheap test on the crawl's thread: could this response be an article page?

    Non-200 answers, non-HTML, truncated payloads and network URLs that are not
    article URLs (home pages, listings, feeds, images) are never sent to a worker.
    """
    return not_a_candidate(url, status, headers, truncated) is None


def not_a_candidate(url: str, status: int, headers: list[tuple[str, str]],
                    truncated: str | None = None) -> str | None:
    """Why the response cannot be an article page, or None if it may be one."""
    if status != 200:
        return f"status {status}"
    if truncated:
        return f"truncated ({truncated})"
    content_type = header_value(headers, "content-type")
    if content_type and content_type.split(";")[0].strip().lower() not in _HTML_TYPES:
        return f"not HTML ({content_type})"
    if not is_candidate_url(url):
        return "not an article URL"
    return None


def header_value(headers: list[tuple[str, str]], name: str) -> str | None:
    """The first value of header ``name`` (lower case) in ``headers``, or None."""
    return next((value for key, value in headers if key.lower() == name), None)


def is_candidate_url(url: str) -> bool:
    """The URL part of :func:`is_candidate`: any page off the network, and article URLs
    on it."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    return not profile.is_network_host(host) or profile.is_article_path(parts.path)


def process_capture(capture: Capture) -> Outcome:
    """Extract one capture and build its record (runs in a worker process)."""
    from crawler.extraction.article import extract_response
    from crawler.extraction.records import build_record

    result = extract_response(capture.url, capture.status, capture.headers, capture.payload)
    record = None
    if result.article is not None:
        record = build_record(
            result.article, url=capture.url, status=capture.status,
            fetched_at=capture.fetched_at, warc=capture.warc,
        )
    return Outcome(capture.url, result.outcome, record, result.reason)


def available_cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def make_pool(jobs: int) -> ProcessPoolExecutor:
    """``jobs`` spawned worker processes, each with trafilatura imported."""
    return ProcessPoolExecutor(
        max_workers=jobs,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start_pool_worker,
    )


def _start_pool_worker() -> None:
    from crawler.lifeline import exit_with_parent

    exit_with_parent()  # a killed parent must not leave its workers behind
    prepare_worker()


def prepare_worker() -> None:
    """Quiet logging, and import the extractor before the first capture comes."""
    logging.getLogger("charset_normalizer").setLevel(logging.WARNING)
    logging.getLogger("trafilatura").setLevel(logging.ERROR)
    import crawler.extraction.article  # noqa: F401  (trafilatura, lxml, compiled XPaths)
