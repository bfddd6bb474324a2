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

It also cuts a body that takes too long: when a response's head has come but then
nothing more for ``DOWNLOAD_STALL_TIMEOUT`` seconds, or the body is still coming at
:data:`BODY_DEADLINE_SHARE` of ``DOWNLOAD_TIMEOUT``, the connection is closed and the
response goes on with the part received, flagged ``stalled`` (archived with
``WARC-Truncated: time``), where Scrapy's ``DOWNLOAD_TIMEOUT`` would drop it and leave
nothing to archive.

Everything else (body, errors, proxies, TLS) is Scrapy's. On a Scrapy without the
lenient parser classes this module falls back to Scrapy's plain handler, and the
capture to the rebuilt headers.
"""

from __future__ import annotations

import base64
import logging
from functools import partial
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
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Headers, Response

logger = logging.getLogger(__name__)

#: The internal header carrying the raw head from the parser to the capture.
RAW_HEAD_HEADER = b"X-News-Archive-Raw-Head"
#: A body still coming at this share of DOWNLOAD_TIMEOUT is cut and archived as received,
#: before Scrapy drops the whole response at the timeout.
BODY_DEADLINE_SHARE = 0.9
_STALL, _DEADLINE = "nothing more came for", "still coming after"
#: The internal header marking a response whose body stalled, and the flag it becomes.
STALLED_HEADER = b"X-News-Archive-Stalled"
STALLED_FLAG = "stalled"


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
        """Scrapy's protocol with the recording parser, and a clock on each body: it is
        cut when nothing came for ``stall_timeout`` seconds, or when it is still coming
        ``body_deadline`` seconds after the request went out."""

        stall_timeout = 0.0
        body_deadline = 0.0
        _sent_at = 0.0
        _clock = None

        def request(self, request):
            from twisted.internet import reactor

            self._sent_at = reactor.seconds()
            deferred = super().request(request)
            self._parser.__class__ = _RecordingParser  # as Scrapy swaps in its own
            return deferred

        def dataReceived(self, data: bytes) -> None:
            super().dataReceived(data)
            self._set_clock()

        def connectionLost(self, reason) -> None:
            self._stop_clock()
            super().connectionLost(reason)

        def _set_clock(self) -> None:
            """(Re)start the clock while a response's body is coming."""
            from twisted.internet import reactor

            self._stop_clock()
            response = getattr(self._parser, "response", None)
            if response is None:
                return
            waits = []
            if self.stall_timeout:
                waits.append((self.stall_timeout, _STALL))
            if self.body_deadline:
                left = self._sent_at + self.body_deadline - reactor.seconds()
                waits.append((max(0.0, left), _DEADLINE))
            if waits:
                wait, why = min(waits)
                self._clock = reactor.callLater(wait, self._cut, response, why)

        def _stop_clock(self) -> None:
            if self._clock is not None and self._clock.active():
                self._clock.cancel()
            self._clock = None

        def _cut(self, response, why: str) -> None:
            self._clock = None
            if getattr(self._parser, "response", None) is not response:
                return  # that body ended meanwhile
            response.headers.addRawHeader(STALLED_HEADER, b"1")
            seconds = self.stall_timeout if why == _STALL else self.body_deadline
            logger.warning("Body cut (%s %g s), archived as received", why, seconds)
            self.transport.loseConnection()

    class _RecordingFactory(_LenientHTTP11ClientFactory):
        def __init__(self, quiescentCallback, metadata, stall_timeout: float = 0.0,
                     body_deadline: float = 0.0):
            super().__init__(quiescentCallback, metadata)
            self.stall_timeout = stall_timeout
            self.body_deadline = body_deadline

        def buildProtocol(self, addr):
            protocol = _RecordingProtocol(self._quiescentCallback)
            protocol.stall_timeout = self.stall_timeout
            protocol.body_deadline = self.body_deadline
            return protocol


class RawHeadDownloadHandler(HTTP11DownloadHandler):
    """``DOWNLOAD_HANDLERS`` for http and https: Scrapy's, with the raw head kept."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        if _LenientHTTPClientParser is None:  # pragma: no cover
            logger.warning("This Scrapy has no lenient HTTP parser to extend: response "
                           "headers are archived as Scrapy rebuilds them")
            return
        settings = crawler.settings
        self._pool._factory = partial(
            _RecordingFactory,
            stall_timeout=settings.getfloat("DOWNLOAD_STALL_TIMEOUT", 30.0),
            body_deadline=BODY_DEADLINE_SHARE * settings.getfloat("DOWNLOAD_TIMEOUT", 180.0),
        )

    async def download_request(self, request: Request) -> Response:
        response = await super().download_request(request)
        if response.headers.pop(STALLED_HEADER, None) is not None:
            response.flags.append(STALLED_FLAG)
        return response
