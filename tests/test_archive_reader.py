"""archive.reader: iterate and random-access records written by WarcFileWriter."""

from __future__ import annotations

from dataclasses import replace

import brotli
import pytest

from archive.check import check_warc
from archive.index import index_archive
from archive.reader import RecordNotFound, iter_records, read_record, warc_path
from archive.writer import WarcFileWriter
from tests.archive_fixtures import ARTICLE_HTML, BASE_DATE, make_exchange


@pytest.fixture
def written(tmp_path):
    with WarcFileWriter(tmp_path) as writer:
        gz = writer.write_exchange(make_exchange(gzipped=True))
        plain = writer.write_exchange(
            make_exchange(
                "/b.html",
                extra_headers=[("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")],
                seconds=1,
            )
        )
    return tmp_path / gz.filename, gz, plain


def test_iter_records_locates_every_record(written):
    path, gz, plain = written
    refs = list(iter_records(path))
    assert [r.rec_type for r in refs] == ["warcinfo"] + ["response", "request"] * 2
    assert refs[0].offset == 0
    for before, after in zip(refs, refs[1:], strict=False):
        assert before.offset + before.length == after.offset
    assert refs[-1].offset + refs[-1].length == path.stat().st_size
    response = refs[1]
    assert (response.offset, response.length, response.record_id) == (
        gz.offset,
        gz.length,
        gz.record_id,
    )
    assert response.payload_digest == gz.payload_digest
    assert response.date == BASE_DATE
    assert response.target_uri == make_exchange().url
    assert response.header("warc-ip-address") == "127.0.0.1"
    assert refs[2].header("WARC-Concurrent-To") == gz.record_id


def test_payload_stays_encoded_and_content_is_decoded(written):
    path, gz, _ = written
    for ref in (read_record(path, gz.offset), list(iter_records(path, load=True))[1]):
        assert ref.read_payload() == make_exchange(gzipped=True).payload
        assert ref.read_content() == ARTICLE_HTML
        head = ref.read_http_headers()
        assert head.get_statuscode() == "200"
        assert head.get_header("Content-Encoding") == "gzip"
    lazy = list(iter_records(path))[1]
    assert lazy.read_content() == ARTICLE_HTML


def test_brotli_and_unknown_codings_read_index_and_check_as_in_warcio(tmp_path):
    """A server may send brotli though the crawl does not ask for it: warcio (and so
    cdxj-indexer and py-wacz) decode it with Google's brotli too (archive.brotli_compat).
    A coding nobody knows is left as it is, as warcio leaves it."""
    brotli_body = brotli.compress(ARTICLE_HTML)
    with WarcFileWriter(tmp_path / "warc") as writer:
        writer.write_exchange(replace(
            make_exchange("/br.html"), payload=brotli_body,
            response_headers=[("Content-Type", "text/html"), ("Content-Encoding", "br"),
                              ("Content-Length", str(len(brotli_body)))]))
        writer.write_exchange(make_exchange(
            "/odd.html", payload=b"odd", extra_headers=[("Content-Encoding", "x-odd")]))
    (path,) = (tmp_path / "warc").glob("*.warc.gz")
    contents = {ref.target_uri.rsplit("/", 1)[1]: ref.read_content()
                for ref in iter_records(path, load=True) if ref.rec_type == "response"}
    assert contents == {"br.html": ARTICLE_HTML, "odd.html": b"odd"}
    assert check_warc(str(path)) == []
    assert index_archive(tmp_path).lines == 2


def test_read_record_keeps_repeated_headers(written):
    path, _, plain = written
    ref = read_record(path, plain.offset)
    assert ref.length == plain.length
    cookies = [v for k, v in ref.read_http_headers().headers if k == "Set-Cookie"]
    assert cookies == ["a=1", "b=2"]
    assert ref.read_content() == ref.read_payload() == ARTICLE_HTML


def test_read_record_at_a_wrong_offset_is_a_clear_error(written):
    path, gz, _ = written
    with pytest.raises(RecordNotFound, match="no WARC record at offset"):
        read_record(path, gz.offset + 3)
    with pytest.raises(RecordNotFound):
        read_record(path, path.stat().st_size)


def test_warc_path_finds_open_and_closed_files(tmp_path):
    writer = WarcFileWriter(tmp_path)
    where = writer.write_exchange(make_exchange())
    assert warc_path(tmp_path, where.filename).name == where.filename + ".open"
    assert read_record(warc_path(tmp_path, where.filename), where.offset).rec_type == "response"
    writer.close()
    assert warc_path(tmp_path, where.filename).name == where.filename
