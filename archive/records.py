"""Build warcio records from an :class:`~archive.exchange.HttpExchange`.

Each function returns a warcio ``ArcWarcRecord`` ready for ``WARCWriter.write_record``;
nothing here touches files. HTTP header blocks are serialised exactly as given: the real
protocol and reason phrase, every header value in order (repeats kept), header text
encoded as ISO-8859-1 (the wire convention, so bytes come back as they went out) and no
``Transfer-Encoding`` (payloads are stored de-chunked).
"""

from __future__ import annotations

import base64
import hashlib
import platform
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from importlib.metadata import PackageNotFoundError, version
from io import BytesIO

from warcio.recordbuilder import RecordBuilder
from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders, StatusAndHeadersParser

from archive.exchange import HttpExchange

WARC_VERSION = "WARC/1.1"
WARC_1_1_SPEC = "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/"
HOP_BY_HOP_DROPPED = frozenset({"transfer-encoding"})


class RevisitProfile(StrEnum):
    """The two WARC 1.1 revisit profiles; the value is the profile's short name."""

    SERVER_NOT_MODIFIED = "server-not-modified"
    IDENTICAL_PAYLOAD_DIGEST = "identical-payload-digest"

    @property
    def uri(self) -> str:
        return f"http://netpreserve.org/warc/1.1/revisit/{self.value}"


@dataclass(frozen=True)
class RefersTo:
    """The earlier record a revisit points at."""

    record_id: str
    target_uri: str
    date: datetime
    payload_digest: str | None = None


class WireHeaders(StatusAndHeaders):
    """A status line and headers serialised as ISO-8859-1, the way they travel.

    warcio percent-encodes any non-ASCII header value; a header decoded from wire bytes
    as latin-1 would then not round-trip. Values beyond latin-1 fall back to warcio.
    """

    def to_ascii_bytes(self, filter_func=None) -> bytes:
        try:
            return self.to_str(filter_func).encode("latin-1") + b"\r\n"
        except UnicodeEncodeError:
            return super().to_ascii_bytes(filter_func)


def payload_digest(payload: bytes) -> str:
    """The WARC payload digest of ``payload`` as warcio writes it: ``sha1:<base32>``."""
    return "sha1:" + base64.b32encode(hashlib.sha1(payload).digest()).decode("ascii")


def warc_date(moment: datetime) -> str:
    """A WARC 1.1 date with microseconds, e.g. ``2026-11-28T00:41:05.123456Z``."""
    if moment.tzinfo is None:
        raise ValueError("WARC dates need a timezone-aware datetime")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_warc_date(text: str) -> datetime:
    """A WARC-Date (any precision, ``Z`` or an offset) as an aware datetime."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def software_versions(*packages: tuple[str, str]) -> str:
    """``news-archive/X (Name/Y; ...; warcio/Z; Python/W)`` for the warcinfo ``software``
    field; ``packages``: (name, distribution) pairs to name before warcio."""
    parts = [f"{name}/{_version(dist)}" for name, dist in (*packages, ("warcio", "warcio"))]
    return (f"news-archive/{_version('news-archive')} "
            f"({'; '.join(parts)}; Python/{platform.python_version()})")


def warcinfo_record(
    builder: RecordBuilder,
    filename: str,
    fields: Mapping[str, str] | None = None,
    hostname: str | None = None,
    date: datetime | None = None,
) -> ArcWarcRecord:
    """The warcinfo record opening a file: software, format, host, then ``fields``
    (operator, robots policy, user agent... given by the caller; they override defaults)."""
    info = {
        "software": software_versions(),
        "format": "WARC File Format 1.1",
        "conformsTo": WARC_1_1_SPEC,
        "hostname": hostname or socket.gethostname(),
    }
    info.update({name: str(value) for name, value in (fields or {}).items()})
    _check_header_text(info.items())
    body = "".join(f"{name}: {value}\r\n" for name, value in info.items() if value)
    payload = body.encode("utf-8")
    headers = {
        **_leading_warc_headers("warcinfo", "", date or datetime.now(UTC)),
        "WARC-Filename": filename,
    }
    return builder.create_warc_record(
        "",
        "warcinfo",
        payload=BytesIO(payload),
        length=len(payload),
        warc_headers_dict=headers,
        http_headers=None,
    )


def response_record(
    builder: RecordBuilder, exchange: HttpExchange, warcinfo_id: str
) -> ArcWarcRecord:
    """The response record: status line, headers and the payload bytes as received."""
    warc_headers = _common_warc_headers("response", exchange, warcinfo_id)
    if exchange.ip_address:
        warc_headers["WARC-IP-Address"] = exchange.ip_address
    if exchange.truncated:
        warc_headers["WARC-Truncated"] = exchange.truncated
    return builder.create_warc_record(
        exchange.url,
        "response",
        payload=BytesIO(exchange.payload),
        length=len(exchange.payload),
        warc_headers_dict=warc_headers,
        http_headers=response_http_headers(exchange),
    )


def request_record(
    builder: RecordBuilder, exchange: HttpExchange, warcinfo_id: str
) -> ArcWarcRecord:
    """The request record: request line as sent (method, target, protocol), every header.

    ``WARC-Concurrent-To`` is added when written as a pair with its response.
    """
    _check_header_text(exchange.request_headers)
    _check_header_text([("request-target", exchange.request_target)])
    http_headers = WireHeaders(
        f"{exchange.request_target} {exchange.protocol}",
        list(exchange.request_headers),
        protocol=exchange.method,
    )
    return builder.create_warc_record(
        exchange.url,
        "request",
        payload=BytesIO(exchange.request_body),
        length=len(exchange.request_body),
        warc_headers_dict=_common_warc_headers("request", exchange, warcinfo_id),
        http_headers=http_headers,
    )


def revisit_record(
    builder: RecordBuilder,
    exchange: HttpExchange,
    warcinfo_id: str,
    profile: RevisitProfile | str,
    refers_to: RefersTo,
) -> ArcWarcRecord:
    """A revisit record holding only the response's HTTP headers.

    ``server-not-modified``: the exchange is a 304 (or other not-modified answer) to a
    conditional request. ``identical-payload-digest``: the exchange's payload equals the
    referred record's payload; its digest is recorded and must match ``refers_to``'s.
    """
    profile = RevisitProfile(profile)
    warc_headers = _common_warc_headers("revisit", exchange, warcinfo_id)
    warc_headers["WARC-Profile"] = profile.uri
    warc_headers["WARC-Refers-To"] = refers_to.record_id
    warc_headers["WARC-Refers-To-Target-URI"] = refers_to.target_uri
    warc_headers["WARC-Refers-To-Date"] = warc_date(refers_to.date)
    if exchange.ip_address:
        warc_headers["WARC-IP-Address"] = exchange.ip_address
    if profile is RevisitProfile.IDENTICAL_PAYLOAD_DIGEST:
        digest = payload_digest(exchange.payload)
        if refers_to.payload_digest and refers_to.payload_digest != digest:
            raise ValueError(
                f"identical-payload-digest revisit of {exchange.url}: payload digest "
                f"{digest} differs from the referred record's {refers_to.payload_digest}"
            )
        warc_headers["WARC-Payload-Digest"] = digest
    return builder.create_warc_record(
        exchange.url,
        "revisit",
        warc_headers_dict=warc_headers,
        http_headers=response_http_headers(exchange),
    )


def link_request(request: ArcWarcRecord, response: ArcWarcRecord) -> None:
    """Give a request record its response's target URI and date, and point it at the
    response with ``WARC-Concurrent-To`` (what warcio's ``write_request_response_pair``
    does, without writing)."""
    response_headers = response.rec_headers
    request.rec_headers.replace_header(
        "WARC-Target-URI", response_headers.get_header("WARC-Target-URI")
    )
    request.rec_headers.replace_header("WARC-Date", response_headers.get_header("WARC-Date"))
    request.rec_headers.replace_header(
        "WARC-Concurrent-To", response_headers.get_header("WARC-Record-ID")
    )


def response_http_headers(exchange: HttpExchange) -> WireHeaders:
    """``HTTP/1.1 200 OK`` plus every response header but ``Transfer-Encoding``."""
    headers = [(k, v) for k, v in exchange.response_headers if k.lower() not in HOP_BY_HOP_DROPPED]
    _check_header_text(headers)
    _check_header_text([("reason", exchange.reason)])
    return WireHeaders(f"{exchange.status} {exchange.reason}", headers, protocol=exchange.protocol)


def _common_warc_headers(
    record_type: str, exchange: HttpExchange, warcinfo_id: str
) -> dict[str, str]:
    return {
        **_leading_warc_headers(record_type, exchange.url, exchange.date),
        "WARC-Warcinfo-ID": warcinfo_id,
    }


def _leading_warc_headers(record_type: str, target_uri: str, date: datetime) -> dict[str, str]:
    """Type, id, target and date first, in the order WARC readers are used to."""
    headers = {"WARC-Type": record_type, "WARC-Record-ID": StatusAndHeadersParser.make_warc_id()}
    if target_uri:
        headers["WARC-Target-URI"] = target_uri
    headers["WARC-Date"] = warc_date(date)
    return headers


def _check_header_text(pairs) -> None:
    """Refuse CR/LF in header names or values: they would forge headers or records."""
    for name, value in pairs:
        if any(ch in str(name) or ch in str(value) for ch in "\r\n"):
            raise ValueError(f"header {name!r} contains CR or LF: {value!r}")


def _version(distribution: str) -> str:
    try:
        return version(distribution)
    except PackageNotFoundError:
        return "unknown"
