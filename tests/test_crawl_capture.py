"""How Scrapy's request and response become an HttpExchange (the cases a crawl of the
replica through its proxy does not reach: direct requests, odd ports, unknown statuses)."""

from __future__ import annotations

from scrapy import Request
from scrapy.http import HtmlResponse

from crawler.capture import exchange_from_scrapy


def response_for(request: Request, status: int = 200, flags=None, headers=None) -> HtmlResponse:
    return HtmlResponse(
        request.url, status=status, body=b"\x1f\x8bpayload", request=request,
        headers=headers or {}, flags=flags, protocol="HTTP/1.0",
    )


def test_direct_request_uses_origin_form_and_adds_host():
    request = Request(
        "http://www.spacewar.com:8080/reports/A_999.html?page=2#top",
        headers={"User-Agent": "ua", "Proxy-Authorization": "Basic c2VjcmV0"},
    )
    exchange = exchange_from_scrapy(request, response_for(request))
    assert exchange.request_target == "/reports/A_999.html?page=2"
    assert exchange.url == "http://www.spacewar.com:8080/reports/A_999.html?page=2"  # no #top
    assert exchange.request_headers[-1] == ("Host", "www.spacewar.com:8080")
    assert ("User-Agent", "ua") in exchange.request_headers
    assert all(name != "Proxy-Authorization" for name, _ in exchange.request_headers)
    assert exchange.protocol == "HTTP/1.0"


def test_proxied_request_uses_absolute_form():
    request = Request("http://spacewar.com/", meta={"proxy": "http://127.0.0.1:9"})
    exchange = exchange_from_scrapy(request, response_for(request, status=301))
    assert exchange.request_target == "http://spacewar.com/"
    assert ("Host", "spacewar.com") in exchange.request_headers
    assert exchange.reason == "Moved Permanently"


def test_every_header_value_is_kept_and_status_phrases_rebuilt():
    request = Request("http://www.spacewar.com/index.html")
    headers = {"Set-Cookie": ["a=1", "b=2"], "Content-Encoding": "gzip"}
    exchange = exchange_from_scrapy(request, response_for(request, 599, headers=headers))
    assert [v for k, v in exchange.response_headers if k == "Set-Cookie"] == ["a=1", "b=2"]
    assert exchange.reason == ""
    assert exchange.payload == b"\x1f\x8bpayload"
    assert exchange_from_scrapy(request, response_for(request, 418)).reason == "I'm a Teapot"


def test_bodies_cut_short_are_marked_truncated():
    request = Request("http://www.spacewar.com/index.html")
    assert exchange_from_scrapy(request, response_for(request)).truncated is None
    lost = response_for(request, flags=["dataloss"])
    assert exchange_from_scrapy(request, lost).truncated == "disconnect"
    request.meta["archive_truncate_at"] = 4
    cut = exchange_from_scrapy(request, response_for(request, flags=["download_stopped"]))
    assert (cut.truncated, cut.payload) == ("length", b"\x1f\x8bpa")
