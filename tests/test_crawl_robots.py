"""robots.txt that cannot be had: RFC 9309 says disallow everything (a 5xx or 429 answer,
or none), where Scrapy alone would read an error page as no rules and crawl the host.
A robots.txt that does not exist (404) allows everything."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.crawl_fixtures import REPLICA_SETTINGS
from tests.raw_server import NOT_FOUND, RawServer, ok_answer, raw_server

PAGE = ok_answer(b"<html><body><a href='/reports/A_999.html'>A</a> "
                 b"<a href='/b.html'>B</a></body></html>")
UNREACHABLE = {
    "503": b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n",
    "429": b"HTTP/1.1 429 Too Many Requests\r\nContent-Length: 0\r\n\r\n",
    "no answer": b"",
}


def crawl_behind(robots: bytes, out, *settings: str) -> tuple[subprocess.CompletedProcess,
                                                             RawServer, dict]:
    """A crawl of spacewar.com through a server answering robots.txt with ``robots`` and
    everything else with a page of links: what it printed, the server (what was asked
    and when), the run's stats."""
    with raw_server(lambda host, path: robots if path == "/robots.txt" else PAGE) as server:
        result = subprocess.run(
            [sys.executable, "-m", "crawler.cli", "crawl", "--proxy", server.proxy,
             "--out", str(out), "--site", "spacewar.com", *REPLICA_SETTINGS, *settings],
            capture_output=True, text=True, timeout=120,
        )
    (stats,) = (out / "runs").glob("*.json")
    return result, server, json.loads(stats.read_text())


@pytest.mark.parametrize("robots", UNREACHABLE.values(), ids=UNREACHABLE.keys())
def test_an_unreachable_robots_txt_keeps_the_crawl_off_its_host(robots, tmp_path):
    result, server, stats = crawl_behind(robots, tmp_path / "out", "-s", "RETRY_TIMES=1",
                                         "-s", "RETRY_BACKOFF_BASE=0.1")
    requested = server.requested
    assert requested == ["www.spacewar.com/robots.txt"] * 2  # the first try and one retry
    assert stats["robotstxt/unreachable"] == 1
    assert "robots.txt unreachable on 1 host(s): nothing of theirs fetched" in result.stdout
    assert "Traceback" not in result.stderr
    # A dead server is still a failed night for cron; an error answer is archived.
    assert result.returncode == (1 if robots == b"" else 0), result.stdout


def test_a_missing_robots_txt_allows_everything(tmp_path):
    result, server, stats = crawl_behind(NOT_FOUND, tmp_path / "out")
    requested = server.requested
    assert result.returncode == 0, result.stdout
    assert "www.spacewar.com/reports/A_999.html" in requested
    assert "robotstxt/unreachable" not in stats


def crawl_with_delay(robots_txt: bytes, out, *settings: str) -> tuple[list[float], str]:
    """Start times of the page requests a crawl made of a host whose robots.txt is
    ``robots_txt``, and the run's log."""
    result, server, _ = crawl_behind(ok_answer(robots_txt, "text/plain"), out, *settings)
    assert result.returncode == 0, result.stdout + result.stderr
    starts = [at for at, target in server.log if not target.endswith("/robots.txt")]
    (log,) = (out / "logs").glob("*.log")
    return starts, log.read_text()


@pytest.mark.parametrize("throttle", [
    (),  # the replica's settings: no download delay, AutoThrottle off
    ("-s", "AUTOTHROTTLE_ENABLED=True", "-s", "AUTOTHROTTLE_START_DELAY=0.05",
     "-s", "AUTOTHROTTLE_MAX_DELAY=0.1", "-s", "RANDOMIZE_DOWNLOAD_DELAY=True"),
], ids=["no delay", "autothrottle"])
def test_requests_to_a_host_start_crawl_delay_apart(throttle, tmp_path):
    starts, _ = crawl_with_delay(b"User-agent: *\nCrawl-delay: 0.5\n", tmp_path / "out",
                                 *throttle)
    assert len(starts) >= 3
    assert min(b - a for a, b in zip(starts, starts[1:], strict=False)) >= 0.45


def test_a_crawl_delay_beyond_the_cap_is_capped_and_said(tmp_path):
    starts, log = crawl_with_delay(b"User-agent: *\nCrawl-delay: 3600\n", tmp_path / "out",
                                   "-s", "ROBOTSTXT_CRAWL_DELAY_MAX=0.5")
    gaps = [b - a for a, b in zip(starts, starts[1:], strict=False)]
    assert min(gaps) >= 0.45 and max(gaps) < 30
    assert "asks for a crawl delay of 3600 s: 0.5 s kept" in log
