"""The spider's frontier: claimed URLs wait compactly, and only a window of requests is
out in Scrapy at a time."""

from __future__ import annotations

import json
from collections import Counter

from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler

from crawler import settings as project_settings
from crawler.frontier import Frontier, FrontierEntry
from crawler.spiders.network import NetworkSpider
from tests.conftest import load_truth
from tests.crawl_fixtures import REPLICA_SETTINGS, run_crawl_cli


def entry(name: str, kind: str = "story") -> FrontierEntry:
    return FrontierEntry(f"http://www.spacewar.com/reports/{name}_999.html", kind, 0)


def test_highest_priority_first_then_first_found_first():
    frontier = Frontier(window=0)
    for name, priority in (("a", 20), ("b", 0), ("c", 20), ("d", 30)):
        frontier.push(priority, entry(name))
    order = []
    while (got := frontier.pop()) is not None:
        order.append(got.url.split("/")[-1][0])
    assert order == ["d", "a", "c", "b"]
    assert len(frontier) == 0


def test_only_a_window_of_entries_is_out_until_requests_end():
    frontier = Frontier(window=2)
    for name in "abcd":
        frontier.push(20, entry(name))
    metas = []
    while frontier.pop() is not None:
        meta = {}
        frontier.give_out(meta)
        metas.append(meta)
    assert len(metas) == 2 and len(frontier) == 2 and frontier.out == 2
    frontier.ended({})  # a request the frontier did not give out frees nothing
    assert frontier.pop() is None
    frontier.ended(metas[0])
    frontier.ended(metas[0])  # ending twice frees one place only
    assert frontier.out == 1 and frontier.pop() is not None
    held = {}
    frontier.give_out(held)
    assert frontier.pop() is None
    frontier.reset_out()  # the engine went idle: nothing is in flight
    assert frontier.out == 0


def test_a_request_and_its_copies_hold_one_place_until_the_last_is_gone():
    """Retries and redirects are copies (Scrapy copies meta shallowly): one place. A
    request a middleware drops without a word frees it when the last copy is gone."""
    frontier = Frontier(window=1)
    for name in "ab":
        frontier.push(20, entry(name))
    frontier.pop()
    request = Request(entry("a").url)
    frontier.give_out(request.meta)
    retry = request.copy()
    redirect = retry.replace(url=entry("a2").url)
    del request, retry
    assert frontier.out == 1 and frontier.pop() is None  # the redirect still holds it
    del redirect
    assert frontier.out == 0 and frontier.pop() is not None


def test_without_a_window_requests_are_not_marked():
    """A shared queue (--redis) serialises requests: their meta gets no place object."""
    frontier = Frontier(window=0)
    meta = {}
    frontier.give_out(meta)
    assert meta == {} and frontier.out == 0


def test_a_listing_with_more_stories_than_the_window_gives_out_only_the_window():
    crawler = get_crawler(NetworkSpider, settings_dict={"FRONTIER_WINDOW": 5,
                                                        "ARCHIVE_STATE_ENABLED": False})
    spider = NetworkSpider.from_crawler(crawler)
    links = "".join(f'<a href="/reports/Story_{n}_999.html">s</a>' for n in range(12))
    url = "http://www.spacewar.com/archive/nuclear/index.html"
    response = HtmlResponse(url, body=f"<html><body>{links}</body></html>".encode(),
                            request=Request(url, meta={"page_kind": "hub"}))
    first = []
    for request in spider.parse(response):
        first.append(request)
    assert [r.url.split("/")[-1] for r in first] == [f"Story_{n}_999.html" for n in range(5)]
    assert len(spider.frontier) == 7
    # One story page ends: one more request is given out, the next in page order; its
    # Referer is the listing it was found on, not the story whose callback gave it out.
    story = HtmlResponse(first[0].url, body=b"<html><body></body></html>", request=first[0])
    [released] = spider.parse(story)
    assert released.url.endswith("/Story_5_999.html")
    assert released.headers[b"Referer"] == url.encode()
    assert all(r.headers[b"Referer"] == url.encode() for r in first)


def released_referer(policy: str) -> bytes | None:
    """The Referer of a story found on an https listing and given out later, under the
    referrer policy ``policy``."""
    crawler = get_crawler(NetworkSpider, settings_dict={
        "FRONTIER_WINDOW": 1, "ARCHIVE_STATE_ENABLED": False, "REFERRER_POLICY": policy})
    spider = NetworkSpider.from_crawler(crawler)
    url = "https://www.spacewar.com/archive/nuclear/index.html"
    body = b'<a href="http://www.spacewar.com/reports/A_999.html">a</a>' \
           b'<a href="https://www.spacewar.com/reports/B_999.html">b</a>'
    response = HtmlResponse(url, body=body, request=Request(url, meta={"page_kind": "hub"}))
    [first] = spider.parse(response)
    story = HtmlResponse(first.url, body=b"<html></html>", request=first)
    [second] = spider.parse(story)
    return first.headers.get(b"Referer"), second.headers.get(b"Referer")


def test_the_referer_of_a_released_request_follows_the_referrer_policy():
    listing = b"https://www.spacewar.com/archive/nuclear/index.html"
    # Scrapy's default policy: none from https to http, the whole URL otherwise.
    assert released_referer("scrapy-default") == (None, listing)
    assert released_referer("unsafe-url") == (listing, listing)
    assert released_referer("origin") == (b"https://www.spacewar.com/",) * 2
    assert released_referer("no-referrer") == (None, None)


def test_a_crawl_with_a_tiny_window_still_archives_every_story_once(mirror, tmp_path):
    """Two requests out at a time, through redirects, robots.txt and a 404: every request
    given out ends (or the idle engine frees the window), so the crawl neither stalls nor
    skips anything."""
    run = run_crawl_cli(
        tmp_path / "archive", "--proxy", mirror.proxy, "--no-requisites",
        "--start-url", "http://spacewar.com/index.html",
        "--start-url", "http://www.spacewar.com/faults/redirect/1.html",
        *REPLICA_SETTINGS, "-s", "FRONTIER_WINDOW=2",
    )
    assert run.result.returncode == 0, run.result.stderr[-3000:]
    responses = Counter(r.uri for r in run.of_type("response"))
    story_urls = {url for t in load_truth() if t["kind"] == "story" for url in t["urls"]}
    assert story_urls and all(responses[url] == 1 for url in story_urls)
    assert responses["http://www.spacewar.com/faults/redirect/final.html"] == 1


def test_the_window_bounds_what_waits_in_scrapys_scheduler(mirror, tmp_path):
    """Scrapy reads a callback's output ahead of scheduling it, so a window counted at
    scheduling let story pages hand Scrapy most of the frontier. Counted from the
    give-out, a window of 3 keeps Scrapy's scheduler at 3 requests at most."""
    probe = {**project_settings.EXTENSIONS, "tests.crawl_fixtures.SchedulerPeak": 900}
    run = run_crawl_cli(
        tmp_path / "archive", "--proxy", mirror.proxy, *REPLICA_SETTINGS,
        "-s", "FRONTIER_WINDOW=3", "-s", f"EXTENSIONS={json.dumps(probe)}",
    )
    assert run.result.returncode == 0, run.result.stderr[-3000:]
    [stats] = (tmp_path / "archive" / "runs").glob("*.json")
    stats = json.loads(stats.read_text())
    story_urls = {url for t in load_truth() if t["kind"] == "story" for url in t["urls"]}
    assert stats["archive/responses/story"] == len(story_urls)
    assert stats["archive/responses/requisite"] > 0
    assert 1 <= stats["test/scheduler_peak"] <= 3
    assert "frontier/idle_releases" not in stats


def test_requests_dropped_without_a_word_do_not_stall_the_crawl(mirror, tmp_path):
    """Scrapy's URL-length filter drops requests silently (no callback, no errback, no
    signal): each frees its place once it is gone, and the crawl reaches every other
    story, and none of the long ones."""
    limit = 80
    run = run_crawl_cli(
        tmp_path / "archive", "--proxy", mirror.proxy, "--no-requisites",
        *REPLICA_SETTINGS, "-s", "FRONTIER_WINDOW=2", "-s", f"URLLENGTH_LIMIT={limit}",
    )
    assert run.result.returncode == 0, run.result.stderr[-3000:]
    responses = Counter(r.uri for r in run.of_type("response"))
    story_urls = {url for t in load_truth() if t["kind"] == "story" for url in t["urls"]}
    # Each story's first URL is in its site's listings; a cross-posted copy may be linked
    # only from story pages, which are unreachable here when their own URL is long.
    listed = {t["urls"][0] for t in load_truth() if t["kind"] == "story"}
    short = {url for url in story_urls if len(url) <= limit}
    assert short and short != story_urls  # some stories are dropped, some are not
    assert not [url for url in short & listed if responses[url] != 1]
    assert not any(responses[url] for url in story_urls - short)
    [stats] = (tmp_path / "archive" / "runs").glob("*.json")
    stats = json.loads(stats.read_text())
    assert stats["urllength/request_ignored_count"] >= 1
    assert "frontier/idle_releases" not in stats  # the window never stuck
