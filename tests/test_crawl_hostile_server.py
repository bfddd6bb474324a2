"""A server that breaks HTTP in the ways real ones do, byte by byte on a real socket.

The replica's fault URLs (tests/test_crawl_faults.py) fail politely; these answers are
malformed: no reason phrase, header lines without a colon, Latin-1 and NUL bytes in
headers, conflicting or negative Content-Length, bodies that contradict their
Content-Encoding, brotli sent unasked, broken chunking, no status line at all,
redirects to nowhere. The crawl must go on, archive every answer that has an HTTP
head as it came (a body cut short marked so), log no traceback, and leave files that
every tool of the project reads.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path

import brotli
import pytest

from archive.reader import iter_records
from tests.raw_server import NOT_FOUND, ok_answer, raw_server
from tests.tools_fixtures import crawl, tool

HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"


HOSTILE: dict[str, bytes] = {
    "no-reason": b"HTTP/1.1 200\r\nContent-Type: text/html\r\nContent-Length: 5\r\n\r\nhello",
    "close-delimited": b"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n<p>to the close</p>",
    "latin1-header": HEAD + b"X-Note: caf\xe9\r\nContent-Length: 5\r\n\r\nhello",
    "no-colon": HEAD + b"BrokenHeaderLine\r\nContent-Length: 5\r\n\r\nhello",
    "nul-header": HEAD + b"X-Nul: a\x00b\r\nContent-Length: 5\r\n\r\nhello",
    "folded-header": HEAD + b"X-A: a\r\n  continued\r\nContent-Length: 5\r\n\r\nhello",
    "lf-only": b"HTTP/1.1 200 OK\nContent-Type: text/html\nContent-Length: 5\n\nhello",
    "same-lengths": HEAD + b"Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello",
    "status-999": b"HTTP/1.1 999 Weird\r\nContent-Length: 5\r\n\r\nhello",
    "204-with-body": b"HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\nhello",
    "not-gzip": HEAD + b"Content-Encoding: gzip\r\nContent-Length: 5\r\n\r\nhello",
    "unknown-coding": HEAD + b"Content-Encoding: x-odd\r\nContent-Length: 5\r\n\r\nhello",
    "brotli-unasked": ok_answer(brotli.compress(b"<p>brotli anyway</p>"),
                                headers=b"Content-Encoding: br\r\n"),
    "gzip-cut": HEAD + b"Content-Encoding: gzip\r\nContent-Length: 400\r\n\r\n"
    + gzip.compress(b"<p>cut</p>" * 200, mtime=0)[:30],
    "bad-chunk": HEAD + b"Transfer-Encoding: chunked\r\n\r\nZZ\r\nhello\r\n0\r\n\r\n",
    "garbage-type": b"HTTP/1.1 200 OK\r\nContent-Type: \xff\xfe/;;\r\n\r\nhello",
    "unknown-charset": b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=x-none\r\n\r\n"
    b"<p>caf\xe9</p>",
    "redirect-space": b"HTTP/1.1 302 Found\r\nLocation: /a b/\xc3\xa9.html\r\n\r\n",
    "redirect-script": b"HTTP/1.1 302 Found\r\nLocation: javascript:x()\r\n\r\n",
    "redirect-empty": b"HTTP/1.1 302 Found\r\nLocation: \r\nContent-Length: 0\r\n\r\n",
    "redirect-bracket": b"HTTP/1.1 301 Moved\r\nLocation: http://[x/\r\nContent-Length: 0\r\n\r\n",
    # No HTTP answer a client can take: nothing to archive, a failed download each.
    "two-lengths": HEAD + b"Content-Length: 5\r\nContent-Length: 7\r\n\r\nhello",
    "negative-length": HEAD + b"Content-Length: -5\r\n\r\nhello",
    "no-status-line": b"<html><body>no status line</body></html>",
    "nothing": b"",
}
UNANSWERED = {"two-lengths", "negative-length", "no-status-line", "nothing"}
CUT_SHORT = {"gzip-cut", "bad-chunk"}


def _links_page() -> bytes:
    links = "".join(f'<a href="/hostile/{name}.html">{name}</a> ' for name in HOSTILE)
    return ok_answer(f"<html><body>{links}</body></html>".encode())


def _answer(host: str, path: str) -> bytes:
    if path == "/robots.txt":
        return NOT_FOUND
    name = path.removeprefix("/hostile/").removesuffix(".html")
    return HOSTILE[name] if path.startswith("/hostile/") and name in HOSTILE else _links_page()


@pytest.fixture(scope="module")
def hostile_proxy() -> Iterator[str]:
    """An HTTP proxy on 127.0.0.1 answering every host with the answers above."""
    with raw_server(_answer) as server:
        yield server.proxy


@pytest.fixture(scope="module")
def crawled(hostile_proxy, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("hostile") / "out"
    crawl(out, hostile_proxy, "--site", "spacewar.com", "-s", "RETRY_TIMES=0",
          "-s", "DOWNLOAD_TIMEOUT=5")
    return out


def test_the_crawl_goes_on_and_archives_every_answer_with_an_http_head(crawled):
    archived = {}
    for warc in (crawled / "warc").glob("*.warc.gz"):
        for record in iter_records(warc):
            if record.rec_type == "response" and "/hostile/" in record.target_uri:
                name = record.target_uri.rsplit("/", 1)[1].removesuffix(".html")
                archived[name] = record.header("WARC-Truncated")
    assert set(archived) == set(HOSTILE) - UNANSWERED
    assert {name for name, truncated in archived.items() if truncated} == CUT_SHORT
    (log,) = (crawled / "logs").glob("*.log")
    assert "Traceback" not in log.read_text(encoding="utf-8", errors="replace")


@pytest.mark.parametrize("command", [
    ("check", "{out}"), ("index", "{out}"), ("extract", "-o", "{out}/x.jsonl", "{warc}"),
    ("package", "-o", "{out}/p.wacz", "{out}"),
], ids=lambda command: command[0])
def test_every_tool_reads_what_the_crawl_wrote(crawled, command):
    (warc,) = (crawled / "warc").glob("*.warc.gz")
    result = tool(*(part.format(out=crawled, warc=warc) for part in command))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr


def test_a_body_still_dripping_at_the_timeout_is_archived_as_received(tmp_path):
    """A byte every 0.1 s of a 1,000-byte body: never silent long enough to count as a
    stall, but still coming at 90% of DOWNLOAD_TIMEOUT (2 s), where Scrapy would drop it
    whole at 2 s. Cut at 1.8 s and archived as received, WARC-Truncated: time."""
    body = b"<html><body><p>" + b"x" * 980 + b"</p></body></html>"
    drip = [HEAD + b"Content-Length: %d\r\n\r\n" % len(body),
            *(part for byte in body for part in (bytes([byte]), 0.1))]

    def answer(host: str, path: str):
        if path == "/robots.txt":
            return NOT_FOUND
        return drip if path == "/hostile/drip.html" else _links_page()

    out = tmp_path / "out"
    with raw_server(answer) as server:
        crawl(out, server.proxy, "--site", "spacewar.com", "--start-url",
              "http://www.spacewar.com/hostile/drip.html", "-s", "RETRY_TIMES=0",
              "-s", "DOWNLOAD_TIMEOUT=2")
    (record,) = [r for warc in (out / "warc").glob("*.warc.gz") for r in iter_records(warc)
                 if r.rec_type == "response" and r.target_uri.endswith("/drip.html")]
    assert record.header("WARC-Truncated") == "time"
    assert 0 < len(record.read_payload()) < len(body)
    assert body.startswith(record.read_payload())
