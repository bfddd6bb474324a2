"""The Scrapy extension's bookkeeping: settings, drift counting and the drift warning."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

import pytest
from scrapy import Spider
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler

from archive.jsonl import JsonlWriter
from archive.layout import ArchiveDir
from crawler.extraction.extension import ExtractionExtension, default_workers
from crawler.extraction.pool import Capture, available_cores, is_candidate, process_capture
from crawler.state import mend_leftovers
from mirror.network import Network

STORY_URL = "http://www.spacedaily.com/reports/Some_Story_999.html"
REDESIGNED = (
    "<html><head><title>Some Story</title></head><body><main><article><h2>Some Story</h2>"
    + "".join(f"<p>Sentence {n} of a story in a layout the profile has never seen, long "
              "enough for a generic extractor to keep it as the main text.</p>" for n in range(8))
    + "</article></main></body></html>"
).encode()


def crawler_with(tmp_path, **settings):
    base = {"ARCHIVE_DIR": str(tmp_path), "ARCHIVE_RUN_ID": "run-1", "EXTRACTION_JOBS": 1}
    return get_crawler(Spider, {**base, **settings})


def capture(url: str, body: bytes) -> Capture:
    return Capture(url=url, status=200, headers=[("Content-Type", "text/html; charset=utf-8")],
                   payload=body, fetched_at=datetime(2026, 1, 1, tzinfo=UTC),
                   warc={"filename": "x.warc.gz", "offset": 0, "length": 1,
                         "record_id": "<urn:uuid:00000000-0000-0000-0000-000000000000>",
                         "payload_digest": None})


def test_disabled_by_setting(tmp_path):
    with pytest.raises(NotConfigured):
        ExtractionExtension.from_crawler(crawler_with(tmp_path, EXTRACTION_ENABLED=False))


def test_settings_name_the_jsonl_file(tmp_path):
    extension = ExtractionExtension.from_crawler(
        crawler_with(tmp_path, EXTRACTION_MAX_IN_FLIGHT=3))
    assert extension.jsonl_path == tmp_path / "jsonl" / "run-1.jsonl"
    assert (extension.jobs, extension.max_in_flight) == (1, 3)


def test_workers_leave_a_core_to_the_crawl_and_are_two_at_most(tmp_path):
    assert [default_workers(cores) for cores in (1, 2, 3, 4, 64)] == [1, 1, 2, 2, 2]
    extension = ExtractionExtension.from_crawler(crawler_with(tmp_path, EXTRACTION_JOBS=0))
    assert extension.jobs == default_workers(available_cores())


def test_layout_drift_is_counted_and_warned_about(tmp_path, caplog):
    crawler = crawler_with(tmp_path)
    crawler.stats.open_spider()
    extension = ExtractionExtension.from_crawler(crawler)
    network = Network(seed=1, articles_per_site=20)
    story = next(s for s in network.truth() if s.get("kind") == "story")
    host, _, path = story["urls"][0].removeprefix("http://").partition("/")
    good = network.resolve(host, "/" + path)
    extension.writer = JsonlWriter(tmp_path / "captures.jsonl")
    extension._record(process_capture(capture(story["urls"][0], good.body)))
    extension._record(process_capture(capture(STORY_URL, REDESIGNED)))
    with caplog.at_level(logging.WARNING):
        extension._warn_about_drift()
    stats = crawler.stats.get_stats()
    assert stats["extraction/article"] == 1
    assert stats["extraction/fallback"] == 1
    assert stats["extraction/drift"] == 1
    extension.writer.close()
    written = [json.loads(line) for line in (tmp_path / "captures.jsonl").read_text().splitlines()]
    assert [record["extractor"]["profile"] for record in written] == ["spacedaily", "generic"]
    assert "layout drift" in caplog.text and STORY_URL in caplog.text


@pytest.mark.parametrize(
    ("url", "status", "content_type", "truncated", "expected"),
    [
        (STORY_URL, 200, "text/html", None, True),
        (STORY_URL, 404, "text/html", None, False),
        (STORY_URL, 200, "image/jpeg", None, False),
        (STORY_URL, 200, "text/html", "length", False),
        ("http://www.spacedaily.com/index.html", 200, "text/html", None, False),
        ("http://www.spxdaily.com/images/x.jpg", 200, "text/html", None, False),
        ("https://news.example.org/story.html", 200, "text/html", None, True),
    ],
)
def test_candidates(url, status, content_type, truncated, expected):
    assert is_candidate(url, status, [("Content-Type", content_type)], truncated) is expected


def test_spool_of_an_interrupted_run_is_finished_before_the_next_run_writes(tmp_path):
    """The spool keeps its whole lines, the torn last one is dropped (the crawl does this
    when its capture starts, with or without the state store: tests/test_crawl_cli.py)."""
    jsonl = tmp_path / "jsonl"
    jsonl.mkdir()
    record = process_capture(capture(STORY_URL, REDESIGNED)).record
    (jsonl / "run-0.jsonl.open").write_text(json.dumps(record) + "\n" + '{"torn": ')
    crawler = crawler_with(tmp_path)
    mend_leftovers(ArchiveDir(tmp_path), crawler.stats)
    assert [json.loads(line) for line in (jsonl / "run-0.jsonl").read_text().splitlines()] \
        == [record]
    assert not (jsonl / "run-0.jsonl.open").exists()
    assert crawler.stats.get_value("archive/mended_jsonl") == 1
