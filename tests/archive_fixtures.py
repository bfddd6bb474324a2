"""Helpers for the archive/ tests: synthetic exchanges and real-tool checks of WARC files."""

from __future__ import annotations

import gzip
import subprocess
import sys
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

from archive.exchange import HttpExchange

VENV_BIN = Path(sys.executable).parent
BASE_DATE = datetime(2026, 11, 28, 1, 2, 3, 456789, tzinfo=UTC)

ARTICLE_HTML = (
    "<html><head><title>Satellite launch</title></head><body><h1>Satellite launch</h1>"
    + "<p>Paris, France (SPX) Mar 17, 2025 - caf\u00e9 \u2019quoted\u2019 text.</p>" * 40
    + "</body></html>"
).encode("utf-8")


def make_exchange(
    path: str = "/reports/Satellite_Launch_999.html",
    *,
    host: str = "www.spacewar.com",
    query: str = "",
    payload: bytes = ARTICLE_HTML,
    gzipped: bool = False,
    status: int = 200,
    reason: str = "OK",
    extra_headers: list[tuple[str, str]] | None = None,
    truncated: str | None = None,
    seconds: int = 0,
    via_proxy: bool = False,
) -> HttpExchange:
    """An exchange as the crawler would hand it over; ``gzipped`` stores gzip bytes."""
    target = path + (f"?{query}" if query else "")
    url = f"http://{host}{target}"
    body = gzip.compress(payload, mtime=0) if gzipped else payload
    headers = [("Content-Type", "text/html; charset=utf-8")]
    if gzipped:
        headers.append(("Content-Encoding", "gzip"))
    headers += extra_headers or []
    if not any(name.lower() == "transfer-encoding" for name, _ in headers):
        headers.append(("Content-Length", str(len(body))))
    return HttpExchange(
        url=url,
        method="GET",
        request_target=url if via_proxy else target,
        request_headers=[
            ("Host", host),
            ("User-Agent", "news-archive-tests (+http://example.invalid/contact)"),
            ("Accept-Encoding", "gzip, deflate"),
            ("Accept", "text/html"),
        ],
        protocol="HTTP/1.1",
        status=status,
        reason=reason,
        response_headers=headers,
        payload=body,
        ip_address="127.0.0.1",
        date=BASE_DATE + timedelta(seconds=seconds),
        truncated=truncated,
    )


def gzip_test(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["gzip", "-t", str(path)], capture_output=True, text=True)


def warcio_check(*paths: Path) -> subprocess.CompletedProcess:
    """The real ``warcio check`` command line."""
    return subprocess.run(
        [str(VENV_BIN / "warcio"), "check", *map(str, paths)], capture_output=True, text=True
    )


def member_at(path: Path, offset: int, length: int) -> bytes:
    """Decompress exactly the gzip member at ``offset``/``length`` (must be whole)."""
    with open(path, "rb") as stream:
        stream.seek(offset)
        raw = stream.read(length)
    decompressor = zlib.decompressobj(zlib.MAX_WBITS + 16)
    content = decompressor.decompress(raw)
    assert decompressor.eof and not decompressor.unused_data, "not exactly one gzip member"
    return content


def http_block(member: bytes) -> bytes:
    """The record block (after the WARC headers) of a decompressed record."""
    warc_head_end = member.index(b"\r\n\r\n") + 4
    assert member.endswith(b"\r\n\r\n")
    return member[warc_head_end:-4]


def member_ends(path: Path) -> list[int]:
    """End offset of every gzip member of a whole file."""
    data = path.read_bytes()
    ends, offset = [], 0
    while offset < len(data):
        decompressor = zlib.decompressobj(zlib.MAX_WBITS + 16)
        decompressor.decompress(data[offset:])
        assert decompressor.eof, "file ends inside a gzip member"
        offset = len(data) - len(decompressor.unused_data)
        ends.append(offset)
    return ends
