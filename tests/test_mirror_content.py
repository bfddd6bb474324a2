"""The replica's content: determinism, reachability, feeds, epochs, encodings, the seed page.

These call `mirror.network.Network` directly (no sockets): the HTTP side is
covered by the server's own tests.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections import Counter, deque
from functools import cache
from importlib import resources
from urllib.parse import urljoin, urlsplit

import lxml.etree
import lxml.html
import pytest

from mirror.network import Network, Resource
from mirror.stories import LAYOUTS

SITES = ("www.spacewar.com", "www.spacedaily.com", "www.terradaily.com")
SEED_URL = "http://www.spacewar.com/reports/Russia_Wants_Joint_Analysis_Of_US_Missile_Shield_Plans_999.html"
WHATWG_LABELS = {"iso-8859-1": "cp1252", "latin1": "cp1252", "windows-1252": "cp1252",
                 "utf-8": "utf-8"}
BLOCK_TAGS = {"p", "br", "div", "tr", "td", "th", "li", "ul", "table", "h1", "h2", "h3", "h4",
              "h5", "center", "figure", "figcaption", "section", "header", "footer", "nav",
              "main", "article", "aside"}


@cache
def network(seed: int = 1, articles_per_site: int = 40, epoch: int = 0) -> Network:
    return Network(seed=seed, articles_per_site=articles_per_site, epoch=epoch)


@cache
def truth(seed: int = 1, articles_per_site: int = 40, epoch: int = 0) -> list[dict]:
    return [r for r in network(seed, articles_per_site, epoch).truth() if r["kind"] == "story"]


def get(net: Network, url: str) -> Resource | None:
    parts = urlsplit(url)
    return net.resolve(parts.netloc, parts.path + (f"?{parts.query}" if parts.query else ""))


def declared_charset(resource: Resource) -> str:
    """The charset a browser would use: Content-Type first, then the meta tag."""
    content_type = dict(resource.headers)["Content-Type"]
    match = re.search(r"charset=([\w-]+)", content_type, re.I)
    if not match:
        match = re.search(rb"<meta[^>]+charset=\"?([\w-]+)", resource.body[:2048], re.I)
        assert match, "page declares no charset anywhere"
        label = match[1].decode()
    else:
        label = match[1]
    return WHATWG_LABELS[label.lower()]


def page_text(resource: Resource) -> str:
    return resource.body.decode(declared_charset(resource))


def text_lines(resource: Resource) -> list[str]:
    """A text dump like a browser's "save as text": one line per block element."""
    doc = lxml.html.document_fromstring(page_text(resource))
    for element in doc.xpath("//script|//style|//head"):
        element.drop_tree()
    pieces: list[str] = []

    def walk(element: lxml.html.HtmlElement) -> None:
        block = element.tag in BLOCK_TAGS
        if block:
            pieces.append("\n")
        pieces.append(element.text or "")
        for child in element:
            if isinstance(child.tag, str):
                walk(child)
            pieces.append(child.tail or "")
        if block:
            pieces.append("\n")

    walk(doc.body)
    lines = (" ".join(line.split()) for line in "".join(pieces).split("\n"))
    return [line for line in lines if line]


def visible_text(resource: Resource) -> str:
    return " ".join(text_lines(resource))


def links(resource: Resource, base: str) -> list[str]:
    doc = lxml.html.document_fromstring(page_text(resource))
    return [urljoin(base, href) for href in doc.xpath("//a/@href")]


# -- determinism -------------------------------------------------------------------

def sample_urls(net_truth: list[dict]) -> list[str]:
    urls = [f"http://{host}{path}" for host in SITES for path in
            ("/index.html", "/robots.txt", f"/{host.split('.')[1]}.xml",
             f"/css/{host.split('.')[1]}.css")]
    urls += ["http://www.spacewar.com/archive/missile-defense/index.html",
             "http://www.terradaily.com/archive/energy/index.html",
             "http://www.spxdaily.com/images-lg/some-photo.jpg", SEED_URL]
    urls += [record["urls"][-1] for record in net_truth[::9]]
    return urls


def test_same_seed_gives_identical_bytes_and_another_seed_does_not() -> None:
    first, second = Network(seed=7), Network(seed=7)
    urls = sample_urls(list(r for r in first.truth() if r["kind"] == "story"))
    for url in urls:
        a, b = get(first, url), get(second, url)
        assert a is not None, url
        assert a == b, url
    other = Network(seed=8)
    assert get(other, "http://www.spacewar.com/index.html").body != get(
        first, "http://www.spacewar.com/index.html").body
    assert list(first.truth()) == list(Network(seed=7).truth())
    assert [r["title"] for r in first.truth() if r["kind"] == "story"] != [
        r["title"] for r in other.truth() if r["kind"] == "story"]


def test_output_does_not_depend_on_the_process() -> None:
    """`hash()` of str is salted per process: nothing may depend on it."""
    script = (
        "import hashlib\n"
        "from mirror.network import Network\n"
        "net = Network(seed=3)\n"
        "digest = hashlib.sha256()\n"
        "for record in net.truth():\n"
        "    digest.update(repr(sorted(record.items())).encode())\n"
        "    for url in record.get('urls', []):\n"
        "        host, _, path = url[len('http://'):].partition('/')\n"
        "        resource = net.resolve(host, '/' + path)\n"
        "        digest.update(repr(resource).encode())\n"
        "print(digest.hexdigest())\n"
    )
    outputs = set()
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                              text=True, check=True, timeout=120)
        outputs.add(done.stdout.strip())
    assert len(outputs) == 1


# -- every story, every URL ----------------------------------------------------------

def test_every_story_resolves_at_each_of_its_urls_with_its_title_and_text() -> None:
    records = truth()
    assert len(records) == 3 * 40
    assert any(len(r["urls"]) == 2 for r in records), "no story is shared by two sites"
    for record in records:
        for url in record["urls"]:
            resource = get(network(), url)
            assert resource is not None and resource.status == 200, url
            text = visible_text(resource)
            assert record["title"] in text, url
            for line in record["text"].split("\n"):
                for cell in line.split(" | "):  # table rows: cells joined by " | "
                    assert cell in text, (url, line)
            for report in record["related_reports"]:
                assert report["title"] in text
                assert report["text"].split("\n")[-1] in text


@pytest.mark.parametrize(("articles_per_site", "epoch"), [(1, 0), (2, 2), (12, 0), (12, 3)])
def test_tiny_sites_are_complete(articles_per_site: int, epoch: int) -> None:
    net = Network(articles_per_site=articles_per_site, epoch=epoch)
    records = [r for r in net.truth() if r["kind"] == "story"]
    assert len(records) == 3 * (articles_per_site + 3 * epoch)
    assert SEED_URL in {u for r in records for u in r["urls"]}
    for record in records:
        for url in record["urls"]:
            assert get(net, url).status == 200, url
    for host in SITES:
        assert crawl_site(net, host) >= {r["urls"][0] for r in records
                                         if r["site"] == host.removeprefix("www.")}
        assert get(net, f"http://{host}/{host.split('.')[1]}.xml").status == 200


def test_must_not_contain_is_on_the_page_but_not_in_the_text() -> None:
    for record in truth()[::3]:
        text = " ".join(visible_text(get(network(), url)) for url in record["urls"])
        assert len(record["must_not_contain"]) >= 8, record["id"]
        for boilerplate in record["must_not_contain"]:
            assert boilerplate in text, (record["id"], boilerplate)
            assert boilerplate not in record["text"]


def test_truth_fields_are_complete() -> None:
    keys = {"kind", "id", "site", "urls", "title", "byline", "place", "agency", "published",
            "source", "text", "images", "related_reports", "must_not_contain", "layout",
            "encoding", "epoch_published", "epoch_modified"}
    records = truth()
    net = network()
    for record in records:
        assert set(record) == keys
        for image in record["images"]:  # the photo the replica serves
            served = get(net, image["url"])
            assert served is not None and served.status == 200, image
            assert dict(served.headers)["Content-Type"].startswith("image/"), image
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", record["published"])
        assert all(u.startswith("http://www.") for u in record["urls"])
    assert len({r["id"] for r in records}) == len(records)
    assert {r["agency"] for r in records} >= {"AFP", "UPI", "SPX"}
    assert None in {r["byline"] for r in records}
    assert any(r["related_reports"] for r in records)
    assert any("/news/" in r["urls"][0] for r in records)
    assert any(r["urls"][0].endswith("_999.html") for r in records)
    assert any("/reports/" in r["urls"][0] and not r["urls"][0].endswith("_999.html")
               for r in records)
    faults = [r for r in network().truth() if r["kind"] == "fault"]
    assert faults and all(r["url"].startswith("http://www.spacewar.com/") for r in faults)


def test_each_layout_variant_occurs_and_differs_in_markup() -> None:
    layouts = Counter(r["layout"] for r in truth())
    assert set(layouts) == set(LAYOUTS)
    by_layout = {r["layout"]: get(network(), r["urls"][0]).body for r in truth()}
    assert b"<!--body-2-incontainer.php-->" in by_layout["current/classic"]
    assert b'<span class="BHS">' in by_layout["current/cards"]
    assert b"<h1>" in by_layout["current/compact"] and b"<br></h1>" in by_layout["current/compact"]
    assert b'<span class="BH">' in by_layout["table/bullets"]
    assert b'<ul class="sl">' in by_layout["table/lists"]
    assert b'<table class="share">' in by_layout["table/wire"]
    assert b"Email This" not in by_layout["table/early"] and b"<BR><BR>" in by_layout["table/early"]
    assert b'<div class="adlabel">' in by_layout["current/social"]
    assert b'<table class="hl"' in by_layout["table/linktable"]
    for body in by_layout.values():
        assert body.lower().count(b"<html") == 1


# -- listings, home, feed --------------------------------------------------------------

def crawl_site(net: Network, host: str) -> set[str]:
    """Follow the home page and the listing pages; return every article URL seen."""
    start = f"http://{host}/index.html"
    queue, seen, articles = deque([start]), {start}, set()
    while queue:
        url = queue.popleft()
        resource = get(net, url)
        assert resource is not None and resource.status == 200, url
        for link in links(resource, url):
            parts = urlsplit(link)
            if parts.netloc != host:
                continue
            if parts.path.startswith(("/reports/", "/news/")):
                articles.add(link)
            elif parts.path.startswith("/archive/") and link not in seen:
                seen.add(link)
                queue.append(link)
    return articles


def test_listing_pagination_reaches_every_story() -> None:
    net = network(articles_per_site=150)
    for host in SITES:
        found = crawl_site(net, host)
        expected = {r["urls"][0] for r in truth(articles_per_site=150)
                    if r["site"] == host.removeprefix("www.")}
        assert expected <= found, sorted(expected - found)[:5]
    assert get(net, "http://www.spacewar.com/archive/missile-defense/page-1.html") is None
    assert get(net, "http://www.spacewar.com/archive/missile-defense/page-99.html") is None


def test_listing_urls_are_not_article_urls() -> None:
    article = re.compile(r"^/(?:reports/[A-Za-z0-9][A-Za-z0-9_\-]*\.html|news/[a-z0-9-]+-"
                         r"\d{2}[a-z]+\.html)$")
    home = get(network(), "http://www.spacedaily.com/index.html")
    listing_paths = [urlsplit(u).path for u in links(home, "http://www.spacedaily.com/")
                     if "/archive/" in u]
    assert listing_paths
    assert not any(article.match(p) for p in listing_paths)


def test_home_page_has_the_latest_headlines_and_two_cookies() -> None:
    home = get(network(), "http://www.terradaily.com/index.html")
    cookies = [v for k, v in home.headers if k == "Set-Cookie"]
    assert len(cookies) == 2
    newest = [r for r in truth() if r["site"] == "terradaily.com"][-1]
    assert newest["title"] in visible_text(home)


def test_fault_urls_are_linked_from_the_spacewar_home_page_only_on_request() -> None:
    plain = get(network(), "http://www.spacewar.com/index.html")
    assert b"/faults/" not in plain.body
    with_faults = Network(faults=True)
    home = get(with_faults, "http://www.spacewar.com/index.html")
    fault_links = [u for u in links(home, "http://www.spacewar.com/") if "/faults/" in u]
    expected = {r["url"] for r in with_faults.truth() if r["kind"] == "fault"}
    assert set(fault_links) == expected
    assert b"/faults/" not in get(with_faults, "http://www.spacedaily.com/index.html").body


def test_feed_has_the_quirks_of_the_real_feed() -> None:
    net = network()
    resource = get(net, "http://www.spacewar.com/spacewar.xml")
    raw = resource.body
    root = lxml.etree.fromstring(raw)
    assert root.tag == "rss" and root.get("version") == "2.0"
    items = root.findall("channel/item")
    assert len(items) == 15
    assert not root.findall(".//guid") and not root.findall(".//author")
    dates = {item.findtext("pubDate") for item in items}
    assert len(dates) == 1
    assert re.fullmatch(r"[A-Z][a-z]{2}, \d{2} [A-Z]{3} \d{4} \d{2}:\d{2}:\d{2} AEST", dates.pop())
    assert raw.count(b"<link><![CDATA[http://") == 15
    hosts = {urlsplit(item.findtext("link")).netloc for item in items}
    assert "www.spacewar.com" in hosts and len(hosts) > 1
    by_url = {u: r for r in truth() for u in r["urls"]}
    cut = 0
    for item in items:
        record = by_url[item.findtext("link")]
        description = item.findtext("description")
        dateline, _, rest = description.partition("<br/>")
        assert rest, description
        teaser = re.sub(r"^<img[^>]*>", "", rest)
        first_paragraph = record["text"].split("\n")[0]
        assert first_paragraph.startswith(" ".join(teaser.split()))
        cut += len(teaser) < len(first_paragraph) and teaser[-1:].isalpha()
        assert get(net, item.findtext("link")).status == 200
    assert cut > 0, "no teaser is cut mid-word"


def test_robots_redirects_images_and_404() -> None:
    net = network()
    robots = get(net, "http://www.spacewar.com/robots.txt")
    assert b"Disallow: /cgi-bin/" in robots.body
    moved = get(net, "http://spacewar.com/reports/Anything_999.html?x=1")
    assert moved.status == 301
    assert dict(moved.headers)["Location"] == "http://www.spacewar.com/reports/Anything_999.html?x=1"
    jpeg = get(net, "http://www.spxdaily.com/images-lg/photo-1.jpg")
    assert jpeg.body[:2] == b"\xff\xd8" and jpeg.body[-2:] == b"\xff\xd9"
    assert dict(jpeg.headers)["Content-Type"] == "image/jpeg"
    gif = get(net, "http://www.spxdaily.com/images/nav-1.gif")
    assert gif.body.startswith(b"GIF89a") and gif.body.endswith(b";")
    for missing in ("http://www.spacewar.com/reports/No_Such_Story_999.html",
                    "http://www.spacewar.com/news/missiles-99zz.html",
                    "http://www.spacewar.com/nothing.html", "http://www.example.com/",
                    "http://www.spacewar.com/archive/nuclear/page-01.html",
                    "http://www.spxdaily.com/nothing.txt"):
        assert get(net, missing) is None, missing


#: Outside sites the replica's pages link to (sharing boxes); nothing fetches them.
SHARING_SERVICES = frozenset({"del.icio.us", "digg.com", "reddit.com", "twitter.com"})


def test_every_link_within_the_sites_resolves() -> None:
    """Pages link only to what the replica serves, images included (no 404 noise), and
    to the sharing services of sharing boxes."""
    net = network()
    pages = ["http://www.spacewar.com/index.html", SEED_URL] + [
        r["urls"][-1] for r in truth()[::4]]
    image_count = 0
    for page in pages:
        resource = get(net, page)
        doc = lxml.html.document_fromstring(page_text(resource))
        images = [urljoin(page, src) for src in doc.xpath("//img/@src")]
        image_count += len(images)
        for link in links(resource, page) + images:
            parts = urlsplit(link)
            if parts.scheme != "http" or parts.path.startswith("/cgi-bin/"):
                continue
            if parts.hostname in SHARING_SERVICES:
                continue
            assert get(net, link) is not None, (page, link)
    assert image_count > len(pages)


def test_http_facts_vary_as_on_real_servers() -> None:
    resources_ = [get(network(), r["urls"][0]) for r in truth()]
    assert {r.chunked for r in resources_} == {True, False}
    content_types = {dict(r.headers)["Content-Type"] for r in resources_}
    assert "text/html" in content_types and any("charset" in c for c in content_types)
    assert all(r.last_modified is not None and r.last_modified.tzinfo for r in resources_)


# -- epochs ------------------------------------------------------------------------------

def test_epoch_publishes_new_stories_on_top_and_edits_a_few() -> None:
    before, after = truth(), truth(epoch=1)
    assert len(after) == len(before) + 9
    new = [r for r in after if r["epoch_published"] == 1]
    assert len(new) == 9
    edited = [r for r in after if r["epoch_modified"] == 1 and r["epoch_published"] == 0]
    assert 1 <= len(edited) <= 6
    old_by_id = {r["id"]: r for r in before}
    for record in edited:
        old = old_by_id[record["id"]]
        assert record["text"] != old["text"] and record["title"] == old["title"]
        now, then = get(network(epoch=1), record["urls"][0]), get(network(), old["urls"][0])
        assert now.body != then.body and now.last_modified > then.last_modified
    unchanged = [r for r in after if r["epoch_modified"] == 0][::5]
    for record in unchanged:
        assert get(network(epoch=1), record["urls"][0]) == get(network(), record["urls"][0])
    home = get(network(epoch=1), "http://www.spacewar.com/index.html")
    headline_order = [line for line in text_lines(home)]
    newest = [r["title"] for r in new if r["site"] == "spacewar.com"][::-1]
    positions = [headline_order.index(title) for title in newest]
    assert positions == sorted(positions) and positions[0] < 10
    feed = get(network(epoch=1), "http://www.spacewar.com/spacewar.xml").body
    assert newest[0].encode() in feed


# -- encodings --------------------------------------------------------------------------------

def test_pages_decode_without_mojibake_using_the_declared_charset() -> None:
    records = truth(articles_per_site=120)
    seen_encodings, declarations = set(), set()
    for record in records:
        resource = get(network(articles_per_site=120), record["urls"][0])
        text = page_text(resource)
        assert "\ufffd" not in text
        assert not re.search("[\x80-\x9f]", text)
        assert "â€" not in text and "Ã" not in text
        assert " ".join(record["text"].split("\n")[0].split()) in visible_text(resource)
        seen_encodings.add(record["encoding"])
        header = "charset" in dict(resource.headers)["Content-Type"]
        meta = b"charset" in resource.body[:1024]
        declarations.add((header, meta))
    assert seen_encodings == {"windows-1252", "iso-8859-1", "utf-8"}
    assert declarations == {(True, True), (True, False), (False, True)}
    typographic = [r for r in records if "\u201c" in r["text"] or "\u2019" in r["text"]]
    assert typographic
    bodies = [get(network(articles_per_site=120), r["urls"][0]).body for r in typographic]
    assert any(b"\x93" in b or b"\x92" in b for b in bodies)
    assert any(b"&#8220;" in b or b"&#8217;" in b for b in bodies)
    assert any("\u201c".encode() in b or "\u2019".encode() in b for b in bodies)


# -- the seed page -------------------------------------------------------------------

def test_seed_page_reads_like_the_seed_file() -> None:
    resource = get(network(), SEED_URL)
    assert resource is not None and resource.status == 200
    page = [_bare(line) for line in text_lines(resource)]
    seed_text = (resources.files("mirror") / "data" / "seed_page.txt").read_text("utf-8")
    seed_text = seed_text.replace("e,p3,rema.ana.hkgd.maxprotect", "protect")
    seed_lines = [_bare(line) for line in seed_text.splitlines() if line.strip()]
    position, found = 0, 0
    for line in seed_lines:
        try:
            position = page.index(line, position) + 1
            found += 1
        except ValueError:
            continue
    assert found / len(seed_lines) >= 0.95, (found, len(seed_lines))
    record = next(r for r in truth() if r["urls"] == [SEED_URL])
    assert record["layout"] == "table/bullets"
    assert [r["title"] for r in record["related_reports"]] == [
        "US tries to reassure Russia over missile shield",
        "US missile shield must enhance Polish security: minister",
        "US missile defense, Kosovo to feature at NATO-Russia meeting"]
    assert record["related_reports"][0]["place"] == "Warsaw"
    assert record["text"].startswith("Russian Foreign Minister Sergei Lavrov on Tuesday")
    assert "protect against attack" in record["text"]
    assert "Has Eastern Europe Finally Got Its Revenge With ABM Games" in record["must_not_contain"]


def _bare(line: str) -> str:
    return " ".join(line.replace("\u2022", " ").split())


# -- scale ------------------------------------------------------------------------------------

@pytest.mark.parametrize("site", ["spacewar.com", "terradaily.com"])
def test_a_large_network_serves_old_and_new_stories_without_building_everything(site: str) -> None:
    net = Network(articles_per_site=20000)
    old = net.story_truth(site, 3)
    assert "slugs" not in vars(net.stories)
    assert "/news/" in old["urls"][0]
    started = time.perf_counter()
    resource = get(net, old["urls"][0])
    assert resource.status == 200 and old["title"] in visible_text(resource)
    assert "slugs" not in vars(net.stories), "an old story needed the whole slug index"
    assert time.perf_counter() - started < 1.0
    recent = net.story_truth(site, 19990)
    assert get(net, recent["urls"][0]).status == 200
    size = net.catalogue.section_size(site, 0)
    pages = -(-size // 20)
    section = net.catalogue.section_member(site, 0, 0)
    oldest = net.story_truth(site, section)
    listing = f"http://www.{site}/archive/{_first_section(site)}/page-"
    assert oldest["title"] in visible_text(get(net, f"{listing}{pages}.html"))
    assert get(net, f"{listing}{pages + 1}.html") is None


def _first_section(site: str) -> str:
    return {"spacewar.com": "missile-defense", "terradaily.com": "climate"}[site]
