"""robots.txt that cannot be had: RFC 9309 says disallow everything (a 5xx or 429 answer,
or none), where Scrapy alone would read an error page as no rules and crawl the host.
A robots.txt that does not exist (404) allows everything."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.crawl_fixtures import REPLICA_SETTINGS
from tests.raw_server import raw_server

LINKS = b"<html><body><a href='/reports/A_999.html'>A</a> <a href='/b.html'>B</a></body></html>"
PAGE = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n%s" % (
    len(LINKS), LINKS)
UNREACHABLE = {
    "503": b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n",
    "429": b"HTTP/1.1 429 Too Many Requests\r\nContent-Length: 0\r\n\r\n",
    "no answer": b"",
}


def crawl_behind(robots: bytes, out) -> tuple[subprocess.CompletedProcess, list[str], dict]:
    """A crawl of spacewar.com through a server answering robots.txt with ``robots``
    and everything else with a page of links; what it printed, requested, counted."""
    def answer(host: str, path: str) -> bytes:
        return robots if path == "/robots.txt" else PAGE

    with raw_server(answer) as server:
        result = subprocess.run(
            [sys.executable, "-m", "crawler.cli", "crawl", "--proxy", server.proxy,
             "--out", str(out), "--site", "spacewar.com", *REPLICA_SETTINGS,
             "-s", "RETRY_TIMES=1", "-s", "RETRY_BACKOFF_BASE=0.1"],
            capture_output=True, text=True, timeout=120,
        )
    (stats,) = (out / "runs").glob("*.json")
    return result, server.requested, json.loads(stats.read_text())


@pytest.mark.parametrize("robots", UNREACHABLE.values(), ids=UNREACHABLE.keys())
def test_an_unreachable_robots_txt_keeps_the_crawl_off_its_host(robots, tmp_path):
    result, requested, stats = crawl_behind(robots, tmp_path / "out")
    assert requested == ["www.spacewar.com/robots.txt"] * 2  # the first try and one retry
    assert stats["robotstxt/unreachable"] == 1
    assert "robots.txt unreachable on 1 host(s): nothing of theirs fetched" in result.stdout
    assert "Traceback" not in result.stderr
    # A dead server is still a failed night for cron; an error answer is archived.
    assert result.returncode == (1 if robots == b"" else 0), result.stdout


def test_a_missing_robots_txt_allows_everything(tmp_path):
    result, requested, stats = crawl_behind(
        b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", tmp_path / "out")
    assert result.returncode == 0, result.stdout
    assert "www.spacewar.com/reports/A_999.html" in requested
    assert "robotstxt/unreachable" not in stats
