"""Downloader middlewares that change no archived byte but what the spider gets."""

from __future__ import annotations

import gzip

from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.http import HtmlResponse, Request, Response
from scrapy.utils.test import get_crawler

from crawler.middlewares import PlainCompressedResponse
from crawler.spiders.network import NetworkSpider

PAGE = "<html><body><p>Caf\u00e9 \u2014 \u201cquoted\u201d</p></body></html>".encode()


def decompress(response: Response) -> Response:
    crawler = get_crawler(NetworkSpider)
    crawler.spider = crawler._create_spider()
    middleware = HttpCompressionMiddleware.from_crawler(crawler)
    return middleware.process_response(response.request, response)


def test_compressed_text_response_becomes_plain_then_decodes_to_html():
    request = Request("http://www.spacewar.com/reports/X_999.html")
    compressed = HtmlResponse(
        request.url, body=gzip.compress(PAGE), request=request,
        headers={"Content-Type": "text/html", "Content-Encoding": "gzip"},
        ip_address=None, protocol="HTTP/1.1",
    )
    plain = PlainCompressedResponse().process_response(request, compressed)
    assert type(plain) is Response
    assert plain.body == compressed.body and plain.headers == compressed.headers
    assert plain.protocol == "HTTP/1.1" and plain.request is request
    decoded = decompress(plain)
    assert isinstance(decoded, HtmlResponse)
    assert decoded.text == PAGE.decode()


def test_uncompressed_response_passes_through_untouched():
    request = Request("http://www.spacewar.com/index.html")
    response = HtmlResponse(request.url, body=PAGE, request=request,
                            headers={"Content-Type": "text/html; charset=utf-8"})
    assert PlainCompressedResponse().process_response(request, response) is response
