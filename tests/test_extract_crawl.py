"""The crawl writes JSONL while it runs; `news-archive extract` over its WARCs agrees.

Runs the real `news-archive crawl` against the replica (a subprocess) with the
extraction extension, then the real `news-archive extract` over the WARC files it wrote.
"""

from __future__ import annotations

import json
import subprocess
import sys

from bench.quality import evaluate
from crawler import settings as project_settings
from tests.crawl_fixtures import REPLICA_SETTINGS, run_crawl_cli

EXTENSION = "crawler.extraction.ExtractionExtension"


def extension_settings() -> tuple[str, ...]:
    """Enable the extension for this crawl if the project settings do not yet (the
    project may enable a subclass of it)."""
    from scrapy.utils.misc import load_object

    from crawler.extraction.extension import ExtractionExtension

    if any(isinstance(load_object(path), type) and issubclass(load_object(path),
                                                               ExtractionExtension)
           for path in project_settings.EXTENSIONS):
        return ()
    extensions = {**project_settings.EXTENSIONS, EXTENSION: 200}
    return ("-s", f"EXTENSIONS={json.dumps(extensions)}")


def load(path) -> list[dict]:
    with open(path, encoding="utf-8") as lines:
        return [json.loads(line) for line in lines]


def test_crawl_jsonl_equals_extract_over_its_warcs(mirror, truth, tmp_path):
    out = tmp_path / "out"
    run = run_crawl_cli(
        out, "--proxy", mirror.proxy, "--site", "spacewar.com", "--site", "spacedaily.com",
        "--no-requisites", *REPLICA_SETTINGS, *extension_settings(),
        "-s", "EXTRACTION_JOBS=2", "-s", "LOG_LEVEL=INFO",
    )
    assert run.result.returncode == 0, run.result.stderr[-3000:]
    [jsonl] = (out / "jsonl").glob("*.jsonl")
    assert not list((out / "jsonl").glob("*.open"))
    crawled = load(jsonl)
    stories = [s for s in truth() if s.get("kind") == "story"
               and s["site"] in ("spacewar.com", "spacedaily.com")]
    report = evaluate(stories, crawled)
    assert not [s.story_id for s in report.scores if not s.found]
    assert report.summary()["text_f1_min"] >= 0.97
    assert len(crawled) == len({r["id"] for r in crawled})
    assert "extraction/article" in run.result.stderr
    [stats] = (out / "runs").glob("*.json")
    assert json.loads(stats.read_text())["extraction/workers"] == 2

    rebuilt = tmp_path / "rebuilt.jsonl"
    result = subprocess.run(
        [sys.executable, "-m", "crawler.cli", "extract", *map(str, run.warc_files),
         "-o", str(rebuilt), "--jobs", "2"],
        capture_output=True, text=True, timeout=240,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert load(rebuilt) == crawled
