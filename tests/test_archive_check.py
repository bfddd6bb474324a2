"""archive.check.check_warc finds what warcio check misses, and passes good files."""

from __future__ import annotations

from io import BytesIO

from warcio.warcwriter import WARCWriter

from archive.check import check_warc
from archive.writer import WarcFileWriter
from tests.archive_fixtures import make_exchange, member_ends, warcio_check


def good_file(directory):
    with WarcFileWriter(directory) as writer:
        writer.write_exchange(make_exchange(gzipped=True))
        writer.write_exchange(make_exchange("/b.html", seconds=1))
    (path,) = directory.glob("*.warc.gz")
    return path


def messages(path):
    return [problem.message for problem in check_warc(path)]


def test_good_file_has_no_problem(tmp_path):
    assert check_warc(good_file(tmp_path)) == []


def test_cut_file_passes_warcio_check_but_not_check_warc(tmp_path):
    path = good_file(tmp_path)
    ends = member_ends(path)
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(path.read_bytes()[: ends[-1] - 20])
    assert warcio_check(cut).returncode == 0  # the gap check_warc exists for
    (problem,) = check_warc(cut)
    assert problem.offset == ends[-2]
    assert "not a whole gzip member" in problem.message
    assert str(problem).startswith(f"{cut}: offset {ends[-2]}:")


def write_raw(path, records_of):
    """Write records built by ``records_of(warcio_writer)`` with plain warcio."""
    with open(path, "wb") as stream:
        writer = WARCWriter(stream, gzip=True, warc_version="1.1")
        for record in records_of(writer):
            writer.write_record(record)


def test_missing_warcinfo_orphan_request_and_bad_digest(tmp_path):
    path = tmp_path / "bad.warc.gz"

    def records(writer):
        request = writer.create_warc_record(
            "http://www.spacewar.com/", "request", payload=BytesIO(b"GET / HTTP/1.1\r\n\r\n")
        )
        request.rec_headers.add_header("WARC-Concurrent-To", "<urn:uuid:nowhere>")
        chunked_block = (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nbody\r\n0\r\n\r\n"
        )
        chunked = writer.create_warc_record(
            "http://www.spacewar.com/a", "response", payload=BytesIO(chunked_block)
        )
        block = b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nbody"
        forged = writer.create_warc_record(
            "http://www.spacewar.com/b", "response", payload=BytesIO(block), length=len(block)
        )
        forged.rec_headers.replace_header(
            "WARC-Payload-Digest", "sha1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
        )
        return [request, chunked, forged]

    write_raw(path, records)
    found = messages(path)
    assert "first record is request, not warcinfo" in found
    assert "request has no response (WARC-Concurrent-To)" in found
    assert "stored Transfer-Encoding header over a de-chunked payload" in found
    assert any(m.startswith("digest: payload digest failed") for m in found), found
    assert "WARC-Warcinfo-ID does not name the file's warcinfo record" in found


def test_warc_1_0_records_are_reported(tmp_path):
    path = tmp_path / "old.warc.gz"
    with open(path, "wb") as stream:
        writer = WARCWriter(stream, gzip=True)
        writer.write_record(writer.create_warcinfo_record("old.warc.gz", {"software": "x"}))
    assert messages(path) == ["record is WARC/1.0, not WARC/1.1"]


def test_a_flipped_byte_is_one_problem_and_nothing_unprintable(tmp_path):
    """A damaged member is reported once, at its offset, not again as an unparsable
    record spelled out in raw gzip bytes."""
    path = good_file(tmp_path)
    ends = member_ends(path)
    data = bytearray(path.read_bytes())
    data[ends[-2] + 40] ^= 0xFF  # inside the compressed body of the last member
    damaged = tmp_path / "damaged.warc.gz"
    damaged.write_bytes(bytes(data))
    (problem,) = check_warc(damaged)
    assert problem.offset == ends[-2]
    assert str(problem).isprintable()



def test_a_repeated_record_id_and_a_response_without_its_request(tmp_path):
    path = tmp_path / "repeated.warc.gz"

    def records(writer):
        info = writer.create_warcinfo_record("repeated.warc.gz", {"software": "x"})
        info_id = info.rec_headers.get_header("WARC-Record-ID")
        block = b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nbody"
        response = writer.create_warc_record(
            "http://www.spacewar.com/a", "response", payload=BytesIO(block), length=len(block)
        )
        response.rec_headers.add_header("WARC-Warcinfo-ID", info_id)
        again = writer.create_warc_record(
            "http://www.spacewar.com/a", "response", payload=BytesIO(block), length=len(block)
        )
        again.rec_headers.add_header("WARC-Warcinfo-ID", info_id)
        again.rec_headers.replace_header(
            "WARC-Record-ID", response.rec_headers.get_header("WARC-Record-ID"))
        return [info, response, again]

    write_raw(path, records)
    assert messages(path) == [
        "response has no request record (none names it in WARC-Concurrent-To)",
        "duplicate WARC-Record-ID",
        "response has no request record (none names it in WARC-Concurrent-To)",
    ]
