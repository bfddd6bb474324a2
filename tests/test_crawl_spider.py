"""The `network` spider's callbacks on pages the replica does not serve."""

from __future__ import annotations

from scrapy.http import HtmlResponse, Request, TextResponse
from scrapy.utils.test import get_crawler

from crawler.spiders.network import NetworkSpider, seen_key


def spider(**settings) -> NetworkSpider:
    crawler = get_crawler(NetworkSpider, settings_dict=settings)
    return NetworkSpider.from_crawler(crawler)


def test_stylesheet_references_on_network_hosts_become_requisites():
    css = (b"@import 'print.css'; body { background: url(\"/img/bg.png\") }"
           b" .logo { background: url( http://spxdaily.com/images/logo.gif ) }"
           b" .ad { background: url(http://ads.example.org/x.png) }"
           b" .dot { background: url(data:image/png;base64,AAAA) }")
    url = "http://www.spacewar.com/css/spacewar.css"
    response = TextResponse(url, body=css, headers={"Content-Type": "text/css"},
                            request=Request(url))
    requests = list(spider().parse_requisite(response))
    assert [r.url for r in requests] == [
        "http://www.spacewar.com/css/print.css",
        "http://www.spacewar.com/img/bg.png",
        "http://www.spxdaily.com/images/logo.gif",
    ]
    assert {r.meta["page_kind"] for r in requests} == {"requisite"}


def test_story_pages_yield_only_stories_of_the_selected_sites_and_requisites():
    html = b"""<html><head><link rel="stylesheet" href="/css/x.css"></head><body>
    <a href="/archive/nuclear/index.html">section</a>
    <a href="http://spacewar.com/reports/Other_Story_999.html">other</a>
    <a href="http://www.terradaily.com/reports/Sister_Story_999.html">sister</a>
    <img src="http://www.spxdaily.com/images-lg/x.jpg"></body></html>"""
    url = "http://www.spacewar.com/reports/This_Story_999.html"
    response = HtmlResponse(url, body=html, request=Request(url, meta={"page_kind": "story"}))
    requests = list(spider(ARCHIVE_SITES=["spacewar"]).parse(response))
    # Requisites first (a replayed page is whole sooner), then stories; in page order.
    assert [(r.url, r.meta["page_kind"]) for r in requests] == [
        ("http://www.spacewar.com/css/x.css", "requisite"),
        ("http://www.spxdaily.com/images-lg/x.jpg", "requisite"),
        ("http://www.spacewar.com/reports/Other_Story_999.html", "story"),
    ]


def test_lazily_loaded_photos_and_every_size_a_srcset_offers_are_requisites():
    """A photo's address may be in ``data-src`` (a placeholder in ``src``), its sizes in a
    ``srcset``: a browser may ask for any of them, so replay needs them all."""
    blank = "data:image/gif;base64,R0lGODlhAQABAAAAACH5BAEKAAEALAAAAAABAAEAAAICTAEAOw=="
    html = f"""<html><body>
    <img src="{blank}" data-src="/images-lg/lazy.jpg"><noscript><img src="/images-lg/lazy.jpg">
    </noscript><img data-original="http://www.spxdaily.com/images-lg/old.jpg" src="/blank.gif">
    <img src="/images-lg/b.jpg" srcset="/images-sm/b.jpg 400w, /images-lg/b.jpg 800w">
    <picture><source srcset="http://www.spxdaily.com/images-sm/c.webp 1x,
      http://www.spxdaily.com/images-lg/c.webp 2x"><img src="/images-lg/c.jpg"></picture>
    </body></html>""".encode()
    url = "http://www.spacewar.com/reports/This_Story_999.html"
    response = HtmlResponse(url, body=html, request=Request(url, meta={"page_kind": "story"}))
    requests = list(spider(ARCHIVE_SITES=["spacewar"]).parse(response))
    assert {r.meta["page_kind"] for r in requests} == {"requisite"}
    assert sorted(r.url for r in requests) == sorted([
        "http://www.spacewar.com/images-lg/lazy.jpg",
        "http://www.spxdaily.com/images-lg/old.jpg",
        "http://www.spacewar.com/blank.gif",
        "http://www.spacewar.com/images-lg/b.jpg",
        "http://www.spacewar.com/images-sm/b.jpg",
        "http://www.spxdaily.com/images-sm/c.webp",
        "http://www.spxdaily.com/images-lg/c.webp",
        "http://www.spacewar.com/images-lg/c.jpg",
    ])


def test_hub_paths_end_after_the_barren_limit():
    crawl = spider(HUB_BARREN_LIMIT=2)
    html = b'<a href="/calendar/next.html">next</a><a href="/reports/Known_999.html">s</a>'
    crawl._claim("http://www.spacewar.com/reports/Known_999.html")
    url = "http://www.spacewar.com/calendar/now.html"
    followed = []
    for barren in (0, 1, 2):
        response = HtmlResponse(url, body=html, request=Request(url, meta={"barren": barren}))
        crawl.seen.discard(seen_key("http://www.spacewar.com/calendar/next.html"))
        followed.append([r.meta["barren"] for r in crawl.parse(response)])
    assert followed == [[1], [2], []]


def test_every_request_shares_one_callback_object_per_kind():
    """Scrapy caches its parse of a callback's source per callable object: requests
    that each carried a fresh bound method made it parse the source per response."""
    from scrapy.utils.misc import is_generator_with_return_value

    network = spider()
    page, other_page = (network._request(f"http://www.spacewar.com/reports/S_{n}.html", "story")
                        for n in (1, 2))
    image = network._request("http://www.spxdaily.com/images-lg/x.jpg", "requisite")
    assert page.callback is other_page.callback
    assert page.errback is other_page.errback is image.errback
    assert image.callback is not page.callback
    assert not is_generator_with_return_value(page.callback)
