"""Scrapy's HTTP/1.1 download handler, keeping each response's header block as it came.

Scrapy builds a response's headers from Twisted's parsed copy, which loses what a WARC
record must keep: the server's reason phrase, the names' case, the order of the header
lines (repeats are grouped, ``Content-Length`` put first), and the connection headers
(``Connection``, ``Keep-Alive``), which Twisted keeps apart. A ``304`` even gains a
``Content-Length: 0`` it never had.

:class:`RawHeadDownloadHandler` is Scrapy's handler with one change, made the way Scrapy
makes its own (its lenient parser): on each request the connection's response parser
becomes :class:`_RecordingParser`, which also keeps the status line and header lines as
received. They reach the capture in one internal header, :data:`RAW_HEAD_HEADER`
(base64: Twisted would fold line breaks), which :func:`take_raw_head` removes before
any middleware or the spider sees the response.

Everything else (body, errors, proxies, TLS) is Scrapy's. On a Scrapy without the
lenient parser classes this module falls back to Scrapy's plain handler, and the
capture to the rebuilt headers.
"""

from __future__ import annotations

import base64
import logging
from typing import TYPE_CHECKING

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler

try:  # Scrapy's own parser swap, which this extends (private names: checked, not assumed)
    from scrapy.core.downloader.handlers.http11 import (
        _LenientHTTP11ClientFactory,
        _LenientHTTP11ClientProtocol,
        _LenientHTTPClientParser,
    )
except ImportError:  # pragma: no cover - depends on the Scrapy release
    _LenientHTTPClientParser = None

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Headers

logger = logging.getLogger(__name__)

#: The internal header carrying the raw head from the parser to the capture.
RAW_HEAD_HEADER = b"X-News-Archive-Raw-Head"


def take_raw_head(headers: Headers) -> list[bytes] | None:
    """The status line and header lines as received (no line ends), taken out of
    ``headers``; None when the response did not come through the recording parser."""
    encoded = headers.pop(RAW_HEAD_HEADER, None)
    if not encoded:
        return None
    # One value per head received (an informational 1xx first): the last is the response's.
    return base64.b64decode(encoded[-1]).split(b"\n")


if _LenientHTTPClientParser is not None:

    class _RecordingParser(_LenientHTTPClientParser):
        """Scrapy's lenient response parser, also keeping the lines of the head."""

        _raw_lines: list[bytes] | None = None

        def lineReceived(self, line: bytes) -> None:
            line = line.removesuffix(b"\r")
            if line:
                if self._raw_lines is None:
                    self._raw_lines = []
                self._raw_lines.append(line)
            elif self._raw_lines:  # the blank line ends the head
                raw = base64.b64encode(b"\n".join(self._raw_lines))
                self.headers.addRawHeader(RAW_HEAD_HEADER, raw)
                self._raw_lines = None
            super().lineReceived(line)

    class _RecordingProtocol(_LenientHTTP11ClientProtocol):
        def request(self, request):
            deferred = super().request(request)
            self._parser.__class__ = _RecordingParser  # as Scrapy swaps in its own
            return deferred

    class _RecordingFactory(_LenientHTTP11ClientFactory):
        def buildProtocol(self, addr):
            return _RecordingProtocol(self._quiescentCallback)


class RawHeadDownloadHandler(HTTP11DownloadHandler):
    """``DOWNLOAD_HANDLERS`` for http and https: Scrapy's, with the raw head kept."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        if _LenientHTTPClientParser is None:  # pragma: no cover
            logger.warning("This Scrapy has no lenient HTTP parser to extend: response "
                           "headers are archived as Scrapy rebuilds them")
            return
        self._pool._factory = _RecordingFactory
