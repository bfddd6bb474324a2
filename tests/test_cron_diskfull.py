"""A full disk (RLIMIT_FSIZE: a write past it fails with EFBIG) with extraction and the
state store on: the run stops with a clear error and exit code 1, and the next run (with
room again) finishes the archive: every file sound, every story recorded, its newest line
listing every copy."""

from __future__ import annotations

import resource
import signal
import subprocess

from crawler.extraction.records import story_id
from tests.conftest import MirrorProcess, load_truth
from tests.cron_fixtures import (
    assert_archive_sound,
    assert_versions_in_order,
    crawl_command,
    full_story_records,
    jsonl_lines,
    latest_story_urls,
    run_crawl,
)

ARTICLES_PER_SITE = 6
LIMIT = 120_000


def limit_file_size() -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (LIMIT, LIMIT))


def test_full_disk_stops_the_run_and_the_next_run_completes_the_archive(tmp_path):
    out = tmp_path / "archive"
    replica = MirrorProcess(articles_per_site=ARTICLES_PER_SITE)
    try:
        full = subprocess.run(
            crawl_command(out, replica.proxy), capture_output=True, text=True, timeout=240,
            preexec_fn=limit_file_size,
        )
        assert full.returncode == 1, full.stderr[-3000:]
        assert "Stopping the crawl" in full.stderr
        assert "WRITE ERROR" in full.stdout
        assert all(p.stat().st_size <= LIMIT for p in out.rglob("*") if p.is_file())

        again = run_crawl(out, replica.proxy)
    finally:
        replica.stop()
    assert again.returncode == 0, again.stderr[-3000:]
    assert_archive_sound(out)
    truth = load_truth(articles_per_site=ARTICLES_PER_SITE)
    assert_versions_in_order(jsonl_lines(out))
    assert latest_story_urls(out) == {
        story_id(t["urls"][0]): set(t["urls"]) for t in truth if t["kind"] == "story"
    }
    assert max(full_story_records(out).values()) == 1
