"""`news-archive index`: a CDXJ index per WARC file that locates every response and
revisit record (checked against warcio's own reading), and one merged, sorted index of
those a replay tool can show (all but 304s; replayed in tests/test_tools_replay.py)."""

from __future__ import annotations

import json
import shutil

import pytest
from warcio.archiveiterator import ArchiveIterator

from tests.tools_fixtures import (  # noqa: F401 (fixture)
    CrawledArchive,
    damage_mid_file,
    shared_crawl,
    tool,
)


@pytest.fixture(scope="module")
def indexed(shared_crawl, tmp_path_factory) -> CrawledArchive:  # noqa: F811
    archive = shared_crawl.copy(tmp_path_factory.mktemp("index") / "out")
    root = archive.root
    result = tool("index", root)
    assert result.returncode == 0, result.stderr
    assert f"{len(archive.warc_files)} WARC file(s) indexed, 0 up to date" in result.stdout
    return archive


def cdxj_lines(path):
    lines = path.read_text(encoding="utf-8").splitlines()
    return [(key, ts, json.loads(fields)) for key, ts, fields in (ln.split(" ", 2) for ln in lines)]


def captures(warc):
    """(url, offset, length, payload digest) of every response/revisit, via warcio."""
    found = []
    with open(warc, "rb") as stream:
        iterator = ArchiveIterator(stream)
        for record in iterator:
            if record.rec_type in ("response", "revisit"):
                headers = record.rec_headers
                record.content_stream().read()
                iterator.read_to_end()
                found.append((
                    headers.get_header("WARC-Target-URI"),
                    iterator.get_record_offset(),
                    iterator.get_record_length(),
                    headers.get_header("WARC-Payload-Digest"),
                ))
    return found


def test_every_capture_is_in_its_files_index_and_in_the_merged_index(indexed):
    merged = cdxj_lines(indexed.root / "indexes" / "index.cdxj")
    merged_positions = {
        (f["filename"], f["url"], int(f["offset"]), int(f["length"])) for _, _, f in merged
    }
    replayable = set()
    for warc in indexed.warc_files:
        per_file = cdxj_lines(indexed.root / "indexes" / "warc" / (warc.name + ".cdxj"))
        assert sorted(
            (f["url"], int(f["offset"]), int(f["length"]), f.get("digest"))
            for _, _, f in per_file
        ) == sorted(captures(warc))
        assert {f["filename"] for _, _, f in per_file} == {warc.name}
        replayable |= {
            (warc.name, f["url"], int(f["offset"]), int(f["length"]))
            for _, _, f in per_file if f["status"] != "304"
        }
    assert merged_positions == replayable
    assert len(merged) == len(replayable) > 0


def test_merged_index_is_sorted_by_key_and_timestamp(indexed):
    lines = (indexed.root / "indexes" / "index.cdxj").read_text(encoding="utf-8").splitlines()
    assert lines == sorted(lines)
    key, timestamp, fields = cdxj_lines(indexed.root / "indexes" / "index.cdxj")[0]
    assert key.startswith("com,") and ")/" in key
    assert len(timestamp) == 14 and timestamp.isdigit()
    assert {"url", "mime", "status", "digest", "length", "offset", "filename"} <= fields.keys()


def test_reindexing_is_incremental_and_follows_worker_folders(indexed, tmp_path):
    root = tmp_path / "out"
    shutil.copytree(indexed.root, root)
    again = tool("index", root)
    assert again.returncode == 0
    assert "0 WARC file(s) indexed" in again.stdout

    worker = root / "warc" / "worker-2"
    worker.mkdir()
    copied = worker / ("w2-" + indexed.warc_files[0].name)
    shutil.copy(indexed.warc_files[0], copied)
    (root / "warc" / "being-written.warc.gz.open").write_bytes(b"")
    grown = tool("index", root)
    assert grown.returncode == 0, grown.stderr
    assert "1 WARC file(s) indexed" in grown.stdout
    assert "being-written.warc.gz.open (still being written)" in grown.stderr
    filenames = {f["filename"] for _, _, f in cdxj_lines(root / "indexes" / "index.cdxj")}
    assert f"worker-2/{copied.name}" in filenames
    assert (root / "indexes" / "warc" / "worker-2" / (copied.name + ".cdxj")).is_file()

    copied.unlink()
    shrunk = tool("index", root)
    assert "1 stale index(es) removed" in shrunk.stdout
    filenames = {f["filename"] for _, _, f in cdxj_lines(root / "indexes" / "index.cdxj")}
    assert f"worker-2/{copied.name}" not in filenames
    assert filenames == {warc.name for warc in indexed.warc_files}


def test_missing_directory_is_a_clear_error(tmp_path):
    result = tool("index", tmp_path / "nowhere")
    assert result.returncode == 1
    assert "no such archive directory" in result.stderr


def test_a_damaged_warc_file_is_reported_and_the_others_still_indexed(indexed, tmp_path):
    root = tmp_path / "out"
    shutil.copytree(indexed.root, root)
    good = root / "warc" / ("copy-" + indexed.warc_files[0].name)
    shutil.copy(indexed.warc_files[0], good)
    damaged = root / "warc" / indexed.warc_files[0].name
    damage_mid_file(damaged)
    result = tool("index", "--rebuild", root)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"not indexed: {damaged} is damaged" in result.stderr
    assert f"news-archive check {damaged}" in result.stderr
    assert "1 damaged" in result.stdout
    filenames = {f["filename"] for _, _, f in cdxj_lines(root / "indexes" / "index.cdxj")}
    assert filenames == {good.name}
    assert not (root / "indexes" / "warc" / (damaged.name + ".cdxj")).exists()
