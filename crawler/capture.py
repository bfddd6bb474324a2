"""Capture every network exchange of a crawl into WARC files.

:class:`WarcCapture` listens to Scrapy's ``response_downloaded`` signal, which fires
once per exchange (each redirect hop, each retry, robots.txt) before any downloader
middleware has touched the response: the body is still content-encoded, as it came over
the wire. It adapts the Scrapy request and response into an
:class:`archive.exchange.HttpExchange`, writes it with
:class:`archive.writer.WarcFileWriter`, and sends
:data:`crawler.signals.response_archived`.

With the state store (:mod:`crawler.state`) the capture also deduplicates: a ``304``
to a conditional request is written as a revisit record (server-not-modified profile),
and an answer with the status and payload digest archived for the URL (a ``200``, a
``404`` robots.txt, a retried ``503``) as a revisit record (identical-payload-digest
profile); both refer to the original record. The
state store is updated only after the record is flushed.

:class:`OversizeTruncation` replaces Scrapy's ``DOWNLOAD_MAXSIZE`` cancellation (which
leaves no response at all) by a cut: the first ``DOWNLOAD_MAXSIZE`` bytes are kept and
archived with ``WARC-Truncated: length``.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import replace
from datetime import UTC, datetime
from http import HTTPStatus
from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.exceptions import StopDownload
from scrapy.utils.httpobj import urlparse_cached
from twisted.web.client import URI

from archive.exchange import HttpExchange
from archive.records import RevisitProfile, payload_digest, software_versions
from archive.state import UrlState
from archive.warcinfo import part_of
from archive.writer import ArchiveWriteError, WarcFileWriter, WrittenRecord
from crawler import signals as archive_signals
from crawler.handlers import STALLED_FLAG, take_raw_head
from crawler.incremental import ARCHIVED_KEY, LOOKED_UP_KEY
from crawler.middlewares import user_agent
from crawler.runs import OutputLock, archive_dir, stop_on_write_error
from crawler.state import CrawlState, mend_leftovers

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Headers, Response

logger = logging.getLogger(__name__)

#: Credentials for the proxy are not part of the exchange with the site: never archived.
REDACTED_REQUEST_HEADERS = frozenset({"proxy-authorization"})
DEFAULT_PORTS = {"http": 80, "https": 443}
#: Response flags Scrapy sets on bodies that ended early, and the WARC-Truncated reason.
TRUNCATION_FLAGS = {STALLED_FLAG: "time", "download_stopped": "length", "dataloss": "disconnect"}


def page_kind(request: Request) -> str:
    """What the spider asked this request for (``story``, ``hub``, ``feed``,
    ``requisite``), or ``robots`` for robots.txt; ``other`` when unknown."""
    kind = request.meta.get("page_kind")
    if kind:
        return kind
    return "robots" if urlparse_cached(request).path == "/robots.txt" else "other"


def exchange_from_scrapy(
    request: Request, response: Response, raw_head: list[bytes] | None = None
) -> HttpExchange:
    """The exchange as it went over the wire, from Scrapy's objects.

    Scrapy's HTTP/1.1 handler sends the absolute URI on the request line when the
    request goes through an HTTP proxy (``meta["proxy"]``) and the origin form (path,
    params and query) otherwise; Twisted adds the ``Host`` header after all others.
    The response's status line and headers come from ``raw_head``, the lines as
    received (:mod:`crawler.handlers`); without it they are rebuilt from the response
    (standard reason phrase, Scrapy's header order and case).
    """
    sent = request.url.split("#", 1)[0]  # a fragment never goes over the wire
    uri = URI.fromBytes(sent.encode("ascii"))
    protocol, reason, headers = _parse_head(raw_head) if raw_head else (
        response.protocol or "HTTP/1.1", _reason_phrase(response.status),
        _header_pairs(response.headers),
    )
    return HttpExchange(
        url=sent,
        method=request.method,
        request_target=_request_target(request, uri),
        request_headers=_request_headers(request, uri),
        request_body=request.body,
        protocol=protocol,
        status=response.status,
        reason=reason,
        response_headers=headers,
        payload=_payload(request, response),
        ip_address=str(response.ip_address) if response.ip_address else None,
        date=datetime.now(UTC),
        truncated=truncation_reason(response),
    )


def _parse_head(lines: list[bytes]) -> tuple[str, str, list[tuple[str, str]]]:
    """Protocol, reason phrase and header pairs of a head as received (ISO-8859-1). A
    folded line continues the header before it; a line without a colon, which browsers
    and Scrapy skip, is skipped."""
    protocol, _, rest = lines[0].decode("latin-1").partition(" ")
    reason = rest.partition(" ")[2]
    headers: list[tuple[str, str]] = []
    for raw in lines[1:]:
        line = raw.decode("latin-1")
        if line[:1] in (" ", "\t") and headers:
            name, value = headers[-1]
            headers[-1] = (name, f"{value} {line.strip()}")
        elif ":" in line:
            name, value = line.split(":", 1)
            headers.append((name, value.strip(" \t")))
    return protocol, reason, headers


def truncation_reason(response: Response) -> str | None:
    for flag, reason in TRUNCATION_FLAGS.items():
        if flag in response.flags:
            return reason
    return None


def _request_target(request: Request, uri: URI) -> str:
    proxied = request.meta.get("proxy") and uri.scheme == b"http"
    return uri.toBytes().decode("ascii") if proxied else uri.originForm.decode("ascii")


def _request_headers(request: Request, uri: URI) -> list[tuple[str, str]]:
    pairs = [
        (name, value)
        for name, value in _header_pairs(request.headers)
        if name.lower() not in REDACTED_REQUEST_HEADERS
    ]
    if not any(name.lower() == "host" for name, _ in pairs):
        pairs.append(("Host", _host_value(uri)))
    return pairs


def _host_value(uri: URI) -> str:
    host, scheme = uri.host.decode("ascii"), uri.scheme.decode("ascii")
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    return host if DEFAULT_PORTS.get(scheme) == uri.port else f"{host}:{uri.port}"


def _header_pairs(headers: Headers) -> list[tuple[str, str]]:
    """Every header value, repeats kept, decoded as ISO-8859-1 (the wire convention)."""
    return [
        (name.decode("latin-1"), value.decode("latin-1"))
        for name, values in headers.items()
        for value in values
    ]


def _reason_phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _payload(request: Request, response: Response) -> bytes:
    limit = request.meta.get(OversizeTruncation.LIMIT_KEY)
    if limit and "download_stopped" in response.flags:
        return response.body[:limit]
    return response.body


class WarcCapture:
    """Scrapy extension writing every exchange to ``ARCHIVE_DIR/warc/``.

    Settings: ``ARCHIVE_DIR``, ``WARC_PREFIX``, ``WARC_MAX_SIZE``; every warcinfo record
    names the operator (``ARCHIVE_OPERATOR``), the robots policy (``ROBOTSTXT_OBEY``), the
    User-Agent (with ``CONTACT_URL``) and the run (``ARCHIVE_RUN_ID``). A write that fails
    (disk full: WARC file or state store) stops the crawl: the writer has cut the file
    back to its last whole record, so nothing archived is damaged.

    :data:`crawler.signals.response_archived` is sent for every full record, and for an
    identical-payload revisit of a story not yet recorded in JSONL (with the original's
    record), so that it is extracted; not for other revisits.
    """

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.stats = crawler.stats
        # Before anything in the directory is read or mended: `scrapy crawl` must not
        # mend the open files of a crawl that is running (DirectoryLocked stops it).
        self.lock = OutputLock(archive_dir(settings).lock_path)
        self.lock.acquire()
        self.state = CrawlState.of(crawler)  # recovers the archive first, if it must
        if self.state is None:
            mend_leftovers(archive_dir(settings), self.stats)
        # With a store of this process alone, the spider's look-up when it made the request
        # still holds at response time; a shared store (ARCHIVE_STATE_STORE) is asked again.
        self.trust_lookups = not settings.get("ARCHIVE_STATE_STORE")
        self.warc_dir = archive_dir(settings).crawl_warc_dir
        self.writer = WarcFileWriter(
            self.warc_dir,
            prefix=settings.get("WARC_PREFIX", "news-archive"),
            max_size=settings.getint("WARC_MAX_SIZE", 1_000_000_000),
            warcinfo=warcinfo_fields(crawler),
        )
        self.failed = False
        if settings.getbool("HTTPCACHE_ENABLED"):
            logger.warning("HTTPCACHE_ENABLED is on: responses served from the cache "
                           "are not archived")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcCapture:
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(
            extension.response_downloaded, signal=signals.response_downloaded
        )
        # After the state store's own engine_stopped (connected when it was made): the
        # lock is the last thing let go.
        crawler.signals.connect(extension.lock.release, signal=signals.engine_stopped)
        return extension

    def spider_opened(self, spider: Spider) -> None:
        logger.info("Archiving into %s", self.warc_dir)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        self.writer.close()
        for name in self.writer.closed_files:
            logger.info("WARC file written: %s", self.warc_dir / name)
            if self.state is not None and not self.failed:  # the store knows all of it
                self.state.store.mark_learned(name)
        if self.state is not None and not self.failed and reason == "finished":
            self.state.run_finished(self.writer.closed_files)

    def response_downloaded(self, response: Response, request: Request, spider: Spider) -> None:
        raw_head = take_raw_head(response.headers)  # before anyone else sees it
        if self.failed:
            return
        exchange = exchange_from_scrapy(request, response, raw_head=raw_head)
        try:
            record = self._write(request, exchange)
        except (ArchiveWriteError, sqlite3.Error) as error:
            self._stop(error)
            return
        self._count(request, exchange)
        if record is None:
            return
        self.crawler.signals.send_catch_log(
            archive_signals.response_archived,
            response=response,
            exchange=exchange,
            record=record,
            spider=spider,
        )

    def _write(self, request: Request, exchange: HttpExchange) -> WrittenRecord | None:
        """Write the exchange as a full record or a revisit; returns the record to extract
        from, if any."""
        if self.state is None:
            return self.writer.write_exchange(exchange)
        known = self._archived(request, exchange.url)
        profile = _revisit_profile(exchange, known)
        if profile is None:
            record = self.writer.write_exchange(exchange)
            self.state.store.save_url(_url_state(exchange, record))
            self.stats.inc_value("archive/full_records")
            return record
        self.writer.write_revisit(exchange, profile, _original(known))
        self.state.store.save_url(replace(
            known, fetched_at=exchange.date,
            etag=exchange.response_header("ETag") or known.etag,
            last_modified=exchange.response_header("Last-Modified") or known.last_modified,
        ))
        self.stats.inc_value(f"archive/revisits/{profile.value}")
        if page_kind(request) != "story":
            return None
        if profile is RevisitProfile.IDENTICAL_PAYLOAD_DIGEST and not self.state.is_recorded(
            exchange.url
        ):
            return _original(known)  # archived, never extracted: extract it now
        self.stats.inc_value("stories/unchanged")
        return None

    def _archived(self, request: Request, url: str) -> UrlState | None:
        """What the state store held for ``url`` before this exchange: the spider's
        look-up (``meta[LOOKED_UP_KEY]``) when it was made for this very URL and this is
        its first exchange (not a retry or a redirect hop: those follow exchanges already
        saved), else a query."""
        meta = request.meta
        first = not (meta.get("retry_times") or meta.get("redirect_times"))
        if self.trust_lookups and first and meta.get(LOOKED_UP_KEY) == url:
            return meta.get(ARCHIVED_KEY)
        return self.state.archived(url)

    def _count(self, request: Request, exchange: HttpExchange) -> None:
        self.stats.inc_value("archive/responses")
        self.stats.inc_value(f"archive/responses/{page_kind(request)}")
        self.stats.inc_value(f"archive/status/{exchange.status}")
        self.stats.inc_value("archive/payload_bytes", len(exchange.payload))
        if exchange.truncated:
            self.stats.inc_value(f"archive/truncated/{exchange.truncated}")
            logger.warning(
                "Archived a truncated response (%s) for %s", exchange.truncated, exchange.url
            )

    def _stop(self, error: OSError | sqlite3.Error) -> None:
        self.failed = True
        stop_on_write_error(self.crawler, error)


def _revisit_profile(exchange: HttpExchange, known: UrlState | None) -> RevisitProfile | None:
    """How to write an exchange of a URL archived before (None: as a full record): a 304
    to a conditional request, or the same status and payload again (a 404 robots.txt
    every night, too)."""
    if known is None:
        return None
    if exchange.status == 304 and known.status == 200:
        return RevisitProfile.SERVER_NOT_MODIFIED
    if (
        exchange.status == known.status
        and exchange.payload
        and not exchange.truncated
        and payload_digest(exchange.payload) == known.payload_digest
    ):
        return RevisitProfile.IDENTICAL_PAYLOAD_DIGEST
    return None


def _original(known: UrlState) -> WrittenRecord:
    """The archived record a revisit refers to."""
    return WrittenRecord(
        filename=known.filename, offset=known.offset, length=known.length,
        record_id=known.record_id, payload_digest=known.payload_digest,
        date=known.record_date, target_uri=known.target_uri or known.url,
    )


def _url_state(exchange: HttpExchange, record: WrittenRecord) -> UrlState:
    return UrlState(
        url=exchange.url, fetched_at=exchange.date, status=exchange.status,
        etag=exchange.response_header("ETag"),
        last_modified=exchange.response_header("Last-Modified"),
        payload_digest=record.payload_digest, filename=record.filename,
        offset=record.offset, length=record.length, record_id=record.record_id,
        record_date=record.date, target_uri=record.target_uri,
    )


def warcinfo_fields(crawler: Crawler) -> dict[str, str]:
    """What every warcinfo record says about this crawl (the writer adds format and host)."""
    settings = crawler.settings
    return {
        "software": software_versions(("Scrapy", "scrapy"), ("Twisted", "twisted")),
        "operator": settings.get("ARCHIVE_OPERATOR", ""),
        "robots": "obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore",
        "http-header-user-agent": user_agent(settings),
        "isPartOf": part_of(settings.get("ARCHIVE_RUN_ID", "")),
    }


class OversizeTruncation:
    """Cut responses at ``DOWNLOAD_MAXSIZE`` instead of dropping them.

    Scrapy cancels an oversize download and leaves nothing to archive. This extension
    takes the limit over: it lifts Scrapy's per-request limit when the headers arrive
    and stops the download itself (``StopDownload(fail=False)``) once the limit is
    passed, so the response arrives flagged ``download_stopped`` and :class:`WarcCapture`
    archives its first ``DOWNLOAD_MAXSIZE`` bytes marked ``WARC-Truncated: length``.
    """

    LIMIT_KEY = "archive_truncate_at"
    RECEIVED_KEY = "archive_bytes_received"

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> OversizeTruncation:
        extension = cls(crawler.settings.getint("DOWNLOAD_MAXSIZE"))
        if extension.maxsize:
            connect = crawler.signals.connect
            connect(extension.headers_received, signal=signals.headers_received)
            connect(extension.bytes_received, signal=signals.bytes_received)
            connect(extension.response_downloaded, signal=signals.response_downloaded)
        return extension

    def headers_received(
        self, headers: Headers, body_length: int, request: Request, spider: Spider
    ) -> None:
        limit = request.meta.get(self.LIMIT_KEY) or request.meta.get(
            "download_maxsize", self.maxsize
        )
        if limit:
            request.meta[self.LIMIT_KEY] = limit
            request.meta[self.RECEIVED_KEY] = 0
            request.meta["download_maxsize"] = 0  # read by Scrapy right after this signal

    def response_downloaded(self, response: Response, request: Request, spider: Spider) -> None:
        """Give the limit back to Scrapy for what follows (decompression's own check)."""
        if limit := request.meta.get(self.LIMIT_KEY):
            request.meta["download_maxsize"] = limit

    def bytes_received(self, data: bytes, request: Request, spider: Spider) -> None:
        limit = request.meta.get(self.LIMIT_KEY)
        if not limit:
            return
        received = request.meta[self.RECEIVED_KEY] + len(data)
        request.meta[self.RECEIVED_KEY] = received
        if received > limit:
            logger.warning("Cutting %s at the download size limit (%d bytes)", request.url, limit)
            raise StopDownload(fail=False)
