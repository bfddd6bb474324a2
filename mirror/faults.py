"""Fault URLs of the replica: the ways real servers fail a crawler, made deterministic.

All of them live under ``/faults/`` on www.spacewar.com. Most are ordinary
:class:`~mirror.network.Resource` values (redirects, a crawl trap, mislabelled or
broken bodies); the rest carry a ``fault`` name that :mod:`mirror.server` acts
out on the socket:

- ``"503-twice"``: the first two requests for the URL (per server process)
  answer ``503`` with ``Retry-After: 1``; later ones get the page.
- ``"stall"``: the status line and headers go out, then nothing for
  :data:`STALL_SECONDS`, then the connection closes.
- ``"reset"``: half of the body goes out, then the connection is reset (RST).
- ``"large"``: a :data:`LARGE_PAGE_SIZE`-byte page, generated while it is sent
  (:func:`large_page_chunks`) instead of being held in memory.

The fault pages do not depend on the seed or the epoch, and :func:`truth_records`
names each of them with what a well-behaved crawler should end up with.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from mirror.network import Resource

HOST = "www.spacewar.com"
PREFIX = "/faults/"
BASE_URL = f"http://{HOST}"

STALL_SECONDS = 600
LARGE_PAGE_SIZE = 20 * 1024 * 1024
RETRY_AFTER_SECONDS = 1
FAILURES_BEFORE_SUCCESS = 2

LAST_MODIFIED = datetime(2024, 1, 15, 9, 30, tzinfo=UTC)
HTML_TYPE = "text/html; charset=utf-8"

REDIRECT_CHAIN = (
    ("/faults/redirect/1.html", 301),
    ("/faults/redirect/2.html", 302),
    ("/faults/redirect/3.html", 307),
)
REDIRECT_TARGET = "/faults/redirect/final.html"
LOOP = ("/faults/loop/a.html", "/faults/loop/b.html")
CALENDAR_START = "/faults/calendar/2024-01.html"
CALENDAR_PATH = re.compile(r"^/faults/calendar/(\d{4})-(\d{2})\.html$")
MONTHS = (
    "January", "February", "March", "April", "May", "June", "July",
    "August", "September", "October", "November", "December",
)


@dataclass(frozen=True)
class Fault:
    name: str
    path: str
    expect: str


FAULTS: tuple[Fault, ...] = (
    Fault(
        "retry-503",
        "/faults/retry-503.html",
        "two 503 answers with Retry-After: 1, then 200; a crawler that retries archives the 200",
    ),
    Fault(
        "stall",
        "/faults/stall.html",
        f"headers, then silence for {STALL_SECONDS} s; the crawler times out and moves on",
    ),
    Fault(
        "reset",
        "/faults/reset.html",
        "connection reset mid-body; never archived as a complete 200 response",
    ),
    Fault(
        "redirect-chain",
        REDIRECT_CHAIN[0][0],
        f"301, 302 and 307 hops, then 200 at {BASE_URL}{REDIRECT_TARGET}",
    ),
    Fault(
        "redirect-loop",
        LOOP[0],
        "two pages redirecting to each other forever; the crawler gives up",
    ),
    Fault(
        "calendar-trap",
        CALENDAR_START,
        "month pages linking to the next and previous month without end; "
        "the crawler bounds it and still finishes",
    ),
    Fault(
        "large-page",
        "/faults/large.html",
        f"{LARGE_PAGE_SIZE} bytes of text/html; the crawler enforces its size limit "
        "or archives it whole, without running out of memory",
    ),
    Fault(
        "binary-as-html",
        "/faults/binary.html",
        "binary bytes labelled text/html; archived as fetched, no article extracted",
    ),
    Fault(
        "broken-markup",
        "/faults/broken-markup.html",
        "unclosed tags and bytes invalid in the declared utf-8; "
        "nothing crashes, no article extracted",
    ),
)


def truth_records() -> list[dict]:
    """One ``{"kind": "fault", ...}`` truth line per fault URL."""
    return [
        {"kind": "fault", "name": f.name, "url": BASE_URL + f.path, "expect": f.expect}
        for f in FAULTS
    ]


def resolve(host: str, path: str) -> Resource | None:
    """The fault resource at ``host`` + ``path``, or None when it is not a fault URL."""
    if host != HOST or not path.startswith(PREFIX):
        return None
    path = path.split("?", 1)[0]
    page = _STATIC_PAGES.get(path)
    if page is not None:
        return page()
    redirect = _redirect(path)
    if redirect is not None:
        return redirect
    match = CALENDAR_PATH.match(path)
    if match:
        return _calendar_page(int(match[1]), int(match[2]))
    return None


def large_page_chunks(chunk_size: int = 64 * 1024) -> Iterator[bytes]:
    """The body of the large page, exactly :data:`LARGE_PAGE_SIZE` bytes, piece by piece."""
    head = (
        b"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
        b"<title>A very large page</title></head><body>\n<h1>A very large page</h1>\n"
    )
    tail = b"</body></html>\n"
    filler_size = LARGE_PAGE_SIZE - len(head) - len(tail)
    yield head
    number = 0
    sent = 0
    while sent < filler_size:
        lines = []
        block = 0
        while block < chunk_size:
            number += 1
            line = (
                f"<p>Paragraph {number} of a page far larger than any news story; "
                "a crawler should cap what it downloads.</p>\n"
            ).encode()
            lines.append(line)
            block += len(line)
        chunk = b"".join(lines)[: filler_size - sent]
        sent += len(chunk)
        yield chunk
    yield tail


def _resource(
    body: bytes,
    *,
    status: int = 200,
    content_type: str = HTML_TYPE,
    headers: tuple[tuple[str, str], ...] = (),
    fault: str | None = None,
) -> Resource:
    return Resource(
        status=status,
        headers=(("Content-Type", content_type), *headers),
        body=body,
        last_modified=LAST_MODIFIED,
        chunked=False,
        fault=fault,
    )


def _html(title: str, body_html: str) -> bytes:
    return (
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
        f"<title>{title}</title></head>\n<body>\n<h1>{title}</h1>\n{body_html}\n</body></html>\n"
    ).encode()


def _retry_page() -> Resource:
    body = _html(
        "Service came back",
        "<p>This page answered 503 twice before it answered 200.</p>",
    )
    return _resource(body, fault="503-twice")


def _stall_page() -> Resource:
    body = _html("Stalled page", "<p>The server never gets around to sending this.</p>")
    return _resource(body, fault="stall")


def _reset_page() -> Resource:
    paragraphs = "\n".join(
        f"<p>Line {n} of a page whose connection is reset halfway through.</p>"
        for n in range(1, 201)
    )
    return _resource(_html("Reset page", paragraphs), fault="reset")


def _large_page() -> Resource:
    """Its body is produced by :func:`large_page_chunks` while the server sends it."""
    return _resource(b"", fault="large")


def _binary_page() -> Resource:
    """Deterministic pseudo-random bytes (NULs and all) that claim to be HTML."""
    blocks = []
    digest = b"news-archive binary fault"
    for _ in range(256):
        digest = hashlib.sha256(digest).digest()
        blocks.append(digest)
    body = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"".join(blocks)
    return _resource(body)


def _broken_markup_page() -> Resource:
    """A news-like page with unclosed and stray tags and bytes that are not UTF-8."""
    body = (
        b"<html><head><meta charset=\"utf-8\"><title>Broken page</title>\n"
        b"<body><table><tr><td><div class=content <p>A report\xff with a lone byte\n"
        b"<p>Invalid sequence here: \xc3\x28 and a stray continuation byte \x80 end.\n"
        b"</td></td></span><b><i>Overlapping</b></i> tags and an attribute=\"unclosed\n"
        b"<p>Latin-1 in a UTF-8 page: caf\xe9 na\xefve \x93quoted\x94\n"
        b"<!-- a comment that never closes\n<p>Hidden paragraph"
    )
    return _resource(body)


_STATIC_PAGES = {
    "/faults/retry-503.html": _retry_page,
    "/faults/stall.html": _stall_page,
    "/faults/reset.html": _reset_page,
    "/faults/large.html": _large_page,
    "/faults/binary.html": _binary_page,
    "/faults/broken-markup.html": _broken_markup_page,
}


def _redirect(path: str) -> Resource | None:
    for index, (hop, status) in enumerate(REDIRECT_CHAIN):
        if path == hop:
            following = REDIRECT_CHAIN[index + 1][0] if index + 1 < len(REDIRECT_CHAIN) else None
            return _moved(following or REDIRECT_TARGET, status)
    if path == REDIRECT_TARGET:
        return _resource(_html("End of the redirect chain", "<p>Three hops to get here.</p>"))
    if path in LOOP:
        other = LOOP[1] if path == LOOP[0] else LOOP[0]
        return _moved(other, 302)
    return None


def _moved(path: str, status: int) -> Resource:
    location = BASE_URL + path
    body = _html("Moved", f'<p>The document has moved <a href="{location}">here</a>.</p>')
    return _resource(body, status=status, headers=(("Location", location),))


def _calendar_page(year: int, month: int) -> Resource | None:
    if not (1 <= year <= 9999 and 1 <= month <= 12):
        return None
    previous_month = (year, month - 1) if month > 1 else (year - 1, 12)
    next_month = (year, month + 1) if month < 12 else (year + 1, 1)
    links = [
        f'<a href="{_calendar_url(*previous_month)}">&laquo; previous month</a>',
        f'<a href="{_calendar_url(*next_month)}">next month &raquo;</a>',
    ]
    title = f"Events calendar: {MONTHS[month - 1]} {year}"
    body_html = "<p>No events scheduled this month.</p>\n<p>" + " | ".join(links) + "</p>"
    return _resource(_html(title, body_html))


def _calendar_url(year: int, month: int) -> str:
    return f"/faults/calendar/{year:04d}-{month:02d}.html"
