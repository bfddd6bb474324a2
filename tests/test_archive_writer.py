"""WarcFileWriter: real WARC files read back with warcio, checked by warcio check and gzip -t."""

from __future__ import annotations

import gzip
import os
import re
import socket
import subprocess
import sys
from datetime import UTC, datetime

import pytest
from warcio.archiveiterator import ArchiveIterator

from archive.check import check_warc
from archive.exchange import HttpExchange
from archive.records import RefersTo, RevisitProfile, payload_digest
from archive.writer import WarcFileWriter, WrittenRecord
from tests.archive_fixtures import (
    ARTICLE_HTML,
    BASE_DATE,
    gzip_test,
    http_block,
    make_exchange,
    member_at,
    warcio_check,
)

NAME_RE = re.compile(r"^news-archive-(\d{14})-(\d{5})-([A-Za-z0-9.-]+)\.warc\.gz$")


def read_all(path):
    """Every record of a file with its raw payload bytes (as stored) and http headers."""
    out = []
    with open(path, "rb") as stream:
        for record in ArchiveIterator(stream):
            out.append((record, record.raw_stream.read()))
    return out


@pytest.fixture
def mixed_file(tmp_path):
    """One file with a gzipped page, a two-cookie page, a truncated one, a chunked one
    and a revisit of each profile; returns (path, {name: WrittenRecord}, exchanges)."""
    exchanges = {
        "gzipped": make_exchange(gzipped=True, query="page=2&x=%C3%A9"),
        "cookies": make_exchange(
            "/index.html",
            extra_headers=[("Set-Cookie", "a=1; Path=/"), ("Set-Cookie", "b=2; Path=/")],
            seconds=1,
        ),
        "truncated": make_exchange("/big.html", payload=b"x" * 5000, truncated="length", seconds=2),
        "chunked": make_exchange(
            "/spacewar.xml", extra_headers=[("Transfer-Encoding", "chunked")], seconds=3
        ),
        "not_modified": make_exchange(
            gzipped=True, status=304, reason="Not Modified", payload=b"", seconds=4
        ),
        "same_payload": make_exchange(gzipped=False, seconds=5, via_proxy=True),
    }
    written = {}
    with WarcFileWriter(tmp_path, warcinfo={"operator": "Test Operator", "robots": "obey"}) as w:
        for name in ("gzipped", "cookies", "truncated", "chunked"):
            written[name] = w.write_exchange(exchanges[name])
        written["plain"] = w.write_exchange(make_exchange(seconds=6))
        written["not_modified"] = w.write_revisit(
            exchanges["not_modified"], RevisitProfile.SERVER_NOT_MODIFIED, written["gzipped"]
        )
        written["same_payload"] = w.write_revisit(
            exchanges["same_payload"], "identical-payload-digest", written["plain"]
        )
    (path,) = tmp_path.glob("*.warc.gz")
    return path, written, exchanges


def test_file_passes_warcio_check_gzip_t_and_own_check(mixed_file):
    path, _, _ = mixed_file
    result = warcio_check(path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert gzip_test(path).returncode == 0
    assert check_warc(path) == []


def test_file_name_warcinfo_first_and_every_record_names_it(mixed_file):
    path, _, _ = mixed_file
    match = NAME_RE.match(path.name)
    assert match, path.name
    assert match.group(2) == "00000"
    assert match.group(3) == re.sub(r"[^A-Za-z0-9.-]+", "-", socket.gethostname())
    records = read_all(path)
    warcinfo, info_payload = records[0]
    assert warcinfo.rec_type == "warcinfo"
    assert warcinfo.rec_headers.protocol == "WARC/1.1"
    assert warcinfo.rec_headers.get_header("WARC-Filename") == path.name
    fields = dict(line.split(": ", 1) for line in info_payload.decode("utf-8").splitlines() if line)
    assert fields["software"].startswith("news-archive/0.1.0 (warcio/")
    assert "Python/" in fields["software"]
    assert fields["operator"] == "Test Operator"
    assert fields["robots"] == "obey"
    assert fields["hostname"] == socket.gethostname()
    assert fields["format"] == "WARC File Format 1.1"
    info_id = warcinfo.rec_headers.get_header("WARC-Record-ID")
    for record, _ in records[1:]:
        assert record.rec_headers.protocol == "WARC/1.1"
        assert record.rec_headers.get_header("WARC-Warcinfo-ID") == info_id
    assert [r.rec_type for r, _ in records] == ["warcinfo"] + ["response", "request"] * 5 + [
        "revisit",
        "request",
    ] * 2


def test_gzipped_response_keeps_wire_bytes_status_and_headers(mixed_file):
    path, written, exchanges = mixed_file
    exchange, where = exchanges["gzipped"], written["gzipped"]
    member = member_at(path, where.offset, where.length)
    block = http_block(member)
    expected_head = (
        "HTTP/1.1 200 OK\r\n"
        "Content-Type: text/html; charset=utf-8\r\n"
        "Content-Encoding: gzip\r\n"
        f"Content-Length: {len(exchange.payload)}\r\n\r\n"
    ).encode()
    assert block == expected_head + exchange.payload
    assert gzip.decompress(exchange.payload) == ARTICLE_HTML
    assert f"Content-Length: {len(block)}\r\n".encode() in member[: member.index(b"\r\n\r\n") + 2]

    records = {r.rec_headers.get_header("WARC-Record-ID"): (r, p) for r, p in read_all(path)}
    record, payload = records[where.record_id]
    assert payload == exchange.payload
    headers = record.rec_headers
    assert headers.get_header("WARC-Target-URI") == exchange.url
    assert headers.get_header("WARC-Date") == "2026-11-28T01:02:03.456789Z"
    assert headers.get_header("WARC-IP-Address") == "127.0.0.1"
    assert headers.get_header("WARC-Truncated") is None
    assert headers.get_header("WARC-Payload-Digest") == payload_digest(exchange.payload)
    assert where.payload_digest == payload_digest(exchange.payload)
    assert where.date == BASE_DATE
    assert where.filename == path.name
    assert where.target_uri == exchange.url


def test_request_record_as_sent_and_linked_to_response(mixed_file):
    path, written, exchanges = mixed_file
    records = read_all(path)
    by_id = {r.rec_headers.get_header("WARC-Record-ID"): r for r, _ in records}
    requests = [(r, p) for r, p in records if r.rec_type == "request"]
    assert len(requests) == 7
    for request, _ in requests:
        response = by_id[request.rec_headers.get_header("WARC-Concurrent-To")]
        assert response.rec_type in ("response", "revisit")
        assert request.rec_headers.get_header("WARC-Target-URI") == response.rec_headers.get_header(
            "WARC-Target-URI"
        )
        assert request.rec_headers.get_header("WARC-Date") == response.rec_headers.get_header(
            "WARC-Date"
        )
    gz_request = next(
        r
        for r, _ in requests
        if r.rec_headers.get_header("WARC-Concurrent-To") == written["gzipped"].record_id
    )
    head = gz_request.http_headers
    assert head.protocol == "GET"
    assert head.statusline == "/reports/Satellite_Launch_999.html?page=2&x=%C3%A9 HTTP/1.1"
    assert head.headers == exchanges["gzipped"].request_headers
    proxied = next(
        r
        for r, _ in requests
        if r.rec_headers.get_header("WARC-Concurrent-To") == written["same_payload"].record_id
    )
    assert proxied.http_headers.statusline == (
        "http://www.spacewar.com/reports/Satellite_Launch_999.html HTTP/1.1"
    )


def test_repeated_headers_kept_and_transfer_encoding_dropped(mixed_file):
    path, written, exchanges = mixed_file
    records = {r.rec_headers.get_header("WARC-Record-ID"): (r, p) for r, p in read_all(path)}
    cookies, _ = records[written["cookies"].record_id]
    assert [v for k, v in cookies.http_headers.headers if k == "Set-Cookie"] == [
        "a=1; Path=/",
        "b=2; Path=/",
    ]
    chunked, payload = records[written["chunked"].record_id]
    assert chunked.http_headers.get_header("Transfer-Encoding") is None
    assert chunked.http_headers.headers == [("Content-Type", "text/html; charset=utf-8")]
    assert payload == exchanges["chunked"].payload


def test_truncated_response_is_marked(mixed_file):
    path, written, exchanges = mixed_file
    records = {r.rec_headers.get_header("WARC-Record-ID"): (r, p) for r, p in read_all(path)}
    record, payload = records[written["truncated"].record_id]
    assert record.rec_headers.get_header("WARC-Truncated") == "length"
    assert payload == b"x" * 5000


def test_revisit_records_of_both_profiles(mixed_file):
    path, written, exchanges = mixed_file
    records = {r.rec_headers.get_header("WARC-Record-ID"): (r, p) for r, p in read_all(path)}

    not_modified, payload = records[written["not_modified"].record_id]
    headers = not_modified.rec_headers
    assert not_modified.rec_type == "revisit"
    assert headers.get_header("WARC-Profile") == (
        "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
    )
    assert headers.get_header("WARC-Refers-To") == written["gzipped"].record_id
    assert headers.get_header("WARC-Refers-To-Target-URI") == exchanges["gzipped"].url
    assert headers.get_header("WARC-Refers-To-Date") == "2026-11-28T01:02:03.456789Z"
    assert not_modified.http_headers.protocol == "HTTP/1.1"
    assert not_modified.http_headers.statusline == "304 Not Modified"
    assert payload == b""
    assert written["not_modified"].payload_digest == written["gzipped"].payload_digest

    same, payload = records[written["same_payload"].record_id]
    headers = same.rec_headers
    assert headers.get_header("WARC-Profile") == (
        "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
    )
    assert headers.get_header("WARC-Payload-Digest") == written["plain"].payload_digest
    assert headers.get_header("WARC-Refers-To") == written["plain"].record_id
    assert headers.get_header("WARC-Refers-To-Date") == "2026-11-28T01:02:09.456789Z"
    assert same.http_headers.statusline == "200 OK"
    assert payload == b""


def test_identical_payload_revisit_refuses_a_different_payload(tmp_path):
    with WarcFileWriter(tmp_path) as writer:
        original = writer.write_exchange(make_exchange())
        changed = make_exchange(payload=ARTICLE_HTML + b"<p>new</p>")
        with pytest.raises(ValueError, match="differs"):
            writer.write_revisit(changed, "identical-payload-digest", original)
        reference = RefersTo(
            original.record_id, "http://www.spacedaily.com/reports/X.html", BASE_DATE, None
        )
        revisit = writer.write_revisit(
            make_exchange(), RevisitProfile.IDENTICAL_PAYLOAD_DIGEST, reference
        )
    (path,) = tmp_path.glob("*.warc.gz")
    records = {r.rec_headers.get_header("WARC-Record-ID"): r for r, _ in read_all(path)}
    assert (
        records[revisit.record_id].rec_headers.get_header("WARC-Refers-To-Target-URI")
        == "http://www.spacedaily.com/reports/X.html"
    )
    assert len(records) == 5
    assert warcio_check(path).returncode == 0


def test_latin1_header_bytes_and_empty_reason_round_trip(tmp_path):
    exchange = make_exchange(
        reason="",
        extra_headers=[("Content-Disposition", "inline; filename=caf\u00e9.html")],
    )
    with WarcFileWriter(tmp_path) as writer:
        where = writer.write_exchange(exchange)
    (path,) = tmp_path.glob("*.warc.gz")
    block = http_block(member_at(path, where.offset, where.length))
    assert block.startswith(b"HTTP/1.1 200 \r\n")
    assert b"Content-Disposition: inline; filename=caf\xe9.html\r\n" in block
    assert warcio_check(path).returncode == 0


def test_header_with_newline_is_refused(tmp_path):
    exchange = make_exchange(extra_headers=[("X-Evil", "a\r\nWARC-Type: forged")])
    with WarcFileWriter(tmp_path) as writer, pytest.raises(ValueError, match="CR or LF"):
        writer.write_exchange(exchange)


def test_exchange_validates_date_and_truncation():
    with pytest.raises(ValueError, match="timezone"):
        HttpExchange(**{**make_exchange().__dict__, "date": datetime(2026, 1, 1)})
    with pytest.raises(ValueError, match="truncated"):
        HttpExchange(**{**make_exchange().__dict__, "truncated": "because"})


def test_open_suffix_while_writing_then_renamed(tmp_path):
    writer = WarcFileWriter(tmp_path, prefix="nightly")
    assert list(tmp_path.iterdir()) == []
    where = writer.write_exchange(make_exchange())
    (open_file,) = tmp_path.iterdir()
    assert open_file.name == where.filename + ".open"
    assert open_file.name.startswith("nightly-")
    assert gzip_test(open_file).returncode == 0
    writer.close()
    assert [p.name for p in tmp_path.iterdir()] == [where.filename]
    assert writer.closed_files == [where.filename]
    writer.close()


def test_rotation_by_size(tmp_path):
    exchanges = [make_exchange(f"/reports/Story_{i}_999.html", seconds=i) for i in range(12)]
    max_size = 4000
    with WarcFileWriter(tmp_path, max_size=max_size, hostname="crawler host/1") as writer:
        written = [writer.write_exchange(e) for e in exchanges]
        big = writer.write_exchange(
            make_exchange("/huge.html", payload=os.urandom(3 * max_size), seconds=99)
        )
        after = writer.write_exchange(make_exchange("/after.html", seconds=100))
    files = sorted(tmp_path.iterdir())
    assert len(files) >= 4
    assert not list(tmp_path.glob("*.open"))
    serials = [NAME_RE.match(p.name).group(2) for p in files]
    assert serials == [f"{i:05d}" for i in range(len(files))]
    assert all(NAME_RE.match(p.name).group(3) == "crawler-host-1" for p in files)
    for path in files:
        records = read_all(path)
        assert records[0][0].rec_type == "warcinfo"
        assert records[0][0].rec_headers.get_header("WARC-Filename") == path.name
        if path.name != big.filename:
            assert path.stat().st_size <= max_size
    big_records = read_all(tmp_path / big.filename)
    assert [r.rec_type for r, _ in big_records] == ["warcinfo", "response", "request"]
    assert big.filename != after.filename
    for exchange, where in zip(exchanges, written, strict=True):
        block = http_block(member_at(tmp_path / where.filename, where.offset, where.length))
        assert block.endswith(exchange.payload)
    result = warcio_check(*files)
    assert result.returncode == 0, result.stdout
    assert all(check_warc(p) == [] for p in files)


def test_file_names_do_not_collide(tmp_path):
    first = WarcFileWriter(tmp_path)
    second = WarcFileWriter(tmp_path)
    a = first.write_exchange(make_exchange())
    b = second.write_exchange(make_exchange())
    first.close()
    second.close()
    assert a.filename != b.filename
    assert len(list(tmp_path.glob("*.warc.gz"))) == 2


def test_written_record_date_is_utc_aware(tmp_path):
    with WarcFileWriter(tmp_path, fsync=True) as writer:
        where = writer.write_exchange(make_exchange())
    assert isinstance(where, WrittenRecord)
    assert where.date.tzinfo is not None and where.date.utcoffset() == UTC.utcoffset(None)


@pytest.mark.parametrize("level", [1, 9])
def test_any_gzip_level_gives_a_valid_file(tmp_path, level):
    with WarcFileWriter(tmp_path, compresslevel=level) as writer:
        where = writer.write_exchange(make_exchange())
    path = tmp_path / where.filename
    assert gzip_test(path).returncode == 0
    assert check_warc(path) == []
    assert http_block(member_at(path, where.offset, where.length)).endswith(ARTICLE_HTML)


def test_archive_package_does_not_import_scrapy():
    code = (
        "import sys, archive.check, archive.exchange, archive.jsonl, archive.mend, "
        "archive.reader, archive.records, archive.writer; "
        "assert 'scrapy' not in sys.modules and 'twisted' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
