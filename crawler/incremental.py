"""Incremental crawling: conditional requests, and JSONL lines only for new or changed stories.

:class:`ConditionalRequests` (downloader middleware) sends ``If-None-Match`` /
``If-Modified-Since`` from the state store on requests the spider marked
``meta["conditional"]``. A ``304`` is archived as a revisit record by the capture; the
middleware then hands the spider the archived body of the original record instead, so
an unchanged listing still leads to its stories (and an unchanged story to the copies of
stories only it links to).

:class:`VersionedExtraction` is the extraction extension with a ledger of stories: a
story already recorded by an earlier run gets a JSONL line again only as a new version,
when its text changed or it was captured at a URL no line listed (the rule is
:mod:`crawler.extraction.versions`, which ``news-archive extract`` follows too). Once a
line is written, the story counts as recorded in the state store.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from scrapy.exceptions import NotConfigured
from scrapy.http import Headers
from scrapy.responsetypes import responsetypes

from archive.jsonl import JsonlWriteError
from archive.reader import RecordNotFound, read_record, warc_path
from crawler.extraction.extension import ExtractionExtension
from crawler.extraction.versions import known_after, next_line
from crawler.runs import stop_on_write_error
from crawler.state import CrawlState

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

    from archive.reader import RecordRef
    from archive.state import UrlState
    from crawler.extraction.pool import Outcome

logger = logging.getLogger(__name__)

ARCHIVED_KEY = "archived_state"
CONDITIONAL_KEY = "conditional"
#: The URL the spider looked up in the state store when it made the request (what it found
#: is ``ARCHIVED_KEY``, absent when nothing), so that the capture need not ask again.
LOOKED_UP_KEY = "archive_looked_up"
CONDITIONAL_HEADERS = ("If-None-Match", "If-Modified-Since")
#: Body headers that describe the wire form, not the decoded archived content.
WIRE_HEADERS = frozenset({b"content-encoding", b"content-length", b"transfer-encoding"})


class ConditionalRequests:
    """Conditional GETs from the state store; a 304 is answered with the archived
    original (flagged ``archived``), whose links the spider still follows."""

    def __init__(self, state: CrawlState) -> None:
        self.state = state

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ConditionalRequests:
        state = CrawlState.of(crawler)
        if state is None:
            raise NotConfigured("ARCHIVE_STATE_ENABLED is off")
        return cls(state)

    def process_request(self, request: Request) -> None:
        archived: UrlState | None = request.meta.get(ARCHIVED_KEY)
        if archived is None or not request.meta.get(CONDITIONAL_KEY):
            return
        if archived.url != request.url:
            # a redirect hop: Scrapy copied the first URL's meta and validators onto it
            for name in CONDITIONAL_HEADERS:
                request.headers.pop(name, None)
            return
        if archived.etag:
            request.headers.setdefault("If-None-Match", archived.etag)
        if archived.last_modified:
            request.headers.setdefault("If-Modified-Since", archived.last_modified)

    def process_response(self, request: Request, response: Response) -> Response:
        archived: UrlState | None = request.meta.get(ARCHIVED_KEY)
        if response.status != 304 or archived is None or archived.url != request.url:
            return response
        try:
            return self._archived_response(request, response, archived)
        except (OSError, RecordNotFound, ValueError) as error:
            logger.warning("Could not read the archived copy of %s: %s", request.url, error)
            return response

    def _archived_response(
        self, request: Request, response: Response, archived: UrlState
    ) -> Response:
        path = warc_path(self.state.layout.crawl_warc_dir, archived.filename)
        return archived_response(read_record(path, archived.offset), request.url,
                                 request=request, protocol=response.protocol)


def archived_response(ref: RecordRef, url: str, **kwargs) -> Response:
    """A Scrapy response (flagged ``archived``) holding the decoded body of the response
    record ``ref``, without the headers of its wire form; ``kwargs`` go to the response."""
    http = ref.read_http_headers()
    headers = Headers([
        (name, value) for name, value in http.headers
        if name.lower().encode("latin-1") not in WIRE_HEADERS
    ])
    body = ref.read_content()
    response_class = responsetypes.from_args(headers=headers, url=url, body=body)
    return response_class(url=url, status=200, headers=headers, body=body,
                          flags=["archived"], **kwargs)


class VersionedExtraction(ExtractionExtension):
    """:class:`ExtractionExtension` writing only new stories and new versions."""

    state: CrawlState | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> VersionedExtraction:
        extension = super().from_crawler(crawler)
        extension.state = CrawlState.of(crawler)
        return extension

    async def spider_closed(self, spider, reason) -> None:
        await super().spider_closed(spider, reason)
        final = self.stats.get_value("extraction/jsonl")
        if self.state is not None and final and not self.stats.get_value("archive/write_error"):
            self.state.store.mark_learned(Path(final).name)  # every line saved as it went

    def _record(self, outcome: Outcome) -> None:
        if outcome.record is None or self.state is None:
            super()._record(outcome)
            return
        try:
            known = self.state.store.story(outcome.record["id"])
            line, kind = next_line(outcome.record, known, self.state.run_id)
            if kind is not None:
                self.stats.inc_value(f"stories/{kind}")
            super()._record(replace(outcome, record=line))
            if line is None:
                return
            after = known_after(line, known, self.state.run_id)
            if after is not None:
                self.state.store.save_story(after)
        except (JsonlWriteError, sqlite3.Error) as error:  # disk full
            stop_on_write_error(self.crawler, error)

