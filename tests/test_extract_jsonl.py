"""JSONL records from WARC files: the schema, real clients, the extract CLI, and the crawl.

WARC files are written with the archive API from replica pages (some gzipped, as the
server sends them), then `news-archive extract` runs as a real subprocess.
"""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import jsonschema
import pandas as pd
import pytest

from archive.exchange import HttpExchange
from archive.reader import read_record
from archive.writer import WarcFileWriter
from crawler.extraction.records import finalize_spool, spool_path, story_id
from mirror.network import Network

REPO = Path(__file__).resolve().parents[1]
SCHEMA_PATH = REPO / "archive" / "schema" / "article-v1.json"
ARTICLES_PER_SITE = 14
NON_ARTICLES = (
    "http://www.spacewar.com/index.html",
    "http://www.spacedaily.com/spacedaily.xml",
    "http://www.terradaily.com/robots.txt",
    "http://www.spacewar.com/reports/No_Such_Story_999.html",  # 404
    "http://spacewar.com/index.html",  # 301
    "http://www.spacewar.com/faults/binary.html",
)


def exchange_for(network: Network, url: str, when: datetime, gzip_it: bool) -> HttpExchange:
    host, _, path = url.removeprefix("http://").partition("/")
    resource = network.resolve(host, "/" + path)
    if resource is None:
        status, headers, body = 404, [("Content-Type", "text/html")], b"<h1>Not Found</h1>"
    else:
        status, headers, body = resource.status, list(resource.headers), resource.body
    if gzip_it and body:
        headers.append(("Content-Encoding", "gzip"))
        body = gzip.compress(body, mtime=0)
    return HttpExchange(
        url=url, method="GET", request_target="/" + path,
        request_headers=[("Host", host), ("Accept-Encoding", "gzip")], protocol="HTTP/1.1",
        status=status, reason="OK" if status == 200 else "Other", response_headers=headers,
        payload=body, date=when,
    )


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    """Two WARC files of replica pages; returns (warc paths, truth stories)."""
    network = Network(seed=3, articles_per_site=ARTICLES_PER_SITE)
    truth = [s for s in network.truth() if s.get("kind") == "story"]
    urls = [url for story in truth for url in story["urls"]] + list(NON_ARTICLES)
    directory = tmp_path_factory.mktemp("warc")
    start = datetime(2026, 1, 2, 3, 4, 5, 123456, tzinfo=UTC)
    half = len(urls) // 2
    for part in (urls[:half], urls[half:]):
        with WarcFileWriter(directory, prefix="test", warcinfo={"software": "tests"}) as writer:
            for number, url in enumerate(part):
                when = start + timedelta(seconds=len(part) + number)
                writer.write_exchange(exchange_for(network, url, when, gzip_it=number % 2 == 0))
        start += timedelta(hours=1)
    return sorted(directory.glob("*.warc.gz")), truth


def run_extract(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "crawler.cli", "extract", *args],
        capture_output=True, timeout=240,
    )


@pytest.fixture(scope="module")
def extracted(archive, tmp_path_factory):
    warcs, _ = archive
    out = tmp_path_factory.mktemp("jsonl") / "articles.jsonl"
    result = run_extract(*map(str, warcs), "-o", str(out), "--jobs", "2")
    assert result.returncode == 0, result.stderr.decode()[-3000:]
    return out, result


def load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_one_record_per_story_with_every_url(archive, extracted):
    _, truth = archive
    out, result = extracted
    records = load(out)
    assert len(records) == len(truth)
    assert f"{len(truth)} records" in result.stderr.decode()
    by_url = {url: record for record in records for url in record["urls"]}
    for story in truth:
        record = by_url[story["urls"][0]]
        assert record["urls"] == story["urls"]
        assert record["url"] == story["urls"][0]
        assert record["title"] == story["title"]
        assert record["id"] == story_id(story["urls"][-1])
    assert len({record["id"] for record in records}) == len(records)
    assert any(len(record["urls"]) > 1 for record in records)


def test_story_ids_join_copies_only_where_the_url_names_the_story():
    """A /reports/ slug is the story on every site (and www/https do not matter); a
    1999-2005 /news/ name is a per-site counter, so the same path on two sites is two
    stories; any other site's URL is its own story."""
    reports = "/reports/Japan_Launches_Second_Navigation_Satellite_999.html"
    assert story_id("http://www.spacewar.com" + reports) == story_id(
        "https://spacedaily.com" + reports)
    news = "/news/nuclear-blackmarket-02c.html"
    assert story_id("http://www.spacewar.com" + news) == story_id("http://spacewar.com" + news)
    assert story_id("http://www.spacewar.com" + news) != story_id(
        "http://www.terradaily.com" + news)
    assert story_id("http://example.org" + reports) != story_id("http://example.net" + reports)


def test_records_validate_against_the_schema(extracted):
    schema = json.loads(SCHEMA_PATH.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$id"].endswith("article-v1.json")
    validator = jsonschema.Draft202012Validator(schema)
    records = load(extracted[0])
    for record in records:
        validator.validate(record)
    broken = dict(records[0], published="24 April 2007")
    assert list(validator.iter_errors(broken))


def test_warc_pointers_lead_to_the_response_record(archive, extracted):
    warcs, _ = archive
    by_name = {path.name: path for path in warcs}
    for record in load(extracted[0]):
        pointer = record["warc"]
        ref = read_record(by_name[pointer["filename"]], pointer["offset"])
        assert ref.rec_type == "response"
        assert ref.record_id == pointer["record_id"]
        assert ref.length == pointer["length"]
        assert ref.payload_digest == pointer["payload_digest"]
        assert ref.target_uri == record["url"]
        assert record["fetched_at"].startswith(ref.date.strftime("%Y-%m-%dT%H:%M:%S"))
        assert record["extractor"]["name"] == "trafilatura"
        assert record["extractor"]["profile"] == "spacedaily"


def test_pandas_reads_the_jsonl(archive, extracted):
    _, truth = archive
    frame = pd.read_json(extracted[0], lines=True)
    assert len(frame) == len(truth)
    assert frame["id"].is_unique
    assert pd.api.types.is_integer_dtype(frame["status"])
    assert (frame["status"] == 200).all()
    assert frame["text"].map(lambda text: isinstance(text, str) and len(text) > 0).all()
    assert frame["related_reports"].map(lambda reports: isinstance(reports, list)).all()
    published = pd.to_datetime(frame["published"], format="%Y-%m-%d")
    assert published.notna().all()
    assert set(frame["site"]) == {"spacewar.com", "spacedaily.com", "terradaily.com"}


def test_duckdb_reads_the_jsonl(archive, extracted):
    _, truth = archive
    connection = duckdb.connect()
    relation = connection.read_json(str(extracted[0]), format="newline_delimited")
    types = dict(zip(relation.columns, map(str, relation.types), strict=True))
    assert types["status"] in ("BIGINT", "INTEGER")
    assert types["published"] == "DATE"
    assert types["urls"] == "VARCHAR[]"
    assert types["warc"].startswith("STRUCT(")
    connection.register("articles", relation)
    count, stories, related = connection.execute(
        "SELECT count(*), count(DISTINCT id), sum(len(related_reports)) FROM articles"
    ).fetchone()
    assert count == stories == len(truth)
    assert related == sum(len(story["related_reports"]) for story in truth)
    [(offsets_ok,)] = connection.execute(
        "SELECT bool_and(warc.offset >= 0 AND warc.length > 0) FROM articles").fetchall()
    assert offsets_ok


def test_stdout_and_one_job_give_the_same_records(archive, extracted):
    warcs, _ = archive
    result = run_extract(*map(str, warcs), "--jobs", "1")
    assert result.returncode == 0, result.stderr.decode()[-3000:]
    assert result.stdout.decode("utf-8") == extracted[0].read_text(encoding="utf-8")


def test_a_killed_extracts_leftovers_are_not_merged_into_the_next(archive, extracted, tmp_path):
    warcs, _ = archive
    out = tmp_path / "articles.jsonl"
    first = extracted[0].read_text(encoding="utf-8").splitlines()[0]
    for leftover in (spool_path(out), spool_path(tmp_path / "articles.jsonl.v")):
        leftover.write_text(first.replace('"version": 1', '"version": 7') + "\n")
    result = run_extract(*map(str, warcs), "-o", str(out), "--jobs", "1")
    assert result.returncode == 0, result.stderr.decode()[-3000:]
    assert load(out) == load(extracted[0])
    assert not list(tmp_path.glob("*.open"))


def test_missing_warc_is_a_clear_error(tmp_path):
    result = run_extract(str(tmp_path / "nope.warc.gz"))
    assert result.returncode == 1
    assert "no such file" in result.stderr.decode()
    assert "Traceback" not in result.stderr.decode()


def test_spool_of_a_crashed_run_is_finalized(tmp_path):
    record = {"id": "a" * 40, "url": "http://www.x.com/1", "urls": ["http://www.x.com/1"],
              "warc": {"filename": "f-1.warc.gz", "offset": 10}}
    later = dict(record, url="http://www.y.com/1", urls=["http://www.y.com/1"],
                 warc={"filename": "f-1.warc.gz", "offset": 5})
    other = dict(record, id="b" * 40, warc={"filename": "f-0.warc.gz", "offset": 99})
    final = tmp_path / "run.jsonl"
    spool = spool_path(final)
    spool.write_text("".join(json.dumps(r) + "\n" for r in (record, other, later))
                     + '{"id": "torn')
    finalize_spool(spool)
    assert not spool.exists()
    merged = load(final)
    assert [r["id"] for r in merged] == ["b" * 40, "a" * 40]
    assert merged[0] == other
    assert merged[1]["urls"] == ["http://www.y.com/1", "http://www.x.com/1"]
    assert merged[1]["url"] == "http://www.y.com/1"


def test_unreadable_warc_is_a_clear_error_and_writes_nothing(archive, tmp_path):
    warcs, _ = archive
    not_warc = tmp_path / "notes.warc.gz"
    not_warc.write_bytes(b"<html>not a WARC file</html>\n")
    cut = tmp_path / "cut.warc.gz"
    data = warcs[0].read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    for bad in (not_warc, cut):
        out = tmp_path / f"{bad.stem}.jsonl"
        result = run_extract(str(bad), "-o", str(out))
        stderr = result.stderr.decode()
        assert result.returncode == 1, stderr
        assert f"{bad}: not a readable WARC file" in stderr
        assert "Traceback" not in stderr
        assert not out.exists() and not spool_path(out).exists()
