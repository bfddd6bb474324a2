"""Mending .open WARC files cut at every offset of the last records and in the middle."""

from __future__ import annotations

import gzip
import os
import random
import shutil
from types import SimpleNamespace

import pytest
from warcio.checker import Checker

from archive.check import check_warc
from archive.mend import last_whole_record_end, mend_file, mend_open_files
from archive.reader import iter_records
from archive.writer import WarcFileWriter
from tests.archive_fixtures import gzip_test, make_exchange, member_ends, warcio_check


@pytest.fixture(scope="module")
def whole_file(tmp_path_factory):
    """A closed WARC file: warcinfo, three exchanges (one with a 6 KB random body)."""
    directory = tmp_path_factory.mktemp("whole")
    with WarcFileWriter(directory) as writer:
        writer.write_exchange(make_exchange("/a.html", gzipped=True))
        writer.write_exchange(make_exchange("/b.html", payload=random.randbytes(6000), seconds=1))
        writer.write_exchange(make_exchange("/c.html", payload=b"<p>short</p>", seconds=2))
    (path,) = directory.glob("*.warc.gz")
    return path


def cut_copy(source, directory, cut):
    target = directory / (source.name + ".open")
    with open(source, "rb") as src, open(target, "wb") as dst:
        dst.write(src.read(cut))
    return target


def warcio_checker_exit(path) -> int:
    """warcio's own checker (what `warcio check` runs), in process."""
    return Checker(SimpleNamespace(inputs=[str(path)], verbose=False)).process_all()


def expected_records(ends, cut):
    """Whole records up to the cut, less a response whose request was cut off: the file
    is warcinfo, then (response, request) pairs."""
    whole = sum(1 for end in ends if end <= cut)
    return whole - 1 if whole % 2 == 0 else whole


def test_whole_file_layout(whole_file):
    ends = member_ends(whole_file)
    assert len(ends) == 7
    assert last_whole_record_end(whole_file) == (7, whole_file.stat().st_size)


def test_mend_at_every_offset_of_the_last_exchange(whole_file, tmp_path):
    ends = member_ends(whole_file)
    start_of_last_exchange = ends[-3]
    for cut in range(start_of_last_exchange, ends[-1] + 1):
        open_path = cut_copy(whole_file, tmp_path, cut)
        (report,) = mend_open_files(tmp_path)
        records = expected_records(ends, cut)
        kept = ends[records - 1]
        assert report.records == records, cut
        assert report.kept_bytes == kept
        assert report.removed_bytes == cut - kept
        assert not report.deleted
        assert not open_path.exists()
        assert report.path == tmp_path / whole_file.name
        assert report.path.stat().st_size == kept
        assert gzip_test(report.path).returncode == 0, cut
        assert warcio_checker_exit(report.path) == 0, cut
        assert len(list(iter_records(report.path))) == records
        report.path.unlink()


def test_mend_at_random_offsets_in_the_middle(whole_file, tmp_path):
    ends = member_ends(whole_file)
    rng = random.Random(7)
    cuts = sorted(rng.sample(range(ends[0] + 1, ends[-3]), 12))
    mended = []
    for cut in cuts:
        directory = tmp_path / str(cut)
        directory.mkdir()
        cut_copy(whole_file, directory, cut)
        (report,) = mend_open_files(directory)
        assert report.records == expected_records(ends, cut), cut
        assert check_warc(report.path) == []
        assert gzip_test(report.path).returncode == 0
        mended.append(report.path)
    result = warcio_check(*mended)
    assert result.returncode == 0, result.stdout


def test_cut_inside_warcinfo_deletes_the_file(whole_file, tmp_path):
    ends = member_ends(whole_file)
    for cut in (0, 1, 10, ends[0] - 1):
        open_path = cut_copy(whole_file, tmp_path, cut)
        (report,) = mend_open_files(tmp_path)
        assert report.deleted and report.records == 0
        assert "no whole record" in report.note
        assert not open_path.exists()
        assert list(tmp_path.iterdir()) == []


def test_whole_open_file_is_just_renamed(whole_file, tmp_path):
    open_path = cut_copy(whole_file, tmp_path, whole_file.stat().st_size)
    report = mend_file(open_path)
    assert report.records == 7 and report.removed_bytes == 0
    assert report.path.read_bytes() == whole_file.read_bytes()


def test_garbage_after_last_record_is_cut(whole_file, tmp_path):
    open_path = cut_copy(whole_file, tmp_path, whole_file.stat().st_size)
    with open(open_path, "ab") as stream:
        stream.write(b"\x1f\x8b\x08\x00not really gzip")
    report = mend_file(open_path)
    assert report.records == 7
    assert report.path.read_bytes() == whole_file.read_bytes()


def test_member_that_is_not_a_whole_record_ends_the_file(whole_file, tmp_path):
    """A gzip member holding only part of a record (never written by us) is not kept."""
    size = whole_file.stat().st_size
    open_path = cut_copy(whole_file, tmp_path, size)
    with open(open_path, "ab") as stream:
        stream.write(
            gzip.compress(b"WARC/1.1\r\nWARC-Type: resource\r\nContent-Length: 50\r\n\r\nabc")
        )
    report = mend_file(open_path)
    assert report.records == 7 and report.kept_bytes == size


def test_mend_refuses_to_overwrite_a_closed_file(whole_file, tmp_path):
    shutil.copy(whole_file, tmp_path / whole_file.name)
    open_path = cut_copy(whole_file, tmp_path, 500)
    with pytest.raises(FileExistsError):
        mend_file(open_path)
    assert open_path.exists()
    (report,) = mend_open_files(tmp_path)
    assert report.path == open_path and "already exists" in report.note
    assert open_path.stat().st_size == 500
    assert (tmp_path / whole_file.name).read_bytes() == whole_file.read_bytes()


def test_mend_ignores_closed_files_and_other_names(whole_file, tmp_path):
    shutil.copy(whole_file, tmp_path / whole_file.name)
    (tmp_path / "notes.txt.open").write_text("x")
    assert mend_open_files(tmp_path) == []
    assert os.path.getsize(tmp_path / whole_file.name) == whole_file.stat().st_size
