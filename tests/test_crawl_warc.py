"""Issue 3: one crawl of the replica with the real CLI, checked record by record.

The crawl (shared by every test here) starts at the profile's entry points plus two
extra start URLs that exercise redirects: the bare host (301 to www) and the replica's
redirect-chain fault (301, 302, 307, then 200).
"""

from __future__ import annotations

import gzip
import http.client
import shutil
import subprocess
import sys
import urllib.robotparser
from collections import Counter
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from lxml import etree

from tests.conftest import MIRROR_DEFAULTS, load_truth
from tests.crawl_fixtures import REPLICA_SETTINGS, CrawlRun, Record, run_crawl_cli

SITES = ("spacewar.com", "spacedaily.com", "terradaily.com")
NETWORK_HOSTS = {h for s in SITES for h in (s, "www." + s)} | {"www.spxdaily.com"}
BARE_HOME = "http://spacewar.com/index.html"
REDIRECT_CHAIN = (
    ("http://www.spacewar.com/faults/redirect/1.html", 301),
    ("http://www.spacewar.com/faults/redirect/2.html", 302),
    ("http://www.spacewar.com/faults/redirect/3.html", 307),
)
REDIRECT_TARGET = "http://www.spacewar.com/faults/redirect/final.html"
HTML_LINKS = etree.XPath("//a/@href")
HTML_REQUISITES = etree.XPath(
    "//img/@src | //link[contains(translate(@rel, 'STYLE', 'style'), 'stylesheet')]/@href"
)


@pytest.fixture(scope="module")
def stories() -> list[dict]:
    return [t for t in load_truth() if t["kind"] == "story"]


@pytest.fixture(scope="module")
def bare_story(stories) -> str:
    """A story URL under the bare host (the replica links stories under www only)."""
    return stories[-1]["urls"][0].replace("http://www.", "http://", 1)


@pytest.fixture(scope="module")
def crawl(mirror, tmp_path_factory, bare_story) -> CrawlRun:
    out = tmp_path_factory.mktemp("crawl") / "archive"
    run = run_crawl_cli(
        out,
        "--proxy", mirror.proxy,
        "--start-url", BARE_HOME,
        "--start-url", REDIRECT_CHAIN[0][0],
        "--start-url", bare_story,
        *REPLICA_SETTINGS,
    )
    assert run.result.returncode == 0, run.result.stderr[-3000:]
    return run


@pytest.fixture(scope="module")
def network():
    from mirror.network import Network

    return Network(**MIRROR_DEFAULTS)


def ok_responses(crawl: CrawlRun) -> dict[str, Record]:
    return {r.uri: r for r in crawl.of_type("response") if r.status == 200}


def decoded_html(record: Record) -> bytes:
    body = record.payload
    return gzip.decompress(body) if record.http_header("Content-Encoding") == "gzip" else body


def is_html(record: Record) -> bool:
    return "html" in (record.http_header("Content-Type") or "")


# -- what was fetched -----------------------------------------------------------------


def test_every_story_of_the_replica_is_archived_once(crawl, stories):
    responses = Counter(r.uri for r in crawl.of_type("response"))
    story_urls = {url for story in stories for url in story["urls"]}
    assert story_urls, "the replica has no stories"
    missing = sorted(u for u in story_urls if responses[u] == 0)
    assert not missing
    assert all(responses[u] == 1 for u in story_urls), "a story was fetched twice"
    ok = ok_responses(crawl)
    assert all(u in ok for u in story_urls)


def test_story_under_bare_host_and_www_is_fetched_once(crawl, bare_story):
    """The bare-host start URL answers 301 to www; the www copy, also linked from the
    site's pages, is fetched once; no other story is requested under a bare host."""
    [moved] = crawl.responses_for(bare_story)
    assert moved.status == 301
    www = bare_story.replace("http://", "http://www.", 1)
    assert moved.http_header("Location") == www
    assert [r.status for r in crawl.responses_for(www)] == [200]
    bare_hits = {
        r.uri for r in crawl.of_type("response")
        if r.host in SITES and not r.uri.endswith("/robots.txt")
    }
    assert bare_hits == {bare_story, BARE_HOME}


def test_entry_points_and_robots_are_archived(crawl):
    ok = ok_responses(crawl)
    for site in SITES:
        name = site.split(".")[0]
        for path in ("/index.html", f"/{name}.xml", "/robots.txt"):
            assert f"http://www.{site}{path}" in ok
    assert "http://www.spxdaily.com/robots.txt" in {r.uri for r in crawl.of_type("response")}


def test_every_hub_link_and_requisite_is_followed(crawl, stories):
    """Closure: each listing/home page's links to its site, and each page's images and
    stylesheets on network hosts, were all fetched (minus what robots.txt forbids)."""
    ok = ok_responses(crawl)
    fetched = {r.uri for r in crawl.of_type("response")}
    story_urls = {url for story in stories for url in story["urls"]}
    robots = robots_rules(crawl)
    hubs = {
        id(r) for u, r in ok.items()
        if is_html(r) and u not in story_urls and r.host in {"www." + s for s in SITES}
        and "/faults/" not in u
    }
    assert len(hubs) > len(SITES), "no section listings were reached"
    wanted: set[str] = set()
    for record in ok.values():
        if not is_html(record):
            continue
        tree = etree.fromstring(decoded_html(record), etree.HTMLParser())
        if tree is None:
            continue
        links = list(HTML_REQUISITES(tree))
        if id(record) in hubs:
            links += HTML_LINKS(tree)
        for link in links:
            url = urljoin(record.uri, link).split("#")[0]
            host = urlsplit(url).hostname or ""
            if host.startswith("www.") and host in NETWORK_HOSTS and robots_allow(robots, url):
                wanted.add(url)
    assert wanted - fetched == set()
    assert any(urlsplit(u).hostname == "www.spxdaily.com" for u in fetched), "no story images"


def test_nothing_outside_the_network_is_archived(crawl):
    hosts = {r.host for r in crawl.records if r.type in ("request", "response")}
    assert hosts and hosts <= NETWORK_HOSTS


# -- the files ------------------------------------------------------------------------


def test_files_pass_gzip_and_warcio_check(crawl):
    assert crawl.warc_files
    assert not list((crawl.out / "warc").glob("*.open"))
    gzip_tool = shutil.which("gzip")
    assert gzip_tool
    for path in crawl.warc_files:
        assert subprocess.run([gzip_tool, "-t", str(path)]).returncode == 0
    warcio = Path(sys.executable).with_name("warcio")
    check = subprocess.run(
        [str(warcio), "check", "-v", *map(str, crawl.warc_files)], capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout[-2000:]
    assert "digest pass" in check.stdout


def test_warcinfo_first_and_referenced_by_every_record(crawl):
    for path in crawl.warc_files:
        records = [r for r in crawl.records if r.path == path]
        first = records[0]
        assert first.type == "warcinfo"
        info = first.payload.decode()
        assert "operator:" in info and "robots: obey" in info and "news-archive/" in info
        warcinfo_id = first.headers["WARC-Record-ID"]
        for record in records:
            assert record.headers["WARC-Type"]
            assert record.headers.get("WARC-Warcinfo-ID", warcinfo_id) == warcinfo_id
            if record is not first:
                assert "WARC-Warcinfo-ID" in record.headers


def test_every_request_has_its_response(crawl):
    """Each request is linked to its response record (or revisit record: the same URL
    answered twice with the same payload in one run, e.g. a retry)."""
    responses = {
        r.headers["WARC-Record-ID"]: r for r in crawl.of_type("response") + crawl.of_type("revisit")
    }
    requests = crawl.of_type("request")
    assert len(requests) == len(responses) > 0
    linked = [responses.get(r.headers.get("WARC-Concurrent-To")) for r in requests]
    assert all(linked)
    assert all(req.uri == resp.uri for req, resp in zip(requests, linked, strict=True))
    assert len({id(r) for r in linked}) == len(responses)


def test_payloads_are_byte_identical_to_what_the_replica_sends(crawl, mirror):
    """Fetch every archived URL again through the proxy, asking for the same encoding,
    and compare status and payload bytes (the replica is deterministic)."""
    requests = {r.headers["WARC-Concurrent-To"]: r for r in crawl.of_type("request")}
    connection = http.client.HTTPConnection("127.0.0.1", mirror.port, timeout=30)
    compared = 0
    try:
        for response in crawl.of_type("response"):
            request = requests[response.headers["WARC-Record-ID"]]
            accept = request.http_header("Accept-Encoding") or "identity"
            connection.request(
                "GET", response.uri, headers={"Accept-Encoding": accept, "Host": response.host}
            )
            answer = connection.getresponse()
            body = answer.read()
            assert answer.status == response.status, response.uri
            assert body == response.payload, response.uri
            assert comparable(response.http_headers) == comparable(answer.getheaders())
            compared += 1
    finally:
        connection.close()
    assert compared > 40


# -- record by record -----------------------------------------------------------------


def test_gzipped_page_record(crawl):
    record = crawl.responses_for("http://www.spacewar.com/index.html")[0]
    assert record.status_line == "HTTP/1.1 200 OK"
    assert record.http_header("Content-Encoding") == "gzip"
    assert record.payload[:2] == b"\x1f\x8b"
    assert int(record.http_header("Content-Length")) == len(record.payload)
    assert b"<html" in gzip.decompress(record.payload).lower()
    assert record.http_header("Transfer-Encoding") is None
    assert record.headers["WARC-IP-Address"] == "127.0.0.1"


def test_chunked_page_record(crawl, network):
    chunked = [
        r for r in crawl.of_type("response")
        if r.status == 200 and (res := network.resolve(r.host, urlsplit(r.uri).path)) is not None
        and res.chunked
    ]
    assert chunked, "the replica served no chunked page in this crawl"
    record = chunked[0]
    assert record.status_line == "HTTP/1.1 200 OK"
    assert record.http_header("Transfer-Encoding") is None
    assert b"\r\n0\r\n" not in record.payload[-16:]
    resource = network.resolve(record.host, urlsplit(record.uri).path)
    body = decoded_html(record) if record.http_header("Content-Encoding") else record.payload
    assert body == resource.body


def test_two_set_cookie_headers_are_both_kept(crawl, network):
    for record in crawl.of_type("response"):
        resource = network.resolve(record.host, urlsplit(record.uri).path)
        if resource is None:
            continue
        sent = [v for k, v in resource.headers if k.lower() == "set-cookie"]
        if len(sent) >= 2:
            assert record.http_header_values("Set-Cookie") == sent
            return
    pytest.fail("no archived page carries two Set-Cookie headers")


def test_bare_host_redirect_is_archived_hop_by_hop(crawl):
    [moved] = crawl.responses_for(BARE_HOME)
    assert moved.status_line == "HTTP/1.1 301 Moved Permanently"
    assert moved.http_header("Location") == "http://www.spacewar.com/index.html"
    [target] = crawl.responses_for("http://www.spacewar.com/index.html")
    assert (moved.path, moved.offset) < (target.path, target.offset)
    [request] = [r for r in crawl.of_type("request")
                 if r.headers["WARC-Concurrent-To"] == moved.headers["WARC-Record-ID"]]
    assert request.status_line == f"GET {BARE_HOME} HTTP/1.1"
    assert request.http_header("Host") == "spacewar.com"
    assert "news-archive/" in request.http_header("User-Agent")


def test_redirect_chain_is_archived_hop_by_hop(crawl):
    reasons = {301: "Moved Permanently", 302: "Found", 307: "Temporary Redirect"}
    hops = [*REDIRECT_CHAIN, (REDIRECT_TARGET, 200)]
    positions = []
    for index, (url, status) in enumerate(hops):
        [record] = crawl.responses_for(url)
        assert record.status == status
        if status != 200:
            assert record.status_line == f"HTTP/1.1 {status} {reasons[status]}"
            assert record.http_header("Location") == hops[index + 1][0]
        positions.append((record.path, record.offset))
    assert positions == sorted(positions)


def test_request_records_hold_the_request_as_sent(crawl):
    for request in crawl.of_type("request"):
        method, target, protocol = request.status_line.split(" ")
        assert method == "GET" and protocol == "HTTP/1.1"
        assert target == request.uri  # absolute form: it went through the proxy
        assert request.http_header("Host") == urlsplit(request.uri).netloc
        # Only codings every WARC reader and replay tool decodes, though the replica,
        # like many servers, would send brotli to Scrapy's default offer.
        assert request.http_header("Accept-Encoding") == "gzip, deflate"
        assert "news-archive/" in request.http_header("User-Agent")
        assert request.http_header("Proxy-Authorization") is None


#: Connection headers Twisted consumes before Scrapy sees a response (see the README),
#: and Date, which differs between two fetches.
NOT_COMPARED = frozenset({"connection", "keep-alive", "transfer-encoding", "date"})


def comparable(headers) -> list[tuple[str, str]]:
    """Headers by lower-cased name, values of a repeated header in the order sent."""
    kept = [(name.lower(), value) for name, value in headers if name.lower() not in NOT_COMPARED]
    return sorted(kept, key=lambda pair: pair[0])


def robots_rules(crawl: CrawlRun) -> dict[str, urllib.robotparser.RobotFileParser]:
    rules = {}
    for record in crawl.of_type("response"):
        if urlsplit(record.uri).path == "/robots.txt" and record.status == 200:
            parser = urllib.robotparser.RobotFileParser()
            parser.parse(decoded_html(record).decode("utf-8", "replace").splitlines())
            rules[record.host] = parser
    return rules


def robots_allow(rules, url: str) -> bool:
    parser = rules.get(urlsplit(url).hostname)
    return parser is None or parser.can_fetch("news-archive", url)
