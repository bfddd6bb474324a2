"""`news-archive package`: a WACZ that py-wacz's own `wacz validate` accepts, holding the
WARC files and a pages.jsonl made from our article records."""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
import zipfile
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from archive.exchange import HttpExchange
from archive.reader import iter_records
from archive.records import RefersTo, RevisitProfile
from archive.writer import WarcFileWriter
from tests.tools_fixtures import (  # noqa: F401 (fixture)
    VENV_BIN,
    CrawledArchive,
    damage_mid_file,
    shared_crawl,
    tool,
)


@pytest.fixture(scope="module")
def crawled(shared_crawl) -> CrawledArchive:  # noqa: F811
    return shared_crawl


def wacz_validate(path) -> subprocess.CompletedProcess:
    """The real `wacz validate -f FILE` command line."""
    return subprocess.run(
        [str(VENV_BIN / "wacz"), "validate", "-f", str(path)], capture_output=True, text=True
    )


def pages_of(path) -> list[dict]:
    with zipfile.ZipFile(path) as wacz:
        lines = wacz.read("pages/pages.jsonl").decode("utf-8").splitlines()
    return [json.loads(line) for line in lines]


def test_package_validates_and_holds_warcs_and_searchable_pages(crawled, tmp_path):
    output = tmp_path / "archive.wacz"
    result = tool("package", crawled.root, "-o", output)
    assert result.returncode == 0, result.stderr
    validated = wacz_validate(output)
    assert validated.returncode == 0, validated.stdout
    assert "the passed WACZ is valid" in validated.stdout

    with zipfile.ZipFile(output) as wacz:
        names = set(wacz.namelist())
    assert {f"archive/{warc.name}" for warc in crawled.warc_files} <= names
    assert {"datapackage.json", "indexes/index.idx", "pages/pages.jsonl"} <= names

    header, *pages = pages_of(output)
    assert header["format"] == "json-pages-1.0" and header["id"] == "pages"
    articles = crawled.articles()
    assert len(pages) == len(articles) > 0
    by_url = {page["url"]: page for page in pages}
    for article in articles:
        page = by_url[article["url"]]
        assert page["ts"] == article["fetched_at"]
        assert page["title"] == (article["title"] or article["url"])
        assert page["text"] == article["text"]


def test_package_of_one_run_and_of_an_unknown_run(crawled, tmp_path):
    output = tmp_path / "run.wacz"
    result = tool("package", crawled.root, "--run", crawled.run_ids[0], "-o", output)
    assert result.returncode == 0, result.stderr
    assert wacz_validate(output).returncode == 0
    assert len(pages_of(output)) == len(crawled.articles()) + 1

    unknown = tool("package", crawled.root, "--run", "19990101T000000000000Z-1", "-o", output)
    assert unknown.returncode == 1
    assert "no WARC files of run 19990101T000000000000Z-1" in unknown.stderr

    missing = tool("package", tmp_path / "nowhere", "-o", output)
    assert missing.returncode == 1
    assert f"no such archive directory: {tmp_path / 'nowhere'}" in missing.stderr


def test_a_damaged_wacz_fails_validation(crawled, tmp_path):
    """The validator the tests rely on does reject a WACZ whose WARC was altered."""
    output = tmp_path / "archive.wacz"
    assert tool("package", crawled.root, "-o", output).returncode == 0
    damaged = tmp_path / "damaged.wacz"
    with zipfile.ZipFile(output) as source, zipfile.ZipFile(damaged, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename.startswith("archive/"):
                data = data[:-1] + bytes([data[-1] ^ 0xFF])
            target.writestr(item, data)
    assert wacz_validate(damaged).returncode != 0


def test_a_damaged_warc_or_jsonl_file_is_a_clear_error(crawled, tmp_path):
    """No traceback and no WACZ: one line saying what is damaged, and where to look."""
    archive = crawled.copy(tmp_path / "out")
    output = tmp_path / "archive.wacz"
    jsonl = archive.jsonl()
    jsonl.write_bytes(jsonl.read_bytes().replace(b"{", b"{\xff", 1))
    result = tool("package", archive.root, "-o", output)
    assert (result.returncode, result.stdout) == (1, "")
    assert "Traceback" not in result.stderr and f"{jsonl}:1: not a JSON line" in result.stderr
    assert not output.exists()

    shutil.copy(crawled.jsonl(), jsonl)
    damage_mid_file(archive.warc_files[0])
    result = tool("package", archive.root, "-o", output)
    assert (result.returncode, result.stdout) == (1, "")
    assert "Traceback" not in result.stderr and "a WARC file is damaged" in result.stderr
    assert f"news-archive check {archive.root}" in result.stderr
    assert not output.exists()


def index_of(path) -> list[dict]:
    """The fields of every line of a WACZ's CDXJ index (py-wacz's ZipNum: gzip members)."""
    with zipfile.ZipFile(path) as wacz:
        lines = gzip.decompress(wacz.read("indexes/index.cdx.gz")).decode().splitlines()
    return [json.loads(line.split(" ", 2)[2]) for line in lines]


def test_package_of_a_run_with_revisits_takes_the_files_of_their_originals(crawled, tmp_path):
    """A later run that stored only revisits of the first run's pages (identical payloads,
    and 304s): its WACZ must carry the first run's file holding the originals too. Its
    index leaves the 304s out (replay would show them empty), not the other revisits."""
    archive = crawled.copy(tmp_path / "out")
    later = "29990101T000000000000Z-2"
    (archive.root / "jsonl" / f"{later}.jsonl").write_text("")
    originals = [r for w in archive.warc_files for r in iter_records(w, load=True)
                 if r.rec_type == "response" and r.read_http_headers().get_statuscode() == "200"]
    warcinfo = {"isPartOf": f"news-archive run {later}"}
    with WarcFileWriter(archive.root / "warc", prefix="later", warcinfo=warcinfo) as writer:
        for original in originals[:5]:
            http = original.read_http_headers()
            exchange = HttpExchange(
                url=original.target_uri, method="GET", request_target=original.target_uri,
                request_headers=[("Host", "example.invalid")], protocol=http.protocol,
                status=200, reason="OK", response_headers=list(http.headers),
                payload=original.read_payload(), date=datetime.now(UTC),
            )
            refers_to = RefersTo(original.record_id, original.target_uri, original.date,
                                 original.payload_digest)
            writer.write_revisit(exchange, RevisitProfile.IDENTICAL_PAYLOAD_DIGEST, refers_to)
            not_modified = replace(exchange, status=304, reason="Not Modified", payload=b"")
            writer.write_revisit(not_modified, RevisitProfile.SERVER_NOT_MODIFIED, refers_to)
    (revisits,) = writer.closed_files

    output = tmp_path / "later.wacz"
    result = tool("package", archive.root, "--run", later, "-o", output)
    assert result.returncode == 0, result.stderr
    assert wacz_validate(output).returncode == 0
    with zipfile.ZipFile(output) as wacz:
        packaged = {name for name in wacz.namelist() if name.startswith("archive/")}
    holding_originals = {Path(original.filename).name for original in originals[:5]}
    assert packaged == {f"archive/{name}" for name in {revisits, *holding_originals}}
    indexed = [(f["filename"], f["status"]) for f in index_of(output)]
    assert indexed.count((revisits, "200")) == 5
    assert not any(status == "304" for _, status in indexed)
    assert any(name in holding_originals for name, _ in indexed)
