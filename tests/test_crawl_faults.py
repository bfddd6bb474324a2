"""The replica's fault URLs, crawled with the real CLI: what ends up in the WARC files.

A replica of its own (the 503 fault counts hits per server process), one crawl started
at every fault URL, with a small download limit and timeout so the test stays fast.
"""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import MirrorProcess
from tests.crawl_fixtures import REPLICA_SETTINGS, CrawlRun, run_crawl_cli

FAULTS = "http://www.spacewar.com/faults/"
MAXSIZE = 1024 * 1024
BARREN_LIMIT = 3
REDIRECT_MAX_TIMES = 5


@pytest.fixture(scope="module")
def crawl(tmp_path_factory) -> CrawlRun:
    replica = MirrorProcess(articles_per_site=4)
    try:
        out = tmp_path_factory.mktemp("faults") / "archive"
        starts = ["large.html", "reset.html", "stall.html", "retry-503.html",
                  "calendar/2024-01.html", "loop/a.html", "binary.html", "broken-markup.html"]
        run = run_crawl_cli(
            out, "--proxy", replica.proxy, "--site", "spacewar", "--no-requisites",
            *[arg for path in starts for arg in ("--start-url", FAULTS + path)],
            *REPLICA_SETTINGS,
            "-s", f"DOWNLOAD_MAXSIZE={MAXSIZE}", "-s", "DOWNLOAD_TIMEOUT=2",
            "-s", "DOWNLOAD_STALL_TIMEOUT=1",
            "-s", "RETRY_TIMES=2", "-s", f"HUB_BARREN_LIMIT={BARREN_LIMIT}",
            "-s", f"REDIRECT_MAX_TIMES={REDIRECT_MAX_TIMES}",
        )
    finally:
        replica.stop()
    assert run.result.returncode == 0, run.result.stderr[-3000:]
    return run


def run_stats(crawl: CrawlRun) -> dict:
    [path] = (crawl.out / "runs").glob("*.json")
    return json.loads(path.read_text())


def test_oversize_page_is_cut_at_the_limit_and_marked(crawl):
    from mirror.faults import large_page_chunks

    [record] = crawl.responses_for(FAULTS + "large.html")
    assert record.headers["WARC-Truncated"] == "length"
    assert len(record.payload) == MAXSIZE
    assert record.http_header("Content-Encoding") is None
    sent = b""
    for chunk in large_page_chunks():
        sent += chunk
        if len(sent) >= MAXSIZE:
            break
    assert record.payload == sent[:MAXSIZE]


def test_a_body_cut_by_a_reset_is_archived_as_truncated_and_retried(crawl):
    """The replica resets every time: each of the RETRY_TIMES + 1 attempts is archived."""
    from mirror.faults import resolve

    records = crawl.responses_for(FAULTS + "reset.html")
    full = resolve("www.spacewar.com", "/faults/reset.html").body
    assert len(records) == 3
    for record in records:
        assert record.headers["WARC-Truncated"] == "disconnect"
        assert 0 < len(record.payload) < len(full)
    stats = run_stats(crawl)
    assert stats["retry/reason_count/dataloss"] == 2
    assert stats["archive/truncated/disconnect"] == 3
    [line] = [line for line in crawl.result.stdout.splitlines() if "bodies cut short" in line]
    assert "disconnect: 3" in line


def test_a_stalled_body_is_archived_as_received_marked_time_and_retried(crawl):
    """Head, then silence: cut after DOWNLOAD_STALL_TIMEOUT, before DOWNLOAD_TIMEOUT
    would drop it whole; each attempt archived as it came, WARC-Truncated: time."""
    records = crawl.responses_for(FAULTS + "stall.html")
    assert len(records) == 3
    for record in records:
        assert record.headers["WARC-Truncated"] == "time"
        assert record.status == 200 and record.payload == b""
        assert record.http_header("Content-Length") == "182"  # the head as it came
    stats = run_stats(crawl)
    assert stats["retry/reason_count/stalled"] == 2
    assert stats["archive/truncated/time"] == 3
    assert "archive/no_response/DownloadTimeoutError" not in stats
    assert "Body cut (nothing more came for 1 s), archived as received" in crawl.result.stderr


def test_every_retry_is_archived(crawl):
    """The second 503 repeats the first: an identical-payload revisit of it."""
    answers = crawl.exchanges_for(FAULTS + "retry-503.html")
    assert [(r.type, r.status) for r in answers] == [
        ("response", 503), ("revisit", 503), ("response", 200)]


def test_crawl_trap_and_redirect_loop_end(crawl):
    calendar = [r for r in crawl.of_type("response") if "/faults/calendar/" in r.uri]
    # one path backwards and one forwards, each ended after BARREN_LIMIT + 1 barren hubs
    assert 3 <= len(calendar) <= 2 * (BARREN_LIMIT + 1) + 1
    loop = [r for r in crawl.of_type("response") if "/faults/loop/" in r.uri]
    assert 2 <= len(loop) <= REDIRECT_MAX_TIMES + 1
    # a start URL is requested whatever was seen: it loops until REDIRECT_MAX_TIMES
    assert run_stats(crawl)["spider/gave_up/too_many_redirects"] == 1  # said, not silent
    assert f"Gave up on {FAULTS}loop/a.html: too many redirects ({FAULTS}loop/a.html -> " in (
        crawl.result.stderr)


def test_a_linked_redirect_loop_is_given_up_on_when_it_comes_back(start_mirror, tmp_path):
    """Linked from the home page (the replica with --faults), the loop ends at the first
    URL seen again; every hop is archived, and the crawl says it gave up."""
    replica = start_mirror(articles_per_site=2, faults=True)
    crawl = run_crawl_cli(
        tmp_path / "out", "--proxy", replica.proxy, "--site", "spacewar", "--no-requisites",
        *REPLICA_SETTINGS, "-s", "DOWNLOAD_TIMEOUT=1", "-s", "RETRY_TIMES=0",
        "-s", f"DOWNLOAD_MAXSIZE={MAXSIZE}", "-s", f"HUB_BARREN_LIMIT={BARREN_LIMIT}",
    )
    assert crawl.result.returncode == 0, crawl.result.stderr[-3000:]
    hops = [r.uri for r in crawl.of_type("response") if "/faults/loop/" in r.uri]
    assert hops == [FAULTS + "loop/a.html", FAULTS + "loop/b.html"]
    assert run_stats(crawl)["spider/gave_up/redirect_loop"] == 1
    assert (f"Gave up on {FAULTS}loop/a.html: redirect loop ({FAULTS}loop/a.html -> "
            f"{FAULTS}loop/b.html -> {FAULTS}loop/a.html)") in crawl.result.stderr


def test_odd_bodies_are_archived_as_sent(crawl):
    from mirror.faults import resolve

    for name in ("binary.html", "broken-markup.html"):
        [record] = crawl.responses_for(FAULTS + name)
        body = resolve("www.spacewar.com", "/faults/" + name).body
        payload = record.payload
        if record.http_header("Content-Encoding") == "gzip":
            payload = gzip.decompress(payload)
        assert payload == body


def test_files_stay_valid(crawl):
    assert crawl.warc_files
    for path in crawl.warc_files:
        assert subprocess.run([shutil.which("gzip"), "-t", str(path)]).returncode == 0
    warcio = Path(sys.executable).with_name("warcio")
    check = subprocess.run([str(warcio), "check", *map(str, crawl.warc_files)])
    assert check.returncode == 0


def test_retries_wait_for_retry_after_and_back_off(crawl):
    from datetime import datetime

    dates = [
        datetime.fromisoformat(r.headers["WARC-Date"].replace("Z", "+00:00"))
        for r in crawl.exchanges_for(FAULTS + "retry-503.html")
    ]
    gaps = [(b - a).total_seconds() for a, b in zip(dates, dates[1:], strict=False)]
    # Retry-After: 1 on each 503; the backoff doubles (1 s, then 2 s)
    assert gaps[0] >= 1.0 and gaps[1] >= 2.0, gaps


def test_a_page_given_up_on_has_its_reason_in_the_stats_and_the_log(crawl):
    stats = run_stats(crawl)
    assert stats["spider/gave_up/too_many_redirects"] == 1
    assert stats["summary"]["errors"]["gave_up"] == {"too_many_redirects": 1}
    assert f"Gave up on {FAULTS}loop/a.html" in crawl.result.stderr
    [log] = (crawl.out / "logs").glob("*.log")
    assert f"Gave up on {FAULTS}loop/a.html" in log.read_text()
