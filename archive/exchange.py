"""One HTTP exchange as it went over the wire: the plain data every WARC record is built from.

No Scrapy here: the crawler adapts its Request/Response objects into an ``HttpExchange``
and hands it to :class:`archive.writer.WarcFileWriter`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

TRUNCATION_REASONS = frozenset({"length", "time", "disconnect", "unspecified"})


@dataclass(kw_only=True)
class HttpExchange:
    """A request and the response it got, exactly as sent and received (keyword-only fields).

    ``request_target`` is what went on the request line: path and query for a direct
    request, the absolute URI when sent through a proxy. ``payload`` is the response
    body still content-encoded (gzip bytes when the server gzipped) but de-chunked;
    ``response_headers`` keep every value, repeats included, and never carry
    ``Transfer-Encoding`` (the writer drops it if present). ``truncated`` names why the
    payload is incomplete ("length", "time", "disconnect"), which becomes
    ``WARC-Truncated``.
    """

    url: str
    method: str
    request_target: str
    request_headers: list[tuple[str, str]]
    request_body: bytes = b""
    protocol: str
    status: int
    reason: str
    response_headers: list[tuple[str, str]]
    payload: bytes
    ip_address: str | None = None
    date: datetime = field(default_factory=lambda: datetime.now(UTC))
    truncated: str | None = None

    def __post_init__(self) -> None:
        if self.date.tzinfo is None:
            raise ValueError("HttpExchange.date must be timezone-aware (UTC)")
        if self.truncated is not None and self.truncated not in TRUNCATION_REASONS:
            raise ValueError(
                f"HttpExchange.truncated must be one of {sorted(TRUNCATION_REASONS)}, "
                f"not {self.truncated!r}"
            )

    def response_header(self, name: str) -> str | None:
        """The first value of a response header (case-insensitive), or None."""
        lowered = name.lower()
        return next((v for k, v in self.response_headers if k.lower() == lowered), None)
